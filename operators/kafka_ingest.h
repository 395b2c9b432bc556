/* kafka_ingest.h -- the scale-out ingest stage: clickstream-events in, exchange records out.
 *
 * In scale-out mode (scale_out.enabled, docs/kafka.md) every `sluice run`
 * process of a job runs this stage: scale_out.ingest_threads consumers in the
 * consumer group job.id share the partitions of kafka_source.topic with the
 * other processes; each record is decoded and validated once (JSON or Avro by
 * source.format) and forwarded, tagged with its source partition and offset,
 * to scale_out.topic (<job.id>-exchange; source partition p to exchange
 * partition p mod its partition count, so one source partition's records
 * stay in order) through one idempotent producer. The process that holds the job's checkpoint directory
 * runs the aggregation on that topic (source "exchange").
 *
 * Forwarding is at-least-once, by construction: positions are committed to
 * the group only after every record forwarded before them is acknowledged
 * (producer flush, then a synchronous commit) -- every
 * checkpoint.interval_ms, and for revoked partitions inside the rebalance
 * callback, before they are handed over. A restart or a new owner therefore
 * re-forwards at most what followed the last commit, and the exchange source
 * drops those repeats by (partition, offset). No ingest state lives on disk.
 *
 * Bounded runs (kafka_source.bounded): a partition that reaches the end
 * offset it had when it was assigned gets an END record, so the aggregation
 * knows when every partition is complete. */
#ifndef SL_KAFKA_INGEST_H
#define SL_KAFKA_INGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/conf.h"
#include "engine/error.h"
#include "engine/metrics.h"

typedef struct sl_kafka_ingest sl_kafka_ingest;

/* Connects and starts the threads; NULL with errstr on a configuration or
 * connection error. metrics may be NULL. */
sl_kafka_ingest *sl_kafka_ingest_start(const sl_conf *conf, sl_metrics *metrics, char *errstr, size_t errstr_size);
/* True once a thread hit an error it cannot recover from; errstr says which. */
bool sl_kafka_ingest_failed(sl_kafka_ingest *in, char *errstr, size_t errstr_size);
/* Stop: forward what was polled, commit the positions, leave the group,
 * join the threads. Returns non-OK when the final flush or commit failed. */
sl_err sl_kafka_ingest_stop(sl_kafka_ingest *in, char *errstr, size_t errstr_size);
void sl_kafka_ingest_free(sl_kafka_ingest *in);

#endif
