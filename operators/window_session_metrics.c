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
 * Accepted events go on to the page stage as page events (the fields it
 * reads), projected in place.
 *
 * The state holds one entry per session with its panes inside
 * (session_records.h), so its size does not grow with the overlap.
 *
 * Without allowed lateness a pane no longer changes once a window holding it
 * fires, so firing is incremental (window_incremental.h,
 * session_window_agg.h): each session's pane records enter and leave running
 * aggregates once each instead of being merged once per window they belong
 * to. With allowed lateness (where windows re-fire), every firing merges the
 * window's panes as described above. */
#include <stdlib.h>
#include <string.h>

#include "engine/hash_index.h"
#include "engine/metrics.h"
#include "engine/operator.h"
#include "engine/prefetch.h"
#include "engine/state.h"
#include "operators/session_records.h"
#include "operators/session_window_agg.h"
#include "operators/state_key_list.h"
#include "operators/window_core.h"

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

/* A session queued for a slide, with what its visit passed. */
typedef struct queued_session {
    const void *key;
    size_t key_len;
    uint64_t hash;
    sl_session_records *records;      /* its agg_slot: where the prefetch steps found its aggregate */
} queued_session;

/* Sessions in flight in a slide visit (see visit_slide), and how far
 * behind the newest the two later prefetch steps run. */
#define SLIDE_QUEUE 12
#define SLIDE_STEP_SESSION 4
#define SLIDE_STEP_PAGES 8
#define SLIDE_RING 16                 /* slots, a power of two >= SLIDE_QUEUE: an index is a mask */
_Static_assert((SLIDE_RING & (SLIDE_RING - 1)) == 0 && SLIDE_RING >= SLIDE_QUEUE, "the slide ring");

static queued_session *ring_at(queued_session *ring, uint64_t i) { return &ring[i & (SLIDE_RING - 1)]; }

typedef struct session_metrics {
    sl_operator_ctx *ctx;
    sl_window_core core;
    sl_state *sessions;
    int64_t horizon;                  /* records of older panes are no longer needed */
    /* incremental firing: the running aggregates hold the records of the
     * panes in [entered_lo, entered_hi) (empty after a restore) */
    sl_session_agg *agg;
    int64_t entered_lo, entered_hi;
    sl_key_list removals;             /* sessions left without records, removed after a visit */
    int64_t firing_start, firing_end;
    sl_emitter *firing_out;
    queued_session slide_queue[SLIDE_RING];
    uint64_t queued;                  /* sessions queued in this slide visit */
    bool pipelined;                   /* this visit's values stay put: slides may be queued */
    /* scratch for merging */
    sl_hash_index session_index;
    session_acc *accs;
    uint32_t accs_cap;
    sl_hash_index page_index;
    sl_session_partial *partials;
    uint32_t partials_cap;
    sl_metric_handle *fired;     /* sluice_window_firings_total */
} session_metrics;

/* Is page a ordered before entry page b (the tie-break of entry pages)?
 * The stage names only its records' entry pages (see add_event): the
 * partials it emits name pages by hash. */
static bool name_before(session_metrics *m, sl_str a, uint64_t b) {
    return sl_str_cmp(a, sl_page_dict_get(m->core.dict, b)) < 0;
}

static bool incremental(const session_metrics *m) { return m->core.spec.allowed_lateness == 0; }

static sl_err sm_init(sl_operator_ctx *ctx, void **self, char *errstr, size_t errstr_size) {
    session_metrics *m = calloc(1, sizeof(*m));
    sl_err err = sl_window_core_init(&m->core, ctx->conf, errstr, errstr_size);
    if (err) {
        free(m);
        return err;
    }
    m->ctx = ctx;
    m->sessions = sl_state_declare(ctx->state, "sessions", &SL_SESSION_RECORDS_OPS);
    m->horizon = INT64_MIN;
    m->agg = sl_session_agg_new();
    m->entered_lo = m->entered_hi = INT64_MIN;
    sl_hash_index_init(&m->session_index);
    sl_hash_index_init(&m->page_index);
    m->fired = sl_metrics_get(ctx->metrics, "sluice_window_firings_total", (const char *const[]){"session_metrics", NULL});
    *self = m;
    return SL_OK;
}

/* ---- events ---- */

