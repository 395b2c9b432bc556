/* kafka_topic_reader.c -- read a whole topic once, from the beginning to its current end. */
#include "operators/kafka_topic_reader.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine/clock.h"
#include "operators/kafka_conf.h"
#include "operators/kafka_epochs.h"

/* Every partition of topic, from the beginning; NULL with errstr when the topic is unknown. */
static rd_kafka_topic_partition_list_t *all_partitions(rd_kafka_t *rk, const char *topic, int timeout_ms,
                                                       char *errstr, size_t errstr_size) {
    const struct rd_kafka_metadata *md;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &md, timeout_ms);
    rd_kafka_topic_destroy(rkt);
    if (err) {
        sl_errf(SL_ERR_KAFKA, errstr, errstr_size, "reading the metadata of topic %s failed: %s", topic,
                rd_kafka_err2str(err));
        return NULL;
    }
    rd_kafka_topic_partition_list_t *l = NULL;
    if (md->topic_cnt == 1 && !md->topics[0].err && md->topics[0].partition_cnt > 0) {
        l = rd_kafka_topic_partition_list_new(md->topics[0].partition_cnt);
        for (int p = 0; p < md->topics[0].partition_cnt; p++)
            rd_kafka_topic_partition_list_add(l, topic, md->topics[0].partitions[p].id)->offset =
                RD_KAFKA_OFFSET_BEGINNING;
    } else {
        sl_errf(SL_ERR_NOT_FOUND, errstr, errstr_size, "topic %s does not exist on the cluster (%s)", topic,
                md->topic_cnt == 1 ? rd_kafka_err2str(md->topics[0].err) : "no metadata");
    }
    rd_kafka_metadata_destroy(md);
    return l;
}

static void find_header(const rd_kafka_message_t *m, const char *name, const char **value, size_t *len) {
    rd_kafka_headers_t *hdrs = NULL;
    const void *v = NULL;
    *value = NULL;
    *len = 0;
    if (rd_kafka_message_headers(m, &hdrs) || rd_kafka_header_get_last(hdrs, name, &v, len)) return;
    *value = v;
}

bool sl_topic_record_header(const sl_topic_record *rec, const char *name, const char **value, size_t *len) {
    find_header(rec->message, name, value, len);
    return *value != NULL;
}

static void deliver(const rd_kafka_message_t *m, sl_topic_record_fn fn, void *opaque) {
    sl_topic_record rec = {
        .partition = m->partition, .offset = m->offset,
        .key = m->key ? m->key : "", .key_len = m->key_len,
        .value = m->payload ? m->payload : "", .value_len = m->len, .message = m,
    };
    find_header(m, SL_KAFKA_HEADER_EPOCH, &rec.epoch, &rec.epoch_len);
    find_header(m, SL_KAFKA_HEADER_ATTEMPT, &rec.attempt, &rec.attempt_len);
    fn(opaque, &rec);
}

static sl_err consume_all(rd_kafka_t *rk, rd_kafka_topic_partition_list_t *parts, const char *topic,
                          int timeout_ms, sl_topic_record_fn fn, void *opaque, uint64_t *records,
                          char *errstr, size_t errstr_size) {
    int remaining = parts->cnt;
    int64_t deadline = sl_monotonic_ms() + timeout_ms;
    while (remaining > 0) {
        if (sl_monotonic_ms() > deadline)
            return sl_errf(SL_ERR_KAFKA, errstr, errstr_size,
                           "topic %s: %d partition(s) did not reach their end within %d ms (is a transaction "
                           "still open?)", topic, remaining, timeout_ms);
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);
        if (!m) continue;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            rd_kafka_topic_partition_t *p = rd_kafka_topic_partition_list_find(parts, topic, m->partition);
            if (p && p->offset != RD_KAFKA_OFFSET_END) {   /* counted once */
                p->offset = RD_KAFKA_OFFSET_END;
                remaining--;
            }
        } else if (!m->err) {
            deliver(m, fn, opaque);
            (*records)++;
        } else if (rd_kafka_fatal_error(rk, NULL, 0)) {
            sl_err e = sl_errf(SL_ERR_KAFKA, errstr, errstr_size, "reading topic %s: %s", topic,
                               rd_kafka_message_errstr(m));
            rd_kafka_message_destroy(m);
            return e;
        }
        rd_kafka_message_destroy(m);
    }
    return SL_OK;
}

sl_err sl_kafka_read_topic(const char *brokers, const char *topic, const sl_conf *conf, int timeout_ms,
                           sl_topic_record_fn fn, void *opaque, uint64_t *records, char *errstr, size_t errstr_size) {
    char group[64];
    snprintf(group, sizeof(group), "sluice-topic-reader-%d", (int)getpid());
    const sl_kafka_prop forced[] = {
        {"group.id", group}, {"enable.auto.commit", "false"}, {"isolation.level", "read_committed"},
        {"enable.partition.eof", "true"}, {NULL, NULL},
    };
    *records = 0;
    rd_kafka_conf_t *rkc = sl_kafka_conf_build(conf, brokers, NULL, forced, errstr, errstr_size);
    if (!rkc) return SL_ERR_INVALID_ARG;
    char reason[512];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, rkc, reason, sizeof(reason));
    if (!rk) {
        rd_kafka_conf_destroy(rkc);
        return sl_errf(SL_ERR_KAFKA, errstr, errstr_size, "cannot create a consumer for %s: %s", brokers, reason);
    }
    rd_kafka_poll_set_consumer(rk);
    sl_err err = SL_OK;
    rd_kafka_topic_partition_list_t *parts = all_partitions(rk, topic, timeout_ms, errstr, errstr_size);
    if (!parts) err = SL_ERR_NOT_FOUND;
    else if (rd_kafka_assign(rk, parts))
        err = sl_errf(SL_ERR_KAFKA, errstr, errstr_size, "cannot assign the partitions of %s", topic);
    else
        err = consume_all(rk, parts, topic, timeout_ms, fn, opaque, records, errstr, errstr_size);
    if (parts) rd_kafka_topic_partition_list_destroy(parts);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return err;
}
