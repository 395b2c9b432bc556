/* window_session_metrics.c -- per-session window metrics (bounce, duration), keyed by session.
 *
 * The first keyed stage of the clickstream job. For every pane it keeps, per
 * session, the earliest and latest event time, the entry page, the event
 * count and the pages visited. When a window fires it merges each session's
 * panes and turns the sessions into per-page partial sums (sessions touching
 * the page, their durations, entries, bounces), one record per page for the
 * whole subtask; the page stage adds the partials of all subtasks.
 *
 * It is also where lateness is judged, once for the whole job: an event that
 * falls in a window already closed (end + allowed lateness ≤ watermark) goes
 * to the late-events side output and is excluded from every window, so the
 * stages downstream never see it and all results agree (docs/metrics.md).
 * Accepted events are forwarded unchanged to the page stage.
 *
 * Without allowed lateness a pane no longer changes once a window holding it
 * fires, so firing is incremental (window_incremental.h,
 * session_window_agg.h): panes enter and leave running aggregates once each
 * instead of being merged once per window they belong to. With allowed lateness (where windows re-fire), every firing
 * merges the window's panes as described above. */
#include <stdlib.h>
#include <string.h>

#include "engine/hash_index.h"
#include "engine/metrics.h"
#include "engine/operator.h"
#include "engine/state.h"
#include "operators/session_window_agg.h"
#include "operators/window_core.h"
#include "operators/window_incremental.h"

/* State value: one session in one pane. */
typedef struct session_pane {
    int64_t min_ts, max_ts;
    uint64_t entry_page;
    uint32_t events;
    uint32_t n_pages, cap_pages;
    uint64_t *pages;                  /* distinct page hashes visited in the pane */
} session_pane;

static void pane_init(void *v) {
    memset(v, 0, sizeof(session_pane));
    ((session_pane *)v)->min_ts = INT64_MAX;
    ((session_pane *)v)->max_ts = INT64_MIN;
}

static size_t pane_encode(const void *v, uint8_t *buf, size_t cap) {
    const session_pane *p = v;
    size_t need = 8 * 3 + 4 * 2 + 8 * (size_t)p->n_pages;
    if (need > cap) return need;
    memcpy(buf, &p->min_ts, 8);
    memcpy(buf + 8, &p->max_ts, 8);
    memcpy(buf + 16, &p->entry_page, 8);
    memcpy(buf + 24, &p->events, 4);
    memcpy(buf + 28, &p->n_pages, 4);
    memcpy(buf + 32, p->pages, 8 * (size_t)p->n_pages);
    return need;
}

static bool pane_decode(void *v, const uint8_t *buf, size_t len) {
    session_pane *p = v;
    if (len < 32) return false;
    pane_init(p);
    memcpy(&p->min_ts, buf, 8);
    memcpy(&p->max_ts, buf + 8, 8);
    memcpy(&p->entry_page, buf + 16, 8);
    memcpy(&p->events, buf + 24, 4);
    memcpy(&p->n_pages, buf + 28, 4);
    if (len != 32 + 8 * (size_t)p->n_pages) return false;
    p->cap_pages = p->n_pages;
    p->pages = p->n_pages ? malloc(8 * (size_t)p->n_pages) : NULL;
    if (p->n_pages) memcpy(p->pages, buf + 32, 8 * (size_t)p->n_pages);
    return true;
}

static void pane_destroy(void *v) { free(((session_pane *)v)->pages); }

static const sl_state_value_ops SESSION_PANE_OPS = {
    sizeof(session_pane), pane_init, pane_encode, pane_decode, pane_destroy,
};

static void add_page(uint64_t **pages, uint32_t *n, uint32_t *cap, uint64_t page) {
    for (uint32_t i = 0; i < *n; i++)
        if ((*pages)[i] == page) return;
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 4;
        *pages = realloc(*pages, *cap * sizeof(uint64_t));
    }
    (*pages)[(*n)++] = page;
}

/* A session merged over a window's panes. */
typedef struct session_acc {
    int64_t min_ts, max_ts;
    uint64_t entry_page;
    uint64_t events;
    uint32_t n_pages, cap_pages;
    uint64_t *pages;                  /* kept across firings: no allocation in steady state */
} session_acc;

