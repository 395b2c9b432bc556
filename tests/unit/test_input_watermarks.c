/* test_input_watermarks.c -- a worker's watermark is the minimum over live inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "engine/input_watermarks.h"
#include "engine/operator.h"

static void minimum_across_inputs(void **state) {
    sl_input_watermarks w;
    sl_input_wm_init(&w, 3);
    assert_false(sl_input_wm_advance(&w, 0, 100));   /* inputs 1 and 2 still unknown */
    assert_false(sl_input_wm_advance(&w, 1, 50));
    assert_true(sl_input_wm_advance(&w, 2, 70));
    assert_int_equal(w.current, 50);
    assert_true(sl_input_wm_advance(&w, 1, 200));
    assert_int_equal(w.current, 70);
    assert_false(sl_input_wm_advance(&w, 1, 60));      /* an input never goes back */
    assert_int_equal(w.current, 70);
    sl_input_wm_free(&w);
}

static void idle_input_stops_holding_back_and_rejoins(void **state) {
    sl_input_watermarks w;
    sl_input_wm_init(&w, 2);
    sl_input_wm_advance(&w, 0, 1000);
    sl_input_wm_advance(&w, 1, 10);
    assert_int_equal(w.current, 10);
    assert_true(sl_input_wm_idle(&w, 1));               /* idle: only input 0 counts */
    assert_int_equal(w.current, 1000);
    assert_false(sl_input_wm_advance(&w, 1, 500));      /* rejoins, but behind: holds, never goes back */
    assert_int_equal(w.current, 1000);
    assert_false(sl_input_wm_advance(&w, 0, 3000));     /* input 1 (500) holds it back again */
    assert_int_equal(w.current, 1000);
    assert_true(sl_input_wm_advance(&w, 1, 2000));
    assert_int_equal(w.current, 2000);
    sl_input_wm_free(&w);
}

static void all_idle_holds(void **state) {
    sl_input_watermarks w;
    sl_input_wm_init(&w, 2);
    sl_input_wm_advance(&w, 0, 10);
    sl_input_wm_advance(&w, 1, 20);
    assert_true(sl_input_wm_idle(&w, 0));               /* only input 1 (20) is live */
    assert_int_equal(w.current, 20);
    assert_false(sl_input_wm_idle(&w, 1));              /* nobody live: hold */
    assert_int_equal(w.current, 20);
    sl_input_wm_free(&w);
}

static void finishing_is_not_the_end_of_time(void **state) {
    sl_input_watermarks w;
    sl_input_wm_init(&w, 2);
    sl_input_wm_advance(&w, 0, 10);
    sl_input_wm_advance(&w, 1, 20);
    assert_true(sl_input_wm_end(&w, 0));                /* the finished input no longer holds */
    assert_int_equal(w.current, 20);
    assert_false(sl_input_wm_end(&w, 1));
    assert_int_equal(w.current, 20);
    assert_true(sl_input_wm_all_ended(&w));
    sl_input_watermarks b;
    sl_input_wm_init(&b, 1);
    assert_true(sl_input_wm_advance(&b, 0, SL_WATERMARK_MAX));   /* a bounded source says it */
    assert_true(b.current == SL_WATERMARK_MAX);
    sl_input_wm_free(&b);
    sl_input_wm_free(&w);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(minimum_across_inputs),
        cmocka_unit_test(idle_input_stops_holding_back_and_rejoins),
        cmocka_unit_test(all_idle_holds),
        cmocka_unit_test(finishing_is_not_the_end_of_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
