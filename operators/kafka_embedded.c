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

/* The 2.0.2 mock keeps only about 5 MiB of (compressed) batches per
 * partition and silently drops the oldest beyond it; at about 25,000
 * generated events per partition the lz4 batches stay near 3 MiB. */
#define EMBEDDED_EVENTS_PER_PARTITION 25000
#define EMBEDDED_MIN_PARTITIONS 6

static int event_partitions(const sl_conf *conf) {
    sl_gen_conf gc;
    char ignored[256];
    if (!is_kafka(conf, "source.type") || sl_gen_conf_load(&gc, conf, ignored, sizeof(ignored)) != SL_OK)
        return EMBEDDED_MIN_PARTITIONS;   /* feed_source reports a bad generator setting */
    uint64_t n = (gc.events + EMBEDDED_EVENTS_PER_PARTITION - 1) / EMBEDDED_EVENTS_PER_PARTITION;
    return n < EMBEDDED_MIN_PARTITIONS ? EMBEDDED_MIN_PARTITIONS : n > 256 ? 256 : (int)n;
}

/* Fill the source topic from the generator and make the source bounded. */
static sl_err feed_source(sl_conf *conf, const char *brokers, char *errstr, size_t errstr_size) {
    sl_gen_conf gc;
    sl_err err = sl_gen_conf_load(&gc, conf, errstr, errstr_size);
    if (err) return err;
    if (gc.events == 0 || gc.events > (uint64_t)256 * EMBEDDED_EVENTS_PER_PARTITION)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                       "generator.events: the embedded Kafka cluster holds 1 to %d events (an in-memory mock); "
                       "for more, name a cluster with --brokers or use --set source.type=generator",
                       256 * EMBEDDED_EVENTS_PER_PARTITION);
    const char *topic = sl_conf_get(conf, "kafka_source.topic");
    topic = topic && *topic ? topic : SL_TOPIC_EVENTS;
    sl_log_info("embedded", "producing %" PRIu64 " generated events to %s", gc.events, topic);
    err = sl_kafka_produce_generated(&gc, brokers, topic, 0, conf, log_progress, NULL, errstr, errstr_size);
    return err ? err : sl_conf_set(conf, "kafka_source.bounded", "true", errstr, errstr_size);
}

sl_kafka_embedded *sl_kafka_embedded_start(sl_conf *conf, char *errstr, size_t errstr_size) {
    sl_kafka_embedded *e = calloc(1, sizeof(*e));
    if (!e) abort();
    e->dev = sl_kafka_dev_start_partitioned(1, event_partitions(conf), errstr, errstr_size);
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
