/* window_page_metrics.c -- page analytics per window, keyed by page.
 *
 * Per pane and page it keeps the four event-type counts and a HyperLogLog
 * of users, in one state entry per page (page_records.h); per window and page it keeps the session partials sent by every
 * session_metrics subtask (replaced, not added, when a subtask re-fires).
 * When the watermark passes a window's end it merges the window's panes,
 * adds the partials and emits one sl_page_stats per page seen in the window.
 *
 * Without allowed lateness the merge is incremental (window_incremental.h,
 * page_window_agg.h): each pane's values enter and leave running per-page
 * aggregates once, instead of being merged once per window they belong to. */
#include <stdlib.h>
#include <string.h>

#include "engine/hash_index.h"
#include "engine/hll.h"
#include "engine/metrics.h"
#include "engine/operator.h"
#include "engine/state.h"
#include "operators/page_records.h"
#include "operators/page_window_agg.h"
#include "operators/state_key_list.h"
#include "operators/window_core.h"
#include "operators/window_incremental.h"

#define N_COUNTED_TYPES 4   /* VIEW, CLICK, ADD_TO_CART, PURCHASE; SEARCH is not a page metric */

/* ---- state: the session partials of one page in one window ---- */

typedef struct partial_part {
    uint64_t from_subtask, sessions, entry_sessions, bounced_sessions;
    int64_t duration_sum_ms;
} partial_part;

typedef struct page_partials {
    uint32_t n, cap;
    partial_part *parts;
} page_partials;

static void partials_init(void *v) { memset(v, 0, sizeof(page_partials)); }

static size_t partials_encode(const void *v, uint8_t *buf, size_t cap) {
    const page_partials *p = v;
    size_t need = 4 + (size_t)p->n * sizeof(partial_part);
    if (need > cap) return need;
    memcpy(buf, &p->n, 4);
    memcpy(buf + 4, p->parts, (size_t)p->n * sizeof(partial_part));
    return need;
}

static bool partials_decode(void *v, const uint8_t *buf, size_t len) {
    page_partials *p = v;
    if (len < 4) return false;
    memcpy(&p->n, buf, 4);
    if (len != 4 + (size_t)p->n * sizeof(partial_part)) return false;
    p->cap = p->n;
    p->parts = malloc((size_t)(p->n ? p->n : 1) * sizeof(partial_part));
    memcpy(p->parts, buf + 4, (size_t)p->n * sizeof(partial_part));
    return true;
}

static void partials_destroy(void *v) { free(((page_partials *)v)->parts); }

static const sl_state_value_ops PAGE_PARTIALS_OPS = {
    sizeof(page_partials), partials_init, partials_encode, partials_decode, partials_destroy,
};

/* ---- the operator ---- */

/* A page merged over a window's panes. Its users are counted exactly, as
 * the incremental firing counts them, while every pane's sketch can name
 * its users; a dense one (more users of the page in one pane than a
 * sketch keeps) turns the count into a merge of sketches. */
typedef struct page_acc {
    uint64_t page_hash;
    uint64_t counts[N_COUNTED_TYPES];
    sl_hash_index exact_users;        /* the set of user hashes; kept across firings, cleared per use */
    sl_hll *users;                    /* the merged sketches, once dense (not exact); empty before */
} page_acc;

typedef struct page_metrics {
    sl_operator_ctx *ctx;
    sl_window_core core;
    sl_state *pages, *partials;
    sl_key_list removals;             /* pages left without records, removed after a visit */
    int64_t visiting_pane, firing_start;
    sl_pane_set partial_windows;      /* window starts with partials */
    sl_hash_index page_index;
    page_acc *acc;
    uint32_t acc_cap;
    /* incremental firing (no allowed lateness): the panes in the running aggregates */
    sl_page_agg *agg;
    sl_window_incremental inc;
    sl_hll *merged_users;             /* pages whose pane sketches are dense */
    sl_emitter *firing_out;
    int64_t firing_end;
    sl_metric_handle *fired;     /* sluice_window_firings_total */
} page_metrics;

static sl_err pm_init(sl_operator_ctx *ctx, void **self, char *errstr, size_t errstr_size) {
    page_metrics *m = calloc(1, sizeof(*m));
    sl_err err = sl_window_core_init(&m->core, ctx->conf, errstr, errstr_size);
    if (err) {
        free(m);
        return err;
    }
    m->ctx = ctx;
    m->pages = sl_state_declare(ctx->state, "pages", &SL_PAGE_RECORDS_OPS);
    m->partials = sl_state_declare(ctx->state, "page_session_partials", &PAGE_PARTIALS_OPS);
    m->agg = sl_page_agg_new();
    sl_window_incremental_init(&m->inc);
    m->merged_users = sl_hll_new();
    sl_hash_index_init(&m->page_index);
    m->fired = sl_metrics_get(ctx->metrics, "sluice_window_firings_total", (const char *const[]){"page_metrics", NULL});
    *self = m;
    return SL_OK;
}

