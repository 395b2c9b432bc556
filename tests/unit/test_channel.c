/* test_channel.c -- gates: order per channel, back-pressure, barrier blocking, close, doorbells. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "engine/channel.h"

static void messages_keep_their_order_per_channel(void **state) {
    sl_gate *g = sl_gate_new(2, 8);
    for (int i = 0; i < 5; i++) {
        assert_true(sl_gate_push(g, 0, (sl_msg){SL_MSG_WATERMARK, i, NULL}));
        assert_true(sl_gate_push(g, 1, (sl_msg){SL_MSG_WATERMARK, 100 + i, NULL}));
    }
    int64_t next[2] = {0, 100};
    for (int i = 0; i < 10; i++) {
        sl_msg m;
        uint32_t ch;
        assert_true(sl_gate_pop(g, &m, &ch));
        assert_int_equal(m.value, next[ch]++);
    }
    sl_msg m;
    uint32_t ch;
    assert_false(sl_gate_pop_timed(g, &m, &ch, 10));   /* empty: times out */
    sl_gate_free(g);
}

static void blocked_channel_is_not_read(void **state) {
    sl_gate *g = sl_gate_new(2, 4);
    sl_gate_push(g, 0, (sl_msg){SL_MSG_BARRIER, 7, NULL});
    sl_gate_push(g, 0, (sl_msg){SL_MSG_WATERMARK, 1, NULL});
    sl_gate_push(g, 1, (sl_msg){SL_MSG_WATERMARK, 2, NULL});
    sl_msg m;
    uint32_t ch;
    do assert_true(sl_gate_pop(g, &m, &ch)); while (m.type != SL_MSG_BARRIER);
    sl_gate_block(g, 0);                               /* aligning: channel 0 waits */
    assert_true(sl_gate_pop(g, &m, &ch));
    if (m.value == 1) fail_msg("read a blocked channel");
    assert_int_equal(ch, 1);
    assert_false(sl_gate_pop_timed(g, &m, &ch, 10));
    sl_gate_unblock_all(g);
    assert_true(sl_gate_pop(g, &m, &ch));
    assert_int_equal(m.value, 1);
    sl_gate_free(g);
}

typedef struct producer {
    sl_gate *g;
    int sent;
} producer;

static void *produce(void *arg) {
    producer *p = arg;
    for (int i = 0; i < 100; i++) {
        if (!sl_gate_push(p->g, 0, (sl_msg){SL_MSG_WATERMARK, i, NULL})) break;
        __atomic_store_n(&p->sent, i + 1, __ATOMIC_SEQ_CST);
    }
    return NULL;
}

static void full_channel_applies_back_pressure(void **state) {
    sl_gate *g = sl_gate_new(1, 4);
    producer p = {g, 0};
    pthread_t th;
    pthread_create(&th, NULL, produce, &p);
    usleep(50000);
    assert_int_equal(__atomic_load_n(&p.sent, __ATOMIC_SEQ_CST), 4);   /* blocked at capacity */
    for (int i = 0; i < 100; i++) {
        sl_msg m;
        uint32_t ch;
        assert_true(sl_gate_pop(g, &m, &ch));
        assert_int_equal(m.value, i);
    }
    pthread_join(th, NULL);
    sl_gate_free(g);
}

static void close_wakes_a_blocked_producer(void **state) {
    sl_gate *g = sl_gate_new(1, 1);
    producer p = {g, 0};
    pthread_t th;
    pthread_create(&th, NULL, produce, &p);
    usleep(20000);
    sl_gate_close(g);
    pthread_join(th, NULL);                            /* returns: push failed */
    assert_int_equal(p.sent, 1);
    sl_msg m;
    uint32_t ch;
    assert_false(sl_gate_pop(g, &m, &ch));
    sl_gate_free(g);
}

/* Workers never block: a full channel says so, and its producer's doorbell
 * rings once the consumer makes room; every arrival rings the consumer's. */