static void add_event(session_metrics *m, const sl_event *ev) {
    int64_t pane = sl_window_core_add(&m->core, ev->timestamp_ms);
    sl_session_records *s =
        sl_state_get(m->sessions, ev->session_hash, ev->session_id.ptr, ev->session_id.len, 0, true);
    uint32_t i = sl_session_records_find_or_add(s, pane);
    sl_session_record *r = &s->records[i];
    if (ev->timestamp_ms < r->min_ts ||
        (ev->timestamp_ms == r->min_ts && name_before(m, ev->page, r->entry_page))) {
        r->min_ts = ev->timestamp_ms;
        r->entry_page = ev->page_hash;
        sl_window_core_name_page(&m->core, pane, ev->page_hash, ev->page);
    }
    if (ev->timestamp_ms > r->max_ts) r->max_ts = ev->timestamp_ms;
    r->events++;
    sl_session_records_add_page(s, i, ev->page_hash);
    sl_state_mark_dirty(m->sessions);
}

static void fire(void *op, int64_t end, sl_emitter *out);

/* How many events ahead the three prefetch steps of an event's session
 * run (see sl_state_prefetch_bucket): with many panes per window the
 * sessions' state is far larger than the CPU caches, and an event would
 * otherwise wait for its bucket, then its entry, then its newest record.
 * The lookup also compares the event's session id with the entry's key;
 * the id lives in whatever arena the source decoded into (for the memory
 * source, one written long before and far out of the caches), so its
 * bytes are asked for with the bucket. (perf, pipelined, 4 M events:
 * memcmp fell from 313 samples of the session thread's 3,579 to none.) */
#define AHEAD_BUCKET 12
#define AHEAD_ENTRY 6
#define AHEAD_RECORDS 2

SL_PREFETCH_INLINE void prefetch_session(const session_metrics *m, const sl_event *events, uint32_t i, uint32_t n) {
    if (i + AHEAD_BUCKET < n) {
        sl_state_prefetch_bucket(m->sessions, events[i + AHEAD_BUCKET].session_hash, 0);
        __builtin_prefetch(events[i + AHEAD_BUCKET].session_id.ptr);
    }
    if (i + AHEAD_ENTRY < n) sl_state_prefetch_entry(m->sessions, events[i + AHEAD_ENTRY].session_hash, 0);
    if (i + AHEAD_RECORDS < n) {
        const sl_session_records *s = sl_state_peek(m->sessions, events[i + AHEAD_RECORDS].session_hash, 0);
        if (s) sl_session_records_prefetch_newest(s);
    }
}

static sl_err sm_process(void *self, sl_batch *in, sl_emitter *out, char *errstr, size_t errstr_size) {
    session_metrics *m = self;
    if (in->kind != SL_BATCH_EVENTS) {
        sl_emit_forward(out, in);
        return SL_OK;
    }
    /* The accepted events go on as page events, written over the batch's
     * own records: page event k ends at or before event k's end (they are
     * smaller), so it overwrites only events already read. Their strings
     * stay in the batch's arena. */
    _Static_assert(sizeof(sl_page_event) <= sizeof(sl_event), "page events are projected in place");
    const sl_event *events = sl_batch_events(in);
    sl_page_event *page_events = SL_BATCH_ITEMS(in, sl_page_event);
    uint32_t kept = 0;
    for (uint32_t i = 0; i < in->count; i++) {
        prefetch_session(m, events, i, in->count);   /* reads events not yet overwritten: see above */
        const sl_event *ev = &events[i];
        const sl_window_spec *w = &m->core.spec;
        int64_t first_end = sl_window_first_start(w, ev->timestamp_ms) + w->size;
        if (sl_window_closed(w, first_end, m->core.watermark)) {
            sl_emit_copy(out, SL_BATCH_LATE_EVENTS, &(sl_late_event){*ev, m->core.watermark});
            continue;
        }
        add_event(m, ev);
        page_events[kept++] = (sl_page_event){ev->timestamp_ms, ev->page_hash, ev->user_hash, ev->page,
                                              ev->event_type};
    }
    in->kind = SL_BATCH_PAGE_EVENTS;
    in->count = kept;
    sl_emit_forward(out, in);
    sl_window_refire_run(&m->core.refire, fire, m, out);
    return SL_OK;
}

/* ---- visiting every session ---- */

/* Drop the records older than pane `from`; a session left without records
 * is removed after the visit (a visitor must not change the state's keys). */
