/* batch.c -- record batches. */
#include "engine/batch.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

/* What a kind of record is to the job: passed between its stages only, one
 * of its results, or a side output (written by the sinks beside the results). */
typedef enum { KIND_INTERNAL, KIND_RESULT, KIND_SIDE_OUTPUT } kind_role;

static const struct {
    const char *name;
    size_t size;
    kind_role role;
} KINDS[SL_BATCH_KIND_COUNT] = {
    [SL_BATCH_EVENTS]           = {"events", sizeof(sl_event), KIND_INTERNAL},
    [SL_BATCH_PAGE_STATS]       = {"page_stats", sizeof(sl_page_stats), KIND_RESULT},
    [SL_BATCH_SESSION_PARTIALS] = {"session_partials", sizeof(sl_session_partial), KIND_INTERNAL},
    [SL_BATCH_TOP_PAGES]        = {"top_pages", sizeof(sl_top_pages), KIND_RESULT},
    [SL_BATCH_LATE_EVENTS]      = {"late_events", sizeof(sl_late_event), KIND_SIDE_OUTPUT},
    [SL_BATCH_DEAD_LETTERS]     = {"dead_letters", sizeof(sl_dead_letter), KIND_SIDE_OUTPUT},
    [SL_BATCH_PAGE_EVENTS]      = {"page_events", sizeof(sl_page_event), KIND_INTERNAL},
};

static size_t max_item_size(void) {
    size_t m = 0;
    for (int k = 0; k < SL_BATCH_KIND_COUNT; k++)
        if (KINDS[k].size > m) m = KINDS[k].size;
    return m;
}

sl_batch *sl_batch_new(uint32_t capacity) {
    sl_batch *b = calloc(1, sizeof(*b));
    if (capacity == 0) capacity = SL_BATCH_DEFAULT_CAPACITY;
    if (b) b->items = calloc(capacity, max_item_size());
    if (!b || !b->items) {
        fprintf(stderr, "sluice: out of memory allocating a batch of %u records\n", capacity);
        abort();
    }
    b->capacity = capacity;
    atomic_init(&b->refs, 1);
    sl_arena_init(&b->arena, 64 * 1024);
    return b;
}

void sl_batch_free(sl_batch *b) {
    if (!b) return;
    if (b->lender) sl_batch_release(b->lender);
    sl_arena_free(&b->arena);
    free(b->items);
    free(b);
}

void sl_batch_reset(sl_batch *b, sl_batch_kind kind) {
    b->kind = kind;
    b->count = 0;
    sl_arena_reset(&b->arena);
}

const char *sl_batch_kind_name(sl_batch_kind kind) {
    return (unsigned)kind < SL_BATCH_KIND_COUNT ? KINDS[kind].name : "unknown";
}

size_t sl_batch_item_size(sl_batch_kind kind) { return KINDS[kind].size; }

bool sl_batch_kind_is_side_output(sl_batch_kind kind) { return KINDS[kind].role == KIND_SIDE_OUTPUT; }

bool sl_batch_kind_is_output(sl_batch_kind kind) { return KINDS[kind].role != KIND_INTERNAL; }

/* The next slot, as it is: for a caller that overwrites all of it. */
static void *reserve(sl_batch *b) {
    assert(b->count < b->capacity);
    return (char *)b->items + (size_t)b->count++ * KINDS[b->kind].size;
}

void *sl_batch_push(sl_batch *b) { return memset(reserve(b), 0, KINDS[b->kind].size); }

sl_str sl_batch_copy_str(sl_batch *b, sl_str s) {
    if (!s.ptr) return s;
    return (sl_str){sl_arena_strndup(&b->arena, s.ptr, s.len), s.len};
}

static void copy_event_strings(sl_batch *b, sl_event *e) {
    e->event_id = sl_batch_copy_str(b, e->event_id);
    e->user_id = sl_batch_copy_str(b, e->user_id);
    e->session_id = sl_batch_copy_str(b, e->session_id);
    e->page = sl_batch_copy_str(b, e->page);
    e->product_id = sl_batch_copy_str(b, e->product_id);
    e->ip = sl_batch_copy_str(b, e->ip);
    e->user_agent = sl_batch_copy_str(b, e->user_agent);
    e->referrer = sl_batch_copy_str(b, e->referrer);
}

