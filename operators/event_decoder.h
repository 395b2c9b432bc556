/* event_decoder.h -- one input record (bytes) to a valid sl_event, or a dead letter saying why.
 *
 * Every source decodes through this: the format comes from source.format
 * (json | avro, Confluent wire format), the limits from source.max_record_bytes,
 * source.min_timestamp_ms and source.max_future_ms, and both formats end in
 * the same sl_event_validate (operators/event_json.h). A record that fails
 * becomes a dead letter carrying the reason sentence; the reason's kind (a
 * small fixed set, see sl_dead_reason) labels sluice_dead_letters_total.
 *
 *     sl_event_decoder *dec;
 *     sl_event_decoder_new(ctx->conf, ctx->metrics, &dec, errstr, sizeof(errstr));
 *     ...
 *     if (sl_event_decoder_decode(dec, data, len, ev, &out->arena) != SL_OK)
 *         sl_event_decoder_dead_letter(dec, dead, payload, source, partition, offset);
 *
 * A decoder is single-threaded (one per source instance); after warm-up the
 * Avro path allocates nothing but the event's strings in the batch arena.
 * See docs/dead-letters.md. */
#ifndef SL_EVENT_DECODER_H
#define SL_EVENT_DECODER_H

#include <stddef.h>
#include <stdint.h>

#include "engine/batch.h"
#include "engine/conf.h"
#include "engine/error.h"
#include "engine/metrics.h"
#include "engine/record.h"

/* Why a record became a dead letter; the label is the metric's reason value. */
typedef enum sl_dead_reason {
    SL_DEAD_OVERSIZED = 0,     /* "oversized": larger than source.max_record_bytes */
    SL_DEAD_NOT_JSON,          /* "not_json": JSON that does not parse (or is not UTF-8) */
    SL_DEAD_WRONG_MAGIC,       /* "wrong_magic": not Confluent Avro (first byte not 0x00) */
    SL_DEAD_UNKNOWN_SCHEMA,    /* "unknown_schema": schema id unknown or not readable as an event */
    SL_DEAD_CORRUPT_AVRO,      /* "corrupt_avro": truncated or corrupt header, body or framing */
    SL_DEAD_MISSING_FIELD,     /* "missing_field": a required field is absent */
    SL_DEAD_WRONG_TYPE,        /* "wrong_type": a field (or the record) has the wrong JSON type */
    SL_DEAD_BAD_EVENT_TYPE,    /* "bad_event_type": event_type outside the enum */
    SL_DEAD_BAD_TIMESTAMP,     /* "bad_timestamp": before source.min_timestamp_ms or too far ahead */
    SL_DEAD_INVALID_VALUE,     /* "invalid_value": anything else (empty id, negative duration) */
    SL_DEAD_REASON_COUNT
} sl_dead_reason;

const char *sl_dead_reason_label(sl_dead_reason kind);
/* The kind of a reason sentence written by sluice's decoders (JSON, Avro,
 * framing). Sentences are matched by their fixed beginnings; anything
 * unrecognised is SL_DEAD_INVALID_VALUE. */
sl_dead_reason sl_dead_reason_classify(sl_str reason);

typedef enum sl_event_format { SL_EVENT_FORMAT_JSON = 0, SL_EVENT_FORMAT_AVRO } sl_event_format;

typedef struct sl_event_decoder sl_event_decoder;

/* From conf (NULL: JSON with default limits): source.format, the source.*
 * limits and, for Avro, the avro.* registry keys. metrics may be NULL; else
 * one sluice_dead_letters_total series per reason kind is taken here. */
sl_err sl_event_decoder_new(const sl_conf *conf, sl_metrics *metrics, sl_event_decoder **out,
                            char *errstr, size_t errstr_size);
void sl_event_decoder_free(sl_event_decoder *dec);
sl_event_format sl_event_decoder_format(const sl_event_decoder *dec);
size_t sl_event_decoder_max_record_bytes(const sl_event_decoder *dec);
/* The wall clock the future-timestamp check compares with (0 = read the
 * clock per record); sources set it once per poll. */
void sl_event_decoder_set_now(sl_event_decoder *dec, int64_t now_ms);

/* Decode and validate one record into ev (strings into arena, hashes
 * derived). On failure ev is undefined and the reason is kept for
 * sl_event_decoder_reason / sl_event_decoder_dead_letter. */
sl_err sl_event_decoder_decode(sl_event_decoder *dec, const void *data, size_t len, sl_event *ev,
                               sl_arena *arena);
/* Fail without decoding: the caller could not read the record whole (an
 * oversized line of `total_len` bytes, a cut frame); reason is a sentence. */
void sl_event_decoder_reject(sl_event_decoder *dec, sl_dead_reason kind, const char *reason);
const char *sl_event_decoder_reason(const sl_event_decoder *dec);
sl_dead_reason sl_event_decoder_reason_kind(const sl_event_decoder *dec);

/* Append the last failure to `dead` (which must not be full) as a dead letter
 * of payload from (source, partition, offset), stamped with the wall clock,
 * and count it in sluice_dead_letters_total{reason=<kind>}. */
sl_dead_letter *sl_event_decoder_dead_letter(sl_event_decoder *dec, sl_batch *dead, sl_str payload,
                                             sl_str source, int32_t partition, int64_t offset);

#endif