static void prune(session_metrics *m, sl_session_records *s, int64_t from, const void *key, size_t key_len,
                  uint64_t key_hash) {
    sl_session_records_drop_before(s, from);
    if (sl_session_records_empty(s)) sl_key_list_add(&m->removals, key_hash, key, key_len);
}

static void drain_slides(session_metrics *m);

static void visit_sessions(session_metrics *m, sl_state_visit_fn visit) {
    m->pipelined = sl_state_visit_values_stay(m->sessions);
    sl_state_foreach_in_namespace(m->sessions, 0, visit, m);
    drain_slides(m);
    for (uint32_t i = 0; i < m->removals.n; i++)
        sl_state_remove(m->sessions, m->removals.items[i].hash, sl_key_list_key(&m->removals, i),
                        m->removals.items[i].len, 0);
    sl_key_list_clear(&m->removals);
}

/* ---- firing by merging (allowed lateness, re-fires) ---- */

static session_acc *acc_for(session_metrics *m, uint64_t key_hash) {
    bool inserted;
    uint32_t i = sl_hash_index_upsert(&m->session_index, key_hash, &inserted);
    if (i >= m->accs_cap) {
        uint32_t old = m->accs_cap;
        m->accs_cap = m->accs_cap ? m->accs_cap * 2 : 256;
        m->accs = realloc(m->accs, m->accs_cap * sizeof(session_acc));
        memset(m->accs + old, 0, (m->accs_cap - old) * sizeof(session_acc));
    }
    session_acc *a = &m->accs[i];
    if (inserted) {
        a->min_ts = INT64_MAX;
        a->max_ts = INT64_MIN;
        a->events = 0;
        a->n_pages = 0;
    }
    return a;
}

/* Merge the session's records of the window [firing_start, firing_end). */
static int visit_merge(const void *key, size_t key_len, uint64_t key_hash, void *value, void *opaque) {
    session_metrics *m = opaque;
    sl_session_records *s = value;
    prune(m, s, m->horizon, key, key_len, key_hash);
    uint32_t off = s->page_head;
    for (uint32_t i = s->head; i < s->n; off += s->records[i++].n_pages) {
        const sl_session_record *r = &s->records[i];
        if (r->pane < m->firing_start || r->pane >= m->firing_end) continue;
        session_acc *a = acc_for(m, key_hash);
        if (r->min_ts < a->min_ts ||
            (r->min_ts == a->min_ts && name_before(m, sl_page_dict_get(m->core.dict, r->entry_page), a->entry_page))) {
            a->min_ts = r->min_ts;
            a->entry_page = r->entry_page;
        }
        if (r->max_ts > a->max_ts) a->max_ts = r->max_ts;
        a->events += r->events;
        for (uint32_t k = 0; k < r->n_pages; k++) add_page(&a->pages, &a->n_pages, &a->cap_pages, s->pages[off + k]);
    }
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
    sl_session_partial *rec = sl_emit(out, SL_BATCH_SESSION_PARTIALS, NULL);
    *rec = *p;
    rec->window_start = end - m->core.spec.size;
    rec->window_end = end;
    rec->from_subtask = m->ctx->subtask;
}

