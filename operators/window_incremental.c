/* window_incremental.c -- panes entering and leaving running window aggregates (see the header). */
#include "operators/window_incremental.h"

void sl_window_incremental_init(sl_window_incremental *w) {
    *w = (sl_window_incremental){.last_end = INT64_MIN};
}

void sl_window_incremental_free(sl_window_incremental *w) { sl_pane_set_free(&w->entered); }

bool sl_window_incremental_fire(sl_window_incremental *w, const sl_window_core *core, int64_t end,
                                sl_pane_visit_fn enter, sl_pane_visit_fn leave, void *op) {
    if (core->spec.allowed_lateness > 0 || end <= w->last_end) return false;
    w->last_end = end;
    int64_t start = end - core->spec.size;
    while (w->entered.count && w->entered.starts[0] < start) {
        leave(op, w->entered.starts[0]);
        sl_pane_set_drop_first(&w->entered, 1);
    }
    /* A pane older than the newest entered one cannot be new: an event for it
     * would have fallen in a fired window, i.e. been late. */
    int64_t newest = w->entered.count ? w->entered.starts[w->entered.count - 1] : INT64_MIN;
    for (uint32_t i = 0; i < core->active.count; i++) {
        int64_t pane = core->active.starts[i];
        if (pane < start || pane >= end || pane <= newest) continue;
        enter(op, pane);
        sl_pane_set_add(&w->entered, pane);
    }
    return true;
}

void sl_window_incremental_drop(sl_window_incremental *w, int64_t pane, sl_pane_visit_fn leave, void *op) {
    if (!w->entered.count || w->entered.starts[0] != pane) return;
    leave(op, pane);
    sl_pane_set_drop_first(&w->entered, 1);
}
