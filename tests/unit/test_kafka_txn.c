/* test_kafka_txn.c -- the Kafka sink's transactional protocol against the in-process mock cluster.
 *
 * Records are keyed like the sink keys results ("<window_start>|<page>" and
 * "<window_start>"); the JSON encoding itself is result_json's, tested there. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "engine/operator.h"
#include "operators/kafka_dev_cluster.h"
#include "operators/kafka_offsets.h"
#include "operators/kafka_txn.h"
#include "kafka_test_cluster.h"

#define MAX_READ 256

typedef struct read_record {
    char key[64];
    char value[512];
    int64_t epoch;
    char reason[128];              /* header sluice.dlq.reason, "" when absent */
    size_t n_headers;
} read_record;

typedef struct fixture {
    sl_kafka_dev *dev;
    sl_conf *conf;
    read_record got[MAX_READ];
    int n_got;
} fixture;

static int setup_n(void **state, int brokers) {
    fixture *f = calloc(1, sizeof(*f));
    char errstr[256];
    f->dev = sl_kafka_dev_start(brokers, errstr, sizeof(errstr));
    assert_non_null(f->dev);
    f->conf = sl_conf_new();
    assert_int_equal(sl_conf_set(f->conf, "kafka.bootstrap.servers", sl_kafka_dev_bootstrap(f->dev), errstr,
                                 sizeof(errstr)), SL_OK);
    assert_int_equal(sl_conf_set(f->conf, "job.id", "sinkjob", errstr, sizeof(errstr)), SL_OK);
    *state = f;
    return 0;
}
static int setup(void **state) { return setup_n(state, 1); }
static int setup3(void **state) { return setup_n(state, 3); }

static int teardown(void **state) {
    fixture *f = *state;
    sl_conf_destroy(f->conf);
    sl_kafka_dev_stop(f->dev);
    sl_kafka_offsets_reset();
    free(f);
    return 0;
}

static sl_kafka_txn *sink_new(fixture *f, sl_err expect) {
    char errstr[512] = "";
    sl_kafka_txn *t = sl_kafka_txn_new(f->conf, 0, SL_TOPIC_RESULTS, SL_TOPIC_EVENTS, errstr, sizeof(errstr));
    if ((t != NULL) != (expect == SL_OK)) fail_msg("init: %s", errstr);
    return t;
}

static void produce(sl_kafka_txn *t, const char *topic, const char *key, const char *value) {
    char errstr[512];
    sl_err err = sl_kafka_txn_produce(t, topic, key, strlen(key), value, strlen(value), errstr, sizeof(errstr));
    if (err) fail_msg("produce: %s", errstr);
}

/* Two page-stats records of window `ws` plus one Top-N record. */
static void write_window(fixture *f, sl_kafka_txn *t, int64_t ws) {
    char key[64];
    snprintf(key, sizeof(key), "%lld|/home", (long long)ws);
    produce(t, SL_TOPIC_RESULTS, key, "{\"page\":\"/home\"}");
    snprintf(key, sizeof(key), "%lld|/cart", (long long)ws);
    produce(t, SL_TOPIC_RESULTS, key, "{\"page\":\"/cart\"}");
    snprintf(key, sizeof(key), "%lld", (long long)ws);
    produce(t, SL_TOPIC_RESULTS, key, "{\"top\":[]}");
    sl_kafka_txn_serve(t);
}

static sl_err checkpoint(sl_kafka_txn *t, int64_t n, char *errstr, size_t errstr_size) {
    sl_err err = sl_kafka_txn_prepare(t, n, errstr, errstr_size);
    return err ? err : sl_kafka_txn_commit(t, n, errstr, errstr_size);
}

