/* top_n.c -- the N most viewed pages of every window, with trending flags.
 *
 * Runs at parallelism 1 behind an exchange that sends it every page_stats
 * record (which it passes on to the sink unchanged). It remembers each
 * window's view counts until the watermark passes the window's end, then
 * ranks by view_count descending and page ascending. A page is trending when
 * its views are at least trending_factor times its views in the window one
 * slide earlier, and that earlier count is above zero. Re-fired page stats
 * re-fire the window's Top-N and the next window's (whose trending flags
 * depend on it).
 *
 * Per window and page it does O(1) work: a window's pages have a hash index,
 * and ranking keeps only the N best (the result is the same as sorting all). */
#include <stdlib.h>
#include <string.h>

#include "engine/clock.h"
#include "engine/hash_index.h"
#include "engine/metrics.h"
#include "engine/operator.h"
#include "engine/window.h"
#include "operators/page_dictionary.h"
#include "operators/window_refire.h"

typedef struct page_views {
    uint64_t page_hash;
    uint64_t views;
} page_views;

typedef struct window_views {
    int64_t start;
    bool fired;
    uint32_t n, cap;
    page_views *pages;
    sl_hash_index index;              /* page hash -> position in pages */
} window_views;

#define GAUGES_EVERY_MS 200           /* /metrics is scraped every few seconds */

typedef struct top_n {
    sl_window_spec spec;
    int64_t n;
    double trending_factor;
    int64_t watermark;
    sl_page_dict *dict;
    window_views *windows;            /* sorted by start */
    uint32_t count, cap;
    sl_window_refire refire;
    sl_top_entry *ranked;             /* scratch */
    uint32_t ranked_cap;
    sl_metric_handle *fired;     /* sluice_window_firings_total */
    sl_metrics *metrics;              /* sluice_top_page_views and _latest_window_end_seconds */
    sl_top_entry *shown;              /* the newest fired window's ranking, for the gauges */
    uint32_t n_shown;
    int64_t shown_end;
    bool gauges_stale;                /* shown changed since the gauges were replaced */
    int64_t gauges_due_ms;            /* gauges are replaced at most every GAUGES_EVERY_MS */
} top_n;

static sl_err tn_init(sl_operator_ctx *ctx, void **self, char *errstr, size_t errstr_size) {
    top_n *t = calloc(1, sizeof(*t));
    sl_err err = sl_window_spec_load(&t->spec, ctx->conf, errstr, errstr_size);
    if (!err) err = sl_conf_get_int(ctx->conf, "topn.n", &t->n, errstr, errstr_size);
    if (!err) err = sl_conf_get_double(ctx->conf, "topn.trending_factor", &t->trending_factor, errstr, errstr_size);
    if (err) {
        free(t);
        return err;
    }
    t->watermark = SL_WATERMARK_MIN;
    t->dict = sl_page_dict_new();
    t->fired = sl_metrics_get(ctx->metrics, "sluice_window_firings_total", (const char *const[]){"top_n", NULL});
    t->metrics = ctx->metrics;
    t->shown_end = SL_WATERMARK_MIN;
    *self = t;
    return SL_OK;
}

static window_views *find_window(top_n *t, int64_t start, bool create) {
    uint32_t lo = 0, hi = t->count;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (t->windows[mid].start < start) lo = mid + 1;
        else hi = mid;
    }
    if (lo < t->count && t->windows[lo].start == start) return &t->windows[lo];
    if (!create) return NULL;
    if (t->count == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->windows = realloc(t->windows, t->cap * sizeof(window_views));
    }
    memmove(&t->windows[lo + 1], &t->windows[lo], (t->count - lo) * sizeof(window_views));
    t->count++;
    t->windows[lo] = (window_views){.start = start};
    return &t->windows[lo];
}

static void free_window(window_views *w) {
    sl_hash_index_free(&w->index);
    free(w->pages);
}

static uint64_t views_of(const window_views *w, uint64_t page) {
    uint32_t at = w ? sl_hash_index_find(&w->index, page) : UINT32_MAX;
    return at == UINT32_MAX ? 0 : w->pages[at].views;
}

