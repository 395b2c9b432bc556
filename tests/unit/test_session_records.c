/* test_session_records.c -- the window stages' per-key pane records and the running session aggregates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "operators/page_records.h"
#include "operators/session_records.h"
#include "operators/session_window_agg.h"

/* ---- session records ---- */

static const uint64_t *record_pages(const sl_session_records *s, uint32_t i) {
    return s->pages + sl_session_records_pages_of(s, i);
}

static sl_session_records *encode_decode(const sl_session_records *s, size_t *len_out, uint8_t **buf_out) {
    const sl_state_value_ops *ops = &SL_SESSION_RECORDS_OPS;
    size_t len = ops->encode(s, NULL, 0);
    uint8_t *buf = malloc(len);
    assert_int_equal(ops->encode(s, buf, len), len);
    sl_session_records *d = calloc(1, sizeof(*d));
    assert_true(ops->decode(d, buf, len));
    *len_out = len;
    *buf_out = buf;
    return d;
}

static void session_records_keep_panes_in_order_and_pages_per_pane(void **state) {
    sl_session_records s;
    SL_SESSION_RECORDS_OPS.init(&s);
    uint32_t a = sl_session_records_find_or_add(&s, 100);
    sl_session_records_add_page(&s, a, 7);
    uint32_t c = sl_session_records_find_or_add(&s, 300);
    sl_session_records_add_page(&s, c, 9);
    /* an out-of-order event for a pane between the two, and a page for the older one */
    uint32_t b = sl_session_records_find_or_add(&s, 200);
    assert_int_equal(b, 1);
    sl_session_records_add_page(&s, b, 8);
    sl_session_records_add_page(&s, 0, 6);
    sl_session_records_add_page(&s, 0, 7);   /* already there */
    assert_int_equal(s.n - s.head, 3);
    assert_int_equal(s.records[0].pane, 100);
    assert_int_equal(s.records[1].pane, 200);
    assert_int_equal(s.records[2].pane, 300);
    assert_int_equal(s.records[0].n_pages, 2);
    assert_int_equal(record_pages(&s, 0)[0], 7);
    assert_int_equal(record_pages(&s, 0)[1], 6);
    assert_int_equal(record_pages(&s, 1)[0], 8);
    assert_int_equal(record_pages(&s, 2)[0], 9);
    assert_int_equal(sl_session_records_find_or_add(&s, 200), 1);
    assert_int_equal(s.oldest, 100);
    assert_int_equal(s.newest, 300);

    sl_session_records_drop_before(&s, 200);
    assert_int_equal(s.oldest, 200);
    assert_int_equal(s.records[s.head].pane, 200);
    assert_int_equal(record_pages(&s, s.head)[0], 8);

    size_t len;
    uint8_t *buf;
    sl_session_records *d = encode_decode(&s, &len, &buf);
    assert_int_equal(d->n - d->head, 2);
    assert_int_equal(d->records[d->head + 1].pane, 300);
    assert_int_equal(record_pages(d, d->head + 1)[0], 9);
    assert_int_equal(d->oldest, 200);
    /* truncated, or a page count that does not add up: corrupt */
    sl_session_records bad;
    memset(&bad, 0, sizeof(bad));
    assert_false(SL_SESSION_RECORDS_OPS.decode(&bad, buf, len - 8));
    SL_SESSION_RECORDS_OPS.destroy(&bad);
    buf[8 + 36] ^= 1;   /* the first record's page count */
    memset(&bad, 0, sizeof(bad));
    assert_false(SL_SESSION_RECORDS_OPS.decode(&bad, buf, len));
    SL_SESSION_RECORDS_OPS.destroy(&bad);

    sl_session_records_drop_before(&s, 1000);
    assert_true(sl_session_records_empty(&s));
    SL_SESSION_RECORDS_OPS.destroy(d);
    free(d);
    free(buf);
    SL_SESSION_RECORDS_OPS.destroy(&s);
}

static void session_records_reuse_dropped_room(void **state) {
    sl_session_records s;
    SL_SESSION_RECORDS_OPS.init(&s);
    for (int64_t p = 0; p < 5000; p++) {
        uint32_t i = sl_session_records_find_or_add(&s, p);
        sl_session_records_add_page(&s, i, (uint64_t)p + 1);
        sl_session_records_add_page(&s, i, (uint64_t)p + 2);
        sl_session_records_drop_before(&s, p - 20);   /* a sliding window of 21 panes */
    }
    assert_int_equal(s.n - s.head, 21);
    assert_true(s.cap <= 64);          /* the dropped front is reused, not grown past */
    assert_true(s.cap_pages <= 128);
    for (uint32_t i = s.head; i < s.n; i++) {
        assert_int_equal(record_pages(&s, i)[0], (uint64_t)s.records[i].pane + 1);
        assert_int_equal(record_pages(&s, i)[1], (uint64_t)s.records[i].pane + 2);
    }
    SL_SESSION_RECORDS_OPS.destroy(&s);
}

