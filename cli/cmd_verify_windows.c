/* cmd_verify_windows.c -- the oracle proper: every window's expected records, computed from scratch.
 *
 * Events are sorted by time; the sweep visits window starts in order and, for
 * each, recomputes every metric from the events inside [start, start + size)
 * with nothing carried over from the previous window except the view counts
 * that decide "trending". Each step follows docs/metrics.md literally. */
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_verify.h"

/* ---- a set of 64-bit keys, emptied in O(1) by bumping its generation ---- */

typedef struct pair_set {
    uint64_t *keys;
    uint32_t *gen_of;             /* slot is full when gen_of[i] == gen */
    size_t cap, used;
    uint32_t gen;
} pair_set;

static void pair_set_clear(pair_set *s) {
    s->gen++;
    s->used = 0;
}

static bool pair_set_insert(pair_set *s, uint64_t key) {
    uint64_t h = key * 0x9E3779B97F4A7C15ull;
    for (size_t i = (size_t)(h ^ (h >> 32)) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        if (s->gen_of[i] != s->gen) {
            s->gen_of[i] = s->gen;
            s->keys[i] = key;
            s->used++;
            return true;
        }
        if (s->keys[i] == key) return false;
    }
}

static void pair_set_reserve(pair_set *s, size_t n) {
    if (2 * n <= s->cap) return;
    size_t cap = s->cap ? s->cap : 1024;
    while (2 * n > cap) cap *= 2;
    uint64_t *keys = s->keys;
    uint32_t *gen_of = s->gen_of;
    size_t old_cap = s->cap;
    s->keys = calloc(cap, sizeof(uint64_t));
    s->gen_of = calloc(cap, sizeof(uint32_t));
    if (!s->keys || !s->gen_of) abort();
    s->cap = cap;
    s->used = 0;
    s->gen++;                     /* gen 0 never marks a slot full */
    for (size_t i = 0; i < old_cap; i++)
        if (gen_of[i] == s->gen - 1) pair_set_insert(s, keys[i]);
    free(keys);
    free(gen_of);
}

static void pair_set_free(pair_set *s) {
    free(s->keys);
    free(s->gen_of);
}

static uint64_t pair(uint32_t a, uint32_t b) { return (uint64_t)a << 32 | b; }

/* ---- per-window accumulators, reset lazily by window stamp ---- */

typedef struct page_acc {
    uint32_t stamp;
    uint64_t count[5];            /* by event type */
    uint64_t unique_users;
    uint64_t sessions;            /* sessions with ≥ 1 event on the page */
    int64_t duration_sum;         /* Σ (latest − earliest) of those sessions */
    uint64_t entries, bounces;    /* sessions entering on the page; of which single-event */
} page_acc;

typedef struct session_acc {
    uint32_t stamp;
    uint32_t events;
    int64_t first_ts, last_ts;
    uint32_t entry_page;          /* page of the earliest event (ties: smallest page) */
} session_acc;

typedef struct sweep {
    const sl_verify_events *e;
    const uint32_t *page_rank;
    const sl_verify_params *p;
    uint32_t stamp;
    page_acc *pages;
    session_acc *sessions;
    uint32_t *touched_pages, *touched_sessions;
    uint32_t n_pages, n_sessions;
    const sl_verify_event **included;
    size_t n_included;
    pair_set page_users, session_pages;
    sl_verify_record *records;
    sl_verify_top_entry *top;
    uint64_t *prev_views;         /* view counts of window prev_start */
    uint32_t *prev_pages;
    uint32_t n_prev;
    int64_t prev_start;
    bool have_prev;
} sweep;

/* The engine judges lateness per event: an event that missed any of its
 * windows (end + allowed lateness ≤ watermark) is left out of all of them,
 * so every window's result is over the same events at every stage. */
static bool excluded(const sl_verify_event *ev, int64_t end, int64_t lateness) {
    (void)end;
    (void)lateness;
    return ev->late;
}

static void touch_page(sweep *s, uint32_t page) {
    page_acc *a = &s->pages[page];
    if (a->stamp == s->stamp) return;
    memset(a, 0, sizeof(*a));
    a->stamp = s->stamp;
    s->touched_pages[s->n_pages++] = page;
}

/* Earlier time wins; at equal times the bytewise-smaller page wins. */
static bool is_earlier(const sweep *s, const sl_verify_event *ev, const session_acc *a) {
    if (ev->ts != a->first_ts) return ev->ts < a->first_ts;
    return s->page_rank[ev->page] < s->page_rank[a->entry_page];
}