static void try_push_reports_full_and_room_rings_the_producer(void **state) {
    (void)state;
    sl_doorbell consumer, writer;
    sl_doorbell_init(&consumer);
    sl_doorbell_init(&writer);
    sl_gate *g = sl_gate_new(2, 2);
    sl_doorbell *producers[2] = {&writer, NULL};
    sl_gate_set_doorbells(g, &consumer, producers);
    uint64_t arrivals = sl_doorbell_rings(&consumer);
    assert_int_equal(sl_gate_try_push(g, 0, (sl_msg){SL_MSG_WATERMARK, 1, NULL}), SL_PUSH_OK);
    assert_int_equal(sl_gate_try_push(g, 0, (sl_msg){SL_MSG_WATERMARK, 2, NULL}), SL_PUSH_OK);
    assert_int_equal(sl_doorbell_rings(&consumer), arrivals + 2);
    assert_int_equal(sl_gate_try_push(g, 0, (sl_msg){SL_MSG_WATERMARK, 3, NULL}), SL_PUSH_FULL);

    uint64_t room = sl_doorbell_rings(&writer);
    sl_msg m;
    uint32_t ch;
    assert_true(sl_gate_pop_timed(g, &m, &ch, 0));
    assert_int_equal(m.value, 1);
    assert_int_equal(sl_doorbell_rings(&writer), room + 1);   /* it was full */
    assert_int_equal(sl_gate_try_push(g, 0, (sl_msg){SL_MSG_WATERMARK, 3, NULL}), SL_PUSH_OK);
    assert_true(sl_gate_pop_timed(g, &m, &ch, 0));
    assert_true(sl_gate_pop_timed(g, &m, &ch, 0));
    assert_int_equal(m.value, 3);
    assert_false(sl_gate_pop_timed(g, &m, &ch, 0));            /* empty: returns at once */

    sl_gate_close(g);
    assert_int_equal(sl_gate_try_push(g, 1, (sl_msg){SL_MSG_END, 0, NULL}), SL_PUSH_CLOSED);
    sl_gate_free(g);
    sl_doorbell_destroy(&consumer);
    sl_doorbell_destroy(&writer);
}

static int64_t elapsed_ms(const struct timespec *since) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

typedef struct ringer {
    sl_doorbell *bell;
    int delay_us;
} ringer;

static void *ring_later(void *arg) {
    ringer *r = arg;
    usleep((useconds_t)r->delay_us);
    sl_doorbell_ring(r->bell);
    return NULL;
}

/* A ring before the wait is not lost; a ring during it ends it; without one
 * the wait ends at its timeout. */
static void doorbell_wakes_the_sleeper(void **state) {
    (void)state;
    sl_doorbell bell;
    sl_doorbell_init(&bell);
    struct timespec t0;

    uint64_t seen = sl_doorbell_rings(&bell);
    sl_doorbell_ring(&bell);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    sl_doorbell_wait(&bell, seen, 5 * 1000 * 1000);
    assert_true(elapsed_ms(&t0) < 1000);

    seen = sl_doorbell_rings(&bell);
    ringer r = {&bell, 20000};
    pthread_t th;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pthread_create(&th, NULL, ring_later, &r);
    sl_doorbell_wait(&bell, seen, 5 * 1000 * 1000);
    assert_true(elapsed_ms(&t0) < 2000);
    pthread_join(th, NULL);

    seen = sl_doorbell_rings(&bell);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    sl_doorbell_wait(&bell, seen, 30 * 1000);
    assert_true(elapsed_ms(&t0) >= 29);
    sl_doorbell_destroy(&bell);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(messages_keep_their_order_per_channel),
        cmocka_unit_test(blocked_channel_is_not_read),
        cmocka_unit_test(full_channel_applies_back_pressure),
        cmocka_unit_test(close_wakes_a_blocked_producer),
        cmocka_unit_test(try_push_reports_full_and_room_rings_the_producer),
        cmocka_unit_test(doorbell_wakes_the_sleeper),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
