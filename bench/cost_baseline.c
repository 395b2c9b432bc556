/* cost_baseline.c -- the COST baseline: the clickstream page analytics and Top-N in one plain loop.
 *
 * Frank McSherry's COST question: how fast is a competent single-threaded
 * program doing the same work with no engine (no threads, batches, exchanges,
 * state backend or checkpoints)? This program pre-generates the same events
 * as the memory source, then computes the same results as the clickstream
 * job: per (window, page) the four counts, unique users (the same
 * HyperLogLog), bounce rate and average session duration, and the Top-N with
 * trending flags.
 *
 * It uses the engine's algorithm without the engine: per event, plain pane
 * arrays indexed by dense page numbers (counts, a user sketch, per-session
 * entries); per firing, each pane enters and leaves the running window
 * aggregates once (operators/session_window_agg.h, page_window_agg.h -- plain
 * data structures, no state backend), so a firing costs what changed, not
 * the window's size. As behind the engine's null sink, results are only
 * formatted when --out asks for them.
 *
 * The watermark advances once per 1024 events, after them, as it does behind
 * the engine's sources (one batch), so lateness is judged identically.
 *
 *   cost_baseline --events 1000000 --seed 7 [--out results.jsonl]
 * prints "cost_baseline: N events in T ms = R events/s (late L, windows W)". */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/hash_index.h"
#include "engine/hll.h"
#include "engine/window.h"
#include "operators/generator.h"
#include "operators/page_window_agg.h"
#include "operators/result_json.h"
#include "operators/session_window_agg.h"

#define WATERMARK_EVERY 1024
#define PAGE_SLOTS 6   /* distinct pages a session entry holds inline; the generator's journeys fit */

/* One session's events within one pane. */
typedef struct session_entry {
    uint64_t session_hash;
    uint32_t events;
    int64_t min_ts, max_ts;
    uint32_t entry_page;
    uint32_t agg_slot;                  /* where the session's running aggregate is (a hint, as the engine keeps) */
    uint32_t n_pages, cap_pages;
    uint32_t inline_pages[PAGE_SLOTS];
    uint32_t *more_pages;               /* beyond PAGE_SLOTS (rare) */
} session_entry;

typedef struct page_cell {
    uint64_t counts[4];
    sl_hll *users;                      /* NULL until the page has an event in the pane */
} page_cell;

typedef struct pane {
    int64_t start;
    bool entered;                       /* its values are in the running window aggregates */
    page_cell *pages;                   /* indexed by page number, pages_cap long */
    uint32_t pages_cap;
    sl_hash_index session_index;        /* session hash -> entries[] */
    session_entry *entries;
    uint32_t n_entries, cap_entries;
} pane;

typedef struct baseline {
    sl_window_spec spec;
    int64_t bound, topn;
    double trending_factor;
    FILE *out;
    /* dense page numbering */
    sl_hash_index page_index;
    sl_str *page_names;
    uint64_t *page_hashes;
    uint32_t n_pages, page_names_cap;
    /* panes, sorted by start */
    pane *panes;
    uint32_t n_panes, cap_panes;
    int64_t watermark, fired_upto;
    /* the running aggregates of the last fired window (the engine's algorithm, without the engine) */
    sl_session_agg *sessions;
    sl_page_agg *page_sums;
    int64_t newest_entered;
    /* firing scratch, indexed by page number */
    uint32_t scratch_cap;
    uint64_t *part_sessions, *part_entries, *part_bounced;
    int64_t *part_duration;
    uint64_t *prev_views, *views;
    uint64_t entry_pages[1024];
    sl_hll *merged;
    int64_t prev_start;                 /* last fired window, for trending */
    sl_top_entry *ranked;
    uint32_t n_ranked;
    uint64_t late, windows;
    char line[1 << 16];
} baseline;

static void *grow(void *p, size_t n, size_t size) {
    void *q = realloc(p, n * size);
    if (!q) abort();
    return q;
}