static void add_event(page_metrics *m, const sl_page_event *ev) {
    int64_t pane = sl_window_core_add(&m->core, ev->timestamp_ms);
    sl_window_core_name_page(&m->core, pane, ev->page_hash, ev->page);
    sl_page_records *r = sl_state_get(m->pages, ev->page_hash, &ev->page_hash, sizeof(ev->page_hash), 0, true);
    sl_page_record *p = sl_page_records_get(r, pane);
    if (ev->event_type < N_COUNTED_TYPES) p->counts[ev->event_type]++;
    sl_hll_add(p->users, ev->user_hash);
    sl_state_mark_dirty(m->pages);
}

/* The partial's page is named already: see sl_session_partial. */
static void add_partial(page_metrics *m, const sl_session_partial *in) {
    sl_pane_set_add(&m->partial_windows, in->window_start);
    page_partials *p = sl_state_get(m->partials, in->page_hash, &in->page_hash, sizeof(in->page_hash),
                                    in->window_start, true);
    partial_part *part = NULL;
    for (uint32_t i = 0; i < p->n && !part; i++)
        if (p->parts[i].from_subtask == in->from_subtask) part = &p->parts[i];
    if (!part) {
        if (p->n == p->cap) {
            p->cap = p->cap ? p->cap * 2 : 2;
            p->parts = realloc(p->parts, p->cap * sizeof(partial_part));
        }
        part = &p->parts[p->n++];
    }
    *part = (partial_part){in->from_subtask, in->sessions, in->entry_sessions, in->bounced_sessions,
                           in->duration_sum_ms};
    sl_state_mark_dirty(m->partials);
    if (in->window_end <= m->core.watermark) sl_window_refire_add(&m->core.refire, in->window_end);
}

static void fire(void *op, int64_t end, sl_emitter *out);

static sl_err pm_process(void *self, sl_batch *in, sl_emitter *out, char *errstr, size_t errstr_size) {
    page_metrics *m = self;
    if (in->kind == SL_BATCH_PAGE_EVENTS) {
        for (uint32_t i = 0; i < in->count; i++) add_event(m, &SL_BATCH_ITEMS(in, sl_page_event)[i]);
    } else if (in->kind == SL_BATCH_SESSION_PARTIALS) {
        for (uint32_t i = 0; i < in->count; i++) add_partial(m, &SL_BATCH_ITEMS(in, sl_session_partial)[i]);
    } else {
        sl_emit_forward(out, in);
    }
    sl_window_refire_run(&m->core.refire, fire, m, out);
    return SL_OK;
}

/* ---- firing ---- */

static page_acc *acc_for(page_metrics *m, uint64_t page_hash) {
    bool inserted;
    uint32_t i = sl_hash_index_upsert(&m->page_index, page_hash, &inserted);
    if (i >= m->acc_cap) {
        uint32_t old = m->acc_cap;
        m->acc_cap = m->acc_cap ? m->acc_cap * 2 : 128;
        m->acc = realloc(m->acc, m->acc_cap * sizeof(page_acc));
        for (uint32_t k = old; k < m->acc_cap; k++) {
            sl_hash_index_init(&m->acc[k].exact_users);
            m->acc[k].users = sl_hll_new();
        }
    }
    page_acc *a = &m->acc[i];
    if (inserted) {
        a->page_hash = page_hash;
        memset(a->counts, 0, sizeof(a->counts));
        sl_hash_index_clear(&a->exact_users);
        sl_hll_clear(a->users);
    }
    return a;
}

static void add_exact_user(uint64_t hash, void *opaque) {
    bool inserted;
    sl_hash_index_upsert(opaque, hash, &inserted);
}

/* A pane's users join the page's. At the first dense pane the users so
 * far become a sketch, and every later pane is merged into it. */
static bool acc_dense(const page_acc *a) { return !sl_hll_is_exact(a->users); }

static void acc_add_users(page_acc *a, const sl_hll *pane_users) {
    if (!acc_dense(a)) {
        if (sl_hll_foreach_exact(pane_users, add_exact_user, &a->exact_users)) return;
        const sl_hash_index *set = &a->exact_users;   /* the first dense pane */
        for (uint32_t k = 0; k < set->cap; k++)
            if (set->values[k]) sl_hll_add(a->users, set->keys[k]);
    }
    sl_hll_merge(a->users, pane_users);   /* a dense pane: the merge is dense from here on */
}

