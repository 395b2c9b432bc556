/* window_incremental.h -- which panes enter and leave running window aggregates as windows fire in order.
 *
 * Sliding windows fire in end order, and without allowed lateness a pane no
 * longer changes once a window holding it has fired. An operator can then
 * keep running aggregates over "the panes of the window firing now": before
 * firing [start, end) the panes older than start leave (oldest first) and
 * the window's panes that are not in yet enter (ascending). Each pane enters
 * and leaves once, however many windows it belongs to, so the cost per event
 * does not grow with size / slide. The set of entered panes is not part of
 * a snapshot: after a restore it starts empty and the next firing enters the
 * window's panes again. */
#ifndef SL_WINDOW_INCREMENTAL_H
#define SL_WINDOW_INCREMENTAL_H

#include <stdbool.h>
#include <stdint.h>

#include "operators/window_core.h"

typedef void (*sl_pane_visit_fn)(void *op, int64_t pane);

typedef struct sl_window_incremental {
    sl_pane_set entered;        /* the panes in the running aggregates */
    int64_t last_end;           /* the newest window fired incrementally */
} sl_window_incremental;

void sl_window_incremental_init(sl_window_incremental *w);
void sl_window_incremental_free(sl_window_incremental *w);

/* Prepare the window ending at `end`: true when the running aggregates can
 * give its results -- they now hold exactly its panes, enter and leave having
 * been called for each pane that came in or went out. false (allowed
 * lateness, where panes change after firing, or a re-fire of an older
 * window): merge the window's panes instead. */
bool sl_window_incremental_fire(sl_window_incremental *w, const sl_window_core *core, int64_t end,
                                sl_pane_visit_fn enter, sl_pane_visit_fn leave, void *op);
/* The state of `pane` is about to be dropped: take it out first if it entered. */
void sl_window_incremental_drop(sl_window_incremental *w, int64_t pane, sl_pane_visit_fn leave, void *op);

#endif