void *sl_batch_copy_record(sl_batch *b, const void *record) {
    void *dst = memcpy(reserve(b), record, KINDS[b->kind].size);
    switch (b->kind) {
    case SL_BATCH_EVENTS:
        copy_event_strings(b, dst);
        break;
    case SL_BATCH_LATE_EVENTS:
        copy_event_strings(b, &((sl_late_event *)dst)->event);
        break;
    case SL_BATCH_PAGE_STATS:
        ((sl_page_stats *)dst)->page = sl_batch_copy_str(b, ((sl_page_stats *)dst)->page);
        break;
    case SL_BATCH_PAGE_EVENTS:
        ((sl_page_event *)dst)->page = sl_batch_copy_str(b, ((sl_page_event *)dst)->page);
        break;
    case SL_BATCH_TOP_PAGES: {
        sl_top_pages *t = dst;
        sl_top_entry *entries = sl_arena_alloc(&b->arena, sizeof(sl_top_entry) * (t->count ? t->count : 1));
        for (uint32_t i = 0; i < t->count; i++) {
            entries[i] = t->entries[i];
            entries[i].page = sl_batch_copy_str(b, entries[i].page);
        }
        t->entries = entries;
        break;
    }
    case SL_BATCH_DEAD_LETTERS: {
        sl_dead_letter *d = dst;
        d->payload = sl_batch_copy_str(b, d->payload);
        d->reason = sl_batch_copy_str(b, d->reason);
        d->source = sl_batch_copy_str(b, d->source);
        break;
    }
    case SL_BATCH_SESSION_PARTIALS:   /* no strings */
    case SL_BATCH_KIND_COUNT:
        break;
    }
    return dst;
}

void *sl_batch_borrow_record(sl_batch *b, sl_batch *owner, const void *record) {
    if (b->lender != owner) {
        if (b->lender || b->count) return sl_batch_copy_record(b, record);
        atomic_fetch_add_explicit(&owner->refs, 1, memory_order_relaxed);
        b->lender = owner;
    }
    return memcpy(reserve(b), record, KINDS[b->kind].size);
}

/* ---- pools ---- */

#include <pthread.h>

struct sl_batch_pool {
    pthread_mutex_t lock;
    sl_batch *free;
    uint32_t capacity;
};

sl_batch_pool *sl_batch_pool_new(uint32_t batch_capacity) {
    sl_batch_pool *p = calloc(1, sizeof(*p));
    if (!p) abort();
    pthread_mutex_init(&p->lock, NULL);
    p->capacity = batch_capacity;
    return p;
}

void sl_batch_pool_free(sl_batch_pool *p) {
    if (!p) return;
    while (p->free) {
        sl_batch *b = p->free;
        p->free = b->next;
        sl_batch_free(b);
    }
    pthread_mutex_destroy(&p->lock);
    free(p);
}

sl_batch *sl_batch_pool_get(sl_batch_pool *p, sl_batch_kind kind) {
    pthread_mutex_lock(&p->lock);
    sl_batch *b = p->free;
    if (b) p->free = b->next;
    pthread_mutex_unlock(&p->lock);
    if (!b) {
        b = sl_batch_new(p->capacity);
        b->pool = p;
    }
    b->next = NULL;
    atomic_store_explicit(&b->refs, 1, memory_order_relaxed);
    sl_batch_reset(b, kind);
    return b;
}

/* The last holder returns the batch to its pool, then lets go of its lender.
 * acq_rel: the borrowers' reads of the lender's records happen before the
 * lender is reused. */
void sl_batch_release(sl_batch *b) {
    if (atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) != 1) return;
    sl_batch_pool *p = b->pool;
    if (!p) {
        sl_batch_free(b);
        return;
    }
    sl_batch *lender = b->lender;
    b->lender = NULL;
    pthread_mutex_lock(&p->lock);
    b->next = p->free;
    p->free = b;
    pthread_mutex_unlock(&p->lock);
    if (lender) sl_batch_release(lender);
}
