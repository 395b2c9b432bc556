/* kafka_embedded.h -- the embedded default of `sluice run`: a whole Kafka pipeline in one process.
 *
 * When the job reads from or writes to Kafka (source.type or sink.type is
 * kafka) and names no brokers, `sluice run` starts the mock cluster
 * in-process (kafka_dev_cluster.h). A Kafka source gets the generator's
 * traffic (generator.* keys) and runs bounded (kafka_source.bounded=true);
 * a Kafka sink prints each transaction's results on stdout as it commits
 * (kafka_sink.echo_committed=true). So the job runs through the real Kafka
 * source and transactional sink with nothing installed. */
#ifndef SL_KAFKA_EMBEDDED_H
#define SL_KAFKA_EMBEDDED_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/conf.h"
#include "engine/error.h"

typedef struct sl_kafka_embedded sl_kafka_embedded;

/* True when conf uses Kafka (source or sink) without naming brokers. */
bool sl_kafka_embedded_wanted(const sl_conf *conf);

/* Start the cluster, point conf at it (kafka.bootstrap.servers), fill the
 * source topic and set kafka_source.bounded when the source is Kafka, set
 * kafka_sink.echo_committed when the sink is. NULL with errstr on failure. */
sl_kafka_embedded *sl_kafka_embedded_start(sl_conf *conf, char *errstr, size_t errstr_size);

/* Stop the cluster (after the job is destroyed); NULL is fine. */
void sl_kafka_embedded_stop(sl_kafka_embedded *e);

#endif