/* Merge every pane of the window [end - size, end) per session. */
static void merge_and_fire(session_metrics *m, int64_t end, sl_emitter *out) {
    m->firing_start = end - m->core.spec.size;
    m->firing_end = end;
    sl_hash_index_clear(&m->session_index);
    sl_hash_index_clear(&m->page_index);
    visit_sessions(m, visit_merge);
    for (uint32_t i = 0; i < m->session_index.count; i++) {
        const session_acc *s = &m->accs[i];
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

static sl_session_pane_entry entry_of(const sl_session_records *s, uint32_t i, uint32_t page_off) {
    const sl_session_record *r = &s->records[i];
    return (sl_session_pane_entry){r->pane, r->min_ts, r->max_ts, r->entry_page, r->events, r->n_pages,
                                   s->pages + page_off};
}

/* Record i (its pages start at page_off) enters the running aggregates. */
static void enter_record(session_metrics *m, sl_session_records *s, uint32_t i, uint32_t page_off) {
    sl_session_pane_entry e = entry_of(s, i, page_off);
    sl_session_agg_enter(m->agg, &e);
}

/* Record i, the session's oldest in the aggregates, leaves them; the next
 * record is then the oldest there if it entered (is older than entered_hi). */
static void leave_record(session_metrics *m, sl_session_records *s, uint32_t i, uint32_t page_off) {
    sl_session_pane_entry e = entry_of(s, i, page_off), next;
    bool has_next = i + 1 < s->n && s->records[i + 1].pane < m->entered_hi;
    if (has_next) next = entry_of(s, i + 1, page_off + s->records[i].n_pages);
    sl_session_agg_leave(m->agg, &e, has_next ? &next : NULL);
}

/* The panes below this leave the aggregates, those from enter_from() on enter. */
static int64_t leave_below(const session_metrics *m) {
    return m->firing_start < m->entered_hi ? m->firing_start : m->entered_hi;
}
static int64_t enter_from(const session_metrics *m) {
    return m->firing_start > m->entered_hi ? m->firing_start : m->entered_hi;
}

/* Records of panes before this go at this firing: no later window needs them. */
static int64_t drop_below(const session_metrics *m) {
    return m->firing_start > m->horizon ? m->firing_start : m->horizon;
}

/* Which ends of s a slide has work at: records to take out or drop at the
 * oldest, records to put in at the newest. */
typedef struct slide_ends {
    bool oldest, newest;
} slide_ends;

static slide_ends slide_work(const session_metrics *m, const sl_session_records *s) {
    return (slide_ends){s->oldest < drop_below(m), s->newest >= enter_from(m)};
}

/* Bring one session with work (slide_work: the visit queues no other)
 * from the panes [entered_lo, entered_hi) to those of [firing_start,
 * firing_end): its records that left leave (oldest first), the new ones
 * enter (ascending). Windows fire in order here, so no later one needs the
 * records that left: they are dropped. */
static void slide_session(session_metrics *m, uint64_t key_hash, sl_session_records *s) {
    int64_t below = leave_below(m), from = enter_from(m);
    uint32_t i = s->head, off = s->page_head;
    sl_session_agg_begin(m->agg, key_hash, &s->agg_slot);
    if (s->oldest < below)
        for (; i < s->n && s->records[i].pane < below; off += s->records[i++].n_pages)
            if (s->records[i].pane >= m->entered_lo) leave_record(m, s, i, off);
    if (s->newest >= from) {
        uint32_t j = s->n, j_off = s->n_pages;
        while (j > i && s->records[j - 1].pane >= from) j_off -= s->records[--j].n_pages;
        for (; j < s->n && s->records[j].pane < m->firing_end; j_off += s->records[j++].n_pages)
            enter_record(m, s, j, j_off);
    }
    sl_session_agg_end(m->agg);
    sl_session_records_drop_before(s, drop_below(m));
}

static void slide_queued(session_metrics *m, const queued_session *q) {
    slide_session(m, q->hash, q->records);
    prune(m, q->records, INT64_MIN, q->key, q->key_len, q->hash);   /* only removes the session when empty */
}

/* Start loading the records a slide of s reads, at the ends that have
 * work (with many panes per window a session is usually either still
 * adding panes or only losing them, and the other end is cold): the
 * oldest (which may leave) with the one after it and its pages; the
 * newest two (the search for those that enter) and the end of the page log. */
SL_PREFETCH_INLINE void prefetch_records(const sl_session_records *s, slide_ends work) {
    if (work.oldest) {
        __builtin_prefetch(&s->records[s->head]);
        __builtin_prefetch(&s->records[s->head + 1]);
        if (s->n_pages) __builtin_prefetch(&s->pages[s->page_head]);
    }
    if (work.newest) {
        __builtin_prefetch(&s->records[s->n - 1]);
        if (s->n >= 2) __builtin_prefetch(&s->records[s->n - 2]);
        if (s->n_pages) __builtin_prefetch(&s->pages[s->n_pages - 1]);
    }
}

/* At a firing with many panes per window nearly every session misses the
 * CPU caches several times over (its state entry, its records written a
 * window ago, its running aggregate, that aggregate's page counts), so the
 * visit is bound by memory latency, not by work. It is software-pipelined:
 * a session with something to do is queued, and its loads are started in
 * steps as later sessions are queued behind it -- records and index slot
 * at once, its aggregate SLIDE_STEP_SESSION sessions later, that
 * aggregate's pages SLIDE_STEP_PAGES later -- and it is slid when it
 * reaches the front, SLIDE_QUEUE sessions later, with its data loaded.
 * drain_slides() slides the rest. The order of slides does not matter:
 * each changes only its own session's contribution.
 *
 * A visit that reads the store (sessions beyond RocksDB's cache) hands out
 * each value as a scratch copy, written back and reused once the callback
 * returns: then each session is slid at once. (They used to be queued
 * all the same, and slid through stale copies: wrong session metrics once
 * the sessions outgrew the cache.) */
static int visit_slide(const void *key, size_t key_len, uint64_t key_hash, void *value, void *opaque) {
    session_metrics *m = opaque;
    sl_session_records *s = value;
    slide_ends work = slide_work(m, s);
    if (!work.oldest && !work.newest) {
        prune(m, s, INT64_MIN, key, key_len, key_hash);   /* only removes the session when empty */
        return 0;
    }
    if (!m->pipelined) {
        slide_queued(m, &(queued_session){key, key_len, key_hash, s});
        return 0;
    }
    if (m->queued >= SLIDE_QUEUE) slide_queued(m, ring_at(m->slide_queue, m->queued - SLIDE_QUEUE));
    queued_session *slot = ring_at(m->slide_queue, m->queued);
    *slot = (queued_session){key, key_len, key_hash, s};
    prefetch_records(s, work);
    sl_session_agg_prefetch_slot(m->agg, key_hash, s->agg_slot);
    m->queued++;
    if (m->queued > SLIDE_STEP_SESSION) {
        queued_session *q = ring_at(m->slide_queue, m->queued - 1 - SLIDE_STEP_SESSION);
        sl_session_agg_prefetch_session(m->agg, q->hash, &q->records->agg_slot);
    }
    if (m->queued > SLIDE_STEP_PAGES)
        sl_session_agg_prefetch_pages(m->agg, ring_at(m->slide_queue, m->queued - 1 - SLIDE_STEP_PAGES)->records->agg_slot);
    return 0;
}

static void drain_slides(session_metrics *m) {
    uint64_t from = m->queued > SLIDE_QUEUE ? m->queued - SLIDE_QUEUE : 0;
    for (uint64_t i = from; i < m->queued; i++) slide_queued(m, ring_at(m->slide_queue, i));
    m->queued = 0;
}

static void emit_page_sums(const sl_session_page_sums *s, void *opaque) {
    session_metrics *m = opaque;
    sl_session_partial p = {.page_hash = s->page_hash, .sessions = s->sessions, .duration_sum_ms = s->duration_sum_ms,
                            .entry_sessions = s->entry_sessions, .bounced_sessions = s->bounced_sessions};
    emit_partial(m, m->firing_out, &p, m->firing_end);
}

/* Without allowed lateness a pane no longer changes once a window holding
 * it fires, and windows fire in end order (window_incremental.h): the
 * partials of a window are the running aggregates' page sums once its
 * panes are in them. Otherwise (or for a re-fire) merge the window. */
static void fire(void *op, int64_t end, sl_emitter *out) {
    session_metrics *m = op;
    sl_metric_add(m->fired, 1);
    if (!incremental(m) || end <= m->entered_hi) {
        merge_and_fire(m, end, out);
        return;
    }
    m->firing_start = end - m->core.spec.size;
    m->firing_end = end;
    visit_sessions(m, visit_slide);
    m->entered_lo = m->firing_start;
    m->entered_hi = end;
    m->firing_out = out;
    sl_session_agg_foreach_page(m->agg, emit_page_sums, m);
}

/* A pane no open window needs: its records go at the next visit. */
static void drop_pane(void *op, int64_t pane) {
    session_metrics *m = op;
    if (pane + m->core.spec.pane > m->horizon) m->horizon = pane + m->core.spec.pane;
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
    /* The running aggregates are not in the snapshot: the next firing enters
     * its window's records again. */
    sl_session_agg_clear(m->agg);
    m->entered_lo = m->entered_hi = INT64_MIN;
    return SL_OK;
}

static void sm_destroy(void *self) {
    session_metrics *m = self;
    for (uint32_t i = 0; i < m->accs_cap; i++) free(m->accs[i].pages);
    free(m->accs);
    free(m->partials);
    sl_key_list_free(&m->removals);
    sl_hash_index_free(&m->session_index);
    sl_hash_index_free(&m->page_index);
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
