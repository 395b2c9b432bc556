/* kafka_embedded.c -- the embedded default of `sluice run`: a whole Kafka pipeline in one process. */
#include "operators/kafka_embedded.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "engine/log.h"
#include "operators/generator.h"
#include "operators/kafka_dev_cluster.h"
#include "operators/kafka_gen_producer.h"

struct sl_kafka_embedded {
    sl_kafka_dev *dev;
};

static bool is_kafka(const sl_conf *conf, const char *key) {
    const char *v = sl_conf_get(conf, key);
    return v && !strcmp(v, "kafka");
}

bool sl_kafka_embedded_wanted(const sl_conf *conf) {
    const char *brokers = sl_conf_get(conf, "kafka.bootstrap.servers");
    return (is_kafka(conf, "source.type") || is_kafka(conf, "sink.type")) && !(brokers && *brokers);
}

static void log_progress(void *opaque, uint64_t acked, double rate, bool final) {
    (void)opaque;
    sl_log_info("embedded", "%s%" PRIu64 " generated events in the cluster (%.0f ev/s)", final ? "done: " : "",
                acked, rate);
}

/* Fill the source topic from the generator and make the source bounded. */
static sl_err feed_source(sl_conf *conf, const char *brokers, char *errstr, size_t errstr_size) {
    sl_gen_conf gc;
    sl_err err = sl_gen_conf_load(&gc, conf, errstr, errstr_size);
    if (err) return err;
    if (gc.events == 0)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                       "generator.events: the embedded Kafka cluster needs a bounded amount of traffic (set it > "
                       "0, or name a cluster with --brokers)");
    const char *topic = sl_conf_get(conf, "kafka_source.topic");
    topic = topic && *topic ? topic : SL_TOPIC_EVENTS;
    sl_log_info("embedded", "producing %" PRIu64 " generated events to %s", gc.events, topic);
    err = sl_kafka_produce_generated(&gc, brokers, topic, 0, conf, log_progress, NULL, errstr, errstr_size);
    return err ? err : sl_conf_set(conf, "kafka_source.bounded", "true", errstr, errstr_size);
}

sl_kafka_embedded *sl_kafka_embedded_start(sl_conf *conf, char *errstr, size_t errstr_size) {
    sl_kafka_embedded *e = calloc(1, sizeof(*e));
    if (!e) abort();
    e->dev = sl_kafka_dev_start(1, errstr, errstr_size);
    if (!e->dev) {
        free(e);
        return NULL;
    }
    const char *brokers = sl_kafka_dev_bootstrap(e->dev);
    sl_log_info("embedded", "no kafka.bootstrap.servers: started an in-process Kafka cluster at %s", brokers);
    sl_err err = sl_conf_set(conf, "kafka.bootstrap.servers", brokers, errstr, errstr_size);
    if (!err && is_kafka(conf, "source.type")) err = feed_source(conf, brokers, errstr, errstr_size);
    if (!err && is_kafka(conf, "sink.type") && !sl_conf_is_set(conf, "kafka_sink.echo_committed"))
        err = sl_conf_set(conf, "kafka_sink.echo_committed", "true", errstr, errstr_size);
    if (err) {
        sl_kafka_embedded_stop(e);
        return NULL;
    }
    return e;
}

void sl_kafka_embedded_stop(sl_kafka_embedded *e) {
    if (!e) return;
    sl_kafka_dev_stop(e->dev);
    free(e);
}
