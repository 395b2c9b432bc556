/* page_window_agg.h -- running per-page aggregates of a sliding window: event counts and distinct users.
 *
 * The page stage used to merge, at every firing, each page's counts and
 * user sketch from every pane of the window, so a pane was merged once per
 * window it belongs to. Here each pane's values enter when the pane comes
 * into the window and leave when it goes out (see window_incremental.h).
 *
 * A leave reads nothing of the pane: each page keeps, per pane of the
 * window, the counts it added and how many users have it as their latest
 * pane, and each user of the page its latest pane. A pane entering moves
 * its users' latest pane up to it; a pane leaving takes its counts out and
 * drops the users whose latest pane it was -- in O(1) per page, where
 * counting every user of the leaving pane down read that pane's sketch,
 * written a window earlier and by then out of the CPU caches. The distinct
 * count is exact, whatever its size: the window's users are all here.
 * (It used to be, past SL_HLL_EXACT_LIMIT, the HyperLogLog estimate of
 * those users: a sketch rebuilt at every firing, whose cost grew with the
 * window, and an estimate that missed the 2 % bound of docs/metrics.md now
 * and then.)
 *
 * A pane whose sketch of a page is no longer exact (more than
 * SL_HLL_EXACT_LIMIT users of that page in one pane) cannot name its users;
 * while such a pane is in the window, the page reports its users as
 * unknown and the caller merges the panes' sketches instead. */
#ifndef SL_PAGE_WINDOW_AGG_H
#define SL_PAGE_WINDOW_AGG_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/hll.h"

#define SL_PAGE_AGG_COUNTS 4   /* VIEW, CLICK, ADD_TO_CART, PURCHASE */

typedef struct sl_page_agg sl_page_agg;

sl_page_agg *sl_page_agg_new(void);
void sl_page_agg_free(sl_page_agg *a);

/* A pane's values of one page enter the window: panes enter in ascending
 * order, each newer than every pane in the window. */
void sl_page_agg_enter(sl_page_agg *a, uint64_t page_hash, int64_t pane, const uint64_t counts[SL_PAGE_AGG_COUNTS],
                       const sl_hll *users);
/* Every page's values of `pane`, the oldest pane in the window, leave it. */
void sl_page_agg_leave(sl_page_agg *a, int64_t pane);

typedef struct sl_page_window_sums {
    uint64_t page_hash;
    uint64_t counts[SL_PAGE_AGG_COUNTS];
    bool users_known;            /* false: a pane's sketch was dense; merge the sketches */
    uint64_t unique_users;       /* exact */
} sl_page_window_sums;

/* Visit every page that has a value in at least one pane of the window. */
void sl_page_agg_foreach(sl_page_agg *a, void (*cb)(const sl_page_window_sums *sums, void *opaque), void *opaque);

#endif