typedef struct session_metrics {
    sl_operator_ctx *ctx;
    sl_window_core core;
    sl_state *panes;
    /* incremental firing: the panes in the running aggregates (empty after a restore) */
    sl_session_agg *agg;
    sl_window_incremental inc;
    int64_t visiting_pane;            /* the pane whose sessions enter or leave */
    sl_emitter *firing_out;
    int64_t firing_end;
    /* scratch for merging */
    sl_hash_index session_index;
    session_acc *sessions;
    uint32_t sessions_cap;
    sl_hash_index page_index;
    sl_session_partial *partials;
    uint32_t partials_cap;
    int64_t firing_start;
    sl_metric_handle *fired;     /* sluice_window_firings_total */
} session_metrics;

/* Is page a ordered before page b (tie-break of the entry page)? */
static bool page_before(session_metrics *m, uint64_t a, uint64_t b) {
    return sl_str_cmp(sl_page_dict_get(m->core.dict, a), sl_page_dict_get(m->core.dict, b)) < 0;
}

static sl_err sm_init(sl_operator_ctx *ctx, void **self, char *errstr, size_t errstr_size) {
    session_metrics *m = calloc(1, sizeof(*m));
    sl_err err = sl_window_core_init(&m->core, ctx->conf, errstr, errstr_size);
    if (err) {
        free(m);
        return err;
    }
    m->ctx = ctx;
    m->panes = sl_state_declare(ctx->state, "session_panes", &SESSION_PANE_OPS);
    m->agg = sl_session_agg_new();
    sl_window_incremental_init(&m->inc);
    sl_hash_index_init(&m->session_index);
    sl_hash_index_init(&m->page_index);
    m->fired = sl_metrics_get(ctx->metrics, "sluice_window_firings_total", (const char *const[]){"session_metrics", NULL});
    *self = m;
    return SL_OK;
}

static void add_event(session_metrics *m, const sl_event *ev) {
    int64_t pane = sl_window_core_add(&m->core, ev->timestamp_ms, ev->page_hash, ev->page);
    session_pane *p = sl_state_get(m->panes, ev->session_hash, ev->session_id.ptr, ev->session_id.len, pane, true);
    if (ev->timestamp_ms < p->min_ts ||
        (ev->timestamp_ms == p->min_ts && page_before(m, ev->page_hash, p->entry_page))) {
        p->min_ts = ev->timestamp_ms;
        p->entry_page = ev->page_hash;
    }
    if (ev->timestamp_ms > p->max_ts) p->max_ts = ev->timestamp_ms;
    p->events++;
    add_page(&p->pages, &p->n_pages, &p->cap_pages, ev->page_hash);
    sl_state_mark_dirty(m->panes);
}

static void fire(void *op, int64_t end, sl_emitter *out);

static sl_err sm_process(void *self, sl_batch *in, sl_emitter *out, char *errstr, size_t errstr_size) {
    session_metrics *m = self;
    if (in->kind != SL_BATCH_EVENTS) {
        sl_emit_forward(out, in);
        return SL_OK;
    }
    sl_event *events = sl_batch_events(in);
    uint32_t kept = 0;
    for (uint32_t i = 0; i < in->count; i++) {
        sl_window_core_prefetch(&m->core, m->panes, events, in->count, i, true);
        const sl_event *ev = &events[i];
        const sl_window_spec *w = &m->core.spec;
        int64_t first_end = sl_window_first_start(w, ev->timestamp_ms) + w->size;
        if (sl_window_closed(w, first_end, m->core.watermark)) {
            sl_emit_copy(out, SL_BATCH_LATE_EVENTS, &(sl_late_event){*ev, m->core.watermark});
            continue;
        }
        add_event(m, ev);
        if (kept != i) events[kept] = *ev;
        kept++;
    }
    in->count = kept;
    sl_emit_forward(out, in);
    sl_window_refire_run(&m->core.refire, fire, m, out);
    return SL_OK;
}

