/* exchange_record.h -- the records of the scale-out exchange topic (<job.id>-exchange).
 *
 * In scale-out mode (docs/kafka.md, "Scale-out across processes") every
 * process decodes its share of clickstream-events and forwards the result to
 * one internal topic, which the process holding the aggregation reads. Each
 * record names the input record it came from -- source partition and offset
 * -- because the forwarding is at-least-once and the reader drops what it
 * has seen (offsets of one source partition only grow, so "offset <= largest
 * seen" is a duplicate).
 *
 * Layout (all integers little-endian, strings as u32 length + bytes, length
 * 0xffffffff for null):
 *   u8 magic 0xE5, u8 version 1, u8 kind, i32 source partition,
 *   i64 source offset, then by kind:
 *   EVENT:        i64 timestamp_ms, i64 session_duration_ms, u8 event_type,
 *                 8 strings: event_id user_id session_id page product_id ip
 *                 user_agent referrer
 *   DEAD_LETTER:  i64 time_ms, 3 strings: reason source payload
 *   END:          i32 partition count of the source topic (the source
 *                 partition reached the end offset of a bounded run; the
 *                 offset field is that end offset)
 *   IDLE:         nothing (the source partition has been read to its end
 *                 for watermark.idle_timeout_ms: it stops holding the
 *                 watermark back until its next record; offset = position)
 * The reader treats the topic as untrusted input: every length is checked. */
#ifndef SL_EXCHANGE_RECORD_H
#define SL_EXCHANGE_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "engine/arena.h"
#include "engine/operator.h"
#include "engine/record.h"

typedef enum sl_exchange_kind {
    SL_EXCHANGE_EVENT = 1,
    SL_EXCHANGE_DEAD_LETTER = 2,
    SL_EXCHANGE_END = 3,
    SL_EXCHANGE_IDLE = 4,
} sl_exchange_kind;

typedef struct sl_exchange_record {
    sl_exchange_kind kind;
    int32_t partition;            /* of the source topic */
    int64_t offset;               /* of the source record (END: the end offset) */
    int32_t partition_count;      /* END only */
    sl_event event;               /* EVENT only; strings point into the input bytes */
    sl_dead_letter dead;          /* DEAD_LETTER only; partition/offset/source as forwarded */
} sl_exchange_record;

/* Encode into out (reset first). No allocation once out has grown. */
void sl_exchange_encode_event(sl_buf *out, int32_t partition, int64_t offset, const sl_event *ev);
void sl_exchange_encode_dead_letter(sl_buf *out, int32_t partition, int64_t offset, const sl_dead_letter *d);
void sl_exchange_encode_end(sl_buf *out, int32_t partition, int64_t end_offset, int32_t partition_count);
void sl_exchange_encode_idle(sl_buf *out, int32_t partition, int64_t position);

/* Decode `len` bytes. Strings are views into `data` (copy them before data
 * goes away). Returns SL_OK or SL_ERR_PARSE with a reason sentence. */
sl_err sl_exchange_decode(const void *data, size_t len, sl_exchange_record *rec, char *reason, size_t reason_size);

#endif
