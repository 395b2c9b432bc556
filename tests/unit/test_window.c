/* test_window.c -- window boundaries, panes, timers, session merging, re-fire marking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>

#include "engine/conf.h"
#include "engine/hash_index.h"
#include "engine/timer.h"
#include "engine/window.h"
#include "operators/window_refire.h"

static sl_window_spec spec(int64_t size, int64_t slide, int64_t lateness) {
    return (sl_window_spec){SL_WINDOW_SLIDING, size, slide, 0, 1, lateness};
}

static void boundaries_are_half_open_and_epoch_aligned(void **state) {
    sl_window_spec w = spec(300000, 10000, 0);
    w.pane = 10000;
    /* t = 20000 lies in the 30 windows starting -270000 … 20000 */
    assert_int_equal(sl_window_first_start(&w, 20000), -270000);
    assert_int_equal(sl_window_last_start(&w, 20000), 20000);
    /* an event at exactly a window's end belongs to the next window, not that one */
    assert_int_equal(sl_window_first_start(&w, 300000), 10000);        /* [0,300000) excludes 300000 */
    assert_int_equal(sl_window_first_start(&w, 299999), 0);
    assert_int_equal(sl_pane_of(&w, 19999), 10000);
    assert_int_equal(sl_pane_of(&w, -1), -10000);                      /* floor for negative times */
    assert_int_equal(sl_window_last_start(&w, -1), -10000);
    assert_true(sl_window_closed(&w, 50000, 50000));
    assert_false(sl_window_closed(&w, 50000, 49999));
    sl_window_spec late = spec(300000, 10000, 5000);
    assert_false(sl_window_closed(&late, 50000, 54999));
    assert_true(sl_window_closed(&late, 50000, 55000));
}

static void spec_from_configuration(void **state) {
    char err[256];
    sl_conf *c = sl_conf_new();
    sl_window_spec w;
    sl_conf_set(c, "window.size_ms", "60000", err, sizeof(err));
    sl_conf_set(c, "window.slide_ms", "25000", err, sizeof(err));
    assert_int_equal(sl_window_spec_load(&w, c, err, sizeof(err)), SL_OK);
    assert_int_equal(w.pane, 5000);                                     /* gcd(60000, 25000) */
    sl_conf_set(c, "window.type", "tumbling", err, sizeof(err));
    assert_int_equal(sl_window_spec_load(&w, c, err, sizeof(err)), SL_OK);
    assert_int_equal(w.slide, 60000);
    sl_conf_set(c, "window.type", "sliding", err, sizeof(err));
    sl_conf_set(c, "window.slide_ms", "70000", err, sizeof(err));
    assert_int_equal(sl_window_spec_load(&w, c, err, sizeof(err)), SL_ERR_INVALID_ARG);
    sl_conf_set(c, "window.type", "hopping", err, sizeof(err));
    assert_int_equal(sl_window_spec_load(&w, c, err, sizeof(err)), SL_ERR_INVALID_ARG);
    /* A day sliding by the second is allowed; a year by 10 s would put each
     * event in 3 million windows (it used to register a timer for each, and
     * 9e18 ms crashed the timer heap). */
    sl_conf_set(c, "window.type", "sliding", err, sizeof(err));
    sl_conf_set(c, "window.size_ms", "86400000", err, sizeof(err));
    sl_conf_set(c, "window.slide_ms", "1000", err, sizeof(err));
    assert_int_equal(sl_window_spec_load(&w, c, err, sizeof(err)), SL_OK);
    sl_conf_set(c, "window.size_ms", "31557600000", err, sizeof(err));
    sl_conf_set(c, "window.slide_ms", "10000", err, sizeof(err));
    assert_int_equal(sl_window_spec_load(&w, c, err, sizeof(err)), SL_ERR_INVALID_ARG);
    assert_non_null(strstr(err, "puts each event in 3155760 windows, more than 100000"));
    sl_conf_set(c, "window.size_ms", "9000000000000000000", err, sizeof(err));
    assert_int_equal(sl_window_spec_load(&w, c, err, sizeof(err)), SL_ERR_INVALID_ARG);
    assert_non_null(strstr(err, "window.size_ms: 9000000000000000000 is outside"));
    sl_conf_destroy(c);
}