/* ---- firing ---- */

static int visit_session(const void *key, size_t key_len, uint64_t key_hash, void *value, void *opaque) {
    session_metrics *m = opaque;
    const session_pane *p = value;
    bool inserted;
    uint32_t i = sl_hash_index_upsert(&m->session_index, key_hash, &inserted);
    if (i >= m->sessions_cap) {
        uint32_t old = m->sessions_cap;
        m->sessions_cap = m->sessions_cap ? m->sessions_cap * 2 : 256;
        m->sessions = realloc(m->sessions, m->sessions_cap * sizeof(session_acc));
        memset(m->sessions + old, 0, (m->sessions_cap - old) * sizeof(session_acc));
    }
    session_acc *s = &m->sessions[i];
    if (inserted) {
        s->min_ts = INT64_MAX;
        s->max_ts = INT64_MIN;
        s->events = 0;
        s->n_pages = 0;
    }
    if (p->min_ts < s->min_ts || (p->min_ts == s->min_ts && page_before(m, p->entry_page, s->entry_page))) {
        s->min_ts = p->min_ts;
        s->entry_page = p->entry_page;
    }
    if (p->max_ts > s->max_ts) s->max_ts = p->max_ts;
    s->events += p->events;
    for (uint32_t k = 0; k < p->n_pages; k++) add_page(&s->pages, &s->n_pages, &s->cap_pages, p->pages[k]);
    (void)key;
    (void)key_len;
    return 0;
}

static sl_session_partial *partial_for(session_metrics *m, uint64_t page) {
    bool inserted;
    uint32_t i = sl_hash_index_upsert(&m->page_index, page, &inserted);
    if (i >= m->partials_cap) {
        m->partials_cap = m->partials_cap ? m->partials_cap * 2 : 128;
        m->partials = realloc(m->partials, m->partials_cap * sizeof(sl_session_partial));
    }
    if (inserted) memset(&m->partials[i], 0, sizeof(sl_session_partial));
    m->partials[i].page_hash = page;
    return &m->partials[i];
}

static void emit_partial(session_metrics *m, sl_emitter *out, const sl_session_partial *p, int64_t end) {
    sl_batch *b;
    sl_session_partial *rec = sl_emit(out, SL_BATCH_SESSION_PARTIALS, &b);
    *rec = *p;
    rec->window_start = end - m->core.spec.size;
    rec->window_end = end;
    rec->from_subtask = m->ctx->subtask;
    rec->page = sl_batch_copy_str(b, sl_page_dict_get(m->core.dict, rec->page_hash));
}

/* Merge every pane of the window [end - size, end) per session. */
static void merge_and_fire(session_metrics *m, int64_t end, sl_emitter *out) {
    int64_t start = end - m->core.spec.size;
    sl_hash_index_clear(&m->session_index);
    sl_hash_index_clear(&m->page_index);
    for (uint32_t i = 0; i < m->core.active.count; i++) {
        int64_t pane = m->core.active.starts[i];
        if (pane >= start && pane < end) sl_state_foreach_in_namespace(m->panes, pane, visit_session, m);
    }
    for (uint32_t i = 0; i < m->session_index.count; i++) {
        const session_acc *s = &m->sessions[i];
        for (uint32_t k = 0; k < s->n_pages; k++) {
            sl_session_partial *p = partial_for(m, s->pages[k]);
            p->sessions++;
            p->duration_sum_ms += s->max_ts - s->min_ts;
        }
        sl_session_partial *entry = partial_for(m, s->entry_page);
        entry->entry_sessions++;
        if (s->events == 1) entry->bounced_sessions++;
    }
    for (uint32_t i = 0; i < m->page_index.count; i++) emit_partial(m, out, &m->partials[i], end);
}

/* ---- incremental firing ---- */

static sl_session_pane_entry entry_of(const session_pane *p, int64_t pane) {
    return (sl_session_pane_entry){pane, p->min_ts, p->max_ts, p->entry_page, p->events, p->n_pages, p->pages};
}

