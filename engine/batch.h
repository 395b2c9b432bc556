/* batch.h -- a fixed-capacity array of records of one kind plus their arena.
 *
 * Batches are the unit that moves between operators and threads. They are
 * allocated once, recycled through channels' free lists, and reset rather
 * than freed, so steady-state processing does not allocate. */
#ifndef SL_BATCH_H
#define SL_BATCH_H

#include <stdint.h>

#include "engine/arena.h"
#include "engine/record.h"

typedef enum sl_batch_kind {
    SL_BATCH_EVENTS = 0,       /* sl_event */
    SL_BATCH_PAGE_STATS,       /* sl_page_stats */
    SL_BATCH_SESSION_PARTIALS, /* sl_session_partial */
    SL_BATCH_TOP_PAGES,        /* sl_top_pages */
    SL_BATCH_LATE_EVENTS,      /* sl_late_event */
    SL_BATCH_DEAD_LETTERS,     /* sl_dead_letter */
    SL_BATCH_KIND_COUNT
} sl_batch_kind;

#define SL_BATCH_DEFAULT_CAPACITY 1024

typedef struct sl_batch {
    sl_batch_kind kind;
    uint32_t count;
    uint32_t capacity;
    void *items;               /* capacity records of the largest kind */
    sl_arena arena;
    struct sl_batch *next;     /* free-list link, owned by whoever holds it */
} sl_batch;

sl_batch *sl_batch_new(uint32_t capacity);
void sl_batch_free(sl_batch *b);
void sl_batch_reset(sl_batch *b, sl_batch_kind kind);
const char *sl_batch_kind_name(sl_batch_kind kind);
size_t sl_batch_item_size(sl_batch_kind kind);

static inline int sl_batch_full(const sl_batch *b) { return b->count >= b->capacity; }

/* Typed access; the kind is asserted in debug builds. */
#define SL_BATCH_ITEMS(b, type) ((type *)(b)->items)
static inline sl_event *sl_batch_events(sl_batch *b) { return (sl_event *)b->items; }

/* Append one slot of the batch's kind and return it (zeroed). The caller
 * checks sl_batch_full() first. */
void *sl_batch_push(sl_batch *b);

/* Copy a string into the batch arena and return the view. */
sl_str sl_batch_copy_str(sl_batch *b, sl_str s);

#endif
