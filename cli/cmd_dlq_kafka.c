/* cmd_dlq_kafka.c -- `sluice dlq replay`'s Kafka side: read a dead-letter topic, produce payloads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_dlq.h"
#include "operators/kafka_conf.h"

#define DLQ_KAFKA_TIMEOUT_MS 10000
#define DLQ_FLUSH_TIMEOUT_MS 30000

/* Assign every partition of `topic` from its low to its current high offset. */
static sl_err assign_all(rd_kafka_t *rk, const char *topic, int64_t **ends, int *n_parts, char *errstr,
                         size_t errstr_size) {
    rd_kafka_topic_t *t = rd_kafka_topic_new(rk, topic, NULL);
    const rd_kafka_metadata_t *md = NULL;
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, t, &md, DLQ_KAFKA_TIMEOUT_MS);
    rd_kafka_topic_destroy(t);
    if (err || md->topic_cnt != 1 || md->topics[0].err)
        return sl_errf(SL_ERR_KAFKA, errstr, errstr_size, "cannot read the metadata of topic %s: %s (does it exist?)",
                       topic, rd_kafka_err2str(err ? err : md->topic_cnt == 1 ? md->topics[0].err : RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC));
    *n_parts = md->topics[0].partition_cnt;
    *ends = calloc((size_t)*n_parts + 1, sizeof(int64_t));
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(*n_parts);
    for (int i = 0; i < *n_parts && !err; i++) {
        int32_t p = md->topics[0].partitions[i].id;
        int64_t lo, hi;
        err = rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi, DLQ_KAFKA_TIMEOUT_MS);
        rd_kafka_topic_partition_list_add(parts, topic, p)->offset = lo;
        (*ends)[i] = hi - lo;   /* records left to read in partition i */
    }
    rd_kafka_metadata_destroy(md);
    if (!err) err = rd_kafka_assign(rk, parts);
    rd_kafka_topic_partition_list_destroy(parts);
    return err ? sl_errf(SL_ERR_KAFKA, errstr, errstr_size, "cannot start reading topic %s: %s", topic,
                         rd_kafka_err2str(err))
               : SL_OK;
}

sl_err sl_dlq_kafka_read(const char *brokers, const char *topic, const sl_conf *conf, sl_dlq_value_fn fn,
                         void *opaque, char *errstr, size_t errstr_size) {
    const sl_kafka_prop forced[] = {{"group.id", "sluice-dlq-replay"}, {"enable.auto.commit", "false"},
                                    {"isolation.level", "read_committed"}, {NULL, NULL}};
    rd_kafka_conf_t *rkc = sl_kafka_conf_build(conf, brokers, NULL, forced, errstr, errstr_size);
    if (!rkc) return SL_ERR_INVALID_ARG;
    char why[256];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, rkc, why, sizeof(why));
    if (!rk) {
        rd_kafka_conf_destroy(rkc);
        return sl_errf(SL_ERR_KAFKA, errstr, errstr_size, "cannot create a Kafka consumer: %s", why);
    }
    int64_t *left = NULL, remaining = 0;
    int n_parts = 0;
    sl_err err = assign_all(rk, topic, &left, &n_parts, errstr, errstr_size);
    for (int i = 0; i < n_parts; i++) remaining += left[i];
    /* Stop when every record that existed at the start was seen: with
     * read_committed, aborted records and markers never arrive, so a quiet
     * period also ends the read. */
    int quiet = 0;
    while (!err && remaining > 0 && quiet < DLQ_KAFKA_TIMEOUT_MS / 100) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (!m) {
            quiet++;
            continue;
        }
        quiet = 0;
        if (!m->err) {
            remaining--;
            if (fn(m->payload ? m->payload : "", m->len, opaque)) remaining = 0;
        } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            err = sl_errf(SL_ERR_KAFKA, errstr, errstr_size, "reading topic %s failed: %s", topic,
                          rd_kafka_message_errstr(m));
        }
        rd_kafka_message_destroy(m);
    }
    free(left);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return err;
}

struct sl_dlq_kafka_writer {
    rd_kafka_t *rk;
    char *topic;
    long failed;                 /* records the broker did not take (after retries) */
    char first_failure[256];
};

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    sl_dlq_kafka_writer *w = opaque;
    if (!m->err) return;
    if (!w->failed++) snprintf(w->first_failure, sizeof(w->first_failure), "%s", rd_kafka_err2str(m->err));
}

sl_dlq_kafka_writer *sl_dlq_kafka_writer_new(const char *brokers, const char *topic, const sl_conf *conf,
                                             char *errstr, size_t errstr_size) {
    const sl_kafka_prop forced[] = {{"acks", "all"}, {"enable.idempotence", "true"}, {NULL, NULL}};
    rd_kafka_conf_t *rkc = sl_kafka_conf_build(conf, brokers, NULL, forced, errstr, errstr_size);
    if (!rkc) return NULL;
    sl_dlq_kafka_writer *w = calloc(1, sizeof(*w));
    if (!w) abort();
    rd_kafka_conf_set_dr_msg_cb(rkc, on_delivery);
    rd_kafka_conf_set_opaque(rkc, w);
    char why[256];
    w->rk = rd_kafka_new(RD_KAFKA_PRODUCER, rkc, why, sizeof(why));
    if (!w->rk) {
        rd_kafka_conf_destroy(rkc);
        free(w);
        sl_errf(SL_ERR_KAFKA, errstr, errstr_size, "cannot create a Kafka producer: %s", why);
        return NULL;
    }
    w->topic = strdup(topic);
    return w;
}

sl_err sl_dlq_kafka_write(sl_dlq_kafka_writer *w, const void *value, size_t len, char *errstr, size_t errstr_size) {
    for (;;) {
        rd_kafka_resp_err_t err = rd_kafka_producev(w->rk, RD_KAFKA_V_TOPIC(w->topic),
                                                    RD_KAFKA_V_VALUE((void *)value, len),
                                                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            rd_kafka_poll(w->rk, 100);
            continue;
        }
        rd_kafka_poll(w->rk, 0);
        return err ? sl_errf(SL_ERR_KAFKA, errstr, errstr_size, "producing to %s failed: %s", w->topic,
                             rd_kafka_err2str(err))
                   : SL_OK;
    }
}

sl_err sl_dlq_kafka_writer_close(sl_dlq_kafka_writer *w, char *errstr, size_t errstr_size) {
    if (!w) return SL_OK;
    rd_kafka_resp_err_t err = rd_kafka_flush(w->rk, DLQ_FLUSH_TIMEOUT_MS);
    int unsent = rd_kafka_outq_len(w->rk);
    sl_err result = SL_OK;
    if (err || unsent)
        result = sl_errf(SL_ERR_KAFKA, errstr, errstr_size, "%d record(s) to %s were not acknowledged within %d s (%s)",
                         unsent, w->topic, DLQ_FLUSH_TIMEOUT_MS / 1000, rd_kafka_err2str(err));
    else if (w->failed)
        result = sl_errf(SL_ERR_KAFKA, errstr, errstr_size, "%ld record(s) to %s failed: %s", w->failed, w->topic,
                         w->first_failure);
    rd_kafka_destroy(w->rk);
    free(w->topic);
    free(w);
    return result;
}