static void set_views(top_n *t, int64_t start, uint64_t page, uint64_t views) {
    window_views *w = find_window(t, start, true);
    bool inserted;
    uint32_t at = sl_hash_index_upsert(&w->index, page, &inserted);   /* a new page gets position w->n */
    if (inserted) {
        if (w->n == w->cap) {
            w->cap = w->cap ? w->cap * 2 : 16;
            w->pages = realloc(w->pages, w->cap * sizeof(page_views));
            if (!w->pages) abort();
        }
        w->pages[w->n++].page_hash = page;
    }
    w->pages[at].views = views;
}

/* A page of the window ending at `end` is named until the next window,
 * whose trending flags read this one's views, is closed (drop_expired). */
static int64_t page_needed_until(const top_n *t, int64_t end) { return end + t->spec.slide; }

static sl_err tn_process(void *self, sl_batch *in, sl_emitter *out, char *errstr, size_t errstr_size) {
    top_n *t = self;
    if (in->kind == SL_BATCH_PAGE_STATS) {
        for (uint32_t i = 0; i < in->count; i++) {
            const sl_page_stats *s = &SL_BATCH_ITEMS(in, sl_page_stats)[i];
            sl_page_dict_add(t->dict, s->page_hash, s->page, page_needed_until(t, s->window_end));
            set_views(t, s->window_start, s->page_hash, s->view_count);
            if (s->window_end <= t->watermark) {
                sl_window_refire_add(&t->refire, s->window_end);
                if (find_window(t, s->window_start + t->spec.slide, false))
                    sl_window_refire_add(&t->refire, s->window_end + t->spec.slide);
            }
        }
    }
    sl_emit_forward(out, in);
    return SL_OK;
}

static int by_rank(const void *a, const void *b) {
    const sl_top_entry *x = a, *y = b;
    if (x->view_count != y->view_count) return x->view_count > y->view_count ? -1 : 1;
    return sl_str_cmp(x->page, y->page);
}

/* The dashboard's "top pages of the latest window": the ranked pages as
 * gauges, replacing the previous window's, so a page that left the top N
 * leaves /metrics too. A re-fire of an older window leaves the newer one
 * shown. */
static void publish_gauges(top_n *t, int64_t end, const sl_top_entry *ranked, uint32_t n) {
    size_t text = 0;
    for (uint32_t i = 0; i < n; i++) text += ranked[i].page.len + 1 + 11;   /* page, rank digits */
    const char *(*labels)[3] = malloc(n * sizeof(*labels) + 1);
    const char *const **rows = malloc(n * sizeof(*rows) + 1);   /* label_values[i] = labels[i] */
    double *views = malloc(n * sizeof(*views) + 1);
    char *strings = malloc(text + 1), *at = strings;
    if (labels && rows && views && strings) {
        for (uint32_t i = 0; i < n; i++) {
            const sl_top_entry *e = &ranked[i];
            labels[i][0] = at;
            at += sprintf(at, "%u", e->rank) + 1;
            labels[i][1] = at;
            if (e->page.len) memcpy(at, e->page.ptr, e->page.len);
            at[e->page.len] = '\0';
            at += e->page.len + 1;
            labels[i][2] = NULL;
            rows[i] = labels[i];
            views[i] = (double)e->view_count;
        }
        const char *const *no_labels[] = {(const char *const[]){NULL}};
        const double end_s = (double)end / 1000.0;
        const sl_metrics_series_set sets[] = {{"sluice_top_page_views", n, rows, views},
                                              {"sluice_latest_window_end_seconds", 1, no_labels, &end_s}};
        sl_metrics_replace_sets(t->metrics, sets, 2);
    }
    free(labels);
    free(rows);
    free(views);
    free(strings);
}

