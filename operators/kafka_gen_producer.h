/* kafka_gen_producer.h -- `sluice gen --brokers B --topic T`: generated events to Kafka.
 *
 * The same generator configuration gives the same events as `sluice gen`
 * writes to a file (same sl_gen sequence), keyed by session_id, encoded by
 * conf's source.format (operators/event_encoder.h: JSON, or one Confluent
 * Avro ClickstreamEvent per message); conf NULL = JSON. */
#ifndef SL_KAFKA_GEN_PRODUCER_H
#define SL_KAFKA_GEN_PRODUCER_H

#include "operators/generator.h"
#include "operators/kafka_event_producer.h"

sl_err sl_kafka_produce_generated(const sl_gen_conf *gc, const char *brokers, const char *topic, double rate,
                                  const sl_conf *conf, sl_produce_progress_fn progress, void *progress_opaque,
                                  char *errstr, size_t errstr_size);

#endif
