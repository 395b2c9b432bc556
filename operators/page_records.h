/* page_records.h -- one page's counts and user sketches pane by pane: the page stage's keyed-state value.
 *
 * The page stage keeps one state entry per page, not one per (page, pane):
 * with k panes per window the latter holds k times more entries (at k = 300
 * tens of thousands, out of the CPU caches, each looked up per event), while
 * here the entries are as many as the pages and a page's panes are records
 * appended at one end of an array and dropped at the other. */
#ifndef SL_PAGE_RECORDS_H
#define SL_PAGE_RECORDS_H

#include <stdint.h>

#include "engine/hll.h"
#include "engine/state.h"
#include "operators/page_window_agg.h"

/* One page's events within one pane. */
typedef struct sl_page_record {
    int64_t pane;
    uint64_t counts[SL_PAGE_AGG_COUNTS];   /* VIEW, CLICK, ADD_TO_CART, PURCHASE */
    sl_hll *users;
} sl_page_record;

typedef struct sl_page_records {
    sl_page_record *records;          /* [head, n): ascending pane */
    uint32_t head, n, cap;
} sl_page_records;

/* The value ops for sl_state_declare (encoding: record count, then per
 * record its pane, counts, sketch length and sketch). */
extern const sl_state_value_ops SL_PAGE_RECORDS_OPS;

/* The record of `pane`, inserted empty (in order) when absent. Events come
 * nearly in time order: the search starts at the newest record. */
sl_page_record *sl_page_records_get(sl_page_records *r, int64_t pane);
/* The record of `pane`, or NULL. */
const sl_page_record *sl_page_records_find(const sl_page_records *r, int64_t pane);
/* Drop (and free) the records of panes older than `from`. */
void sl_page_records_drop_before(sl_page_records *r, int64_t from);

#endif