/* Insert e into the ranking t->ranked[0..*n) if it belongs to the top t->n. */
static void rank(top_n *t, const sl_top_entry *e, uint32_t *n) {
    uint32_t keep = (uint32_t)t->n;
    if (*n == keep && by_rank(e, &t->ranked[keep - 1]) >= 0) return;
    uint32_t lo = 0, hi = *n;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (by_rank(&t->ranked[mid], e) < 0) lo = mid + 1;
        else hi = mid;
    }
    uint32_t moved = *n - lo - (*n == keep);
    memmove(&t->ranked[lo + 1], &t->ranked[lo], moved * sizeof(sl_top_entry));
    t->ranked[lo] = *e;
    if (*n < keep) (*n)++;
}

/* The gauges show the newest fired window, replaced at most every
 * GAUGES_EVERY_MS of wall time (a job catching up fires thousands of windows
 * a second) and always at the end of input. */
static void update_gauges(top_n *t, bool now) {
    if (!t->gauges_stale) return;
    int64_t ms = sl_monotonic_ms();
    if (!now && ms < t->gauges_due_ms) return;
    t->gauges_due_ms = ms + GAUGES_EVERY_MS;
    t->gauges_stale = false;
    publish_gauges(t, t->shown_end, t->shown, t->n_shown);
}

/* Room for the ranking of a window of `pages` pages in t->ranked and t->shown. */
static void reserve_ranking(top_n *t, uint32_t pages) {
    uint32_t need = pages < (uint64_t)t->n ? pages : (uint32_t)t->n;
    if (need <= t->ranked_cap) return;
    t->ranked_cap = need;
    t->ranked = realloc(t->ranked, need * sizeof(sl_top_entry));
    t->shown = realloc(t->shown, need * sizeof(sl_top_entry));
    if (!t->ranked || !t->shown) abort();
}

static void fire(top_n *t, int64_t end, sl_emitter *out) {
    int64_t start = end - t->spec.size;
    window_views *w = find_window(t, start, false);
    if (!w) return;
    w->fired = true;
    sl_metric_add(t->fired, 1);
    const window_views *prev = find_window(t, start - t->spec.slide, false);
    reserve_ranking(t, w->n);
    uint32_t n = 0;
    for (uint32_t i = 0; i < w->n; i++) {
        const page_views *pv = &w->pages[i];
        if (pv->views == 0) continue;
        uint64_t before = views_of(prev, pv->page_hash);
        sl_top_entry e = {sl_page_dict_get(t->dict, pv->page_hash), pv->views, 0,
                          before > 0 && (double)pv->views >= t->trending_factor * (double)before};
        rank(t, &e, &n);
    }
    for (uint32_t i = 0; i < n; i++) t->ranked[i].rank = i + 1;
    if (t->metrics && end >= t->shown_end) {
        memcpy(t->shown, t->ranked, n * sizeof(sl_top_entry));
        t->n_shown = n;
        t->shown_end = end;
        t->gauges_stale = true;
        update_gauges(t, false);
    }
    sl_emit_copy(out, SL_BATCH_TOP_PAGES, &(sl_top_pages){start, end, n, t->ranked});
}

static void refire_one(void *opaque, int64_t end, sl_emitter *out) {
    top_n *t = opaque;
    window_views *w = find_window(t, end - t->spec.size, false);
    if (w && w->fired) fire(t, end, out);
}

/* Windows are kept one slide past closing: the next window's trending needs them. */
static void drop_expired(top_n *t) {
    uint32_t n = 0;
    while (n < t->count && t->windows[n].fired &&
           sl_window_closed(&t->spec, t->windows[n].start + t->spec.size + t->spec.slide, t->watermark))
        free_window(&t->windows[n++]);
    if (n) memmove(t->windows, t->windows + n, (t->count - n) * sizeof(window_views));   /* windows may be NULL */
    t->count -= n;
}

/* Forget the names of the pages of windows dropped -- but those of the
 * ranking the gauges have yet to show, which point at the names. */
static void forget_pages(top_n *t) {
    int64_t closed_upto = sl_window_closed_upto(&t->spec, t->watermark);
    int64_t shown_until = page_needed_until(t, t->shown_end);
    if (t->gauges_stale && closed_upto >= shown_until) closed_upto = shown_until - 1;
    sl_page_dict_forget(t->dict, closed_upto);
}