static void add_to_session(sweep *s, const sl_verify_event *ev) {
    session_acc *a = &s->sessions[ev->session];
    if (a->stamp != s->stamp) {
        *a = (session_acc){s->stamp, 0, ev->ts, ev->ts, ev->page};
        s->touched_sessions[s->n_sessions++] = ev->session;
    }
    a->events++;
    if (is_earlier(s, ev, a)) {
        a->first_ts = ev->ts;
        a->entry_page = ev->page;
    }
    if (ev->ts > a->last_ts) a->last_ts = ev->ts;
}

/* Pass 1: counts, distinct users per page, and each session's extent. */
static void accumulate_events(sweep *s, size_t lo, size_t hi, int64_t end) {
    s->n_pages = s->n_sessions = 0;
    s->n_included = 0;
    pair_set_clear(&s->page_users);
    pair_set_reserve(&s->page_users, hi - lo);
    for (size_t i = lo; i < hi; i++) {
        const sl_verify_event *ev = &s->e->ev[i];
        if (excluded(ev, end, s->p->lateness_ms)) continue;
        s->included[s->n_included++] = ev;
        touch_page(s, ev->page);
        page_acc *a = &s->pages[ev->page];
        a->count[ev->type]++;
        if (pair_set_insert(&s->page_users, pair(ev->page, ev->user))) a->unique_users++;
        add_to_session(s, ev);
    }
}

/* Pass 2: per page, the sessions that touched it and their durations;
 * per entry page, entering and bouncing sessions. */
static void accumulate_sessions(sweep *s) {
    pair_set_clear(&s->session_pages);
    pair_set_reserve(&s->session_pages, s->n_included);
    for (size_t i = 0; i < s->n_included; i++) {
        const sl_verify_event *ev = s->included[i];
        if (!pair_set_insert(&s->session_pages, pair(ev->session, ev->page))) continue;
        const session_acc *sa = &s->sessions[ev->session];
        s->pages[ev->page].sessions++;
        s->pages[ev->page].duration_sum += sa->last_ts - sa->first_ts;
    }
    for (uint32_t i = 0; i < s->n_sessions; i++) {
        const session_acc *sa = &s->sessions[s->touched_sessions[i]];
        s->pages[sa->entry_page].entries++;
        if (sa->events == 1) s->pages[sa->entry_page].bounces++;
    }
}

static const uint32_t *sort_rank;   /* qsort has no context argument */

static int by_page_rank(const void *a, const void *b) {
    uint32_t x = sort_rank[*(const uint32_t *)a], y = sort_rank[*(const uint32_t *)b];
    return x < y ? -1 : x > y;
}

/* Views descending, then page ascending. */
static int by_views(const void *a, const void *b) {
    const sl_verify_top_entry *x = a, *y = b;
    if (x->view_count != y->view_count) return x->view_count > y->view_count ? -1 : 1;
    return by_page_rank(&x->page, &y->page);
}

static void build_page_records(sweep *s, int64_t start, int64_t end) {
    sort_rank = s->page_rank;
    qsort(s->touched_pages, s->n_pages, sizeof(uint32_t), by_page_rank);
    for (uint32_t i = 0; i < s->n_pages; i++) {
        uint32_t page = s->touched_pages[i];
        const page_acc *a = &s->pages[page];
        sl_verify_record *r = &s->records[i];
        *r = (sl_verify_record){.start = start, .end = end, .page = page};
        r->view_count = a->count[SL_VERIFY_VIEW];
        r->click_count = a->count[SL_VERIFY_CLICK];
        r->cart_count = a->count[SL_VERIFY_CART];
        r->conversion_count = a->count[SL_VERIFY_PURCHASE];
        r->unique_users = a->unique_users;
        r->engagement_rate = r->view_count ? (double)r->click_count / (double)r->view_count : 0.0;
        r->bounce_rate = a->entries ? (double)a->bounces / (double)a->entries : 0.0;
        r->avg_session_duration = (double)a->duration_sum / (double)a->sessions;
    }
}

static uint64_t prev_views(const sweep *s, int64_t start, uint32_t page) {
    return s->have_prev && s->prev_start == start - s->p->slide_ms ? s->prev_views[page] : 0;
}

