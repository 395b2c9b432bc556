/* result_decoder.h -- a value read back from a results topic as the JSON line `sluice verify` reads.
 *
 * The Kafka sink writes JSON lines or Confluent Avro (sink.format); a reader
 * (`sluice results`) tells them apart by the first byte: 0x00 is the Avro
 * magic byte, a JSON line starts with '{'. Avro values are decoded through
 * the same registry as the writer (avro.* keys) in their writer schema and
 * printed as the JSON line of the same record: PageAnalytics → "page_analytics",
 * TopPages → "top_pages", DeadLetter → "dead_letter", and a ClickstreamEvent
 * (a late event) → {"type":"late_event","watermark":W,"event":{…}} with W from
 * the record's sluice.watermark header. Not for hot paths: a line is built
 * with jansson per record. */
#ifndef SL_RESULT_DECODER_H
#define SL_RESULT_DECODER_H

#include <stddef.h>

#include "engine/conf.h"
#include "engine/error.h"

typedef struct sl_result_decoder sl_result_decoder;

/* conf: the avro.* keys (NULL: the embedded local registry). The registry is
 * opened at the first Avro value, so JSON-only topics never need it. */
sl_result_decoder *sl_result_decoder_new(const sl_conf *conf);
void sl_result_decoder_free(sl_result_decoder *dec);
/* The JSON line of one value (no newline); *line stays valid until the next
 * call. JSON values come back as they are. watermark (decimal, may be NULL)
 * is used for late events. On failure `reason` says why (wrong magic, unknown
 * schema id, corrupt body, …). */
sl_err sl_result_decoder_to_json(sl_result_decoder *dec, const void *value, size_t len, const char *watermark,
                                 size_t watermark_len, const char **line, size_t *line_len, char *reason,
                                 size_t reason_size);

#endif