static uint32_t page_number(baseline *b, const sl_event *ev) {
    bool inserted;
    uint32_t i = sl_hash_index_upsert(&b->page_index, ev->page_hash, &inserted);
    if (!inserted) return i;
    if (i >= b->page_names_cap) {
        b->page_names_cap = b->page_names_cap ? 2 * b->page_names_cap : 256;
        b->page_names = grow(b->page_names, b->page_names_cap, sizeof(sl_str));
        b->page_hashes = grow(b->page_hashes, b->page_names_cap, sizeof(uint64_t));
    }
    b->page_names[i] = ev->page;
    b->page_hashes[i] = ev->page_hash;
    b->n_pages = i + 1;
    return i;
}

static uint32_t *entry_pages(session_entry *e) { return e->n_pages <= PAGE_SLOTS ? e->inline_pages : e->more_pages; }

static void entry_add_page(session_entry *e, uint32_t page) {
    uint32_t *pages = entry_pages(e);
    for (uint32_t i = 0; i < e->n_pages; i++)
        if (pages[i] == page) return;
    if (e->n_pages == PAGE_SLOTS && !e->more_pages) {
        e->cap_pages = 4 * PAGE_SLOTS;
        e->more_pages = grow(NULL, e->cap_pages, sizeof(uint32_t));
    } else if (e->n_pages > PAGE_SLOTS && e->n_pages == e->cap_pages) {
        e->cap_pages *= 2;
        e->more_pages = grow(e->more_pages, e->cap_pages, sizeof(uint32_t));
    }
    if (e->n_pages == PAGE_SLOTS) memcpy(e->more_pages, e->inline_pages, sizeof(e->inline_pages));
    e->n_pages++;
    entry_pages(e)[e->n_pages - 1] = page;
}

/* Does (ts, page) enter a session before its current entry? Ties: page name order. */
static bool enters_before(const baseline *b, const session_entry *e, int64_t ts, uint32_t page) {
    return ts < e->min_ts || (ts == e->min_ts && sl_str_cmp(b->page_names[page], b->page_names[e->entry_page]) < 0);
}

static pane *pane_for(baseline *b, int64_t start) {
    uint32_t i = b->n_panes;
    while (i > 0 && b->panes[i - 1].start > start) i--;
    if (i > 0 && b->panes[i - 1].start == start) return &b->panes[i - 1];
    if (b->n_panes == b->cap_panes) {
        b->cap_panes = b->cap_panes ? 2 * b->cap_panes : 64;
        b->panes = grow(b->panes, b->cap_panes, sizeof(pane));
    }
    memmove(&b->panes[i + 1], &b->panes[i], (b->n_panes - i) * sizeof(pane));
    b->n_panes++;
    pane *p = &b->panes[i];
    memset(p, 0, sizeof(*p));
    p->start = start;
    sl_hash_index_init(&p->session_index);
    return p;
}

static void pane_free(pane *p) {
    for (uint32_t i = 0; i < p->pages_cap; i++) sl_hll_free(p->pages[i].users);
    for (uint32_t i = 0; i < p->n_entries; i++) free(p->entries[i].more_pages);
    free(p->pages);
    free(p->entries);
    sl_hash_index_free(&p->session_index);
}

static void grow_cells(page_cell **cells, uint32_t *cap, uint32_t need) {
    if (need <= *cap) return;
    uint32_t n = *cap ? *cap : 64;
    while (n < need) n *= 2;
    *cells = grow(*cells, n, sizeof(page_cell));
    memset(*cells + *cap, 0, (n - *cap) * sizeof(page_cell));
    *cap = n;
}

