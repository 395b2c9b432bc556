/* session_records.h -- one session's events pane by pane: the session stage's keyed-state value.
 *
 * The session stage keeps one state entry per session, not one per (session,
 * pane): with k panes per window the latter holds k times more entries than
 * there are sessions (at k = 300 far beyond the CPU caches), while here a
 * session's panes are records appended at one end of an array and dropped
 * at the other, so the number of entries does not grow with the overlap.
 *
 * Records are kept in ascending pane order; each lists the distinct pages
 * its events visited in a page log shared by all records of the session
 * (record after record). Dropped records leave a gap at the front that is
 * reclaimed when the arrays would otherwise grow (amortized O(1)). */
#ifndef SL_SESSION_RECORDS_H
#define SL_SESSION_RECORDS_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/prefetch.h"
#include "engine/state.h"

/* One session's events within one pane. */
typedef struct sl_session_record {
    int64_t pane, min_ts, max_ts;
    uint64_t entry_page;              /* page hash of the earliest event */
    uint32_t events;
    uint32_t n_pages;                 /* its distinct pages: the next n_pages of the page log */
} sl_session_record;

typedef struct sl_session_records {
    /* The oldest and newest record's pane (INT64_MAX, INT64_MIN: none), kept
     * here so that a visit of every session can pass over one with nothing
     * to do without loading its records. */
    int64_t oldest, newest;
    sl_session_record *records;       /* [head, n): ascending pane */
    uint32_t head, n, cap;
    /* Where the session's running aggregate was last found
     * (session_window_agg.h); not encoded: UINT32_MAX once decoded. */
    uint32_t agg_slot;
    uint64_t *pages;                  /* page log: [page_head, n_pages) */
    uint32_t page_head, n_pages, cap_pages;
} sl_session_records;

/* The value ops for sl_state_declare (encoding: record count, page count,
 * the live records, the live page log). */
extern const sl_state_value_ops SL_SESSION_RECORDS_OPS;

/* Index of the record of `pane`; when absent an empty one is inserted in
 * order. Events come nearly in time order, so the search starts at the
 * newest record. */
uint32_t sl_session_records_find_or_add(sl_session_records *s, int64_t pane);
/* Where record i's pages start in the page log. */
uint32_t sl_session_records_pages_of(const sl_session_records *s, uint32_t i);
/* Add page to record i's distinct pages. */
void sl_session_records_add_page(sl_session_records *s, uint32_t i, uint64_t page);
/* Drop the records of panes older than `from`. */
void sl_session_records_drop_before(sl_session_records *s, int64_t from);

static inline bool sl_session_records_empty(const sl_session_records *s) { return s->head == s->n; }

/* Start loading what an event of the session's newest pane reads: that
 * record and the end of the page log (see sl_state_prefetch_bucket). */
SL_PREFETCH_INLINE void sl_session_records_prefetch_newest(const sl_session_records *s) {
    if (s->head == s->n) return;
    sl_prefetch_lines(&s->records[s->n - 1], sizeof(sl_session_record));
    if (s->n_pages) __builtin_prefetch(&s->pages[s->n_pages - 1]);
}

#endif
