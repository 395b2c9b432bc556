/* test_page_window_agg.c -- the page stage's running window aggregates against a merge of the window's panes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "engine/hash_index.h"
#include "engine/hll.h"
#include "operators/page_window_agg.h"

#define PAGES 3
#define PANES 80

/* A pane's values of one page, as the page stage's records hold them. */
typedef struct pane_value {
    bool present;
    uint64_t counts[SL_PAGE_AGG_COUNTS];
    sl_hll *users;
} pane_value;

static pane_value panes[PANES][PAGES];
static uint64_t most_users_known;   /* the largest distinct count checked */

static uint64_t page_hash(int page) { return 0x9e3779b97f4a7c15ULL * (uint64_t)(page + 1); }

/* A well-mixed hash for user u (splitmix64's finalizer), and 0 for u = 0:
 * a zero hash is a user too. */
static uint64_t user_hash(uint64_t u) {
    if (!u) return 0;
    u = (u ^ (u >> 30)) * 0xbf58476d1ce4e5b9ULL;
    u = (u ^ (u >> 27)) * 0x94d049bb133111ebULL;
    return u ^ (u >> 31);
}

/* Fill every pane: most pages have a value in most panes; users come from
 * a pool large enough for windows of several panes to pass the sketches'
 * exact limit, and a few panes of page 2 hold more users than that limit
 * (a dense sketch, whose users cannot be named). */
static void fill_panes(unsigned seed) {
    srand(seed);
    for (int i = 0; i < PANES; i++)
        for (int p = 0; p < PAGES; p++) {
            pane_value *v = &panes[i][p];
            v->present = rand() % 5 != 0;
            if (!v->present) continue;
            for (int t = 0; t < SL_PAGE_AGG_COUNTS; t++) v->counts[t] = (uint64_t)(rand() % 50);
            v->users = sl_hll_new();
            bool dense = p == 2 && i % 17 == 5;
            if (dense)
                for (uint64_t k = 0; k <= SL_HLL_EXACT_LIMIT; k++) sl_hll_add(v->users, user_hash(100000 + k));
            for (int k = rand() % 500; k > 0; k--) sl_hll_add(v->users, user_hash((uint64_t)(rand() % 6000)));
            assert_int_equal(sl_hll_is_exact(v->users), !dense);
        }
}

/* Users that come for a few panes and go: each pane of the first page
 * brings `fresh` new users and some of the previous panes' back, so a wide
 * window holds many more users than a pane's sketch keeps exactly while
 * users keep leaving it. */
static void fill_churning_panes(unsigned seed, uint64_t fresh) {
    srand(seed);
    for (int i = 0; i < PANES; i++) {
        pane_value *v = &panes[i][0];
        *v = (pane_value){.present = true, .counts = {1, 0, 0, 0}, .users = sl_hll_new()};
        for (uint64_t k = 0; k < fresh; k++) sl_hll_add(v->users, user_hash(1 + (uint64_t)i * fresh + k));
        for (int k = 0; k < 100 && i > 0; k++)
            sl_hll_add(v->users, user_hash(1 + (uint64_t)(rand() % i) * fresh + (uint64_t)rand() % fresh));
    }
}

static void free_panes(void) {
    for (int i = 0; i < PANES; i++)
        for (int p = 0; p < PAGES; p++) {
            sl_hll_free(panes[i][p].users);
            panes[i][p] = (pane_value){0};
        }
}

typedef struct expected {
    int first, last;              /* the window's panes */
    bool seen[PAGES];
} expected;

static void add_user(uint64_t hash, void *opaque) {
    bool inserted;
    sl_hash_index_upsert(opaque, hash, &inserted);
}

/* The sums must equal a merge of the window's panes; the distinct users,
 * the exact size of the union of the panes' users. */
static void check_page(const sl_page_window_sums *sums, void *opaque) {
    expected *e = opaque;
    int page = -1;
    for (int p = 0; p < PAGES; p++)
        if (page_hash(p) == sums->page_hash) page = p;
    assert_true(page >= 0);
    assert_false(e->seen[page]);
    e->seen[page] = true;
    uint64_t counts[SL_PAGE_AGG_COUNTS] = {0};
    bool dense = false, present = false;
    sl_hash_index users;
    sl_hash_index_init(&users);
    for (int i = e->first; i <= e->last; i++) {
        const pane_value *v = &panes[i][page];
        if (!v->present) continue;
        present = true;
        for (int t = 0; t < SL_PAGE_AGG_COUNTS; t++) counts[t] += v->counts[t];
        dense |= !sl_hll_foreach_exact(v->users, add_user, &users);
    }
    assert_true(present);
    assert_memory_equal(sums->counts, counts, sizeof(counts));
    assert_int_equal(sums->users_known, !dense);
    if (sums->users_known) {
        assert_int_equal(sums->unique_users, users.count);
        if (sums->unique_users > most_users_known) most_users_known = sums->unique_users;
    }
    sl_hash_index_free(&users);
}

/* Slide windows of `width` panes over the panes, each pane entering once
 * and leaving once, and check every window's sums. */
static void slide_over_panes(int width) {
    sl_page_agg *a = sl_page_agg_new();
    for (int last = 0; last < PANES; last++) {
        int first = last - width + 1 < 0 ? 0 : last - width + 1;
        if (first > 0) sl_page_agg_leave(a, first - 1);
        for (int p = 0; p < PAGES; p++)
            if (panes[last][p].present)
                sl_page_agg_enter(a, page_hash(p), last, panes[last][p].counts, panes[last][p].users);
        expected e = {first, last, {false}};
        sl_page_agg_foreach(a, check_page, &e);
        for (int p = 0; p < PAGES; p++) {
            bool any = false;
            for (int i = first; i <= last; i++) any |= panes[i][p].present;
            assert_int_equal(e.seen[p], any);   /* every page with a value, and no other */
        }
    }
    sl_page_agg_free(a);
    free_panes();
}

