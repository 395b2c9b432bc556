/* test_watermark.c -- per-input bounded out-of-orderness, idleness, combined minimum. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/operator.h"
#include "engine/watermark.h"

static void test_min_over_inputs(void **state) {
    sl_wm_tracker *t = sl_wm_tracker_new(100, 0);
    sl_wm_input_add(t, 0, 0);
    sl_wm_input_add(t, 1, 0);
    sl_wm_observe(t, 0, 5000, 1);
    /* Input 1 has no record yet: it holds everything back. */
    assert_true(sl_wm_current(t, 2) == SL_WATERMARK_MIN);
    sl_wm_observe(t, 1, 3000, 3);
    assert_int_equal(sl_wm_current(t, 4), 3000 - 100 - 1);
    /* An out-of-order record does not lower an input's watermark. */
    sl_wm_observe(t, 1, 2000, 5);
    assert_int_equal(sl_wm_input_watermark(t, 1), 2899);
    sl_wm_observe(t, 1, 9000, 6);
    assert_int_equal(sl_wm_current(t, 7), 4899);   /* now input 0 is the minimum */
    sl_wm_tracker_free(t);
}

static void test_idle_input_stops_holding_back_and_rejoins(void **state) {
    sl_wm_tracker *t = sl_wm_tracker_new(0, 1000);
    sl_wm_observe(t, 0, 10000, 0);
    sl_wm_observe(t, 1, 2000, 0);
    assert_int_equal(sl_wm_current(t, 500), 1999);
    /* Input 0 keeps delivering, input 1 goes quiet past the timeout. */
    sl_wm_observe(t, 0, 20000, 900);
    sl_wm_observe(t, 0, 21000, 1500);
    assert_int_equal(sl_wm_current(t, 1600), 20999);
    assert_true(sl_wm_input_idle(t, 1));
    assert_false(sl_wm_input_idle(t, 0));
    /* It rejoins behind the combined watermark: no regression. */
    sl_wm_observe(t, 1, 3000, 1700);
    assert_false(sl_wm_input_idle(t, 1));
    assert_int_equal(sl_wm_current(t, 1700), 20999);
    /* ... and holds back further progress until it catches up. */
    sl_wm_observe(t, 0, 40000, 1800);
    assert_int_equal(sl_wm_current(t, 1800), 20999);
    sl_wm_observe(t, 1, 30000, 1900);
    assert_int_equal(sl_wm_current(t, 1900), 29999);
    sl_wm_tracker_free(t);
}

static void test_all_idle_holds_and_removed_input_is_forgotten(void **state) {
    sl_wm_tracker *t = sl_wm_tracker_new(10, 100);
    sl_wm_observe(t, 3, 1000, 0);
    sl_wm_observe(t, 4, 500, 0);
    assert_int_equal(sl_wm_current(t, 10), 489);
    assert_int_equal(sl_wm_current(t, 1000), 489);  /* everyone idle: hold */
    sl_wm_input_remove(t, 4);
    sl_wm_observe(t, 3, 1200, 1001);
    assert_int_equal(sl_wm_current(t, 1002), 1189);
    assert_true(sl_wm_input_watermark(t, 4) == SL_WATERMARK_MIN);
    /* Adding a tracked id again keeps its state. */
    sl_wm_input_add(t, 3, 1003);
    assert_int_equal(sl_wm_input_watermark(t, 3), 1189);
    sl_wm_tracker_free(t);
}

static void test_no_overflow_near_min(void **state) {
    sl_wm_tracker *t = sl_wm_tracker_new(1000, 0);
    sl_wm_observe(t, 0, INT64_MIN + 5, 0);
    assert_true(sl_wm_current(t, 0) == SL_WATERMARK_MIN);
    sl_wm_tracker_free(t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_min_over_inputs),
        cmocka_unit_test(test_idle_input_stops_holding_back_and_rejoins),
        cmocka_unit_test(test_all_idle_holds_and_removed_input_is_forgotten),
        cmocka_unit_test(test_no_overflow_near_min),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