static void add_event(baseline *b, const sl_event *ev) {
    uint32_t page = page_number(b, ev);
    pane *p = pane_for(b, sl_pane_of(&b->spec, ev->timestamp_ms));

    grow_cells(&p->pages, &p->pages_cap, page + 1);
    page_cell *c = &p->pages[page];
    if (!c->users) c->users = sl_hll_new();
    if (ev->event_type < 4) c->counts[ev->event_type]++;
    sl_hll_add(c->users, ev->user_hash);

    bool inserted;
    uint32_t k = sl_hash_index_upsert(&p->session_index, ev->session_hash, &inserted);
    if (inserted) {
        if (p->n_entries == p->cap_entries) {
            p->cap_entries = p->cap_entries ? 2 * p->cap_entries : 64;
            p->entries = grow(p->entries, p->cap_entries, sizeof(session_entry));
        }
        p->n_entries++;
        p->entries[k] = (session_entry){.session_hash = ev->session_hash, .min_ts = INT64_MAX, .max_ts = INT64_MIN,
                                        .agg_slot = UINT32_MAX};
    }
    session_entry *e = &p->entries[k];
    if (enters_before(b, e, ev->timestamp_ms, page)) {
        e->min_ts = ev->timestamp_ms;
        e->entry_page = page;
    }
    if (ev->timestamp_ms > e->max_ts) e->max_ts = ev->timestamp_ms;
    e->events++;
    entry_add_page(e, page);
}

/* ---- panes entering and leaving the running aggregates ---- */

/* When panes[i] leaves: the session's entry in the next entered pane (its
 * oldest in the window then), as the caller of sl_session_agg_leave names it.
 * The entered panes are consecutive in b->panes. */
static bool next_entered(const baseline *b, uint32_t i, uint64_t session_hash, sl_session_pane_entry *next) {
    for (uint32_t k = i + 1; k < b->n_panes && b->panes[k].entered; k++) {
        uint32_t j = sl_hash_index_find(&b->panes[k].session_index, session_hash);
        if (j == UINT32_MAX) continue;
        const session_entry *e = &b->panes[k].entries[j];
        *next = (sl_session_pane_entry){b->panes[k].start, e->min_ts, e->max_ts, b->page_hashes[e->entry_page],
                                        e->events, 0, NULL};
        return true;
    }
    return false;
}

/* The values of panes[i] enter (leave = false) or leave the window's aggregates. */
static void pane_move(baseline *b, uint32_t at, bool leave) {
    pane *p = &b->panes[at];
    if (leave) sl_page_agg_leave(b->page_sums, p->start);   /* the aggregates keep what leaves */
    else
        for (uint32_t pg = 0; pg < p->pages_cap; pg++) {
            const page_cell *c = &p->pages[pg];
            if (c->users) sl_page_agg_enter(b->page_sums, b->page_hashes[pg], p->start, c->counts, c->users);
        }
    for (uint32_t k = 0; k < p->n_entries; k++) {
        session_entry *e = &p->entries[k];
        const uint32_t *pages = entry_pages(e);
        uint64_t *hashes = e->n_pages <= 1024 ? b->entry_pages : grow(NULL, e->n_pages, sizeof(uint64_t));
        for (uint32_t i = 0; i < e->n_pages; i++) hashes[i] = b->page_hashes[pages[i]];
        sl_session_pane_entry pe = {p->start, e->min_ts, e->max_ts, b->page_hashes[e->entry_page],
                                    e->events, e->n_pages, hashes};
        sl_session_pane_entry next;
        /* One change per pane entry: the engine's slide settles a session
         * once per firing (operators/window_session_metrics.c), this plain
         * loop once for each of its panes that leaves or enters. */
        sl_session_agg_begin(b->sessions, e->session_hash, &e->agg_slot);
        if (!leave) sl_session_agg_enter(b->sessions, &pe);
        else sl_session_agg_leave(b->sessions, &pe, next_entered(b, at, e->session_hash, &next) ? &next : NULL);
        sl_session_agg_end(b->sessions);
        if (hashes != b->entry_pages) free(hashes);
    }
    p->entered = !leave;
}

/* Bring the aggregates to window [start, end): panes older than start leave,
 * the window's panes newer than every entered one enter (each pane enters
 * and leaves once, as in operators/window_incremental.c). */
static void slide_to(baseline *b, int64_t start, int64_t end) {
    for (uint32_t i = 0; i < b->n_panes; i++) {
        pane *p = &b->panes[i];
        if (p->entered && p->start < start) pane_move(b, i, true);
        else if (!p->entered && p->start >= start && p->start < end && p->start > b->newest_entered) {
            pane_move(b, i, false);
            b->newest_entered = p->start;
        }
    }
}

/* ---- firing ---- */