static void pane_timers_cover_every_window_of_the_pane(void **state) {
    sl_window_spec w = spec(30000, 10000, 0);
    w.pane = 10000;
    sl_timers t;
    sl_timers_init(&t);
    sl_window_register_pane_timers(&w, &t, 20000);   /* windows [0,30000) [10000,40000) [20000,50000) */
    sl_window_register_pane_timers(&w, &t, 30000);   /* shares two of them */
    int64_t fired[8], at;
    int n = 0;
    assert_false(sl_timers_pop_due(&t, 29999, &at));
    while (sl_timers_pop_due(&t, 100000, &at)) fired[n++] = at;
    assert_int_equal(n, 4);                           /* duplicates fire once, in order */
    assert_int_equal(fired[0], 30000);
    assert_int_equal(fired[1], 40000);
    assert_int_equal(fired[2], 50000);
    assert_int_equal(fired[3], 60000);
    sl_timers_free(&t);
}

static void timers_survive_snapshot_and_restore(void **state) {
    sl_timers a, b;
    sl_timers_init(&a);
    sl_timers_init(&b);
    for (int64_t x = 10; x > 0; x--) sl_timers_register(&a, x * 100);
    sl_buf buf = {0};
    sl_timers_snapshot(&a, &buf);
    sl_buf_reader r = {buf.data, buf.data + buf.len};
    assert_true(sl_timers_restore(&b, &r));
    int64_t at;
    for (int64_t x = 1; x <= 10; x++) {
        assert_true(sl_timers_pop_due(&b, 1000, &at));
        assert_int_equal(at, x * 100);
    }
    sl_buf_reader truncated = {buf.data, buf.data + buf.len - 1};
    sl_timers_free(&b);
    sl_timers_init(&b);
    assert_false(sl_timers_restore(&b, &truncated));
    sl_buf_free(&buf);
    sl_timers_free(&a);
    sl_timers_free(&b);
}

static void session_windows_merge_when_gaps_close(void **state) {
    sl_session_window *list = NULL;
    int n = 0, cap = 0;
    sl_session_windows_add(&list, &n, &cap, 1000, 500);    /* [1000,1500) */
    sl_session_windows_add(&list, &n, &cap, 3000, 500);    /* [3000,3500) */
    assert_int_equal(n, 2);
    sl_session_windows_add(&list, &n, &cap, 1200, 500);    /* extends the first: [1000,1700) */
    assert_int_equal(n, 2);
    assert_int_equal(list[0].end, 1700);
    int at = sl_session_windows_add(&list, &n, &cap, 2600, 500);   /* [2600,3100) bridges nothing yet */
    assert_int_equal(n, 2);                                  /* touches [3000,3500): merged */
    assert_int_equal(list[at].start, 2600);
    assert_int_equal(list[at].end, 3500);
    sl_session_windows_add(&list, &n, &cap, 1650, 1000);   /* [1650,2650) joins both */
    assert_int_equal(n, 1);
    assert_int_equal(list[0].start, 1000);
    assert_int_equal(list[0].end, 3500);
    free(list);
}

static void refire_marks_only_fired_open_windows(void **state) {
    sl_window_spec w = spec(30000, 10000, 20000);
    sl_window_refire r = {0};
    /* watermark 45000: windows ending 30000 and 40000 fired; ending 50000 not yet */
    sl_window_refire_mark(&r, &w, 25000, 45000);
    assert_int_equal(r.count, 2);
    sl_window_spec strict = spec(30000, 10000, 0);
    sl_window_refire none = {0};
    sl_window_refire_mark(&none, &strict, 25000, 45000);
    assert_int_equal(none.count, 0);                         /* no lateness: nothing re-fires */
    sl_window_refire_free(&r);
}

static void hash_index_assigns_dense_indexes(void **state) {
    sl_hash_index h;
    sl_hash_index_init(&h);
    bool inserted;
    for (uint64_t k = 0; k < 1000; k++) assert_int_equal(sl_hash_index_upsert(&h, k * 7919, &inserted), k);
    assert_int_equal(sl_hash_index_upsert(&h, 7919 * 5, &inserted), 5);
    assert_false(inserted);
    assert_int_equal(sl_hash_index_find(&h, 12345678), UINT32_MAX);
    sl_hash_index_clear(&h);
    assert_int_equal(sl_hash_index_find(&h, 7919), UINT32_MAX);
    assert_int_equal(sl_hash_index_upsert(&h, 42, &inserted), 0);
    sl_hash_index_free(&h);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(boundaries_are_half_open_and_epoch_aligned),
        cmocka_unit_test(spec_from_configuration),
        cmocka_unit_test(pane_timers_cover_every_window_of_the_pane),
        cmocka_unit_test(timers_survive_snapshot_and_restore),
        cmocka_unit_test(session_windows_merge_when_gaps_close),
        cmocka_unit_test(refire_marks_only_fired_open_windows),
        cmocka_unit_test(hash_index_assigns_dense_indexes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
