/* committed_file.h -- a JSON-lines file that only ever holds committed data.
 *
 * Lines written between two checkpoints go to an in-progress part file
 * beside the target (<path>.parts/). At checkpoint N's barrier the part is
 * fsynced and renamed part-N.pending (phase one); when N completes its bytes
 * are appended to the target and fsynced, and the part is deleted (phase
 * two). Restoring checkpoint N truncates the target to the length N
 * recorded, which removes anything a crash left half-appended, and drops
 * every part: replay regenerates them. */
#ifndef SL_COMMITTED_FILE_H
#define SL_COMMITTED_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"

typedef struct sl_committed_file sl_committed_file;

sl_committed_file *sl_committed_file_open(const char *path, char *errstr, size_t errstr_size);
void sl_committed_file_close(sl_committed_file *f);
const char *sl_committed_file_path(const sl_committed_file *f);

/* Append one line (a newline is added) to the in-progress part. */
sl_err sl_committed_file_write(sl_committed_file *f, const char *line, size_t len, char *errstr, size_t errstr_size);
/* Phase one for checkpoint id. Returns, in *length_after_commit, the target's
 * length once this checkpoint is committed (recorded in the snapshot). */
sl_err sl_committed_file_precommit(sl_committed_file *f, int64_t id, uint64_t *length_after_commit,
                                   char *errstr, size_t errstr_size);
/* Phase two: append part-<id>.pending to the target. Idempotent. */
sl_err sl_committed_file_commit(sl_committed_file *f, int64_t id, char *errstr, size_t errstr_size);
/* Back to a committed state: truncate the target to `length` (0 = a fresh
 * start) and delete every part. */
sl_err sl_committed_file_reset(sl_committed_file *f, uint64_t length, char *errstr, size_t errstr_size);

#endif