static int visit_enter(const void *key, size_t key_len, uint64_t key_hash, void *value, void *opaque) {
    session_metrics *m = opaque;
    sl_session_pane_entry e = entry_of(value, m->visiting_pane);
    sl_session_agg_enter(m->agg, key_hash, &e);
    return 0;
}

static int visit_leave(const void *key, size_t key_len, uint64_t key_hash, void *value, void *opaque) {
    session_metrics *m = opaque;
    sl_session_pane_entry e = entry_of(value, m->visiting_pane);
    sl_session_agg_leave(m->agg, key_hash, &e);
    return 0;
}

static void enter_pane(void *op, int64_t pane) {
    session_metrics *m = op;
    m->visiting_pane = pane;
    sl_state_foreach_in_namespace(m->panes, pane, visit_enter, m);
}

static void leave_pane(void *op, int64_t pane) {
    session_metrics *m = op;
    m->visiting_pane = pane;
    sl_state_foreach_in_namespace(m->panes, pane, visit_leave, m);
}

static void emit_page_sums(const sl_session_page_sums *s, void *opaque) {
    session_metrics *m = opaque;
    sl_session_partial p = {.page_hash = s->page_hash, .sessions = s->sessions, .duration_sum_ms = s->duration_sum_ms,
                            .entry_sessions = s->entry_sessions, .bounced_sessions = s->bounced_sessions};
    emit_partial(m, m->firing_out, &p, m->firing_end);
}

/* The partials of a window are the running aggregates' page sums once its
 * panes are in them. */
static void fire(void *op, int64_t end, sl_emitter *out) {
    session_metrics *m = op;
    sl_metric_add(m->fired, 1);
    if (!sl_window_incremental_fire(&m->inc, &m->core, end, enter_pane, leave_pane, m)) {
        merge_and_fire(m, end, out);
        return;
    }
    m->firing_out = out;
    m->firing_end = end;
    sl_session_agg_foreach_page(m->agg, emit_page_sums, m);
}

static void drop_pane(void *op, int64_t pane) {
    session_metrics *m = op;
    sl_window_incremental_drop(&m->inc, pane, leave_pane, m);
    sl_state_remove_namespace(m->panes, pane);
}

static sl_err sm_watermark(void *self, int64_t wm, sl_emitter *out, char *errstr, size_t errstr_size) {
    sl_window_core_advance(&((session_metrics *)self)->core, wm, fire, drop_pane, self, out);
    return SL_OK;
}

static sl_err sm_snapshot(void *self, int64_t id, sl_buf *out, char *errstr, size_t errstr_size) {
    sl_window_core_snapshot(&((session_metrics *)self)->core, out);
    return SL_OK;
}

static sl_err sm_restore(void *self, int64_t id, const sl_buf *const *snaps, size_t n, char *errstr,
                         size_t errstr_size) {
    session_metrics *m = self;
    for (size_t i = 0; i < n; i++) {
        sl_buf_reader r = {snaps[i]->data, snaps[i]->data + snaps[i]->len};
        if (!sl_window_core_restore(&m->core, &r, i == 0))
            return sl_errf(SL_ERR_CORRUPT, errstr, errstr_size,
                           "session_metrics: snapshot %zu of checkpoint %lld is truncated", i, (long long)id);
    }
    return SL_OK;
}

static void sm_destroy(void *self) {
    session_metrics *m = self;
    for (uint32_t i = 0; i < m->sessions_cap; i++) free(m->sessions[i].pages);
    free(m->sessions);
    free(m->partials);
    sl_hash_index_free(&m->session_index);
    sl_hash_index_free(&m->page_index);
    sl_window_incremental_free(&m->inc);
    sl_session_agg_free(m->agg);
    sl_window_core_free(&m->core);
    free(m);
}

const sl_operator_plugin sl_op_session_metrics = {
    .name = "session_metrics",
    .description = "Per-session window metrics (entry page, bounce, duration) as per-page partials; judges lateness",
    .cb_init = sm_init,
    .cb_process = sm_process,
    .cb_watermark = sm_watermark,
    .cb_snapshot = sm_snapshot,
    .cb_restore = sm_restore,
    .cb_destroy = sm_destroy,
};
