/* kafka_reader.h -- one reader of the Kafka source: consumer, positions, watermarks.
 *
 * The engine-facing plugin (source_kafka.c) is a thin shell around this: it
 * picks the value decoder (JSON now, Avro later) from source.format. Keeping
 * the decoder a parameter lets the reader be tested and reused with any
 * value format.
 *
 * Configuration (sl_conf): every kafka.* key goes to librdkafka; the consumer
 * group is job.id (default job.name); kafka_source.topic (default
 * clickstream-events); kafka_source.start = earliest | latest | <epoch ms>
 * for partitions without a checkpointed position; kafka_source.bounded =
 * true to end once every assigned partition reached the end offset it had
 * when it was assigned; watermark.out_of_orderness_ms and
 * watermark.idle_timeout_ms per partition; source.max_record_bytes,
 * source.max_future_ms and source.min_timestamp_ms as decode limits. */
#ifndef SL_KAFKA_READER_H
#define SL_KAFKA_READER_H

#include <stddef.h>
#include <stdint.h>

#include "engine/operator.h"
#include "operators/event_json.h"

/* Same shape as sl_event_from_json: decode one value into ev (strings into
 * arena) or return non-OK with a reason sentence. */
typedef sl_err (*sl_event_decode_fn)(const char *data, size_t len, const sl_event_limits *lim, sl_event *ev,
                                     sl_arena *arena, char *reason, size_t reason_size);

typedef struct sl_kafka_reader sl_kafka_reader;

sl_kafka_reader *sl_kafka_reader_new(const sl_conf *conf, uint32_t subtask, sl_event_decode_fn decode,
                                     char *errstr, size_t errstr_size);
/* sl_source_plugin.cb_poll semantics (engine/operator.h). */
sl_source_status sl_kafka_reader_poll(sl_kafka_reader *r, sl_batch *out, sl_batch *dead_letters,
                                      int64_t *watermark, char *errstr, size_t errstr_size);
/* {topic, partition, next offset} of every assigned partition whose position
 * is known; the same positions are staged in kafka_offsets for the sink. */
sl_err sl_kafka_reader_snapshot(sl_kafka_reader *r, sl_buf *out);
/* Positions from every old reader; those of our topic are kept and applied to
 * whichever of them this reader gets assigned. Call before the first poll. */
sl_err sl_kafka_reader_restore(sl_kafka_reader *r, const sl_buf *const *snapshots, size_t n,
                               char *errstr, size_t errstr_size);
void sl_kafka_reader_free(sl_kafka_reader *r);

/* Decode values with `dec` (JSON or Avro by source.format, dead letters with
 * their kind and metrics) instead of the plain decode function; the reader
 * owns it from now on. */
struct sl_event_decoder;
void sl_kafka_reader_set_decoder(sl_kafka_reader *r, struct sl_event_decoder *dec);
/* Export sluice_kafka_consumer_lag from librdkafka's statistics (enabled by
 * kafka.statistics.interval.ms, default 5000 for the source). */
struct sl_metrics;
void sl_kafka_reader_set_metrics(sl_kafka_reader *r, struct sl_metrics *metrics);
/* Tell /readyz (sl_operator_set_ready on ctx) that this reader waits for
 * its partition assignment until the group's first assignment arrives. ctx
 * must outlive the reader (the engine's operator context does). */
void sl_kafka_reader_set_readiness(sl_kafka_reader *r, const sl_operator_ctx *ctx);

#endif