static void grow_scratch(baseline *b) {
    if (b->n_pages <= b->scratch_cap) return;
    uint32_t old = b->scratch_cap, n = old ? old : 256;
    while (n < b->n_pages) n *= 2;
    b->part_sessions = grow(b->part_sessions, n, sizeof(uint64_t));
    b->part_entries = grow(b->part_entries, n, sizeof(uint64_t));
    b->part_bounced = grow(b->part_bounced, n, sizeof(uint64_t));
    b->part_duration = grow(b->part_duration, n, sizeof(int64_t));
    b->views = grow(b->views, n, sizeof(uint64_t));
    b->prev_views = grow(b->prev_views, n, sizeof(uint64_t));
    memset(b->prev_views + old, 0, (n - old) * sizeof(uint64_t));
    b->ranked = grow(b->ranked, n, sizeof(sl_top_entry));
    b->scratch_cap = n;
}

static void take_session_sums(const sl_session_page_sums *s, void *opaque) {
    baseline *b = opaque;
    uint32_t pg = sl_hash_index_find(&b->page_index, s->page_hash);
    b->part_sessions[pg] = s->sessions;
    b->part_duration[pg] = s->duration_sum_ms;
    b->part_entries[pg] = s->entry_sessions;
    b->part_bounced[pg] = s->bounced_sessions;
}

/* Distinct users of a page when a pane's sketch was dense: merge the window's sketches. */
static uint64_t merged_users(baseline *b, uint32_t pg, int64_t start, int64_t end) {
    sl_hll_clear(b->merged);
    for (uint32_t i = 0; i < b->n_panes; i++) {
        const pane *p = &b->panes[i];
        if (p->start >= start && p->start < end && pg < p->pages_cap && p->pages[pg].users)
            sl_hll_merge(b->merged, p->pages[pg].users);
    }
    return sl_hll_count(b->merged);
}

/* Without --out the results are computed and dropped unformatted, as the engine's null sink drops them. */
static void write_line(baseline *b, size_t n) {
    if (n < sizeof(b->line)) {
        fwrite(b->line, 1, n, b->out);
        fputc('\n', b->out);
    }
}

typedef struct firing {
    baseline *b;
    int64_t start, end;
} firing;

static void emit_page(const sl_page_window_sums *w, void *opaque) {
    firing *f = opaque;
    baseline *b = f->b;
    uint32_t pg = sl_hash_index_find(&b->page_index, w->page_hash);
    sl_page_stats s = {.window_start = f->start, .window_end = f->end, .page = b->page_names[pg],
                       .page_hash = w->page_hash, .view_count = w->counts[SL_EVENT_VIEW],
                       .click_count = w->counts[SL_EVENT_CLICK], .cart_count = w->counts[SL_EVENT_ADD_TO_CART],
                       .conversion_count = w->counts[SL_EVENT_PURCHASE],
                       .unique_users = w->users_known ? w->unique_users : merged_users(b, pg, f->start, f->end)};
    s.engagement_rate = s.view_count ? (double)s.click_count / (double)s.view_count : 0.0;
    s.bounce_rate = b->part_entries[pg] ? (double)b->part_bounced[pg] / (double)b->part_entries[pg] : 0.0;
    s.avg_session_duration = b->part_sessions[pg] ? (double)b->part_duration[pg] / (double)b->part_sessions[pg] : 0.0;
    if (b->out) write_line(b, sl_page_stats_to_json(&s, b->line, sizeof(b->line)));
    b->views[pg] = s.view_count;
    if (s.view_count == 0) return;
    uint64_t before = b->prev_start == f->start - b->spec.slide ? b->prev_views[pg] : 0;
    b->ranked[b->n_ranked++] = (sl_top_entry){b->page_names[pg], s.view_count, 0,
                                              before > 0 && (double)s.view_count >= b->trending_factor * (double)before};
}

static int by_rank(const void *x, const void *y) {
    const sl_top_entry *a = x, *b = y;
    if (a->view_count != b->view_count) return a->view_count > b->view_count ? -1 : 1;
    return sl_str_cmp(a->page, b->page);
}

