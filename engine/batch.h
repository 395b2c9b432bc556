/* batch.h -- a fixed-capacity array of records of one kind plus their arena.
 *
 * Batches are the unit that moves between operators and threads. They are
 * allocated once, recycled through channels' free lists, and reset rather
 * than freed, so steady-state processing does not allocate. */
#ifndef SL_BATCH_H
#define SL_BATCH_H

#include <stdatomic.h>
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
    SL_BATCH_PAGE_EVENTS,      /* sl_page_event */
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
    struct sl_batch_pool *pool;/* where sl_batch_release returns it (NULL: freed) */
    _Atomic uint32_t refs;     /* holders: 1, plus one per batch borrowing its strings */
    struct sl_batch *lender;   /* the batch whose arena this one's records point into, or NULL */
} sl_batch;

/* A thread-safe free list. A task takes batches from its own pool; whoever
 * consumes a batch last releases it back to that pool, so batches circulate
 * instead of being allocated per message. */
typedef struct sl_batch_pool sl_batch_pool;
sl_batch_pool *sl_batch_pool_new(uint32_t batch_capacity);
void sl_batch_pool_free(sl_batch_pool *p);      /* frees the batches it holds */
sl_batch *sl_batch_pool_get(sl_batch_pool *p, sl_batch_kind kind);
void sl_batch_release(sl_batch *b);             /* back to its pool */

sl_batch *sl_batch_new(uint32_t capacity);
void sl_batch_free(sl_batch *b);
void sl_batch_reset(sl_batch *b, sl_batch_kind kind);
const char *sl_batch_kind_name(sl_batch_kind kind);
size_t sl_batch_item_size(sl_batch_kind kind);
/* Late events and dead letters: they skip the operators between their
 * origin and the sinks, and the sinks write them beside the results. */
bool sl_batch_kind_is_side_output(sl_batch_kind kind);
/* What the sinks write: results and side outputs, not the records the
 * stages pass to each other. */
bool sl_batch_kind_is_output(sl_batch_kind kind);

static inline int sl_batch_full(const sl_batch *b) { return b->count >= b->capacity; }

/* Typed access; the kind is asserted in debug builds. */
#define SL_BATCH_ITEMS(b, type) ((type *)(b)->items)
static inline sl_event *sl_batch_events(sl_batch *b) { return (sl_event *)b->items; }

/* Append one slot of the batch's kind and return it (zeroed). The caller
 * checks sl_batch_full() first. */
void *sl_batch_push(sl_batch *b);

/* Copy a string into the batch arena and return the view. */
sl_str sl_batch_copy_str(sl_batch *b, sl_str s);

/* Append a deep copy of record (of b's kind, living elsewhere): its strings
 * and arrays are copied into b's arena. Used when an exchange re-partitions. */
void *sl_batch_copy_record(sl_batch *b, const void *record);

/* Append a shallow copy of record, a record of `owner` (of b's kind): its
 * strings and arrays stay in owner's arena, and b keeps owner alive (owner
 * goes back to its pool only when b and owner's other holders released it).
 * What an exchange does instead of a deep copy, as each output batch takes
 * records of one input batch only; a record of a second owner is deep-copied. */
void *sl_batch_borrow_record(sl_batch *b, sl_batch *owner, const void *record);

#endif
