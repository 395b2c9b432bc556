/* test_kafka_source.c -- the Kafka source reader against the in-process mock cluster. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "engine/operator.h"
#include "operators/kafka_dev_cluster.h"
#include "operators/kafka_handover.h"
#include "operators/kafka_offsets.h"
#include "operators/kafka_reader.h"
#include "kafka_test_cluster.h"

#define N_PARTS 6
#define PER_PART 100
#define N_EVENTS (N_PARTS * PER_PART)
#define BASE_TS 1767225600000LL

typedef struct fixture {
    sl_kafka_dev *dev;
    sl_conf *conf;
    sl_batch *out, *dead;
    int seen[N_EVENTS];          /* deliveries per event index */
    int dead_count;
} fixture;

static sl_conf *reader_conf(const char *bootstrap, const char *group, const char *bounded, int64_t idle_ms) {
    char errstr[256], v[32];
    sl_conf *c = sl_conf_new();
    assert_int_equal(sl_conf_set(c, "kafka.bootstrap.servers", bootstrap, errstr, sizeof(errstr)), SL_OK);
    assert_int_equal(sl_conf_set(c, "job.id", group, errstr, sizeof(errstr)), SL_OK);
    assert_int_equal(sl_conf_set(c, "kafka_source.bounded", bounded, errstr, sizeof(errstr)), SL_OK);
    assert_int_equal(sl_conf_set(c, "watermark.out_of_orderness_ms", "1000", errstr, sizeof(errstr)), SL_OK);
    snprintf(v, sizeof(v), "%lld", (long long)idle_ms);
    assert_int_equal(sl_conf_set(c, "watermark.idle_timeout_ms", v, errstr, sizeof(errstr)), SL_OK);
    assert_int_equal(sl_conf_set(c, "kafka.session.timeout.ms", "6000", errstr, sizeof(errstr)), SL_OK);
    return c;
}

