/* result_encoder.h -- result records as sink bytes: JSON lines or Confluent Avro, by sink.format.
 *
 * Sinks (file, Kafka) encode page analytics, Top-N, late events and dead
 * letters through one object:
 *   json  the JSON lines of operators/result_json.h (no trailing newline);
 *   avro  Confluent wire records: PageAnalytics, TopPages, DeadLetter, and a
 *         late event as its ClickstreamEvent (so a late-events topic can be
 *         read back like the input). The writer schemas are registered (or
 *         looked up in the local registry) when the encoder is made, so a bad
 *         registry fails the job at start, not at the first window.
 * A dead letter on Kafka also carries headers naming where it came from
 * (sl_dead_letter_headers). Single-threaded; the output buffer is reused. */
#ifndef SL_RESULT_ENCODER_H
#define SL_RESULT_ENCODER_H

#include <stddef.h>
#include <stdint.h>

#include "engine/batch.h"
#include "engine/conf.h"
#include "engine/error.h"
#include "engine/record.h"

typedef struct sl_result_encoder sl_result_encoder;

/* From sink.format (json | avro) and the avro.* keys; conf NULL = json. */
sl_err sl_result_encoder_new(const sl_conf *conf, sl_result_encoder **out, char *errstr, size_t errstr_size);
void sl_result_encoder_free(sl_result_encoder *enc);
/* true when the encoder writes Avro (binary values, no line framing). */
int sl_result_encoder_is_avro(const sl_result_encoder *enc);
/* Encode one record of `kind` (page stats, Top-N, late event, dead letter);
 * *data and *len stay valid until the next call. */
sl_err sl_result_encoder_encode(sl_result_encoder *enc, sl_batch_kind kind, const void *record,
                                const uint8_t **data, size_t *len, char *errstr, size_t errstr_size);

/* Kafka headers of a dead letter, in this order (docs/dead-letters.md):
 *   sluice.dlq.reason     the reason sentence
 *   sluice.dlq.kind       its kind (sl_dead_reason_label: "not_json", …)
 *   sluice.dlq.source     the topic (or file) it was read from
 *   sluice.dlq.partition  decimal, -1 for files
 *   sluice.dlq.offset     decimal Kafka offset (or byte offset in a file)
 *   sluice.dlq.time       decimal ms since the epoch when it was dead-lettered
 * Values are not NUL-terminated; they point into the dead letter or `h`. */
#define SL_DLQ_HEADER_PREFIX "sluice.dlq."
#define SL_DEAD_LETTER_HEADER_COUNT 6
/* A late event written as Avro (its ClickstreamEvent only) carries the
 * watermark that judged it late in this header, decimal. */
#define SL_LATE_HEADER_WATERMARK "sluice.watermark"
typedef struct sl_dead_letter_headers {
    struct {
        const char *name;
        const char *value;
        size_t len;
    } h[SL_DEAD_LETTER_HEADER_COUNT];
    char numbers[3][24];
} sl_dead_letter_headers;
void sl_dead_letter_headers_fill(const sl_dead_letter *d, sl_dead_letter_headers *out);

#endif
