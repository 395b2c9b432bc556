/* kafka_event_producer.c -- write a stream of events to a Kafka topic as fast as asked. */
#include "operators/kafka_event_producer.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine/clock.h"
#include "operators/kafka_conf.h"

typedef struct produce_state {
    uint64_t acked, failed;
    char first_error[256];
} produce_state;

static double mono_s(void) { return (double)sl_monotonic_ns() / 1e9; }

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    produce_state *st = opaque;
    if (!m->err) {
        st->acked++;
    } else if (st->failed++ == 0) {
        snprintf(st->first_error, sizeof(st->first_error), "%s", rd_kafka_err2str(m->err));
    }
}

static rd_kafka_t *make_producer(const char *brokers, const sl_conf *conf, produce_state *st, char *errstr,
                                 size_t errstr_size) {
    const sl_kafka_prop defaults[] = {
        {"linger.ms", "20"}, {"batch.size", "1048576"}, {"compression.type", "lz4"},
        {"queue.buffering.max.messages", "500000"}, {NULL, NULL},
    };
    const sl_kafka_prop forced[] = {{"acks", "all"}, {"enable.idempotence", "true"}, {NULL, NULL}};
    rd_kafka_conf_t *rkc = sl_kafka_conf_build(conf, brokers, defaults, forced, errstr, errstr_size);
    if (!rkc) return NULL;
    rd_kafka_conf_set_dr_msg_cb(rkc, on_delivery);
    rd_kafka_conf_set_opaque(rkc, st);
    char reason[256];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, rkc, reason, sizeof(reason));
    if (!rk) {
        rd_kafka_conf_destroy(rkc);
        sl_errf(SL_ERR_KAFKA, errstr, errstr_size, "cannot create the producer: %s", reason);
    }
    return rk;
}

/* Sleep until `sent` events fit the rate since t0. */
static void throttle(double rate, uint64_t sent, double t0, rd_kafka_t *rk) {
    if (rate <= 0) return;
    double ahead = (double)sent / rate - (mono_s() - t0);
    if (ahead > 0.001) rd_kafka_poll(rk, (int)(ahead * 1000));
}

static sl_err send_one(rd_kafka_t *rk, const char *topic, const sl_event *ev, const char *value, size_t len,
                       char *errstr, size_t errstr_size) {
    for (;;) {
        rd_kafka_resp_err_t err = rd_kafka_producev(
            rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY((void *)ev->session_id.ptr, ev->session_id.len),
            RD_KAFKA_V_VALUE((void *)value, len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (!err) return SL_OK;
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
            return sl_errf(SL_ERR_KAFKA, errstr, errstr_size, "producing to %s failed: %s", topic,
                           rd_kafka_err2str(err));
        rd_kafka_poll(rk, 50);   /* queue full: let deliveries drain */
    }
}

sl_err sl_kafka_produce_events(const sl_kafka_event_stream *stream, const char *brokers, const char *topic,
                               double rate, const sl_conf *conf, uint64_t *produced,
                               char *errstr, size_t errstr_size) {
    produce_state st = {0};
    rd_kafka_t *rk = make_producer(brokers, conf, &st, errstr, errstr_size);
    if (!rk) return SL_ERR_INVALID_ARG;
    sl_arena arena;
    sl_arena_init(&arena, 64 * 1024);
    char value[8192];
    uint64_t sent = 0;
    double t0 = mono_s(), last_report = t0;
    sl_err err = SL_OK;
    sl_event ev;
    while (!err && !(stream->stop && *stream->stop) && stream->next(stream->opaque, &ev, &arena)) {
        size_t len = stream->encode_with ? stream->encode_with(stream->encoder, &ev, value, sizeof(value))
                                         : stream->encode(&ev, value, sizeof(value));
        if (len >= sizeof(value))
            err = sl_errf(SL_ERR_INTERNAL, errstr, errstr_size, "event %llu encodes to %zu bytes, over %zu",
                          (unsigned long long)sent, len, sizeof(value));
        else err = send_one(rk, topic, &ev, value, len, errstr, errstr_size);
        sl_arena_reset(&arena);
        sent++;
        rd_kafka_poll(rk, 0);
        throttle(rate, sent, t0, rk);
        double now = mono_s();
        if (stream->progress && now - last_report >= 1.0) {
            stream->progress(stream->progress_opaque, st.acked, st.acked / (now - t0), false);
            last_report = now;
        }
    }
    while (rd_kafka_outq_len(rk) > 0 && rd_kafka_flush(rk, 1000) == RD_KAFKA_RESP_ERR__TIMED_OUT &&
           mono_s() - last_report < 60) {}
    if (!err && (st.failed || st.acked != sent))
        err = sl_errf(SL_ERR_KAFKA, errstr, errstr_size, "%llu of %llu events were not acknowledged by %s (first error: %s)",
                      (unsigned long long)(sent - st.acked), (unsigned long long)sent, brokers,
                      st.failed ? st.first_error : "timed out");
    if (stream->progress) stream->progress(stream->progress_opaque, st.acked, st.acked / (mono_s() - t0 + 1e-9), true);
    if (produced) *produced = st.acked;
    sl_arena_free(&arena);
    rd_kafka_destroy(rk);
    return err;
}