/* Everything in `topic` (all partitions, from the beginning). */
static void read_topic(fixture *f, const char *topic, int partitions) {
    char errstr[256];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    rd_kafka_conf_set(c, "bootstrap.servers", sl_kafka_dev_bootstrap(f->dev), errstr, sizeof(errstr));
    rd_kafka_conf_set(c, "group.id", "sink-test-reader", errstr, sizeof(errstr));
    rd_kafka_conf_set(c, "isolation.level", "read_committed", errstr, sizeof(errstr));
    rd_kafka_conf_set(c, "enable.partition.eof", "true", errstr, sizeof(errstr));
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, errstr, sizeof(errstr));
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(partitions);
    for (int p = 0; p < partitions; p++) rd_kafka_topic_partition_list_add(l, topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    int eof = 0;
    f->n_got = 0;
    for (int64_t deadline = kt_now_ms() + 10000; eof < partitions && kt_now_ms() < deadline;) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (!m) continue;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) eof++;
        if (!m->err && f->n_got < MAX_READ) {
            read_record *r = &f->got[f->n_got++];
            snprintf(r->key, sizeof(r->key), "%.*s", (int)m->key_len, (const char *)m->key);
            snprintf(r->value, sizeof(r->value), "%.*s", (int)m->len, (const char *)m->payload);
            rd_kafka_headers_t *h;
            const void *v;
            size_t vlen;
            r->epoch = -1;
            r->reason[0] = '\0';
            r->n_headers = 0;
            if (!rd_kafka_message_headers(m, &h)) {
                r->n_headers = rd_kafka_header_cnt(h);
                if (!rd_kafka_header_get_last(h, "sluice.epoch", &v, &vlen)) r->epoch = strtoll((const char *)v, NULL, 10);
                if (!rd_kafka_header_get_last(h, "sluice.dlq.reason", &v, &vlen))
                    snprintf(r->reason, sizeof(r->reason), "%.*s", (int)vlen, (const char *)v);
            }
        }
        rd_kafka_message_destroy(m);
    }
    assert_int_equal(eof, partitions);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
}

static int count_key_epoch(const fixture *f, const char *key, int64_t epoch) {
    int n = 0;
    for (int i = 0; i < f->n_got; i++) n += !strcmp(f->got[i].key, key) && f->got[i].epoch == epoch;
    return n;
}

static void test_three_checkpoints_keys_and_epochs(void **state) {
    fixture *f = *state;
    char errstr[512];
    sl_kafka_txn *sink = sink_new(f, SL_OK);
    assert_string_equal(sl_kafka_txn_id(sink), "sinkjob-sink-0");
    const int64_t ws0 = 1767225600000LL;
    for (int64_t n = 1; n <= 3; n++) {
        write_window(f, sink, ws0 + n * 10000);
        if (n == 2) {   /* side outputs travel in the same transaction */
            produce(sink, SL_TOPIC_EVENTS_DLQ, SL_TOPIC_EVENTS, "{\"reason\":\"not JSON\"}");
        }
        sl_kafka_offsets_stage(SL_TOPIC_EVENTS, 0, 100 * n);   /* as a source would */
        assert_int_equal(checkpoint(sink, n, errstr, sizeof(errstr)), SL_OK);
        assert_true(sl_kafka_txn_was_committed("sinkjob-sink-0", n));
    }
    /* Offsets bound to a committed checkpoint are forgotten. */
    rd_kafka_topic_partition_list_t *left = sl_kafka_offsets_get(3);
    assert_int_equal(left->cnt, 0);
    rd_kafka_topic_partition_list_destroy(left);
    /* The 2.0.2 mock does not store offsets sent with a transaction, so the
     * committed checkpoint cannot be read back (docs/kafka.md). */
    assert_int_equal(sl_kafka_txn_last_committed(sink), -1);
    sl_kafka_txn_free(sink);

    read_topic(f, SL_TOPIC_RESULTS, 3);
    assert_int_equal(f->n_got, 9);
    for (int64_t n = 1; n <= 3; n++) {
        char key[64];
        snprintf(key, sizeof(key), "%lld|/home", (long long)(ws0 + n * 10000));
        assert_int_equal(count_key_epoch(f, key, n), 1);
        snprintf(key, sizeof(key), "%lld|/cart", (long long)(ws0 + n * 10000));
        assert_int_equal(count_key_epoch(f, key, n), 1);
        snprintf(key, sizeof(key), "%lld", (long long)(ws0 + n * 10000));
        assert_int_equal(count_key_epoch(f, key, n), 1);
    }
    for (int i = 0; i < f->n_got; i++) assert_int_equal(f->got[i].value[0], '{');
    read_topic(f, SL_TOPIC_EVENTS_DLQ, 1);
    assert_int_equal(f->n_got, 1);
    assert_int_equal(f->got[0].epoch, 2);
    assert_non_null(strstr(f->got[0].value, "not JSON"));
}