static sl_err tn_watermark(void *self, int64_t wm, sl_emitter *out, char *errstr, size_t errstr_size) {
    top_n *t = self;
    sl_window_refire_run(&t->refire, refire_one, t, out);
    for (uint32_t i = 0; i < t->count; i++) {
        window_views *w = &t->windows[i];
        if (!w->fired && w->start + t->spec.size <= wm) fire(t, w->start + t->spec.size, out);
    }
    if (wm > t->watermark) t->watermark = wm;
    update_gauges(t, wm == SL_WATERMARK_MAX);
    drop_expired(t);
    forget_pages(t);
    return SL_OK;
}

static sl_err tn_snapshot(void *self, int64_t id, sl_buf *out, char *errstr, size_t errstr_size) {
    top_n *t = self;
    sl_buf_append_u64(out, (uint64_t)t->watermark);
    sl_page_dict_snapshot(t->dict, out);
    sl_buf_append_u64(out, t->count);
    for (uint32_t i = 0; i < t->count; i++) {
        const window_views *w = &t->windows[i];
        sl_buf_append_u64(out, (uint64_t)w->start);
        sl_buf_append_u64(out, w->fired);
        sl_buf_append_u64(out, w->n);
        for (uint32_t k = 0; k < w->n; k++) {
            sl_buf_append_u64(out, w->pages[k].page_hash);
            sl_buf_append_u64(out, w->pages[k].views);
        }
    }
    return SL_OK;
}

static bool restore_one(top_n *t, sl_buf_reader *r) {
    uint64_t wm, windows, start, fired, n, page, views;
    if (!sl_buf_read_u64(r, &wm) || !sl_page_dict_restore(t->dict, r) || !sl_buf_read_u64(r, &windows)) return false;
    t->watermark = (int64_t)wm;
    for (uint64_t i = 0; i < windows; i++) {
        if (!sl_buf_read_u64(r, &start) || !sl_buf_read_u64(r, &fired) || !sl_buf_read_u64(r, &n)) return false;
        find_window(t, (int64_t)start, true)->fired = fired;
        for (uint64_t k = 0; k < n; k++) {
            if (!sl_buf_read_u64(r, &page) || !sl_buf_read_u64(r, &views)) return false;
            set_views(t, (int64_t)start, page, views);
        }
    }
    return true;
}

static sl_err tn_restore(void *self, int64_t id, const sl_buf *const *snaps, size_t n, char *errstr,
                         size_t errstr_size) {
    for (size_t i = 0; i < n; i++) {
        sl_buf_reader r = {snaps[i]->data, snaps[i]->data + snaps[i]->len};
        if (!restore_one(self, &r))
            return sl_errf(SL_ERR_CORRUPT, errstr, errstr_size, "top_n: snapshot of checkpoint %lld is truncated",
                           (long long)id);
    }
    /* The restored pages are named by the restored windows: needed until the newest one's successor closes. */
    top_n *t = self;
    sl_page_dict_keep_until(t->dict, t->count ? page_needed_until(t, t->windows[t->count - 1].start + t->spec.size)
                                              : t->watermark);
    return SL_OK;
}

static void tn_destroy(void *self) {
    top_n *t = self;
    for (uint32_t i = 0; i < t->count; i++) free_window(&t->windows[i]);
    free(t->windows);
    free(t->ranked);
    free(t->shown);
    sl_window_refire_free(&t->refire);
    sl_page_dict_free(t->dict);
    free(t);
}

const sl_operator_plugin sl_op_top_n = {
    .name = "top_n",
    .description = "Top-N pages by views per window, with trending against the previous slide",
    .cb_init = tn_init,
    .cb_process = tn_process,
    .cb_watermark = tn_watermark,
    .cb_snapshot = tn_snapshot,
    .cb_restore = tn_restore,
    .cb_destroy = tn_destroy,
};
