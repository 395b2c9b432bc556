/* kafka_dev_cluster.h -- an in-process Kafka cluster for development and tests.
 *
 * Wraps librdkafka's mock cluster (rdkafka_mock.h): brokers listening on
 * 127.0.0.1 ephemeral ports inside this process, with sluice's topics
 * already created. It speaks the Kafka protocol, so kcat, sluice's source and
 * sink, and any librdkafka client can use it. What the 2.0.2 mock does not
 * do (transaction markers, storing transactional offsets) is in docs/kafka.md. */
#ifndef SL_KAFKA_DEV_CLUSTER_H
#define SL_KAFKA_DEV_CLUSTER_H

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stddef.h>

#include "engine/error.h"

/* The topics every sluice deployment uses, with their partition counts. */
#define SL_TOPIC_EVENTS "clickstream-events"
#define SL_TOPIC_RESULTS "analytics-results"
#define SL_TOPIC_EVENTS_DLQ "clickstream-events.dlq"
#define SL_TOPIC_RESULTS_LATE "analytics-results.late"

typedef struct sl_kafka_dev sl_kafka_dev;

/* Start n_brokers (1..16) mock brokers and create the four sluice topics
 * (clickstream-events: 6 partitions, analytics-results: 3, the .dlq and
 * .late topics: 1). NULL with errstr on failure. */
sl_kafka_dev *sl_kafka_dev_start(int n_brokers, char *errstr, size_t errstr_size);
/* The same with event_partitions (1..256) partitions of clickstream-events.
 * The 2.0.2 mock keeps only about 5 MiB per partition (it drops the oldest
 * records beyond that), so large test inputs need more partitions. */
sl_kafka_dev *sl_kafka_dev_start_partitioned(int n_brokers, int event_partitions, char *errstr, size_t errstr_size);
/* "127.0.0.1:port,…": the bootstrap.servers value for clients. */
const char *sl_kafka_dev_bootstrap(const sl_kafka_dev *dev);
/* The mock cluster, for fault injection in tests (broker down/up, errors). */
rd_kafka_mock_cluster_t *sl_kafka_dev_mock(sl_kafka_dev *dev);
/* Stop the brokers and free everything; NULL is fine. */
void sl_kafka_dev_stop(sl_kafka_dev *dev);

#endif
