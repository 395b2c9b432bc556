/* test_batch.c -- arenas, batches, batch pools and deep record copies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "engine/arena.h"
#include "engine/batch.h"

static void arena_reuses_memory_after_reset(void **state) {
    sl_arena a;
    sl_arena_init(&a, 1024);
    char *first = sl_arena_strndup(&a, "hello", 5);
    assert_string_equal(first, "hello");
    for (int i = 0; i < 1000; i++) sl_arena_alloc(&a, 100);    /* spans many chunks */
    void *big = sl_arena_alloc(&a, 10000);                      /* larger than a chunk */
    memset(big, 1, 10000);
    sl_arena_reset(&a);
    char *again = sl_arena_alloc(&a, 8);
    /* after a reset the kept chunks serve new allocations */
    assert_non_null(again);
    assert_true(((uintptr_t)again & 7) == 0);
    sl_arena_free(&a);
}

static void batch_push_counts_and_fills(void **state) {
    sl_batch *b = sl_batch_new(4);
    sl_batch_reset(b, SL_BATCH_EVENTS);
    for (int i = 0; i < 4; i++) {
        assert_false(sl_batch_full(b));
        sl_event *e = sl_batch_push(b);
        e->timestamp_ms = i;
    }
    assert_true(sl_batch_full(b));
    assert_int_equal(b->count, 4);
    assert_int_equal(sl_batch_events(b)[3].timestamp_ms, 3);
    sl_batch_reset(b, SL_BATCH_PAGE_STATS);
    assert_int_equal(b->count, 0);
    assert_int_equal(b->kind, SL_BATCH_PAGE_STATS);
    sl_batch_free(b);
}

static void copy_record_is_deep(void **state) {
    sl_batch *src = sl_batch_new(8), *dst = sl_batch_new(8);
    sl_batch_reset(src, SL_BATCH_EVENTS);
    sl_batch_reset(dst, SL_BATCH_EVENTS);
    sl_event *e = sl_batch_push(src);
    e->page = sl_batch_copy_str(src, sl_str_c("/product/p-1"));
    e->user_id = sl_batch_copy_str(src, sl_str_c("user-1"));
    e->referrer = SL_STR_NULL;
    sl_event_derive(e);
    sl_event *copy = sl_batch_copy_record(dst, e);
    sl_batch_reset(src, SL_BATCH_EVENTS);             /* the source's strings are gone */
    sl_batch_free(src);
    assert_int_equal(copy->page.len, 12);
    assert_memory_equal(copy->page.ptr, "/product/p-1", 12);
    assert_true(sl_str_is_null(copy->referrer));
    assert_true(copy->page_hash == sl_str_hash(sl_str_c("/product/p-1")));

    sl_batch_reset(dst, SL_BATCH_TOP_PAGES);
    sl_top_entry entries[2] = {{sl_str_c("/a"), 5, 1, true}, {sl_str_c("/b"), 3, 2, false}};
    sl_top_pages *t = sl_batch_copy_record(dst, &(sl_top_pages){0, 10, 2, entries});
    entries[0].page = sl_str_c("/zzz");
    assert_int_equal(t->count, 2);
    assert_memory_equal(t->entries[0].page.ptr, "/a", 2);

    /* A page event's page goes with it (the session stage projects events
     * in place; an exchange may copy them out of the batch). */
    sl_batch_reset(dst, SL_BATCH_PAGE_EVENTS);
    char page[] = "/cart";
    sl_page_event *pe = sl_batch_copy_record(dst, &(sl_page_event){7, 1, 2, {page, 5}, SL_EVENT_ADD_TO_CART});
    page[1] = 'x';
    assert_memory_equal(pe->page.ptr, "/cart", 5);
    assert_int_equal(pe->timestamp_ms, 7);
    assert_int_equal(pe->event_type, SL_EVENT_ADD_TO_CART);
    sl_batch_free(dst);
}

static void pool_recycles_batches(void **state) {
    sl_batch_pool *p = sl_batch_pool_new(16);
    sl_batch *a = sl_batch_pool_get(p, SL_BATCH_EVENTS);
    sl_batch_push(a);
    sl_batch_release(a);
    sl_batch *b = sl_batch_pool_get(p, SL_BATCH_LATE_EVENTS);
    assert_ptr_equal(a, b);                            /* the same batch, reset */
    assert_int_equal(b->count, 0);
    assert_int_equal(b->kind, SL_BATCH_LATE_EVENTS);
    sl_batch_release(b);
    sl_batch_pool_free(p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(arena_reuses_memory_after_reset),
        cmocka_unit_test(batch_push_counts_and_fills),
        cmocka_unit_test(copy_record_is_deep),
        cmocka_unit_test(pool_recycles_batches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
