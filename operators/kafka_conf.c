/* kafka_conf.c -- librdkafka configuration built from sluice's kafka.* keys. */
#include "operators/kafka_conf.h"

#include <stdio.h>
#include <string.h>

#include "engine/log.h"

typedef struct pass_through {
    rd_kafka_conf_t *rkc;
    char failed_key[128];
    char reason[256];
} pass_through;

static int set_one(rd_kafka_conf_t *rkc, const char *name, const char *value,
                   char *reason, size_t reason_size) {
    return rd_kafka_conf_set(rkc, name, value, reason, reason_size) == RD_KAFKA_CONF_OK ? 0 : -1;
}

static void set_pass_through(const char *name, const char *value, void *opaque) {
    pass_through *pt = opaque;
    if (pt->failed_key[0]) return;   /* report the first bad key only */
    if (set_one(pt->rkc, name, value, pt->reason, sizeof(pt->reason)) < 0)
        snprintf(pt->failed_key, sizeof(pt->failed_key), "%s", name);
}

static int set_table(rd_kafka_conf_t *rkc, const sl_kafka_prop *props, char *errstr, size_t errstr_size,
                     const char *why) {
    char reason[256];
    for (const sl_kafka_prop *p = props; p && p->name; p++) {
        if (set_one(rkc, p->name, p->value, reason, sizeof(reason)) < 0) {
            sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                    "librdkafka rejected %s property %s=%s: %s (is librdkafka too old?)",
                    why, p->name, p->value, reason);
            return -1;
        }
    }
    return 0;
}

/* librdkafka's own log lines go through sluice's logger (syslog levels:
 * 0-3 error, 4 warning, 5-6 info, 7 debug). */
static void log_to_sluice(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
    sl_log_level l = level <= 3 ? SL_LOG_ERROR : level == 4 ? SL_LOG_WARN : level <= 6 ? SL_LOG_INFO : SL_LOG_DEBUG;
    sl_log(l, "librdkafka", "%s: %s: %s", rd_kafka_name(rk), fac, buf);
}

rd_kafka_conf_t *sl_kafka_conf_build(const sl_conf *conf, const char *brokers,
                                     const sl_kafka_prop *defaults, const sl_kafka_prop *forced,
                                     char *errstr, size_t errstr_size) {
    rd_kafka_conf_t *rkc = rd_kafka_conf_new();
    rd_kafka_conf_set_log_cb(rkc, log_to_sluice);
    if (set_table(rkc, defaults, errstr, errstr_size, "default") < 0) goto fail;
    if (conf) {
        pass_through pt = {.rkc = rkc};
        sl_conf_foreach_prefix(conf, "kafka.", set_pass_through, &pt);
        if (pt.failed_key[0]) {
            sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                    "configuration key 'kafka.%s': librdkafka says: %s "
                    "(see librdkafka's CONFIGURATION.md for valid properties)",
                    pt.failed_key, pt.reason);
            goto fail;
        }
    }
    if (brokers) {
        const sl_kafka_prop b[] = {{"bootstrap.servers", brokers}, {NULL, NULL}};
        if (set_table(rkc, b, errstr, errstr_size, "broker list") < 0) goto fail;
    }
    if (set_table(rkc, forced, errstr, errstr_size, "required") < 0) goto fail;
    return rkc;
fail:
    rd_kafka_conf_destroy(rkc);
    return NULL;
}

rd_kafka_conf_t *sl_kafka_consumer_conf_build(const sl_conf *conf, const char *group, const sl_kafka_prop *defaults,
                                              char *errstr, size_t errstr_size) {
    const sl_kafka_prop forced[] = {
        {"group.id", group},
        {"enable.auto.commit", "false"},
        {"enable.auto.offset.store", "false"},
        {"isolation.level", "read_committed"},
        {"enable.partition.eof", "true"},
        {NULL, NULL},
    };
    return sl_kafka_conf_build(conf, NULL, defaults, forced, errstr, errstr_size);
}

const char *sl_kafka_job_id(const sl_conf *conf) {
    const char *id = sl_conf_get(conf, "job.id");
    if (id && *id) return id;
    id = sl_conf_get(conf, "job.name");
    return id && *id ? id : "clickstream";
}

const char *sl_kafka_exchange_topic(const sl_conf *conf, char *buf, size_t size) {
    const char *topic = sl_conf_get(conf, "scale_out.topic");
    if (topic && *topic) return topic;
    snprintf(buf, size, "%s-exchange", sl_kafka_job_id(conf));
    return buf;
}
