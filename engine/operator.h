/* operator.h -- the plugin interface of sources, operators and sinks.
 *
 * Like Fluent Bit's plugins, each operator is a table of callbacks with a name
 * and a one-line description, registered once in operators/registry.c;
 * adding one touches no engine code. The engine calls every callback of one
 * operator instance from one thread, so instances need no locking.
 *
 * Records arrive in batches. An operator emits through the sl_emitter it is
 * given: either a fresh record (sl_emit) or a whole input batch passed on
 * unchanged (sl_emit_forward). Watermarks and checkpoint barriers are handled
 * by the engine; operators see them as callbacks. */
#ifndef SL_OPERATOR_H
#define SL_OPERATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/batch.h"
#include "engine/conf.h"
#include "engine/error.h"

#define SL_WATERMARK_MIN INT64_MIN
#define SL_WATERMARK_MAX INT64_MAX   /* end of input: every window fires */

typedef struct sl_state_backend sl_state_backend;
typedef struct sl_metrics sl_metrics;
typedef struct sl_emitter sl_emitter;
typedef struct sl_readiness sl_readiness;

/* What an instance knows about where it runs. */
typedef struct sl_operator_ctx {
    const char *name;            /* "page_window#1": operator name and subtask */
    uint32_t subtask;
    uint32_t parallelism;
    const sl_conf *conf;
    sl_state_backend *state;     /* keyed state of this subtask (NULL for sources/sinks) */
    sl_metrics *metrics;         /* may be NULL */
    sl_readiness *readiness;     /* engine-owned, for sl_operator_set_ready (may be NULL) */
} sl_operator_ctx;

/* Sources and sinks that connect to something (Kafka) tell /readyz whether
 * they are connected: waiting_for is a static string ("partition
 * assignment"), NULL once ready. Anything that never calls it is ready after
 * cb_init. Any thread; lock-free. */
void sl_operator_set_ready(const sl_operator_ctx *ctx, const char *waiting_for);

/* A growable byte buffer for snapshots. */
typedef struct sl_buf {
    uint8_t *data;
    size_t len, cap;
} sl_buf;
void sl_buf_append(sl_buf *b, const void *data, size_t len);
void sl_buf_append_u64(sl_buf *b, uint64_t v);
void sl_buf_free(sl_buf *b);
/* Reading a snapshot: returns false (and leaves *v alone) when too short. */
typedef struct sl_buf_reader {
    const uint8_t *p, *end;
} sl_buf_reader;
bool sl_buf_read(sl_buf_reader *r, void *out, size_t len);
bool sl_buf_read_u64(sl_buf_reader *r, uint64_t *v);

/* ---- emitting ---- */

/* A zeroed record slot of `kind` in the current output batch; strings for it
 * go into *batch_out's arena (sl_batch_copy_str). */
void *sl_emit(sl_emitter *out, sl_batch_kind kind, sl_batch **batch_out);
/* Emit a deep copy of a record of `kind` that lives elsewhere (strings copied). */
void sl_emit_copy(sl_emitter *out, sl_batch_kind kind, const void *record);
/* Hand an input batch downstream unchanged; the caller must not touch it after. */
void sl_emit_forward(sl_emitter *out, sl_batch *batch);

/* ---- sources ---- */

typedef enum sl_source_status {
    SL_SOURCE_MORE = 0,   /* produced records (or may have more soon) */
    SL_SOURCE_IDLE,       /* nothing right now; the engine will poll again */
    SL_SOURCE_WAITING,    /* nothing yet, and input older than the watermark may still
                           * come (a Kafka reader the group has not answered): never
                           * marked idle, so it keeps holding downstream watermarks */
    SL_SOURCE_END,        /* bounded input exhausted */
    SL_SOURCE_ERROR       /* errstr says why; the job fails */
} sl_source_status;