static void build_top(sweep *s, sl_verify_record *top, int64_t start, int64_t end) {
    *top = (sl_verify_record){.start = start, .end = end, .page = SL_VERIFY_NO_PAGE, .top = s->top};
    for (uint32_t i = 0; i < s->n_pages; i++)
        if (s->records[i].view_count > 0)
            s->top[top->top_count++] = (sl_verify_top_entry){s->records[i].page, s->records[i].view_count, 0, false};
    sort_rank = s->page_rank;
    qsort(s->top, top->top_count, sizeof(sl_verify_top_entry), by_views);
    if ((int64_t)top->top_count > s->p->top_n) top->top_count = (uint32_t)s->p->top_n;
    for (uint32_t i = 0; i < top->top_count; i++) {
        sl_verify_top_entry *t = &s->top[i];
        uint64_t prev = prev_views(s, start, t->page);
        t->rank = i + 1;
        t->trending = prev > 0 && (double)t->view_count >= s->p->trending_factor * (double)prev;
    }
}

/* This window's view counts become the "previous window" of the next one. */
static void remember_views(sweep *s, int64_t start) {
    for (uint32_t i = 0; i < s->n_prev; i++) s->prev_views[s->prev_pages[i]] = 0;
    s->n_prev = 0;
    for (uint32_t i = 0; i < s->n_pages; i++) {
        s->prev_views[s->records[i].page] = s->records[i].view_count;
        s->prev_pages[s->n_prev++] = s->records[i].page;
    }
    s->prev_start = start;
    s->have_prev = true;
}

static int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* The earliest window start (a multiple of slide) whose window contains t. */
static int64_t first_start_containing(int64_t t, const sl_verify_params *p) {
    return (floor_div(t - p->size_ms, p->slide_ms) + 1) * p->slide_ms;
}

static void sweep_init(sweep *s, const sl_verify_events *e, const uint32_t *page_rank, const sl_verify_params *p) {
    memset(s, 0, sizeof(*s));
    s->e = e;
    s->page_rank = page_rank;
    s->p = p;
    size_t np = e->pages.count + 1, ns = e->sessions.count + 1;
    s->pages = calloc(np, sizeof(page_acc));
    s->touched_pages = calloc(np, sizeof(uint32_t));
    s->records = calloc(np, sizeof(sl_verify_record));
    s->top = calloc(np, sizeof(sl_verify_top_entry));
    s->prev_views = calloc(np, sizeof(uint64_t));
    s->prev_pages = calloc(np, sizeof(uint32_t));
    s->sessions = calloc(ns, sizeof(session_acc));
    s->touched_sessions = calloc(ns, sizeof(uint32_t));
    s->included = calloc(e->count + 1, sizeof(*s->included));
    if (!s->pages || !s->touched_pages || !s->records || !s->top || !s->prev_views || !s->prev_pages ||
        !s->sessions || !s->touched_sessions || !s->included)
        abort();
}

static void sweep_free(sweep *s) {
    free(s->pages);
    free(s->touched_pages);
    free(s->records);
    free(s->top);
    free(s->prev_views);
    free(s->prev_pages);
    free(s->sessions);
    free(s->touched_sessions);
    free(s->included);
    pair_set_free(&s->page_users);
    pair_set_free(&s->session_pages);
}

uint64_t sl_verify_sweep(const sl_verify_events *e, const uint32_t *page_rank, const sl_verify_params *p,
                         sl_verify_window_fn fn, void *opaque) {
    if (e->count == 0) return 0;
    sweep s;
    sweep_init(&s, e, page_rank, p);
    uint64_t windows = 0;
    size_t lo = 0, hi = 0;   /* events of the window: [lo, hi) in time order */
    int64_t start = first_start_containing(e->ev[0].ts, p);
    while (lo < e->count) {
        int64_t end = start + p->size_ms;
        while (lo < e->count && e->ev[lo].ts < start) lo++;
        if (hi < lo) hi = lo;
        while (hi < e->count && e->ev[hi].ts < end) hi++;
        if (lo == e->count) break;
        if (lo == hi) {   /* a gap in time: jump to the next window with events */
            start = first_start_containing(e->ev[lo].ts, p);
            continue;
        }
        s.stamp++;
        accumulate_events(&s, lo, hi, end);
        accumulate_sessions(&s);
        build_page_records(&s, start, end);
        sl_verify_record top;
        build_top(&s, &top, start, end);
        remember_views(&s, start);
        if (s.n_pages > 0) {
            sl_verify_window w = {start, end, s.records, s.n_pages, &top};
            fn(&w, opaque);
            windows++;
        }
        start += p->slide_ms;
    }
    sweep_free(&s);
    return windows;
}
