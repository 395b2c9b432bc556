/* test_result_latency.c -- watermark-to-result latency, to the sink and to the commit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <cmocka.h>

#include "engine/result_latency.h"

static void sleep_ms(long ms) { nanosleep(&(struct timespec){0, ms * 1000000L}, NULL); }

/* A window's results reached the sink 20 ms after the watermark passed its
 * end, and the checkpoint that commits them completed 60 ms after that. */
static void test_commit_latency_waits_for_the_checkpoint(void **state) {
    sl_result_latency *l = sl_result_latency_new();
    sl_result_latency_watermark(l, 1000);
    sleep_ms(20);
    sl_result_latency_result(l, 1000, 3);   /* committed by checkpoint 3 */
    sl_result_latency_result(l, 900, -1);   /* a sink that does not commit */
    double p50, p99, max;
    assert_int_equal(sl_result_latency_summary(l, &p50, &p99, &max), 2);
    assert_true(max >= 20 && max < 1000);

    sleep_ms(30);
    sl_result_latency_committed(l, 2);      /* an older checkpoint: not yet */
    assert_int_equal(sl_result_latency_committed_summary(l, &p50, &p99, &max), 0);
    sleep_ms(30);
    sl_result_latency_committed(l, 3);
    assert_int_equal(sl_result_latency_committed_summary(l, &p50, &p99, &max), 1);
    assert_true(p99 >= 80 && p99 < 2000);
    sl_result_latency_committed(l, 4);      /* nothing left: counted once */
    assert_int_equal(sl_result_latency_committed_summary(l, &p50, &p99, &max), 1);
    sl_result_latency_free(l);
}

/* A result whose watermark advance was never recorded is not measured. */
static void test_unknown_watermark_is_not_measured(void **state) {
    sl_result_latency *l = sl_result_latency_new();
    sl_result_latency_watermark(l, 500);
    sl_result_latency_result(l, 1000, 1);
    sl_result_latency_committed(l, 1);
    double p50, p99, max;
    assert_int_equal(sl_result_latency_summary(l, &p50, &p99, &max), 0);
    assert_int_equal(sl_result_latency_committed_summary(l, &p50, &p99, &max), 0);
    sl_result_latency_free(l);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commit_latency_waits_for_the_checkpoint),
        cmocka_unit_test(test_unknown_watermark_is_not_measured),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