/* Event i goes to partition i % 6 with event time BASE_TS + i seconds. */
static void produce_events(const char *bootstrap, const char *topic) {
    rd_kafka_t *p = kt_producer(bootstrap);
    char id[32], value[256];
    for (int i = 0; i < N_EVENTS; i++) {
        snprintf(id, sizeof(id), "e%d", i);
        kt_event_json(value, sizeof(value), id, "/home", BASE_TS + i * 1000LL);
        kt_produce(p, topic, i % N_PARTS, value);
    }
    assert_int_equal(rd_kafka_flush(p, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(p);
}

static int setup(void **state) {
    fixture *f = calloc(1, sizeof(*f));
    char errstr[256];
    f->dev = sl_kafka_dev_start(1, errstr, sizeof(errstr));
    assert_non_null(f->dev);
    f->out = sl_batch_new(64);
    f->dead = sl_batch_new(4);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    sl_batch_free(f->out);
    sl_batch_free(f->dead);
    sl_conf_destroy(f->conf);
    sl_kafka_dev_stop(f->dev);
    sl_kafka_offsets_reset();
    sl_kafka_handover_reset();
    free(f);
    return 0;
}

/* One poll; counts deliveries per event index. */
static sl_source_status poll_once(fixture *f, sl_kafka_reader *r, int64_t *wm) {
    char errstr[512];
    sl_batch_reset(f->out, SL_BATCH_EVENTS);
    sl_source_status st = sl_kafka_reader_poll(r, f->out, f->dead, wm, errstr, sizeof(errstr));
    if (st == SL_SOURCE_ERROR) fail_msg("poll failed: %s", errstr);
    sl_event *ev = sl_batch_events(f->out);
    for (uint32_t i = 0; i < f->out->count; i++) {
        int idx = atoi(ev[i].event_id.ptr + 1);
        assert_true(idx >= 0 && idx < N_EVENTS);
        assert_int_equal(ev[i].timestamp_ms, BASE_TS + idx * 1000LL);
        f->seen[idx]++;
    }
    return st;
}

/* Poll until END (or until `stop_after` events arrived when > 0). */
static int drain(fixture *f, sl_kafka_reader *r, int stop_after, int64_t *wm) {
    int got = 0;
    int64_t deadline = kt_now_ms() + 25000;
    while (kt_now_ms() < deadline) {
        sl_source_status st = poll_once(f, r, wm);
        got += (int)f->out->count;
        if (st == SL_SOURCE_END || (stop_after > 0 && got >= stop_after)) return got;
    }
    fail_msg("the source did not reach the end in 25 s (%d events)", got);
    return got;
}

/* The events of produce_events(), read bounded by the consumer group `group`. */
static void bounded_input(fixture *f, const char *group) {
    produce_events(sl_kafka_dev_bootstrap(f->dev), SL_TOPIC_EVENTS);
    f->conf = reader_conf(sl_kafka_dev_bootstrap(f->dev), group, "true", 60000);
}

static sl_kafka_reader *open_reader(const fixture *f, uint32_t subtask) {
    char errstr[512];
    sl_kafka_reader *r = sl_kafka_reader_new(f->conf, subtask, kt_decode, errstr, sizeof(errstr));
    if (!r) fail_msg("reader %u: %s", subtask, errstr);
    return r;
}

static void assert_each_seen_once(const fixture *f) {
    for (int i = 0; i < N_EVENTS; i++)
        if (f->seen[i] != 1) fail_msg("event e%d delivered %d times", i, f->seen[i]);
}

static void test_bounded_reads_exactly_n(void **state) {
    fixture *f = *state;
    bounded_input(f, "src-bounded");
    sl_kafka_reader *r = open_reader(f, 0);
    int64_t wm = 0;
    assert_int_equal(drain(f, r, 0, &wm), N_EVENTS);
    assert_each_seen_once(f);
    /* Partition 0 holds the smallest maximum: event 594 (i % 6 == 0). */
    assert_int_equal(wm, BASE_TS + 594 * 1000LL - 1000 - 1);
    sl_kafka_reader_free(r);
}

static void test_snapshot_restore_gives_union_without_duplicates(void **state) {
    fixture *f = *state;
    bounded_input(f, "src-restore");
    char errstr[512];
    sl_kafka_reader *r = open_reader(f, 0);
    int64_t wm;
    int first = drain(f, r, N_EVENTS / 2, &wm);
    assert_true(first >= N_EVENTS / 2 && first < N_EVENTS);
    sl_buf snap = {0};
    assert_int_equal(sl_kafka_reader_snapshot(r, &snap), SL_OK);
    sl_kafka_reader_free(r);

    /* The snapshot's positions were staged for the sink, and bind to a checkpoint. */
    sl_kafka_offsets_bind(7);
    rd_kafka_topic_partition_list_t *staged = sl_kafka_offsets_get(7);
    int64_t staged_total = 0;
    for (int i = 0; i < staged->cnt; i++) staged_total += staged->elems[i].offset;
    assert_int_equal(staged->cnt, N_PARTS);
    assert_int_equal(staged_total, first);
    rd_kafka_topic_partition_list_destroy(staged);

    r = open_reader(f, 0);
    const sl_buf *snaps[] = {&snap};
    assert_int_equal(sl_kafka_reader_restore(r, snaps, 1, errstr, sizeof(errstr)), SL_OK);
    int rest = drain(f, r, 0, &wm);
    assert_int_equal(first + rest, N_EVENTS);
    assert_each_seen_once(f);
    sl_kafka_reader_free(r);

    /* A truncated snapshot is refused with a reason, not misread. */
    r = open_reader(f, 0);
    sl_buf cut = {.data = snap.data, .len = snap.len - 3};
    const sl_buf *bad[] = {&cut};
    assert_int_equal(sl_kafka_reader_restore(r, bad, 1, errstr, sizeof(errstr)), SL_ERR_CORRUPT);
    assert_non_null(strstr(errstr, "truncated"));
    sl_kafka_reader_free(r);
    sl_buf_free(&snap);
}

/* kafka_source.parallelism > 1: when the group moves partitions from one
 * reader of this process to another mid-run, the new owner continues where
 * the old one stopped, though no offset was committed (no checkpoint yet). */
static void test_partitions_moving_between_readers_continue(void **state) {
    fixture *f = *state;
    bounded_input(f, "src-handover");
    sl_kafka_reader *first = open_reader(f, 0);
    int64_t wm;
    int read_first = drain(f, first, N_EVENTS / 3, &wm);
    assert_true(read_first >= N_EVENTS / 3 && read_first < N_EVENTS);
    sl_kafka_reader_free(first);   /* leaves the group: its partitions are revoked */

    sl_kafka_reader *second = open_reader(f, 1);
    assert_int_equal(read_first + drain(f, second, 0, &wm), N_EVENTS);
    assert_each_seen_once(f);
    sl_kafka_reader_free(second);
}

/* Until the group answers its join, a reader has nothing and does not know
 * what it will be given: it must wait (SL_SOURCE_WAITING, which the engine
 * never marks idle), not report idle. Were it idle, its siblings' watermarks
 * alone would move the job's, and the partitions it is handed later would
 * arrive late (seen with four readers against the mock, which answered one
 * member's join 11 s after the others': 61,534 of 500,000 events late).
 * The same holds after the answer, until the records waiting in its
 * partitions arrive: here the first fetch's reply takes 2 s (a CI run once
 * saw IDLE in that gap, when the reply happened to be slow). */
static void test_reader_waits_for_the_group_s_answer(void **state) {
    fixture *f = *state;
    bounded_input(f, "src-waiting");
    assert_int_equal(rd_kafka_mock_broker_push_request_error_rtts(sl_kafka_dev_mock(f->dev), 1, KT_API_FETCH, 1,
                                                                  RD_KAFKA_RESP_ERR_NO_ERROR, 2000),
                     RD_KAFKA_RESP_ERR_NO_ERROR);
    sl_kafka_reader *r = open_reader(f, 0);
    int64_t wm = 0;
    int waiting = 0, got = 0;
    sl_source_status st = SL_SOURCE_WAITING;
    for (int64_t deadline = kt_now_ms() + 25000; st != SL_SOURCE_END && kt_now_ms() < deadline;) {
        st = poll_once(f, r, &wm);
        got += (int)f->out->count;
        if (!got && st == SL_SOURCE_IDLE) fail_msg("reported idle before any of its waiting records arrived");
        waiting += st == SL_SOURCE_WAITING;
    }
    assert_int_equal(st, SL_SOURCE_END);
    assert_true(waiting > 0);   /* the mock's first join takes about 3 s */
    assert_int_equal(got, N_EVENTS);
    assert_each_seen_once(f);
    sl_kafka_reader_free(r);
}

/* A reader that reached the end of its bounded input stops polling but stays
 * in the group until the job ends. When a sibling joins meanwhile, the group
 * (after the session timeout) hands the sibling those partitions: it must
 * start at their ends, and closing the finished reader -- which may be given
 * partitions again while it closes -- must be safe. */
static void test_finished_reader_hands_its_partitions_on(void **state) {
    fixture *f = *state;
    bounded_input(f, "src-finished");
    sl_kafka_reader *finished = open_reader(f, 0);
    int64_t wm;
    assert_int_equal(drain(f, finished, 0, &wm), N_EVENTS);

    sl_kafka_reader *late = open_reader(f, 1);
    assert_int_equal(drain(f, late, 0, &wm), 0);   /* END once the group gave it everything: nothing re-read */
    assert_each_seen_once(f);
    sl_kafka_reader_free(finished);
    sl_kafka_reader_free(late);
}

static void test_bad_values_become_dead_letters(void **state) {
    fixture *f = *state;
    const char *b = sl_kafka_dev_bootstrap(f->dev);
    rd_kafka_t *p = kt_producer(b);
    char value[256];
    kt_event_json(value, sizeof(value), "e0", "/a", BASE_TS);
    kt_produce(p, SL_TOPIC_EVENTS, 2, value);                          /* offset 0: good */
    kt_produce(p, SL_TOPIC_EVENTS, 2, "{not json");                    /* offset 1 */
    kt_produce(p, SL_TOPIC_EVENTS, 2, "{\"event_id\":\"x\",\"ts\":\"soon\"}");   /* offset 2 */
    kt_event_json(value, sizeof(value), "e1", "/b", BASE_TS + 1000);
    kt_produce(p, SL_TOPIC_EVENTS, 2, value);                          /* offset 3: good */
    for (int i = 0; i < 6; i++) kt_produce(p, SL_TOPIC_EVENTS, 4, "garbage");   /* more than fit in one dead batch */
    assert_int_equal(rd_kafka_flush(p, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(p);

    f->conf = reader_conf(b, "src-dead", "true", 60000);
    char errstr[512];
    sl_kafka_reader *r = sl_kafka_reader_new(f->conf, 0, kt_decode, errstr, sizeof(errstr));
    int64_t wm, deadline = kt_now_ms() + 25000;
    int events = 0, dead_p2 = 0, dead_p4 = 0;
    for (sl_source_status st = SL_SOURCE_IDLE; st != SL_SOURCE_END && kt_now_ms() < deadline;) {
        sl_batch_reset(f->dead, SL_BATCH_DEAD_LETTERS);
        st = poll_once(f, r, &wm);
        events += (int)f->out->count;
        sl_dead_letter *d = SL_BATCH_ITEMS(f->dead, sl_dead_letter);
        for (uint32_t i = 0; i < f->dead->count; i++) {
            assert_true(sl_str_eq(d[i].source, sl_str_c(SL_TOPIC_EVENTS)));
            if (d[i].partition == 4) {
                assert_int_equal(d[i].offset, dead_p4++);
                assert_true(sl_str_eq(d[i].payload, sl_str_c("garbage")));
                continue;
            }
            assert_int_equal(d[i].partition, 2);
            assert_int_equal(d[i].offset, 1 + dead_p2);
            assert_non_null(strstr(d[i].reason.ptr, dead_p2 == 0 ? "not JSON" : "wrong type"));
            dead_p2++;
        }
    }
    assert_int_equal(events, 2);
    assert_int_equal(dead_p2, 2);
    assert_int_equal(dead_p4, 6);
    sl_kafka_reader_free(r);
}

/* Partitions 0..4 receive events continuously, partition 5 never: it holds
 * the watermark at MIN until idle_timeout, then the minimum of the others
 * (partition 0, whose events are the oldest) decides. */
static void test_idle_partition_stops_holding_back(void **state) {
    fixture *f = *state;
    const char *b = sl_kafka_dev_bootstrap(f->dev);
    f->conf = reader_conf(b, "src-idle", "false", 3000);
    char errstr[512], id[32], value[256];
    sl_kafka_reader *r = sl_kafka_reader_new(f->conf, 0, kt_decode, errstr, sizeof(errstr));
    rd_kafka_t *p = kt_producer(b);
    int64_t max_p0 = INT64_MIN, first_event_at = 0, wm = 0, k = 0;
    bool checked_min = false, checked_idle = false;
    for (int64_t deadline = kt_now_ms() + 25000; kt_now_ms() < deadline && !checked_idle;) {
        for (int part = 0; part < 5; part++, k++) {
            snprintf(id, sizeof(id), "p%d-%lld", part, (long long)k);
            kt_event_json(value, sizeof(value), id, "/x", BASE_TS + part * 100000LL + k);
            kt_produce(p, SL_TOPIC_EVENTS, part, value);
        }
        rd_kafka_flush(p, 5000);
        int64_t until = kt_now_ms() + 100;
        while (kt_now_ms() < until) {
            sl_batch_reset(f->out, SL_BATCH_EVENTS);
            assert_int_not_equal(sl_kafka_reader_poll(r, f->out, f->dead, &wm, errstr, sizeof(errstr)),
                                 SL_SOURCE_ERROR);
            sl_event *ev = sl_batch_events(f->out);
            for (uint32_t i = 0; i < f->out->count; i++) {
                if (!first_event_at) first_event_at = kt_now_ms();
                if (ev[i].event_id.ptr[1] == '0' && ev[i].timestamp_ms > max_p0) max_p0 = ev[i].timestamp_ms;
            }
            int64_t since = first_event_at ? kt_now_ms() - first_event_at : 0;
            if (first_event_at && since < 1000) {
                assert_true(wm == SL_WATERMARK_MIN);
                checked_min = true;
            } else if (since > 4000 && f->out->count > 0) {
                assert_int_equal(wm, max_p0 - 1000 - 1);
                checked_idle = true;
            }
        }
    }
    assert_true(checked_min);
    assert_true(checked_idle);
    rd_kafka_destroy(p);
    sl_kafka_reader_free(r);
}

static void test_bad_settings_are_reported(void **state) {
    fixture *f = *state;
    char errstr[512];
    f->conf = reader_conf(sl_kafka_dev_bootstrap(f->dev), "src-bad", "maybe", 1000);
    assert_null(sl_kafka_reader_new(f->conf, 0, kt_decode, errstr, sizeof(errstr)));
    assert_non_null(strstr(errstr, "kafka_source.bounded"));
    assert_int_equal(sl_conf_set(f->conf, "kafka_source.bounded", "true", errstr, sizeof(errstr)), SL_OK);
    assert_int_equal(sl_conf_set(f->conf, "kafka_source.start", "yesterday", errstr, sizeof(errstr)), SL_OK);
    assert_null(sl_kafka_reader_new(f->conf, 0, kt_decode, errstr, sizeof(errstr)));
    assert_non_null(strstr(errstr, "kafka_source.start"));
    assert_int_equal(sl_conf_set(f->conf, "kafka_source.start", "latest", errstr, sizeof(errstr)), SL_OK);
    assert_int_equal(sl_conf_set(f->conf, "kafka.fetch.wait.max.ms", "many", errstr, sizeof(errstr)), SL_OK);
    assert_null(sl_kafka_reader_new(f->conf, 0, kt_decode, errstr, sizeof(errstr)));
    assert_non_null(strstr(errstr, "kafka.fetch.wait.max.ms"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bounded_reads_exactly_n, setup, teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_restore_gives_union_without_duplicates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partitions_moving_between_readers_continue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_finished_reader_hands_its_partitions_on, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reader_waits_for_the_group_s_answer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_values_become_dead_letters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idle_partition_stops_holding_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_settings_are_reported, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
