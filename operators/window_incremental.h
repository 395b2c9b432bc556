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

#include <stdint.h>

#include "engine/window.h"

typedef void (*sl_pane_visit_fn)(void *op, int64_t pane);

/* Bring `entered` to the panes of `active` in [start, end), calling leave and
 * enter for each pane that goes out or comes in. */
void sl_window_incremental_slide(sl_pane_set *entered, const sl_pane_set *active, int64_t start, int64_t end,
                                 sl_pane_visit_fn enter, sl_pane_visit_fn leave, void *op);
/* The state of `pane` is about to be dropped: take it out first if it entered. */
void sl_window_incremental_drop(sl_pane_set *entered, int64_t pane, sl_pane_visit_fn leave, void *op);

#endif
