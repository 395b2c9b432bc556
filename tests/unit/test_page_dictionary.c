/* test_page_dictionary.c -- page names kept while a window may name them, forgotten after. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "operators/page_dictionary.h"

static sl_str str(const char *s) { return (sl_str){s, (uint32_t)strlen(s)}; }

static void assert_name(const sl_page_dict *d, uint64_t hash, const char *want) {
    sl_str got = sl_page_dict_get(d, hash);
    assert_int_equal(got.len, strlen(want));
    assert_memory_equal(got.ptr, want, got.len);
}

/* A page is kept until the latest window end any add named. With few
 * pages a pass over the table does not pay until every page can go. */
static void pages_are_forgotten_after_their_last_window(void **unused) {
    (void)unused;
    sl_page_dict *d = sl_page_dict_new();
    sl_page_dict_add(d, 1, str("/home"), 100);
    sl_page_dict_add(d, 2, str("/cart"), 200);
    sl_page_dict_add(d, 1, str("/home"), 300);   /* seen again in a later window */
    sl_page_dict_add(d, 2, str("/cart"), 150);   /* an earlier window does not shorten it */

    sl_page_dict_forget(d, 250);                 /* /cart could go, /home not: no pass yet */
    assert_int_equal(sl_page_dict_count(d), 2);
    assert_name(d, 1, "/home");
    sl_page_dict_forget(d, 300);                 /* every page can go */
    assert_int_equal(sl_page_dict_count(d), 0);
    assert_name(d, 1, "");
    assert_name(d, 2, "");
    sl_page_dict_add(d, 2, str("/cart"), 400);   /* named again: added again */
    assert_name(d, 2, "/cart");
    sl_page_dict_forget(d, INT64_MAX);
    assert_int_equal(sl_page_dict_count(d), 0);
    sl_page_dict_free(d);
}

/* Many pages come and go: a pass runs once the pages have doubled since
 * the last, so the table holds at most twice the open windows' pages, and
 * every page still needed keeps its name through the passes that move it. */
static void a_churning_catalog_keeps_only_open_windows_pages(void **unused) {
    (void)unused;
    sl_page_dict *d = sl_page_dict_new();
    char name[32];
    for (uint64_t window = 1; window <= 50; window++) {
        for (uint64_t k = 0; k < 1000; k++) {
            uint64_t page = window * 1000 + k;
            snprintf(name, sizeof(name), "/product/%llu", (unsigned long long)page);
            sl_page_dict_add(d, page * 0x9e3779b97f4a7c15ull, str(name), (int64_t)window);
        }
        sl_page_dict_forget(d, (int64_t)window - 2);   /* the two newest windows are open: 2,000 pages */
        assert_true(sl_page_dict_count(d) <= 4000);
    }
    assert_name(d, 49000 * 0x9e3779b97f4a7c15ull, "/product/49000");
    assert_name(d, 50999 * 0x9e3779b97f4a7c15ull, "/product/50999");
    sl_page_dict_forget(d, 50);
    assert_int_equal(sl_page_dict_count(d), 0);
    sl_page_dict_free(d);
}

/* A restore keeps every page until the caller says which window is the
 * newest its state can name, and the snapshot round-trips the names. */
static void restored_pages_are_kept_until_told(void **unused) {
    (void)unused;
    sl_page_dict *d = sl_page_dict_new();
    sl_page_dict_add(d, 7, str("/a"), 10);
    sl_page_dict_add(d, 8, str("/b"), 20);
    sl_buf snap = {0};
    sl_page_dict_snapshot(d, &snap);
    sl_page_dict_free(d);

    sl_page_dict *r = sl_page_dict_new();
    sl_buf_reader in = {snap.data, snap.data + snap.len};
    assert_true(sl_page_dict_restore(r, &in));
    assert_ptr_equal(in.p, in.end);
    sl_page_dict_forget(r, 1000);
    assert_int_equal(sl_page_dict_count(r), 2);   /* not known yet: kept */
    sl_page_dict_keep_until(r, 30);
    sl_page_dict_forget(r, 29);
    assert_name(r, 7, "/a");
    assert_name(r, 8, "/b");
    sl_page_dict_forget(r, 30);
    assert_int_equal(sl_page_dict_count(r), 0);

    sl_buf_reader truncated = {snap.data, snap.data + snap.len - 1};
    assert_false(sl_page_dict_restore(r, &truncated));
    sl_page_dict_free(r);
    sl_buf_free(&snap);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pages_are_forgotten_after_their_last_window),
        cmocka_unit_test(a_churning_catalog_keeps_only_open_windows_pages),
        cmocka_unit_test(restored_pages_are_kept_until_told),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