static void slide(int width, unsigned seed) {
    fill_panes(seed);
    slide_over_panes(width);
}

static void one_pane_windows_equal_each_pane(void **state) { slide(1, 1); }

static void overlapping_windows_equal_a_merge_of_their_panes(void **state) {
    slide(3, 2);
    slide(7, 3);
    most_users_known = 0;
    slide(30, 4);   /* wide enough for a page's users to pass a sketch's exact limit */
    assert_true(most_users_known > SL_HLL_EXACT_LIMIT);
}

static void counts_stay_exact_past_a_sketchs_limit(void **state) {
    most_users_known = 0;
    fill_churning_panes(5, 300);
    slide_over_panes(12);
    assert_true(most_users_known > SL_HLL_EXACT_LIMIT);
    most_users_known = 0;
    fill_churning_panes(6, 1900);   /* a pane stays exact: 1,900 + 100 users at most */
    slide_over_panes(30);
    assert_true(most_users_known > 40000);
}

/* A user seen again in a later pane stays in the window until its latest
 * pane leaves; one not seen again leaves with its pane. */
static void a_user_leaves_with_its_latest_pane(void **state) {
    sl_page_agg *a = sl_page_agg_new();
    sl_hll *u12 = sl_hll_new(), *u2 = sl_hll_new(), *none = sl_hll_new();
    sl_hll_add(u12, user_hash(1));
    sl_hll_add(u12, user_hash(2));
    sl_hll_add(u2, user_hash(2));
    const uint64_t one[SL_PAGE_AGG_COUNTS] = {1, 0, 0, 0};
    sl_page_agg_enter(a, page_hash(0), 10, one, u12);
    sl_page_agg_enter(a, page_hash(0), 11, one, u2);
    sl_page_agg_enter(a, page_hash(0), 12, one, none);
    panes[10][0] = (pane_value){true, {1, 0, 0, 0}, u12};
    panes[11][0] = (pane_value){true, {1, 0, 0, 0}, u2};
    panes[12][0] = (pane_value){true, {1, 0, 0, 0}, none};
    expected e = {10, 12, {false}};
    sl_page_agg_foreach(a, check_page, &e);   /* users 1 and 2 */
    sl_page_agg_leave(a, 10);
    e = (expected){11, 12, {false}};
    sl_page_agg_foreach(a, check_page, &e);   /* user 2 only */
    sl_page_agg_leave(a, 11);
    e = (expected){12, 12, {false}};
    sl_page_agg_foreach(a, check_page, &e);   /* nobody */
    sl_page_agg_leave(a, 12);
    e = (expected){0};
    sl_page_agg_foreach(a, check_page, &e);
    assert_false(e.seen[0]);                 /* no pane left: the page is not visited */
    free_panes();
    sl_page_agg_free(a);
}

/* A churning catalog: each pane brings pages of its own, page 0 is in every
 * pane, page 1 comes back every 50 panes. Thousands of pages leave the
 * window for good, and the aggregates drop them (compact_pages) several
 * times over; the pages in the window keep exact sums through it, and page
 * 1 comes back with only its new pane's users. */
enum { CHURN_NEW = 200, CHURN_PANES = 120, CHURN_WIDTH = 4 };

typedef struct churn_seen {
    int pages, in_window;
    bool page1;
} churn_seen;

static void check_churn_page(const sl_page_window_sums *sums, void *opaque) {
    churn_seen *c = opaque;
    c->pages++;
    assert_true(sums->users_known);
    if (sums->page_hash == page_hash(0)) {   /* one user per pane, each pane its own */
        assert_int_equal(sums->counts[0], c->in_window);
        assert_int_equal(sums->unique_users, c->in_window);
        return;
    }
    if (sums->page_hash == page_hash(1)) c->page1 = true;
    assert_int_equal(sums->counts[0], 1);
    assert_int_equal(sums->unique_users, 1);
}

static void pages_that_left_are_dropped_and_the_rest_stay_exact(void **state) {
    sl_page_agg *a = sl_page_agg_new();
    const uint64_t one[SL_PAGE_AGG_COUNTS] = {1, 0, 0, 0};
    for (int pane = 0; pane < CHURN_PANES; pane++) {
        if (pane >= CHURN_WIDTH) sl_page_agg_leave(a, pane - CHURN_WIDTH);
        sl_hll *users = sl_hll_new();
        sl_hll_add(users, user_hash((uint64_t)pane + 1));
        for (int k = 0; k < CHURN_NEW; k++) sl_page_agg_enter(a, page_hash(1000 + pane * CHURN_NEW + k), pane, one, users);
        sl_page_agg_enter(a, page_hash(0), pane, one, users);
        if (pane % 50 == 0) sl_page_agg_enter(a, page_hash(1), pane, one, users);
        sl_hll_free(users);
        churn_seen c = {.in_window = pane + 1 < CHURN_WIDTH ? pane + 1 : CHURN_WIDTH};
        sl_page_agg_foreach(a, check_churn_page, &c);
        bool page1 = pane % 50 < CHURN_WIDTH;
        assert_int_equal(c.page1, page1);
        assert_int_equal(c.pages, c.in_window * CHURN_NEW + 1 + page1);
    }
    sl_page_agg_free(a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_pane_windows_equal_each_pane),
        cmocka_unit_test(overlapping_windows_equal_a_merge_of_their_panes),
        cmocka_unit_test(counts_stay_exact_past_a_sketchs_limit),
        cmocka_unit_test(a_user_leaves_with_its_latest_pane),
        cmocka_unit_test(pages_that_left_are_dropped_and_the_rest_stay_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