/* A dead letter's own headers travel with it, also when it arrives between
 * phase one and the commit and waits for the next transaction. */
static void produce_dead_letter(sl_kafka_txn *t, const char *key, const char *reason) {
    char errstr[512];
    sl_kafka_txn_header h[2] = {{"sluice.dlq.reason", reason, strlen(reason)}, {"sluice.dlq.offset", "42", 2}};
    sl_kafka_txn_record r = {.topic = SL_TOPIC_EVENTS_DLQ, .key = key, .key_len = strlen(key), .value = "v",
                             .len = 1, .headers = h, .n_headers = 2};
    if (sl_kafka_txn_produce_record(t, &r, errstr, sizeof(errstr))) fail_msg("produce: %s", errstr);
}

static void test_headers_survive_holding(void **state) {
    fixture *f = *state;
    char errstr[512];
    sl_kafka_txn *sink = sink_new(f, SL_OK);
    produce_dead_letter(sink, "before", "wrong magic byte 0x7b");
    assert_int_equal(sl_kafka_txn_prepare(sink, 1, errstr, sizeof(errstr)), SL_OK);
    produce_dead_letter(sink, "held", "unknown schema id 99");   /* after barrier 1: belongs to 2 */
    assert_int_equal(sl_kafka_txn_commit(sink, 1, errstr, sizeof(errstr)), SL_OK);
    assert_int_equal(checkpoint(sink, 2, errstr, sizeof(errstr)), SL_OK);
    sl_kafka_txn_free(sink);

    read_topic(f, SL_TOPIC_EVENTS_DLQ, 1);
    assert_int_equal(f->n_got, 2);
    for (int i = 0; i < 2; i++) {
        const read_record *r = &f->got[i];
        bool held = !strcmp(r->key, "held");
        assert_int_equal(r->epoch, held ? 2 : 1);
        assert_string_equal(r->reason, held ? "unknown schema id 99" : "wrong magic byte 0x7b");
        assert_int_equal(r->n_headers, 4);   /* sluice.epoch, sluice.attempt and the two of its own */
        assert_string_equal(r->value, "v");
    }
}

static void test_commit_metadata_parser(void **state) {
    assert_int_equal(sl_kafka_parse_commit_metadata("sluice-checkpoint=17", 20), 17);
    assert_int_equal(sl_kafka_parse_commit_metadata("sluice-checkpoint=", 18), -1);
    assert_int_equal(sl_kafka_parse_commit_metadata("sluice-checkpoint=1x", 20), -1);
    assert_int_equal(sl_kafka_parse_commit_metadata("other=3", 7), -1);
    assert_int_equal(sl_kafka_parse_commit_metadata(NULL, 0), -1);
}

static void test_second_instance_fences_the_first(void **state) {
    fixture *f = *state;
    char errstr[512];
    sl_kafka_txn *first = sink_new(f, SL_OK);
    write_window(f, first, 1000);
    assert_int_equal(checkpoint(first, 1, errstr, sizeof(errstr)), SL_OK);
    write_window(f, first, 2000);
    sl_kafka_txn *second = sink_new(f, SL_OK);   /* same job.id and subtask */
    /* A real broker now answers the first producer's EndTxn with
     * PRODUCER_FENCED; the 2.0.2 mock does not check producer epochs, so
     * the test gives that answer explicitly. */
    rd_kafka_mock_push_request_errors(sl_kafka_dev_mock(f->dev), KT_API_END_TXN, 1, RD_KAFKA_RESP_ERR_PRODUCER_FENCED);
    sl_err err = checkpoint(first, 2, errstr, sizeof(errstr));
    assert_int_equal(err, SL_ERR_FENCED);
    assert_non_null(strstr(errstr, "another sluice instance with transactional.id sinkjob-sink-0 took over"));
    sl_kafka_txn_free(first);
    write_window(f, second, 3000);
    assert_int_equal(checkpoint(second, 2, errstr, sizeof(errstr)), SL_OK);
    sl_kafka_txn_free(second);
}

