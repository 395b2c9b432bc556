/* savepoint.h -- a savepoint: a complete checkpoint copied out of the
 * checkpoint directory, so that retention never deletes it.
 *
 * The copy hard-links every file (checkpoint files are written once and
 * never modified: RocksDB SSTs, the metadata) and falls back to copying
 * bytes across file systems. `sluice run --from-savepoint DIR` restores it. */
#ifndef SL_SAVEPOINT_H
#define SL_SAVEPOINT_H

#include <stddef.h>

#include "engine/error.h"

/* Copy the directory tree src to dst (which must not exist yet): written
 * under dst.tmp, fsynced and renamed, so dst is complete or absent. */
sl_err sl_savepoint_copy(const char *src, const char *dst, char *errstr, size_t errstr_size);

#endif