typedef struct sl_source_plugin {
    const char *name;
    const char *description;
    /* The number of parallel readers this source supports (e.g. file: 1,
     * generator: 1, Kafka: any). */
    sl_err (*cb_init)(sl_operator_ctx *ctx, void **self, char *errstr, size_t errstr_size);
    /* Polls wait on the network (a consumer's fetches, group rebalances and
     * offset queries): each subtask gets a worker thread of its own, so
     * another subtask's wait never delays it, nor the operators. */
    bool own_thread;
    /* Fill `out` (an empty batch of kind SL_BATCH_EVENTS, possibly up to its
     * capacity) and report the source's watermark after these records
     * (min over its partitions; SL_WATERMARK_MIN while unknown). Records that
     * cannot become valid events go to `dead_letters` (kind
     * SL_BATCH_DEAD_LETTERS) when it has room, else stay for the next poll.
     * Return SL_SOURCE_IDLE when nothing is there; the worker polls again
     * about a millisecond later. After idle_timeout_ms of that, the source
     * stops holding back downstream watermarks; a source that may still be
     * handed older input returns SL_SOURCE_WAITING instead. Never wait for data, unless own_thread is
     * set: the worker thread that polls also runs other tasks. */
    sl_source_status (*cb_poll)(void *self, sl_batch *out, sl_batch *dead_letters,
                                int64_t *watermark, char *errstr, size_t errstr_size);
    /* Position for a checkpoint (file offset, generator index, Kafka offsets). */
    sl_err (*cb_snapshot)(void *self, sl_buf *out);
    /* Restore from the positions of every old reader (several when the
     * parallelism changed); keep what this reader owns. */
    sl_err (*cb_restore)(void *self, const sl_buf *const *snapshots, size_t n,
                         char *errstr, size_t errstr_size);
    /* A checkpoint completed (sources that commit offsets externally). */
    void (*cb_checkpoint_complete)(void *self, int64_t checkpoint_id);
    void (*cb_destroy)(void *self);
} sl_source_plugin;

/* ---- operators (including sinks, which simply emit nothing) ---- */

typedef struct sl_operator_plugin {
    const char *name;
    const char *description;
    bool is_sink;
    sl_err (*cb_init)(sl_operator_ctx *ctx, void **self, char *errstr, size_t errstr_size);
    /* Process one batch. The operator owns `in` only for the call, unless it
     * passes it on with sl_emit_forward. */
    sl_err (*cb_process)(void *self, sl_batch *in, sl_emitter *out, char *errstr, size_t errstr_size);
    /* The input watermark advanced to wm: fire event-time timers ≤ wm. Called
     * with SL_WATERMARK_MAX at end of input. */
    sl_err (*cb_watermark)(void *self, int64_t wm, sl_emitter *out, char *errstr, size_t errstr_size);
    /* Checkpoint barrier: write non-keyed state to `out` (keyed state lives in
     * the backend and is snapshotted by the engine). Sinks pre-commit here:
     * everything written so far must be durable (phase one). */
    sl_err (*cb_snapshot)(void *self, int64_t checkpoint_id, sl_buf *out,
                          char *errstr, size_t errstr_size);
    /* Restore from every old subtask's blob (union redistribution). */
    sl_err (*cb_restore)(void *self, int64_t checkpoint_id, const sl_buf *const *snapshots, size_t n,
                         char *errstr, size_t errstr_size);
    /* Phase two: make checkpoint N's output visible (file: append the part;
     * Kafka: commit the transaction that also records N). The engine marks N
     * complete only after this succeeds (see ../shared/EXACTLY-ONCE.md and
     * docs/checkpoints.md). */
    sl_err (*cb_checkpoint_complete)(void *self, int64_t checkpoint_id, char *errstr, size_t errstr_size);
    /* Recovery: the newest checkpoint whose output this sink committed
     * externally (-1 when none or unknown). Called after cb_init and before
     * cb_restore; when it names a checkpoint that is durable on disk but not
     * yet marked complete, the engine completes and restores that one. */
    int64_t (*cb_last_committed)(void *self);
    void (*cb_destroy)(void *self);
} sl_operator_plugin;

/* The registry (operators/registry.c). */
const sl_source_plugin *sl_find_source(const char *name);
const sl_operator_plugin *sl_find_operator(const char *name);
void sl_list_operators(FILE *out);

#endif