static void test_retriable_errors_are_retried(void **state) {
    fixture *f = *state;
    char errstr[512];
    rd_kafka_mock_cluster_t *mc = sl_kafka_dev_mock(f->dev);
    sl_kafka_txn *sink = sink_new(f, SL_OK);
    /* ApiKeys: Produce 0, AddOffsetsToTxn 25, EndTxn 26. */
    rd_kafka_mock_push_request_errors(mc, 0, 2, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
                                      RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS);
    rd_kafka_mock_push_request_errors(mc, 25, 2, RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE,
                                      RD_KAFKA_RESP_ERR_CONCURRENT_TRANSACTIONS);
    rd_kafka_mock_push_request_errors(mc, 26, 2, RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS,
                                      RD_KAFKA_RESP_ERR_CONCURRENT_TRANSACTIONS);
    write_window(f, sink, 5000);
    assert_int_equal(checkpoint(sink, 1, errstr, sizeof(errstr)), SL_OK);
    write_window(f, sink, 6000);
    assert_int_equal(checkpoint(sink, 2, errstr, sizeof(errstr)), SL_OK);
    sl_kafka_txn_free(sink);
    read_topic(f, SL_TOPIC_RESULTS, 3);
    assert_int_equal(f->n_got, 6);
    assert_int_equal(count_key_epoch(f, "5000|/home", 1), 1);
    assert_int_equal(count_key_epoch(f, "6000|/cart", 2), 1);
}

typedef struct broker_flap {
    rd_kafka_mock_cluster_t *mc;
    int brokers;
} broker_flap;

static void *bring_brokers_up(void *arg) {
    broker_flap *b = arg;
    usleep(1500 * 1000);
    for (int id = 1; id <= b->brokers; id++) rd_kafka_mock_broker_set_up(b->mc, id);
    return NULL;
}

static void test_flush_survives_brokers_down_and_up(void **state) {
    fixture *f = *state;
    char errstr[512];
    rd_kafka_mock_cluster_t *mc = sl_kafka_dev_mock(f->dev);
    sl_kafka_txn *sink = sink_new(f, SL_OK);
    write_window(f, sink, 7000);
    assert_int_equal(checkpoint(sink, 1, errstr, sizeof(errstr)), SL_OK);
    for (int id = 1; id <= 3; id++) rd_kafka_mock_broker_set_down(mc, id);
    write_window(f, sink, 8000);
    broker_flap flap = {mc, 3};
    pthread_t t;
    pthread_create(&t, NULL, bring_brokers_up, &flap);
    int64_t t0 = kt_now_ms();
    sl_err err = checkpoint(sink, 2, errstr, sizeof(errstr));
    pthread_join(t, NULL);
    if (err) fail_msg("checkpoint across broker outage: %s", errstr);
    assert_true(kt_now_ms() - t0 >= 1000);   /* it really waited for the brokers */
    sl_kafka_txn_free(sink);
    read_topic(f, SL_TOPIC_RESULTS, 3);
    assert_int_equal(count_key_epoch(f, "8000|/home", 2), 1);
    assert_int_equal(count_key_epoch(f, "8000", 2), 1);
}

static void test_bad_config_is_reported_with_its_key(void **state) {
    fixture *f = *state;
    char errstr[512] = "";
    assert_int_equal(sl_conf_set(f->conf, "kafka.acks", "sometimes", errstr, sizeof(errstr)), SL_OK);
    assert_null(sl_kafka_txn_new(f->conf, 0, SL_TOPIC_RESULTS, SL_TOPIC_EVENTS, errstr, sizeof(errstr)));
    assert_non_null(strstr(errstr, "kafka.acks"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commit_metadata_parser),
        cmocka_unit_test_setup_teardown(test_three_checkpoints_keys_and_epochs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_headers_survive_holding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_second_instance_fences_the_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retriable_errors_are_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flush_survives_brokers_down_and_up, setup3, teardown),
        cmocka_unit_test_setup_teardown(test_bad_config_is_reported_with_its_key, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