static void emit_top_n(baseline *b, int64_t start, int64_t end) {
    uint32_t n = b->n_ranked;
    qsort(b->ranked, n, sizeof(sl_top_entry), by_rank);
    if (n > (uint32_t)b->topn) n = (uint32_t)b->topn;
    for (uint32_t i = 0; i < n; i++) b->ranked[i].rank = i + 1;
    if (b->out) write_line(b, sl_top_pages_to_json(&(sl_top_pages){start, end, n, b->ranked}, b->line, sizeof(b->line)));
    uint64_t *swap = b->prev_views;
    b->prev_views = b->views;
    b->views = swap;
    b->prev_start = start;
}

static void fire(baseline *b, int64_t end) {
    int64_t start = end - b->spec.size;
    slide_to(b, start, end);
    grow_scratch(b);
    size_t bytes = b->n_pages * sizeof(uint64_t);
    memset(b->part_sessions, 0, bytes);
    memset(b->part_entries, 0, bytes);
    memset(b->part_bounced, 0, bytes);
    memset(b->part_duration, 0, bytes);
    memset(b->views, 0, bytes);
    sl_session_agg_foreach_page(b->sessions, take_session_sums, b);
    b->n_ranked = 0;
    firing f = {b, start, end};
    sl_page_agg_foreach(b->page_sums, emit_page, &f);
    emit_top_n(b, start, end);
    b->windows++;
}

/* Fire, in end order, every window that holds a pane and whose end the
 * watermark passed; then drop panes that no open window needs. */
static void advance_watermark(baseline *b, int64_t wm) {
    b->watermark = wm;
    while (b->n_panes) {
        /* The earliest unfired window that holds a pane ends after fired_upto. */
        int64_t end = INT64_MAX;
        for (uint32_t i = 0; i < b->n_panes; i++) {
            int64_t first_end = sl_window_first_start(&b->spec, b->panes[i].start) + b->spec.size;
            int64_t last_end = sl_window_last_start(&b->spec, b->panes[i].start) + b->spec.size;
            int64_t e = first_end > b->fired_upto ? first_end : b->fired_upto + b->spec.slide;
            if (e <= last_end && e < end) end = e;
        }
        if (end == INT64_MAX || end > wm) break;
        fire(b, end);
        b->fired_upto = end;
    }
    uint32_t n = 0;
    while (n < b->n_panes && sl_window_last_start(&b->spec, b->panes[n].start) + b->spec.size <= wm) {
        if (b->panes[n].entered) pane_move(b, n, true);
        pane_free(&b->panes[n++]);
    }
    memmove(b->panes, b->panes + n, (b->n_panes - n) * sizeof(pane));
    b->n_panes -= n;
}

