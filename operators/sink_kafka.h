/* sink_kafka.h -- the "kafka" sink: results in Kafka transactions, one per checkpoint.
 *
 * Protocol (docs/kafka.md, ../shared/EXACTLY-ONCE.md): cb_init fences any
 * earlier producer with the same transactional.id ("<job.id>-sink-<subtask>")
 * and so aborts its open transaction, then begins a transaction. Records are
 * produced into it with header sluice.epoch = the checkpoint that will cover
 * them. cb_snapshot(N) flushes until everything is acked (phase one);
 * cb_checkpoint_complete(N) sends the source offsets recorded for N with
 * commit metadata "sluice-checkpoint=N", commits, and begins the next
 * transaction (phase two). cb_last_committed reads that metadata back.
 *
 * Keys: kafka_sink.topic (default analytics-results), kafka_sink.late_topic
 * (default analytics-results.late), kafka_sink.dlq_topic (default
 * clickstream-events.dlq), kafka_source.topic (whose committed offsets carry
 * the checkpoint id), every kafka.* key. */
#ifndef SL_SINK_KAFKA_H
#define SL_SINK_KAFKA_H

#include "engine/operator.h"

extern const sl_operator_plugin sl_sink_kafka;

#endif
