/* event_encoder.h -- an sl_event as input-record bytes: a JSON line or a Confluent Avro record (source.format).
 *
 * The inverse of event_decoder.h, for whoever writes input: `sluice gen`
 * (file or Kafka) and the embedded Kafka feed. The format comes from
 * source.format (json | avro); Avro records are ClickstreamEvent in the wire
 * format with the id of the registry named by the avro.* keys. Single-
 * threaded; after warm-up nothing is allocated per event. */
#ifndef SL_EVENT_ENCODER_H
#define SL_EVENT_ENCODER_H

#include <stddef.h>

#include "engine/conf.h"
#include "engine/error.h"
#include "engine/record.h"
#include "operators/event_decoder.h"

typedef struct sl_event_encoder sl_event_encoder;

/* conf NULL: JSON. */
sl_err sl_event_encoder_new(const sl_conf *conf, sl_event_encoder **out, char *errstr, size_t errstr_size);
void sl_event_encoder_free(sl_event_encoder *enc);
sl_event_format sl_event_encoder_format(const sl_event_encoder *enc);
/* One record (a Kafka message value): the JSON text, or the wire record.
 * Returns its size; a size >= cap means buf was too small and nothing
 * usable was written; SIZE_MAX when the event cannot be encoded (an
 * event_type outside the enum). `enc` is void * so this is an
 * sl_kafka_event_stream encode_with callback. */
size_t sl_event_encoder_record(void *enc, const sl_event *ev, char *buf, size_t cap);
/* One record framed for a file, as the file source reads it: the JSON line
 * with its '\n', or the wire record after its 4-byte big-endian length
 * (docs/avro.md, "Avro input files"). Sizes as for sl_event_encoder_record. */
size_t sl_event_encoder_file_record(sl_event_encoder *enc, const sl_event *ev, char *buf, size_t cap);

#endif