/* ---- page records ---- */

static void page_records_round_trip_with_their_sketches(void **state) {
    sl_page_records r;
    SL_PAGE_RECORDS_OPS.init(&r);
    for (int64_t p = 5; p >= 1; p--) {   /* newest first: every insert goes before the others */
        sl_page_record *rec = sl_page_records_get(&r, p * 10);
        rec->counts[0] = (uint64_t)p;
        for (uint64_t u = 0; u < (uint64_t)p * 100; u++) sl_hll_add(rec->users, u * 0x9E3779B97F4A7C15ULL + 1);
    }
    assert_ptr_equal(sl_page_records_get(&r, 30), sl_page_records_find(&r, 30));
    assert_null(sl_page_records_find(&r, 35));
    sl_page_records_drop_before(&r, 20);
    assert_null(sl_page_records_find(&r, 10));
    uint64_t users40 = sl_hll_count(sl_page_records_find(&r, 40)->users);

    size_t len = SL_PAGE_RECORDS_OPS.encode(&r, NULL, 0);
    uint8_t *buf = malloc(len);
    assert_int_equal(SL_PAGE_RECORDS_OPS.encode(&r, buf, len), len);
    sl_page_records d;
    memset(&d, 0, sizeof(d));
    assert_true(SL_PAGE_RECORDS_OPS.decode(&d, buf, len));
    assert_int_equal(d.n - d.head, 4);
    const sl_page_record *rec = sl_page_records_find(&d, 40);
    assert_non_null(rec);
    assert_int_equal(rec->counts[0], 4);
    assert_int_equal(sl_hll_count(rec->users), users40);
    SL_PAGE_RECORDS_OPS.destroy(&d);
    memset(&d, 0, sizeof(d));
    assert_false(SL_PAGE_RECORDS_OPS.decode(&d, buf, len - 1));
    SL_PAGE_RECORDS_OPS.destroy(&d);
    free(buf);
    SL_PAGE_RECORDS_OPS.destroy(&r);
}

/* ---- running session aggregates against a recomputation ---- */

#define N_SESSIONS 40
#define N_PANES 60
#define N_PAGES 12
#define WINDOW 7
/* A churning catalog: every (session, pane) visits pages of its own, so
 * pages leave the window for good, thousands of them -- enough for the
 * aggregates to forget them and renumber the rest (compact_pages) twice
 * over the run. */
#define CELL_PAGES 12                 /* a churning catalog's cell visits all; otherwise 1 to 4 */
#define N_CHURN_PAGES (N_SESSIONS * N_PANES * CELL_PAGES)

typedef struct cell {
    bool used;
    int64_t min_ts, max_ts;
    uint64_t entry_page;
    uint32_t events, n_pages;
    uint64_t pages[CELL_PAGES];
} cell;

static cell cells[N_SESSIONS][N_PANES];

static void make_cells(unsigned seed, bool churn) {
    srand(seed);
    memset(cells, 0, sizeof(cells));
    for (int s = 0; s < N_SESSIONS; s++)
        for (int p = 0; p < N_PANES; p++) {
            if (rand() % 3) continue;
            cell *c = &cells[s][p];
            c->used = true;
            c->min_ts = p * 1000 + rand() % 500;
            c->max_ts = c->min_ts + rand() % 500;
            c->events = c->min_ts == c->max_ts ? 1 : 2 + (uint32_t)(rand() % 3);
            c->n_pages = 1 + (uint32_t)(rand() % 4);
            if (churn) c->n_pages = CELL_PAGES;
            for (uint32_t k = 0; k < c->n_pages; k++)
                c->pages[k] = 1000 + (uint64_t)(churn ? (p * N_SESSIONS + s) * CELL_PAGES + (int)k
                                                      : (s + p + (int)k * 5) % N_PAGES);
            /* a churning session's pane also visits the previous pane's entry
             * page, which so outlives the pane it entered with */
            if (churn && p > 0) c->pages[CELL_PAGES - 1] = 1000 + (uint64_t)((p - 1) * N_SESSIONS + s) * CELL_PAGES;
            c->entry_page = c->pages[0];
        }
}

static sl_session_pane_entry entry_of(int s, int p) {
    const cell *c = &cells[s][p];
    return (sl_session_pane_entry){p, c->min_ts, c->max_ts, c->entry_page, c->events, c->n_pages, c->pages};
}

typedef struct sums {
    int64_t sessions[N_CHURN_PAGES], duration[N_CHURN_PAGES], entries[N_CHURN_PAGES], bounced[N_CHURN_PAGES];
} sums;

static void take(const sl_session_page_sums *p, void *opaque) {
    sums *got = opaque;
    int i = (int)(p->page_hash - 1000);
    got->sessions[i] = (int64_t)p->sessions;
    got->duration[i] = p->duration_sum_ms;
    got->entries[i] = (int64_t)p->entry_sessions;
    got->bounced[i] = (int64_t)p->bounced_sessions;
}