static uint64_t acc_users(const page_acc *a) { return acc_dense(a) ? sl_hll_count(a->users) : a->exact_users.count; }

/* Merge the page's records of the window [firing_start, firing_end). */
static int visit_merge(const void *key, size_t key_len, uint64_t key_hash, void *value, void *opaque) {
    page_metrics *m = opaque;
    const sl_page_records *r = value;
    page_acc *a = NULL;
    for (uint32_t k = r->head; k < r->n; k++) {
        const sl_page_record *p = &r->records[k];
        if (p->pane < m->firing_start || p->pane >= m->firing_end) continue;
        if (!a) a = acc_for(m, key_hash);
        for (int t = 0; t < N_COUNTED_TYPES; t++) a->counts[t] += p->counts[t];
        acc_add_users(a, p->users);
    }
    (void)key;
    (void)key_len;
    return 0;
}

static void emit_stats(page_metrics *m, uint64_t page_hash, const uint64_t counts[N_COUNTED_TYPES],
                       uint64_t unique_users, int64_t start, int64_t end, sl_emitter *out) {
    sl_batch *b;
    sl_page_stats *s = sl_emit(out, SL_BATCH_PAGE_STATS, &b);
    s->window_start = start;
    s->window_end = end;
    s->page_hash = page_hash;
    s->page = sl_batch_copy_str(b, sl_page_dict_get(m->core.dict, page_hash));
    s->view_count = counts[SL_EVENT_VIEW];
    s->click_count = counts[SL_EVENT_CLICK];
    s->cart_count = counts[SL_EVENT_ADD_TO_CART];
    s->conversion_count = counts[SL_EVENT_PURCHASE];
    s->unique_users = unique_users;
    s->engagement_rate = s->view_count ? (double)s->click_count / (double)s->view_count : 0.0;

    uint64_t sessions = 0, entries = 0, bounced = 0;
    int64_t duration = 0;
    const page_partials *p = sl_state_get(m->partials, page_hash, &page_hash, sizeof(page_hash), start, false);
    for (uint32_t i = 0; p && i < p->n; i++) {
        sessions += p->parts[i].sessions;
        entries += p->parts[i].entry_sessions;
        bounced += p->parts[i].bounced_sessions;
        duration += p->parts[i].duration_sum_ms;
    }
    s->bounce_rate = entries ? (double)bounced / (double)entries : 0.0;
    s->avg_session_duration = sessions ? (double)duration / (double)sessions : 0.0;
}

/* Merge every pane of the window [end - size, end) per page. */
static void merge_and_fire(page_metrics *m, int64_t end, sl_emitter *out) {
    int64_t start = end - m->core.spec.size;
    m->firing_start = start;
    m->firing_end = end;
    sl_hash_index_clear(&m->page_index);
    sl_state_foreach_in_namespace(m->pages, 0, visit_merge, m);
    for (uint32_t i = 0; i < m->page_index.count; i++)
        emit_stats(m, m->acc[i].page_hash, m->acc[i].counts, acc_users(&m->acc[i]), start, end, out);
}

/* ---- incremental firing ---- */

/* The page's record of the visiting pane, if it has one, enters the running aggregates. */
static int visit_enter(const void *key, size_t key_len, uint64_t key_hash, void *value, void *opaque) {
    page_metrics *m = opaque;
    const sl_page_record *p = sl_page_records_find(value, m->visiting_pane);
    if (p) sl_page_agg_enter(m->agg, key_hash, m->visiting_pane, p->counts, p->users);
    return 0;
}

static void enter_pane(void *op, int64_t pane) {
    page_metrics *m = op;
    m->visiting_pane = pane;
    sl_state_foreach_in_namespace(m->pages, 0, visit_enter, op);
}

/* The running aggregates keep what a leave takes out: the pane's records are not read. */
static void leave_pane(void *op, int64_t pane) { sl_page_agg_leave(((page_metrics *)op)->agg, pane); }

/* A page with a dense pane sketch: merge its sketches over the window's panes. */
static uint64_t merge_users(page_metrics *m, uint64_t page_hash) {
    sl_hll_clear(m->merged_users);
    const sl_page_records *r = sl_state_get(m->pages, page_hash, &page_hash, sizeof(page_hash), 0, false);
    for (uint32_t i = 0; r && i < m->inc.entered.count; i++) {
        const sl_page_record *p = sl_page_records_find(r, m->inc.entered.starts[i]);
        if (p) sl_hll_merge(m->merged_users, p->users);
    }
    return sl_hll_count(m->merged_users);
}

