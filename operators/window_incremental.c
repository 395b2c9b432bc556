/* window_incremental.c -- panes entering and leaving running window aggregates (see the header). */
#include "operators/window_incremental.h"

void sl_window_incremental_slide(sl_pane_set *entered, const sl_pane_set *active, int64_t start, int64_t end,
                                 sl_pane_visit_fn enter, sl_pane_visit_fn leave, void *op) {
    while (entered->count && entered->starts[0] < start) {
        leave(op, entered->starts[0]);
        sl_pane_set_drop_first(entered, 1);
    }
    /* A pane older than the newest entered one cannot be new: an event for it
     * would have fallen in a fired window, i.e. been late. */
    int64_t newest = entered->count ? entered->starts[entered->count - 1] : INT64_MIN;
    for (uint32_t i = 0; i < active->count; i++) {
        int64_t pane = active->starts[i];
        if (pane < start || pane >= end || pane <= newest) continue;
        enter(op, pane);
        sl_pane_set_add(entered, pane);
    }
}

void sl_window_incremental_drop(sl_pane_set *entered, int64_t pane, sl_pane_visit_fn leave, void *op) {
    if (!entered->count || entered->starts[0] != pane) return;
    leave(op, pane);
    sl_pane_set_drop_first(entered, 1);
}
