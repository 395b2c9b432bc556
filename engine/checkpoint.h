/* checkpoint.h -- checkpoints on disk: metadata, completion, discovery, retention.
 *
 * Layout under the checkpoint directory:
 *   chk-<N>/state-<stage>-<subtask>/   keyed state snapshot of one worker
 *   chk-<N>/_pending                   metadata, durable, not yet complete
 *   chk-<N>/_metadata                  the same file renamed: N is complete
 * The metadata file is one JSON document followed by a line with its XXH64
 * checksum; a file whose checksum does not match is ignored with a log line.
 * See docs/checkpoints.md for the protocol. */
#ifndef SL_CHECKPOINT_H
#define SL_CHECKPOINT_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/error.h"
#include "engine/operator.h"

#define SL_CKPT_MAX_CHAIN 8

/* What one worker (stage, subtask) contributed to a checkpoint. */
typedef struct sl_ckpt_task {
    uint32_t stage, subtask;
    uint32_t n_blobs;                    /* one per chained operator (the source's for stage 0) */
    sl_buf blobs[SL_CKPT_MAX_CHAIN];
    bool has_state;                      /* state-<stage>-<subtask>/ exists */
} sl_ckpt_task;

typedef struct sl_ckpt_meta {
    int64_t id;
    int64_t time_ms;
    bool final;                          /* taken at the end of a bounded input or a stop */
    bool end_of_input;                   /* … and every source had reached its end */
    uint32_t n_stages;
    uint32_t parallelism[8];
    uint32_t n_tasks;
    sl_ckpt_task *tasks;
} sl_ckpt_meta;

void sl_ckpt_meta_free(sl_ckpt_meta *m);

/* "<root>/chk-<id>" into buf. */
void sl_ckpt_path(const char *root, int64_t id, char *buf, size_t size);

/* Step 1 of the protocol: write chk-<id>/_pending and fsync it and the dir. */
sl_err sl_ckpt_write_pending(const char *root, const sl_ckpt_meta *m, char *errstr, size_t errstr_size);
/* Step 3: rename _pending to _metadata (and fsync): the checkpoint is complete. */
sl_err sl_ckpt_mark_complete(const char *root, int64_t id, char *errstr, size_t errstr_size);

/* The newest complete checkpoint (-1 when none) and the newest durable
 * pending one newer than it (-1 when none). Damaged ones are logged and skipped. */
void sl_ckpt_find(const char *root, int64_t *complete_id, int64_t *pending_id);

/* Load and verify the metadata of chk-<id> (complete or pending). */
sl_err sl_ckpt_load(const char *root, int64_t id, sl_ckpt_meta *out, char *errstr, size_t errstr_size);
/* Load a checkpoint or savepoint directory given by path. */
sl_err sl_ckpt_load_dir(const char *dir, sl_ckpt_meta *out, char *errstr, size_t errstr_size);

/* Delete all but the newest `keep` complete checkpoints, and anything older
 * than the newest complete one that never completed. */
void sl_ckpt_retain(const char *root, int keep);

/* Delete every checkpoint newer than id: attempts of a crashed run that
 * never completed (their ids are used again). */
void sl_ckpt_discard_newer(const char *root, int64_t id);

/* mkdir -p */
sl_err sl_mkdirs(const char *path, char *errstr, size_t errstr_size);
/* rm -rf */
void sl_remove_tree(const char *path);

#endif
