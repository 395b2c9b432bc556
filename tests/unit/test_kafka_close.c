/* test_kafka_close.c -- a group consumer's close finishes, or the caller goes on after its deadline and the
 * memory the rebalance callback reads is released only once the close does (operators/kafka_close.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdatomic.h>
#include <unistd.h>

#include "operators/kafka_close.h"
#include "operators/kafka_dev_cluster.h"
#include "tests/unit/kafka_test_cluster.h"

/* What the rebalance callback reads: it must outlive the callback. */
typedef struct member {
    atomic_bool assigned, released;
    int revoke_delay_ms;   /* how long answering a revoke takes (a close that does not come back) */
} member;

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts,
                         void *opaque) {
    member *m = opaque;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        rd_kafka_assign(rk, parts);
        atomic_store(&m->assigned, true);
        return;
    }
    usleep((useconds_t)m->revoke_delay_ms * 1000);
    rd_kafka_assign(rk, NULL);
}

static void release(void *opaque) { atomic_store(&((member *)opaque)->released, true); }

/* A consumer of the events topic in group `group`, polled until the group assigned it its partitions. */
static rd_kafka_t *joined_consumer(const sl_kafka_dev *dev, const char *group, member *m) {
    char errstr[256];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    assert_int_equal(rd_kafka_conf_set(c, "bootstrap.servers", sl_kafka_dev_bootstrap(dev), errstr, sizeof(errstr)),
                     RD_KAFKA_CONF_OK);
    assert_int_equal(rd_kafka_conf_set(c, "group.id", group, errstr, sizeof(errstr)), RD_KAFKA_CONF_OK);
    rd_kafka_conf_set(c, "log_level", "3", errstr, sizeof(errstr));
    rd_kafka_conf_set_rebalance_cb(c, on_rebalance);
    rd_kafka_conf_set_opaque(c, m);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, errstr, sizeof(errstr));
    assert_non_null(rk);
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, SL_TOPIC_EVENTS, RD_KAFKA_PARTITION_UA);
    assert_int_equal(rd_kafka_subscribe(rk, topics), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(topics);
    for (int64_t deadline = kt_now_ms() + 20000; !atomic_load(&m->assigned) && kt_now_ms() < deadline;) {
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(rk, 100);
        if (msg) rd_kafka_message_destroy(msg);
    }
    assert_true(atomic_load(&m->assigned));
    return rk;
}

static void a_close_that_finishes_releases_before_returning(void **state) {
    char errstr[256];
    sl_kafka_dev *dev = sl_kafka_dev_start(1, errstr, sizeof(errstr));
    assert_non_null(dev);
    member m = {.revoke_delay_ms = 0};
    rd_kafka_t *rk = joined_consumer(dev, "close-finishes", &m);
    assert_true(sl_kafka_consumer_close_within(rk, 10000, "test", release, &m));
    assert_true(atomic_load(&m.released));
    sl_kafka_dev_stop(dev);
}

static void a_close_past_its_deadline_goes_on_and_releases_later(void **state) {
    char errstr[256];
    sl_kafka_dev *dev = sl_kafka_dev_start(1, errstr, sizeof(errstr));
    assert_non_null(dev);
    member *m = calloc(1, sizeof(*m));
    m->revoke_delay_ms = 3000;
    rd_kafka_t *rk = joined_consumer(dev, "close-stalls", m);
    int64_t t0 = kt_now_ms();
    assert_false(sl_kafka_consumer_close_within(rk, 300, "test", release, m));
    assert_true(kt_now_ms() - t0 < 2500);        /* did not wait for the revoke */
    assert_false(atomic_load(&m->released));     /* the callback may still read it */
    for (int64_t deadline = kt_now_ms() + 20000; !atomic_load(&m->released) && kt_now_ms() < deadline;) usleep(50000);
    assert_true(atomic_load(&m->released));      /* once the close came back */
    free(m);
    sl_kafka_dev_stop(dev);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_close_that_finishes_releases_before_returning),
        cmocka_unit_test(a_close_past_its_deadline_goes_on_and_releases_later),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