static void run(baseline *b, const sl_event *events, uint64_t count) {
    int64_t max_ts = INT64_MIN;
    for (uint64_t i = 0; i < count; i++) {
        const sl_event *ev = &events[i];
        int64_t first_end = sl_window_first_start(&b->spec, ev->timestamp_ms) + b->spec.size;
        if (sl_window_closed(&b->spec, first_end, b->watermark)) {
            b->late++;
        } else {
            add_event(b, ev);
        }
        if (ev->timestamp_ms > max_ts) max_ts = ev->timestamp_ms;
        if ((i + 1) % WATERMARK_EVERY == 0 && max_ts - b->bound - 1 > b->watermark)
            advance_watermark(b, max_ts - b->bound - 1);
    }
    advance_watermark(b, INT64_MAX);
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(FILE *to) {
    fprintf(to, "Usage: cost_baseline [OPTIONS]\n\n"
                "The clickstream job's page analytics and Top-N computed by a plain single-threaded\n"
                "program from generator events pre-generated into memory (the COST baseline).\n\n"
                "  --events N           events [default: 1000000]\n"
                "  --seed S             generator seed [default: 1]\n"
                "  --users U            distinct users [default: the generator's]\n"
                "  --out-of-order-ms D  generator out-of-orderness [default: 5000]\n"
                "  --size-ms MS         window size [default: 300000]\n"
                "  --slide-ms MS        window slide [default: 10000]\n"
                "  --bound-ms MS        watermark out-of-orderness bound [default: 30000]\n"
                "  --out FILE           write the results as JSON lines (as the file sink does)\n");
}

int main(int argc, char **argv) {
    static const struct option opts[] = {
        {"events", 1, 0, 'e'}, {"seed", 1, 0, 's'}, {"users", 1, 0, 'u'}, {"out-of-order-ms", 1, 0, 'o'},
        {"size-ms", 1, 0, 'z'}, {"slide-ms", 1, 0, 'l'}, {"bound-ms", 1, 0, 'b'}, {"out", 1, 0, 'f'},
        {"help", 0, 0, 'h'}, {0, 0, 0, 0},
    };
    sl_gen_conf gc;
    sl_gen_conf_default(&gc);
    gc.events = 1000000;
    gc.out_of_order_ms = 5000;
    baseline b = {.bound = 30000, .topn = 10, .trending_factor = 1.5, .watermark = INT64_MIN,
                  .fired_upto = INT64_MIN, .prev_start = INT64_MIN, .newest_entered = INT64_MIN};
    b.spec = (sl_window_spec){.type = SL_WINDOW_SLIDING, .size = 300000, .slide = 10000};
    const char *out_path = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'e': gc.events = strtoull(optarg, NULL, 10); break;
        case 's': gc.seed = strtoull(optarg, NULL, 10); break;
        case 'u': gc.users = (uint32_t)strtoul(optarg, NULL, 10); break;
        case 'o': gc.out_of_order_ms = strtoll(optarg, NULL, 10); break;
        case 'z': b.spec.size = strtoll(optarg, NULL, 10); break;
        case 'l': b.spec.slide = strtoll(optarg, NULL, 10); break;
        case 'b': b.bound = strtoll(optarg, NULL, 10); break;
        case 'f': out_path = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    char err[256];
    if (gc.events == 0 || b.spec.size <= 0 || b.spec.slide <= 0 || b.spec.slide > b.spec.size ||
        sl_gen_conf_validate(&gc, err, sizeof(err))) {
        fprintf(stderr, "cost_baseline: bad options (events must be > 0, 0 < slide <= size) %s\n",
                gc.events ? err : "");
        return 2;
    }
    int64_t x = b.spec.size, y = b.spec.slide;   /* pane = gcd(size, slide) */
    while (y) {
        int64_t r = x % y;
        x = y;
        y = r;
    }
    b.spec.pane = x;
    if (out_path && !(b.out = fopen(out_path, "w"))) {
        fprintf(stderr, "cost_baseline: cannot write %s\n", out_path);
        return 2;
    }

    sl_event *events = malloc(gc.events * sizeof(sl_event));
    sl_arena strings;
    sl_arena_init(&strings, 4u << 20);
    sl_gen *gen = sl_gen_new(&gc);
    uint64_t count = 0;
    while (count < gc.events && sl_gen_next(gen, &events[count], &strings)) count++;
    sl_hash_index_init(&b.page_index);
    b.sessions = sl_session_agg_new();
    b.page_sums = sl_page_agg_new();
    b.merged = sl_hll_new();

    double t0 = now_s();
    run(&b, events, count);
    double secs = now_s() - t0;
    printf("cost_baseline: %llu events in %.1f ms = %.0f events/s (late %llu, windows %llu)\n",
           (unsigned long long)count, secs * 1e3, (double)count / secs, (unsigned long long)b.late,
           (unsigned long long)b.windows);

    if (b.out) fclose(b.out);
    sl_session_agg_free(b.sessions);
    sl_page_agg_free(b.page_sums);
    sl_hll_free(b.merged);
    free(b.part_sessions);
    free(b.part_entries);
    free(b.part_bounced);
    free(b.part_duration);
    free(b.prev_views);
    free(b.views);
    free(b.ranked);
    free(b.panes);
    free(b.page_names);
    free(b.page_hashes);
    sl_hash_index_free(&b.page_index);
    sl_arena_free(&strings);
    sl_gen_free(gen);   /* last: page strings live in its catalog */
    free(events);
    return 0;
}