static void emit_window_sums(const sl_page_window_sums *s, void *opaque) {
    page_metrics *m = opaque;
    uint64_t users = s->users_known ? s->unique_users : merge_users(m, s->page_hash);
    emit_stats(m, s->page_hash, s->counts, users, m->firing_end - m->core.spec.size, m->firing_end, m->firing_out);
}

static void fire(void *op, int64_t end, sl_emitter *out) {
    page_metrics *m = op;
    sl_metric_add(m->fired, 1);
    if (!sl_window_incremental_fire(&m->inc, &m->core, end, enter_pane, leave_pane, m)) {
        merge_and_fire(m, end, out);
        return;
    }
    m->firing_out = out;
    m->firing_end = end;
    sl_page_agg_foreach(m->agg, emit_window_sums, m);
}

/* Drop the records of the dropped pane (and older); a page left without
 * records is removed after the visit (a visitor must not change the keys). */
static int visit_drop(const void *key, size_t key_len, uint64_t key_hash, void *value, void *opaque) {
    page_metrics *m = opaque;
    sl_page_records *r = value;
    sl_page_records_drop_before(r, m->visiting_pane + m->core.spec.pane);
    if (r->head == r->n) sl_key_list_add(&m->removals, key_hash, key, key_len);
    return 0;
}

static void drop_pane(void *op, int64_t pane) {
    page_metrics *m = op;
    sl_window_incremental_drop(&m->inc, pane, leave_pane, m);
    m->visiting_pane = pane;
    sl_state_foreach_in_namespace(m->pages, 0, visit_drop, m);
    for (uint32_t i = 0; i < m->removals.n; i++)
        sl_state_remove(m->pages, m->removals.items[i].hash, sl_key_list_key(&m->removals, i),
                        m->removals.items[i].len, 0);
    sl_key_list_clear(&m->removals);
}

static sl_err pm_watermark(void *self, int64_t wm, sl_emitter *out, char *errstr, size_t errstr_size) {
    page_metrics *m = self;
    sl_window_core_advance(&m->core, wm, fire, drop_pane, m, out);
    uint32_t n = 0;   /* partials live as long as their window can re-fire */
    while (n < m->partial_windows.count &&
           sl_window_closed(&m->core.spec, m->partial_windows.starts[n] + m->core.spec.size, m->core.watermark))
        sl_state_remove_namespace(m->partials, m->partial_windows.starts[n++]);
    if (n) sl_pane_set_drop_first(&m->partial_windows, n);   /* an empty set has no array to move */
    return SL_OK;
}

static sl_err pm_snapshot(void *self, int64_t id, sl_buf *out, char *errstr, size_t errstr_size) {
    page_metrics *m = self;
    sl_window_core_snapshot(&m->core, out);
    sl_pane_set_snapshot(&m->partial_windows, out);
    return SL_OK;
}

static sl_err pm_restore(void *self, int64_t id, const sl_buf *const *snaps, size_t n, char *errstr,
                         size_t errstr_size) {
    page_metrics *m = self;
    for (size_t i = 0; i < n; i++) {
        sl_buf_reader r = {snaps[i]->data, snaps[i]->data + snaps[i]->len};
        if (!sl_window_core_restore(&m->core, &r, i == 0) || !sl_pane_set_restore(&m->partial_windows, &r))
            return sl_errf(SL_ERR_CORRUPT, errstr, errstr_size,
                           "page_metrics: snapshot %zu of checkpoint %lld is truncated", i, (long long)id);
    }
    return SL_OK;
}

static void pm_destroy(void *self) {
    page_metrics *m = self;
    for (uint32_t i = 0; i < m->acc_cap; i++) {
        sl_hash_index_free(&m->acc[i].exact_users);
        sl_hll_free(m->acc[i].users);
    }
    free(m->acc);
    sl_hash_index_free(&m->page_index);
    sl_pane_set_free(&m->partial_windows);
    sl_window_incremental_free(&m->inc);
    sl_page_agg_free(m->agg);
    sl_hll_free(m->merged_users);
    sl_key_list_free(&m->removals);
    sl_window_core_free(&m->core);
    free(m);
}

const sl_operator_plugin sl_op_page_metrics = {
    .name = "page_metrics",
    .description = "Sliding-window page analytics per page: counts, unique users (HLL), session metrics",
    .cb_init = pm_init,
    .cb_process = pm_process,
    .cb_watermark = pm_watermark,
    .cb_snapshot = pm_snapshot,
    .cb_restore = pm_restore,
    .cb_destroy = pm_destroy,
};