/* The window [lo, hi) merged per session, the way a firing without the running aggregates does. */
static void expected(int lo, int hi, sums *want) {
    memset(want, 0, sizeof(*want));
    for (int s = 0; s < N_SESSIONS; s++) {
        int first = -1, last = -1;
        uint32_t events = 0;
        static bool on[N_CHURN_PAGES];
        int touched[N_PANES * CELL_PAGES], n_touched = 0;
        for (int p = lo; p < hi; p++) {
            if (!cells[s][p].used) continue;
            if (first < 0) first = p;
            last = p;
            events += cells[s][p].events;
            for (uint32_t k = 0; k < cells[s][p].n_pages; k++) {
                int page = (int)(cells[s][p].pages[k] - 1000);
                if (!on[page]) touched[n_touched++] = page;
                on[page] = true;
            }
        }
        for (int t = 0; t < n_touched; t++) {
            int i = touched[t];
            on[i] = false;
            want->sessions[i]++;
            want->duration[i] += cells[s][last].max_ts - cells[s][first].min_ts;
        }
        if (first < 0) continue;
        int entry = (int)(cells[s][first].entry_page - 1000);
        want->entries[entry]++;
        if (events == 1) want->bounced[entry]++;
    }
}

/* How a test passes the session's slot hint: none, the one the aggregates
 * keep up to date, or a wrong one every time (another session's slot, one
 * past the end, or "not known"): the sums must not depend on it. */
enum hint_mode { NO_HINT, KEPT_HINT, WRONG_HINT, HINT_MODES };

static uint32_t *hint_for(enum hint_mode mode, uint32_t *hints, int s, unsigned *rng) {
    if (mode == NO_HINT) return NULL;
    if (mode == WRONG_HINT) {
        *rng = *rng * 1103515245u + 12345u;
        uint32_t r = *rng >> 16;
        hints[s] = r % 3 == 0 ? UINT32_MAX : r % 3 == 1 ? (uint32_t)N_SESSIONS * 4 : (r >> 2) % N_SESSIONS;
    }
    return &hints[s];
}

/* Session s's change as the window goes from [start - 1, end - 1) to [start,
 * end): its pane start - 1 leaves, its pane end - 1 enters -- both between
 * one begin and end (`together`), or each between its own. */
static void slide_session(sl_session_agg *a, int s, int start, int end, bool together, enum hint_mode mode,
                          uint32_t *hints, unsigned *rng) {
    bool leaves = start - 1 >= 0 && cells[s][start - 1].used, enters = end - 1 < N_PANES && cells[s][end - 1].used;
    if (leaves) {
        sl_session_pane_entry e = entry_of(s, start - 1), next;
        int q = start;   /* the session's next pane in the window, now its oldest */
        while (q < end - 1 && q < N_PANES && !cells[s][q].used) q++;
        bool has_next = q < end - 1 && q < N_PANES;
        if (has_next) next = entry_of(s, q);
        sl_session_agg_begin(a, (uint64_t)s + 1, hint_for(mode, hints, s, rng));
        sl_session_agg_leave(a, &e, has_next ? &next : NULL);
        if (!together || !enters) sl_session_agg_end(a);
    }
    if (enters) {
        sl_session_pane_entry e = entry_of(s, end - 1);
        if (!together || !leaves) sl_session_agg_begin(a, (uint64_t)s + 1, hint_for(mode, hints, s, rng));
        sl_session_agg_enter(a, &e);
        sl_session_agg_end(a);
    }
}

static void running_session_sums_equal_a_merge_of_the_window(void **state) {
    for (unsigned seed = 1; seed <= 10 * HINT_MODES; seed++) {
        enum hint_mode mode = (enum hint_mode)(seed % HINT_MODES);
        bool together = (seed / HINT_MODES) % 2;
        uint32_t hints[N_SESSIONS];
        for (int s = 0; s < N_SESSIONS; s++) hints[s] = UINT32_MAX;
        unsigned rng = seed;
        make_cells(seed, (seed / (2 * HINT_MODES)) % 2);
        sl_session_agg *a = sl_session_agg_new();
        for (int end = 1; end <= N_PANES + WINDOW; end++) {
            int start = end - WINDOW;
            for (int s = 0; s < N_SESSIONS; s++) slide_session(a, s, start, end, together, mode, hints, &rng);
            static sums got, want;
            memset(&got, 0, sizeof(got));
            sl_session_agg_foreach_page(a, take, &got);
            expected(start < 0 ? 0 : start, end > N_PANES ? N_PANES : end, &want);
            assert_memory_equal(&got, &want, sizeof(got));
        }
        sl_session_agg_free(a);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(session_records_keep_panes_in_order_and_pages_per_pane),
        cmocka_unit_test(session_records_reuse_dropped_room),
        cmocka_unit_test(page_records_round_trip_with_their_sketches),
        cmocka_unit_test(running_session_sums_equal_a_merge_of_the_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
