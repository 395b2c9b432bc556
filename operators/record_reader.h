/* record_reader.h -- framed records from a file in bounded memory: JSON lines or length-prefixed.
 *
 * Framings:
 *   lines   one record per line ('\n', a trailing '\r' is dropped; empty
 *           lines are skipped), the JSON-lines form of events;
 *   length  each record preceded by its length as 4 bytes big-endian, the
 *           form `sluice avro encode --framing length` writes.
 * Memory stays bounded by max_record_bytes whatever the file holds: a record
 * longer than that is skipped while it is read (SL_RECORD_OVERSIZED), keeping
 * only its first SL_RECORD_KEEP_BYTES for the dead letter. */
#ifndef SL_RECORD_READER_H
#define SL_RECORD_READER_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"

#define SL_RECORD_KEEP_BYTES 4096   /* kept of an oversized or cut record */

typedef enum sl_framing { SL_FRAMING_LINES = 0, SL_FRAMING_LENGTH } sl_framing;

typedef enum sl_record_status {
    SL_RECORD_OK = 0,      /* a whole record */
    SL_RECORD_OVERSIZED,   /* longer than max_record_bytes: data holds its first bytes */
    SL_RECORD_CUT,         /* the file ends inside the record (or its length prefix) */
    SL_RECORD_END,         /* no more records */
    SL_RECORD_ERROR        /* reading failed; errstr says why */
} sl_record_status;

typedef struct sl_record {
    const uint8_t *data;   /* valid until the next call */
    size_t len;
    int64_t offset;        /* byte offset of the record (its line, or its length prefix) */
    uint64_t total_len;    /* the record's full length (declared length for `length`) */
} sl_record;

typedef struct sl_record_reader sl_record_reader;

sl_record_reader *sl_record_reader_open(const char *path, sl_framing framing, size_t max_record_bytes,
                                        char *errstr, size_t errstr_size);
void sl_record_reader_close(sl_record_reader *r);
sl_record_status sl_record_reader_next(sl_record_reader *r, sl_record *rec, char *errstr, size_t errstr_size);
/* Byte offset of the next record (where a checkpoint resumes). */
int64_t sl_record_reader_offset(const sl_record_reader *r);
/* Continue at `offset`, which must be a record start (a checkpointed offset). */
sl_err sl_record_reader_seek(sl_record_reader *r, int64_t offset, char *errstr, size_t errstr_size);
/* "lines" / "length" → framing; false for anything else. */
int sl_framing_parse(const char *name, sl_framing *out);

#endif
