/* test_channel.c -- gates: order per channel, back-pressure, barrier blocking, close. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <pthread.h>
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

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(messages_keep_their_order_per_channel),
        cmocka_unit_test(blocked_channel_is_not_read),
        cmocka_unit_test(full_channel_applies_back_pressure),
        cmocka_unit_test(close_wakes_a_blocked_producer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
