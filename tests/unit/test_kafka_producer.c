/* test_kafka_producer.c -- events to Kafka: all acknowledged, keyed by session, throttled. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "operators/kafka_dev_cluster.h"
#include "operators/kafka_event_producer.h"
#include "kafka_test_cluster.h"

#define N 300
#define SESSIONS 7

typedef struct counter { int i; } counter;

static bool next_event(void *opaque, sl_event *ev, sl_arena *arena) {
    counter *c = opaque;
    if (c->i >= N) return false;
    char id[32], sess[32];
    snprintf(id, sizeof(id), "e%d", c->i);
    snprintf(sess, sizeof(sess), "s%d", c->i % SESSIONS);
    memset(ev, 0, sizeof(*ev));
    ev->event_id = (sl_str){sl_arena_strndup(arena, id, strlen(id)), (uint32_t)strlen(id)};
    ev->session_id = (sl_str){sl_arena_strndup(arena, sess, strlen(sess)), (uint32_t)strlen(sess)};
    ev->timestamp_ms = 1000LL * c->i;
    c->i++;
    return true;
}

static size_t encode(const sl_event *ev, char *buf, size_t cap) {
    return (size_t)snprintf(buf, cap, "{\"event_id\":\"%.*s\",\"session_id\":\"%.*s\",\"page\":\"/\",\"ts\":%lld}",
                            (int)ev->event_id.len, ev->event_id.ptr, (int)ev->session_id.len, ev->session_id.ptr,
                            (long long)ev->timestamp_ms);
}

static int finals;
static void progress(void *opaque, uint64_t acked, double rate, bool final) {
    if (final) {
        finals++;
        assert_int_equal(acked, N);
        assert_true(rate > 0);
    }
}

static void test_all_events_acked_keyed_and_throttled(void **state) {
    char errstr[512];
    sl_kafka_dev *dev = sl_kafka_dev_start(1, errstr, sizeof(errstr));
    counter c = {0};
    sl_kafka_event_stream s = {.next = next_event, .encode = encode, .opaque = &c, .progress = progress};
    uint64_t produced = 0;
    double t0 = (double)kt_now_ms();
    sl_err err = sl_kafka_produce_events(&s, sl_kafka_dev_bootstrap(dev), SL_TOPIC_EVENTS, 1000, NULL, &produced,
                                         errstr, sizeof(errstr));
    if (err) fail_msg("%s", errstr);
    assert_int_equal(produced, N);
    assert_int_equal(finals, 1);
    assert_true((double)kt_now_ms() - t0 >= 250);   /* 300 events at 1000/s */

    /* Read back: every event once, each session in exactly one partition, in order. */
    rd_kafka_conf_t *rc = rd_kafka_conf_new();
    rd_kafka_conf_set(rc, "bootstrap.servers", sl_kafka_dev_bootstrap(dev), errstr, sizeof(errstr));
    rd_kafka_conf_set(rc, "group.id", "producer-test", errstr, sizeof(errstr));
    rd_kafka_conf_set(rc, "enable.partition.eof", "true", errstr, sizeof(errstr));
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, rc, errstr, sizeof(errstr));
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(6);
    for (int p = 0; p < 6; p++) rd_kafka_topic_partition_list_add(l, SL_TOPIC_EVENTS, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    int seen = 0, eof = 0, part_of[SESSIONS], last_idx[SESSIONS];
    for (int i = 0; i < SESSIONS; i++) part_of[i] = last_idx[i] = -1;
    for (int64_t deadline = kt_now_ms() + 10000; eof < 6 && kt_now_ms() < deadline;) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (!m) continue;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) eof++;
        if (!m->err) {
            char v[256], k[16];
            snprintf(v, sizeof(v), "%.*s", (int)m->len, (const char *)m->payload);
            snprintf(k, sizeof(k), "%.*s", (int)m->key_len, (const char *)m->key);
            int sess = atoi(k + 1), idx = atoi(strstr(v, ":\"e") + 3);
            assert_true(part_of[sess] < 0 || part_of[sess] == m->partition);
            part_of[sess] = m->partition;
            assert_true(idx > last_idx[sess]);
            last_idx[sess] = idx;
            seen++;
        }
        rd_kafka_message_destroy(m);
    }
    assert_int_equal(seen, N);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    sl_kafka_dev_stop(dev);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_all_events_acked_keyed_and_throttled)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
