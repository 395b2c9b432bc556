/* batch.c -- record batches. */
#include "engine/batch.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

static const struct {
    const char *name;
    size_t size;
} KINDS[SL_BATCH_KIND_COUNT] = {
    [SL_BATCH_EVENTS]           = {"events", sizeof(sl_event)},
    [SL_BATCH_PAGE_STATS]       = {"page_stats", sizeof(sl_page_stats)},
    [SL_BATCH_SESSION_PARTIALS] = {"session_partials", sizeof(sl_session_partial)},
    [SL_BATCH_TOP_PAGES]        = {"top_pages", sizeof(sl_top_pages)},
    [SL_BATCH_LATE_EVENTS]      = {"late_events", sizeof(sl_late_event)},
    [SL_BATCH_DEAD_LETTERS]     = {"dead_letters", sizeof(sl_dead_letter)},
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
    sl_arena_init(&b->arena, 64 * 1024);
    return b;
}

void sl_batch_free(sl_batch *b) {
    if (!b) return;
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

void *sl_batch_push(sl_batch *b) {
    assert(b->count < b->capacity);
    size_t size = KINDS[b->kind].size;
    void *slot = (char *)b->items + (size_t)b->count * size;
    memset(slot, 0, size);
    b->count++;
    return slot;
}

sl_str sl_batch_copy_str(sl_batch *b, sl_str s) {
    if (!s.ptr) return s;
    return (sl_str){sl_arena_strndup(&b->arena, s.ptr, s.len), s.len};
}
