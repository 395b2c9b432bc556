/* window_refire.c -- the set of windows awaiting a re-fire. */
#include "operators/window_refire.h"

#include <stdlib.h>

void sl_window_refire_add(sl_window_refire *r, int64_t end) {
    for (uint32_t i = 0; i < r->count; i++)
        if (r->ends[i] == end) return;
    if (r->count == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->ends = realloc(r->ends, r->cap * sizeof(int64_t));
    }
    r->ends[r->count++] = end;
}

void sl_window_refire_mark(sl_window_refire *r, const sl_window_spec *w, int64_t t, int64_t watermark) {
    if (w->allowed_lateness == 0) return;   /* nothing fired can still change */
    for (int64_t start = sl_window_first_start(w, t); start <= sl_window_last_start(w, t); start += w->slide) {
        int64_t end = start + w->size;
        if (end <= watermark && !sl_window_closed(w, end, watermark)) sl_window_refire_add(r, end);
    }
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

void sl_window_refire_run(sl_window_refire *r, void (*fire)(void *opaque, int64_t end, sl_emitter *out),
                          void *opaque, sl_emitter *out) {
    if (!r->count) return;
    qsort(r->ends, r->count, sizeof(int64_t), cmp_i64);
    for (uint32_t i = 0; i < r->count; i++) fire(opaque, r->ends[i], out);
    r->count = 0;
}

void sl_window_refire_free(sl_window_refire *r) {
    free(r->ends);
    r->ends = NULL;
    r->count = r->cap = 0;
}
