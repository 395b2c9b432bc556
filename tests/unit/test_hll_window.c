/* test_hll_window.c -- registers that follow a sliding window, against registers recomputed from the window's hashes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "engine/hll.h"
#include "engine/hll_window.h"

#define POOL 30000

/* The owner: every hash of the pool with its latest pane, if seen. */
typedef struct owner {
    bool seen[POOL];
    uint32_t latest[POOL];
    uint32_t oldest;             /* the window's oldest pane */
} owner;

static owner o;

/* The pool by register: members[first[reg] .. first[reg + 1]). */
static uint32_t first_member[SL_HLL_REGISTERS + 1], members[POOL];

/* A well-mixed hash for k (splitmix64's finalizer), and 0 for k = 0: a zero hash counts too. */
static uint64_t hash_of(uint64_t k) {
    if (!k) return 0;
    k = (k ^ (k >> 30)) * 0xbf58476d1ce4e5b9ULL;
    k = (k ^ (k >> 27)) * 0x94d049bb133111ebULL;
    return k ^ (k >> 31);
}

static void index_pool(void) {
    memset(first_member, 0, sizeof(first_member));
    for (uint32_t k = 0; k < POOL; k++) first_member[sl_hll_register_of(hash_of(k)) + 1]++;
    for (uint32_t reg = 0; reg < SL_HLL_REGISTERS; reg++) first_member[reg + 1] += first_member[reg];
    uint32_t next[SL_HLL_REGISTERS];
    memcpy(next, first_member, sizeof(next));
    for (uint32_t k = 0; k < POOL; k++) members[next[sl_hll_register_of(hash_of(k))]++] = k;
}

static bool in_window(uint32_t pane) { return (int32_t)(pane - o.oldest) >= 0; }

/* Every hash of the pool that goes to reg, seen or not. */
static void rescan(uint32_t reg, uint8_t *rank, uint32_t *latest, void *opaque) {
    (void)opaque;
    *rank = 0;
    *latest = 0;
    for (uint32_t m = first_member[reg]; m < first_member[reg + 1]; m++) {
        uint32_t k = members[m];
        uint64_t h = hash_of(k);
        if (!o.seen[k] || !in_window(o.latest[k])) continue;
        uint8_t r = sl_hll_rank_of(h);
        if (r > *rank || (r == *rank && (int32_t)(o.latest[k] - *latest) > 0)) {
            *rank = r;
            *latest = o.latest[k];
        }
    }
}

/* Every register must equal the highest rank among the window's hashes,
 * and the count the estimate of those registers -- which is what a dense
 * sketch of the same hashes counts, when it is dense. */
static void check(const sl_hll_window *w) {
    static uint8_t expect[SL_HLL_REGISTERS];
    memset(expect, 0, sizeof(expect));
    sl_hll *sketch = sl_hll_new();
    for (uint32_t k = 0; k < POOL; k++) {
        if (!o.seen[k] || !in_window(o.latest[k])) continue;
        uint64_t h = hash_of(k);
        uint32_t reg = sl_hll_register_of(h);
        if (sl_hll_rank_of(h) > expect[reg]) expect[reg] = sl_hll_rank_of(h);
        sl_hll_add(sketch, h);
    }
    uint32_t hist[SL_HLL_MAX_RANK + 1] = {0};
    for (uint32_t reg = 0; reg < SL_HLL_REGISTERS; reg++) {
        assert_int_equal(sl_hll_window_register(w, reg), expect[reg]);
        hist[expect[reg]]++;
    }
    assert_int_equal(sl_hll_window_count(w), sl_hll_estimate(hist));
    if (!sl_hll_is_exact(sketch)) assert_int_equal(sl_hll_window_count(w), sl_hll_count(sketch));
    sl_hll_free(sketch);
}

/* Panes of `per_pane` random hashes each; windows of `width` panes, the
 * first pane numbered `first` (near 2^32 to wrap); the window is checked
 * after every pane. Some hashes are drawn from a small part of the pool,
 * so users come back in later panes and move their latest pane up. */
static void slide(uint32_t first, int panes, int width, int per_pane, unsigned seed) {
    memset(&o, 0, sizeof(o));
    srand(seed);
    o.oldest = first;
    sl_hll_window *w = sl_hll_window_new(first);
    for (int i = 0; i < panes; i++) {
        uint32_t pane = first + (uint32_t)i;
        if (i >= width) {
            o.oldest = pane - (uint32_t)width + 1;
            sl_hll_window_leave(w, o.oldest - 1, rescan, NULL);
        }
        for (int k = 0; k < per_pane; k++) {
            uint32_t u = rand() % 3 ? (uint32_t)rand() % POOL : (uint32_t)rand() % 300;
            o.seen[u] = true;
            o.latest[u] = pane;
            sl_hll_window_seen(w, hash_of(u), pane);
        }
        check(w);
    }
    sl_hll_window_free(w);
}

static void registers_follow_the_window(void **state) {
    slide(0, 40, 1, 3000, 1);
    slide(100, 40, 5, 1200, 2);
    slide(7, 60, 20, 400, 3);
}

static void pane_numbers_wrap(void **state) { slide(UINT32_MAX - 12, 40, 8, 1500, 4); }

/* Panes with no hash, and leaves of several panes at once. */
static void empty_panes_and_wide_leaves(void **state) {
    memset(&o, 0, sizeof(o));
    sl_hll_window *w = sl_hll_window_new(0);
    for (uint32_t u = 1; u <= 5000; u++) {
        o.seen[u] = true;
        o.latest[u] = u % 3 ? 2 : 9;
        sl_hll_window_seen(w, hash_of(u), o.latest[u]);
    }
    check(w);
    o.oldest = 5;   /* panes 0..4 leave: the hashes of pane 2 go */
    sl_hll_window_leave(w, 4, rescan, NULL);
    check(w);
    o.oldest = 10;  /* and then everything */
    sl_hll_window_leave(w, 9, rescan, NULL);
    check(w);
    assert_int_equal(sl_hll_window_count(w), 0);
    sl_hll_window_free(w);
}

int main(void) {
    index_pool();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(registers_follow_the_window),
        cmocka_unit_test(pane_numbers_wrap),
        cmocka_unit_test(empty_panes_and_wide_leaves),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
