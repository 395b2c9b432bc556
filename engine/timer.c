/* timer.c -- event-time timers as a binary min-heap. */
#include "engine/timer.h"

#include <stdlib.h>

void sl_timers_init(sl_timers *t) { *t = (sl_timers){0}; }

void sl_timers_free(sl_timers *t) {
    free(t->heap);
    *t = (sl_timers){0};
}

void sl_timers_register(sl_timers *t, int64_t time) {
    if (t->count == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->heap = realloc(t->heap, t->cap * sizeof(int64_t));
        if (!t->heap) abort();
    }
    uint32_t i = t->count++;
    while (i > 0 && t->heap[(i - 1) / 2] > time) {
        t->heap[i] = t->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    t->heap[i] = time;
}

static int64_t pop_min(sl_timers *t) {
    int64_t min = t->heap[0];
    int64_t last = t->heap[--t->count];
    uint32_t i = 0;
    for (;;) {
        uint32_t child = 2 * i + 1;
        if (child >= t->count) break;
        if (child + 1 < t->count && t->heap[child + 1] < t->heap[child]) child++;
        if (t->heap[child] >= last) break;
        t->heap[i] = t->heap[child];
        i = child;
    }
    if (t->count) t->heap[i] = last;
    return min;
}

bool sl_timers_pop_due(sl_timers *t, int64_t watermark, int64_t *time) {
    if (t->count == 0 || t->heap[0] > watermark) return false;
    *time = pop_min(t);
    while (t->count && t->heap[0] == *time) pop_min(t);
    return true;
}

void sl_timers_snapshot(const sl_timers *t, sl_buf *out) {
    sl_buf_append_u64(out, t->count);
    for (uint32_t i = 0; i < t->count; i++) sl_buf_append_u64(out, (uint64_t)t->heap[i]);
}

bool sl_timers_restore(sl_timers *t, sl_buf_reader *in) {
    uint64_t n, v;
    if (!sl_buf_read_u64(in, &n)) return false;
    for (uint64_t i = 0; i < n; i++) {
        if (!sl_buf_read_u64(in, &v)) return false;
        sl_timers_register(t, (int64_t)v);
    }
    return true;
}
