/* kafka_dev_cluster.c -- an in-process Kafka cluster (librdkafka's mock) with sluice's topics. */
#include "operators/kafka_dev_cluster.h"

#include <stdio.h>
#include <stdlib.h>

#include "engine/log.h"

struct sl_kafka_dev {
    rd_kafka_t *rk;                  /* dummy producer that owns the mock cluster */
    rd_kafka_mock_cluster_t *mcluster;
};

#define DEV_EVENT_PARTITIONS 6

static const struct {
    const char *name;
    int partitions;
} DEV_TOPICS[] = {
    {SL_TOPIC_EVENTS, DEV_EVENT_PARTITIONS},
    {SL_TOPIC_RESULTS, 3},
    {SL_TOPIC_EVENTS_DLQ, 1},
    {SL_TOPIC_RESULTS_LATE, 1},
};

sl_kafka_dev *sl_kafka_dev_start(int n_brokers, char *errstr, size_t errstr_size) {
    return sl_kafka_dev_start_partitioned(n_brokers, DEV_EVENT_PARTITIONS, errstr, errstr_size);
}

sl_kafka_dev *sl_kafka_dev_start_partitioned(int n_brokers, int event_partitions, char *errstr, size_t errstr_size) {
    if (n_brokers < 1 || n_brokers > 16 || event_partitions < 1 || event_partitions > 256) {
        sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                "kafka-dev: %d brokers and %d event partitions requested; use 1 to 16 brokers and 1 to 256 "
                "partitions", n_brokers, event_partitions);
        return NULL;
    }
    /* The mock cluster needs a client handle to run its I/O thread on; a
     * producer with no bootstrap servers never connects anywhere itself. */
    char reason[256];
    rd_kafka_conf_t *rkc = rd_kafka_conf_new();
    rd_kafka_conf_set(rkc, "log_level", "3", reason, sizeof(reason));
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, rkc, reason, sizeof(reason));
    if (!rk) {
        rd_kafka_conf_destroy(rkc);
        sl_errf(SL_ERR_KAFKA, errstr, errstr_size, "kafka-dev: cannot create the mock cluster's handle: %s", reason);
        return NULL;
    }
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, n_brokers);
    if (!mc) {
        rd_kafka_destroy(rk);
        sl_errf(SL_ERR_KAFKA, errstr, errstr_size,
                "kafka-dev: librdkafka could not start %d mock brokers (are loopback sockets allowed?)", n_brokers);
        return NULL;
    }
    sl_kafka_dev *dev = calloc(1, sizeof(*dev));
    dev->rk = rk;
    dev->mcluster = mc;
    for (size_t i = 0; i < sizeof(DEV_TOPICS) / sizeof(DEV_TOPICS[0]); i++) {
        int rf = n_brokers < 3 ? n_brokers : 3;
        int partitions = i == 0 ? event_partitions : DEV_TOPICS[i].partitions;
        rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mc, DEV_TOPICS[i].name, partitions, rf);
        if (err) {
            sl_errf(SL_ERR_KAFKA, errstr, errstr_size, "kafka-dev: creating topic %s failed: %s",
                    DEV_TOPICS[i].name, rd_kafka_err2str(err));
            sl_kafka_dev_stop(dev);
            return NULL;
        }
    }
    sl_log_info("kafka-dev", "%d mock broker(s) at %s; topics %s(%d) %s(3) %s(1) %s(1)", n_brokers,
                rd_kafka_mock_cluster_bootstraps(mc), SL_TOPIC_EVENTS, event_partitions, SL_TOPIC_RESULTS,
                SL_TOPIC_EVENTS_DLQ, SL_TOPIC_RESULTS_LATE);
    return dev;
}

const char *sl_kafka_dev_bootstrap(const sl_kafka_dev *dev) {
    return rd_kafka_mock_cluster_bootstraps(dev->mcluster);
}

rd_kafka_mock_cluster_t *sl_kafka_dev_mock(sl_kafka_dev *dev) { return dev->mcluster; }

void sl_kafka_dev_stop(sl_kafka_dev *dev) {
    if (!dev) return;
    rd_kafka_mock_cluster_destroy(dev->mcluster);
    rd_kafka_destroy(dev->rk);
    free(dev);
}
