/* window_core.h -- what every pane-based window operator keeps besides its keyed state.
 *
 * The window spec, the operator's watermark, the event-time timers of window
 * ends, the panes that hold state, the page dictionary, and the windows
 * waiting to re-fire -- with one snapshot format. The operator supplies what
 * a firing computes and how a pane's state is dropped. */
#ifndef SL_WINDOW_CORE_H
#define SL_WINDOW_CORE_H

#include "engine/operator.h"
#include "engine/state.h"
#include "engine/timer.h"
#include "engine/window.h"
#include "operators/page_dictionary.h"
#include "operators/window_refire.h"

typedef struct sl_window_core {
    sl_window_spec spec;
    int64_t watermark;
    sl_timers timers;
    sl_pane_set active;
    sl_page_dict *dict;
    sl_window_refire refire;
    /* Window ends known to be in `timers` and not yet popped: every end on
     * the slide grid in [timers_lo, timers_hi] above fired_upto. With k
     * panes per window a new pane shares k-1 ends with its predecessor; only
     * the ends outside this range are registered (lo > hi: none known). */
    int64_t timers_lo, timers_hi, fired_upto;
} sl_window_core;

typedef void (*sl_window_fire_fn)(void *op, int64_t window_end, sl_emitter *out);
typedef void (*sl_window_drop_pane_fn)(void *op, int64_t pane);

sl_err sl_window_core_init(sl_window_core *c, const sl_conf *conf, char *errstr, size_t errstr_size);
void sl_window_core_free(sl_window_core *c);

/* An accepted event at t: register the window ends of a new pane, mark
 * already-fired windows for a re-fire. Returns the pane. */
int64_t sl_window_core_add(sl_window_core *c, int64_t t);
/* Keep page's name for as long as a window holding `pane` is open. */
void sl_window_core_name_page(sl_window_core *c, int64_t pane, uint64_t page_hash, sl_str page);

/* Re-fire what is marked, fire every window ending at or before wm (in
 * order), then drop the panes no open window needs. */
void sl_window_core_advance(sl_window_core *c, int64_t wm, sl_window_fire_fn fire, sl_window_drop_pane_fn drop,
                            void *op, sl_emitter *out);

void sl_window_core_snapshot(const sl_window_core *c, sl_buf *out);
/* Merge one old subtask's snapshot; `first` starts the watermark from it
 * (all old subtasks saw the same watermarks, so the smallest is safe). */
bool sl_window_core_restore(sl_window_core *c, sl_buf_reader *in, bool first);

#endif
