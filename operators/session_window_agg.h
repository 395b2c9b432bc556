/* session_window_agg.h -- running per-session aggregates of a sliding window, and their per-page sums.
 *
 * The session stage used to merge every pane of a window per session each
 * time a window fired: with k panes per window every (session, pane) entry
 * was merged k times. This keeps, instead, each session's aggregate over the
 * panes currently in the window, and the per-page partial sums over all
 * sessions (sessions touching the page, their durations, entries, bounces).
 * When a pane enters the window (the newest) or leaves it (the oldest), only
 * the sessions with an entry in that pane change: their old contribution to
 * the page sums is taken out and the new one added. A window's partials are
 * then read off the page sums, so the cost per event no longer grows with the
 * overlap.
 *
 * Why it is exact: panes are disjoint time ranges, so a session's earliest
 * event (and entry page) is its oldest pane's and its latest event its newest
 * pane's; the event count is a sum and the pages a multiset (page -> number
 * of the session's panes that visited it), both of which can be subtracted.
 *
 * Panes must enter in ascending order and leave oldest first; a session's
 * entries are the values the pane holds in state (which do not change once a
 * pane is in the window: with no allowed lateness, an event for it is late). */
#ifndef SL_SESSION_WINDOW_AGG_H
#define SL_SESSION_WINDOW_AGG_H

#include <stdint.h>

typedef struct sl_session_agg sl_session_agg;

/* One session's events within one pane. */
typedef struct sl_session_pane_entry {
    int64_t pane;
    int64_t min_ts, max_ts;
    uint64_t entry_page;       /* page hash of the earliest event */
    uint32_t events;
    uint32_t n_pages;
    const uint64_t *pages;     /* distinct page hashes visited in the pane */
} sl_session_pane_entry;

sl_session_agg *sl_session_agg_new(void);
void sl_session_agg_free(sl_session_agg *a);
/* Forget every session (e.g. to rebuild from state). */
void sl_session_agg_clear(sl_session_agg *a);

/* A session changes between sl_session_agg_begin and sl_session_agg_end:
 * its panes that leave the window, then those that enter, at one firing.
 * Its duration change reaches each of its pages once, at the end -- a
 * session whose oldest pane leaves as a new one enters (most active ones
 * at a few dozen panes per window) would otherwise walk its pages twice.
 * One session changes at a time.
 *
 * Where the session's aggregate is, for a caller that keeps it with the
 * session: `slot` (NULL: none kept) is read as a hint and updated, and a
 * right hint spares the lookup by hash -- with many panes per window, a
 * chain of cache misses. Any value is safe: a hint that names another
 * session (they move when the aggregates compact) is found again by hash.
 * UINT32_MAX: not known. `slot` must stay valid until the end. */
void sl_session_agg_begin(sl_session_agg *a, uint64_t session_hash, uint32_t *slot);
/* The session's entry of a pane that enters the window (newer than every
 * pane it holds for the session). */
void sl_session_agg_enter(sl_session_agg *a, const sl_session_pane_entry *e);
/* The session's entry of a pane that leaves the window (its oldest pane);
 * `next` is its entry that is its oldest in the window afterwards (NULL:
 * none is left; its pages are not read). The caller holds the session's
 * panes: keeping them here too would write every entering pane twice, into
 * memory that with many panes per window is out of the CPU caches. */
void sl_session_agg_leave(sl_session_agg *a, const sl_session_pane_entry *e, const sl_session_pane_entry *next);
void sl_session_agg_end(sl_session_agg *a);

/* Prefetching, for a loop over many sessions: a session's enter or leave
 * misses the CPU caches several times (its index slot, its aggregate, its
 * page counts, each found through the one before), and with many panes per
 * window nearly every session misses. A loop that calls these in order,
 * some sessions apart, for the sessions it will enter or leave later keeps
 * those misses in flight while it works on earlier ones. Each step reads
 * only what the step before loaded. */
/* The first step: the session's aggregate where `slot` says (see above),
 * else its index slot. */
void sl_session_agg_prefetch_slot(const sl_session_agg *a, uint64_t session_hash, uint32_t slot);
/* The second: finds the session when the hint was wrong, and sets *slot to
 * where it is (UINT32_MAX: nowhere yet) -- for the third step, and for the
 * enter or leave that follows. */
void sl_session_agg_prefetch_session(const sl_session_agg *a, uint64_t session_hash, uint32_t *slot);
void sl_session_agg_prefetch_pages(const sl_session_agg *a, uint32_t slot);

/* The partial sums of one page over the sessions in the window. */
typedef struct sl_session_page_sums {
    uint64_t page_hash;
    uint64_t sessions;           /* sessions with >= 1 event on the page */
    int64_t duration_sum_ms;     /* sum of (latest - earliest) over those sessions */
    uint64_t entry_sessions;     /* sessions whose earliest event is on the page */
    uint64_t bounced_sessions;   /* ... of which had exactly one event */
} sl_session_page_sums;

/* Visit every page that at least one session in the window touched (in
 * the order pages were first seen). Once it has, pages that left the
 * window may be forgotten: a firing's pass follows the pages of the window. */
void sl_session_agg_foreach_page(sl_session_agg *a, void (*cb)(const sl_session_page_sums *sums, void *opaque),
                                 void *opaque);

#endif
