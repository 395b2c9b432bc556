/* kafka_conf.h -- librdkafka configuration built from sluice's kafka.* keys.
 *
 * Every sluice component that talks to Kafka (source, sink, topic admin,
 * generator producer) builds its rd_kafka_conf_t here, so "every kafka.* key
 * is passed to librdkafka unchanged, and a bad one is reported with its
 * name" holds in one place. */
#ifndef SL_KAFKA_CONF_H
#define SL_KAFKA_CONF_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>

#include "engine/conf.h"
#include "engine/error.h"

/* One librdkafka property that a component insists on (acks=all, …). */
typedef struct sl_kafka_prop {
    const char *name, *value;
} sl_kafka_prop;

/* A new rd_kafka_conf_t holding, in this order: `defaults` (may be NULL,
 * terminated by a {NULL, NULL} row), every kafka.* key of `conf` (may be
 * NULL; prefix stripped), then `brokers` as bootstrap.servers when non-NULL,
 * then `forced` (NULL-terminated; properties the component's guarantees rest
 * on, e.g. isolation.level=read_committed). Returns NULL with errstr naming
 * the key and librdkafka's reason when a property is rejected. */
rd_kafka_conf_t *sl_kafka_conf_build(const sl_conf *conf, const char *brokers,
                                     const sl_kafka_prop *defaults, const sl_kafka_prop *forced,
                                     char *errstr, size_t errstr_size);

/* A consumer's configuration: sl_kafka_conf_build with, forced, what every
 * sluice consumer's guarantees rest on -- group.id = group; positions come
 * from checkpoints (or, for the scale-out ingest, explicit commits), so no
 * auto commit and no automatic offset store; read_committed, which hides
 * aborted transactions' output on a real broker; end-of-partition events,
 * which bounded runs end on. */
rd_kafka_conf_t *sl_kafka_consumer_conf_build(const sl_conf *conf, const char *group, const sl_kafka_prop *defaults,
                                              char *errstr, size_t errstr_size);

/* job.id, falling back to job.name: the consumer group and the prefix of
 * transactional ids. */
const char *sl_kafka_job_id(const sl_conf *conf);

/* scale_out.topic, or <job.id>-exchange (written into buf) when unset: the
 * topic between the scale-out ingest and the aggregation. */
const char *sl_kafka_exchange_topic(const sl_conf *conf, char *buf, size_t size);

#endif
