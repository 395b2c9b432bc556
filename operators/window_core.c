/* window_core.c -- timers, panes, dictionary and snapshots shared by window operators. */
#include "operators/window_core.h"

sl_err sl_window_core_init(sl_window_core *c, const sl_conf *conf, char *errstr, size_t errstr_size) {
    *c = (sl_window_core){0};
    sl_err err = sl_window_spec_load(&c->spec, conf, errstr, errstr_size);
    if (err) return err;
    c->watermark = SL_WATERMARK_MIN;
    c->timers_lo = INT64_MAX;
    c->timers_hi = c->fired_upto = INT64_MIN;
    sl_timers_init(&c->timers);
    c->dict = sl_page_dict_new();
    return SL_OK;
}

void sl_window_core_free(sl_window_core *c) {
    sl_timers_free(&c->timers);
    sl_pane_set_free(&c->active);
    sl_window_refire_free(&c->refire);
    sl_page_dict_free(c->dict);
}

static void register_ends(sl_window_core *c, int64_t from, int64_t to) {
    for (int64_t end = from; end <= to; end += c->spec.slide) sl_timers_register(&c->timers, end);
}

/* Register the ends of a new pane's windows that are not pending already
 * (a duplicate would only cost a heap entry: equal ends fire once). */
static void register_pane_timers(sl_window_core *c, int64_t pane) {
    const sl_window_spec *w = &c->spec;
    int64_t first = sl_window_first_start(w, pane) + w->size, last = sl_window_last_start(w, pane) + w->size;
    int64_t lo = c->timers_lo, hi = c->timers_hi;
    if (c->fired_upto != INT64_MIN && lo <= c->fired_upto) lo = c->fired_upto + w->slide;
    if (lo > hi || first > hi + w->slide || last < lo - w->slide) {
        register_ends(c, first, last);   /* disjoint: start a new known range */
        c->timers_lo = first;
        c->timers_hi = last;
        return;
    }
    register_ends(c, first, (last < lo - w->slide ? last : lo - w->slide));
    register_ends(c, (first > hi + w->slide ? first : hi + w->slide), last);
    c->timers_lo = first < lo ? first : lo;
    c->timers_hi = last > hi ? last : hi;
}

/* Is pane in the active set? Answered without a search in the usual case:
 * a steady stream has data in every pane, so the set is a run without gaps
 * and a pane between its ends is in it. Events of parallel sources arrive
 * interleaved, a few panes apart, so "is it the newest?" would not do. */
static bool pane_known(const sl_window_core *c, int64_t pane) {
    const sl_pane_set *a = &c->active;
    if (!a->count) return false;
    int64_t first = a->starts[0], last = a->starts[a->count - 1];
    return pane >= first && pane <= last && (last - first) / c->spec.pane == (int64_t)a->count - 1;
}

int64_t sl_window_core_add(sl_window_core *c, int64_t t) {
    int64_t pane = sl_pane_of(&c->spec, t);
    if (!pane_known(c, pane) && sl_pane_set_add(&c->active, pane)) register_pane_timers(c, pane);
    sl_window_refire_mark(&c->refire, &c->spec, t, c->watermark);
    return pane;
}

void sl_window_core_name_page(sl_window_core *c, int64_t pane, uint64_t page_hash, sl_str page) {
    /* Needed until the pane's last window closes; pane + size is that
     * window's end or up to a slide later (spares a division per event). */
    sl_page_dict_add(c->dict, page_hash, page, pane + c->spec.size);
}

void sl_window_core_advance(sl_window_core *c, int64_t wm, sl_window_fire_fn fire, sl_window_drop_pane_fn drop,
                            void *op, sl_emitter *out) {
    sl_window_refire_run(&c->refire, fire, op, out);
    if (wm <= c->watermark) return;
    int64_t end;
    while (sl_timers_pop_due(&c->timers, wm, &end)) {
        if (end > c->fired_upto) c->fired_upto = end;
        fire(op, end, out);
    }
    c->watermark = wm;
    uint32_t n = 0;
    while (n < c->active.count &&
           sl_window_closed(&c->spec, sl_window_last_start(&c->spec, c->active.starts[n]) + c->spec.size, wm))
        drop(op, c->active.starts[n++]);
    sl_pane_set_drop_first(&c->active, n);
    sl_page_dict_forget(c->dict, sl_window_closed_upto(&c->spec, wm));
}

void sl_window_core_snapshot(const sl_window_core *c, sl_buf *out) {
    sl_buf_append_u64(out, (uint64_t)c->watermark);
    sl_timers_snapshot(&c->timers, out);
    sl_pane_set_snapshot(&c->active, out);
    sl_page_dict_snapshot(c->dict, out);
}

bool sl_window_core_restore(sl_window_core *c, sl_buf_reader *in, bool first) {
    uint64_t wm;
    if (!sl_buf_read_u64(in, &wm) || !sl_timers_restore(&c->timers, in) || !sl_pane_set_restore(&c->active, in) ||
        !sl_page_dict_restore(c->dict, in))
        return false;
    /* The pages restored are named by the panes' state (and by partials of
     * windows over those panes): needed until the newest pane's windows
     * have closed, as if each had just been added. */
    sl_page_dict_keep_until(c->dict,
                            c->active.count ? c->active.starts[c->active.count - 1] + c->spec.size : (int64_t)wm);
    if (first || (int64_t)wm < c->watermark) c->watermark = (int64_t)wm;
    return true;
}
