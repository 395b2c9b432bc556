/* result_latency.c -- watermark-to-result latency of windows (see result_latency.h). */
#include "engine/result_latency.h"

#include <pthread.h>
#include <stdlib.h>

#include "engine/clock.h"

/* Watermark advances kept: the source advances once per batch, so this spans
 * millions of events -- far more than any window stays open behind it. */
#define RING 65536

typedef struct wm_mark {
    int64_t wm;
    int64_t ns;
} wm_mark;

typedef struct samples {
    double *ms;
    uint64_t n, cap;
} samples;

/* A result written by a committing sink, waiting for its checkpoint's commit. */
typedef struct pending {
    int64_t checkpoint_id;
    int64_t passed_ns;               /* when the watermark passed its window's end */
} pending;

struct sl_result_latency {
    pthread_mutex_t lock;
    wm_mark ring[RING];
    uint64_t marks;          /* advances recorded; ring[(marks - 1) % RING] is the newest */
    samples emitted, committed;
    pending *pending;
    uint64_t n_pending, cap_pending;
};

sl_result_latency *sl_result_latency_new(void) {
    sl_result_latency *l = calloc(1, sizeof(*l));
    if (l) pthread_mutex_init(&l->lock, NULL);
    return l;
}

void sl_result_latency_free(sl_result_latency *l) {
    if (!l) return;
    pthread_mutex_destroy(&l->lock);
    free(l->emitted.ms);
    free(l->committed.ms);
    free(l->pending);
    free(l);
}

static void *grow(void *p, uint64_t *cap, size_t size) {
    *cap = *cap ? 2 * *cap : 1024;
    p = realloc(p, *cap * size);
    if (!p) abort();
    return p;
}

static void add_sample(samples *s, int64_t ns) {
    if (s->n == s->cap) s->ms = grow(s->ms, &s->cap, sizeof(double));
    s->ms[s->n++] = (double)ns / 1e6;
}

void sl_result_latency_watermark(sl_result_latency *l, int64_t wm) {
    if (!l) return;
    int64_t ns = sl_monotonic_ns();
    pthread_mutex_lock(&l->lock);
    l->ring[l->marks % RING] = (wm_mark){wm, ns};
    l->marks++;
    pthread_mutex_unlock(&l->lock);
}

/* The time of the oldest retained advance with wm >= end (watermarks only
 * grow, so binary search over the ring in age order); -1 when none or when
 * that advance may already have left the ring. */
static int64_t passed_at(const sl_result_latency *l, int64_t end) {
    uint64_t kept = l->marks < RING ? l->marks : RING;
    uint64_t oldest = l->marks - kept;
    uint64_t lo = 0, hi = kept;
    while (lo < hi) {
        uint64_t mid = (lo + hi) / 2;
        if (l->ring[(oldest + mid) % RING].wm < end) lo = mid + 1;
        else hi = mid;
    }
    if (lo == kept || (lo == 0 && l->marks > RING)) return -1;
    return l->ring[(oldest + lo) % RING].ns;
}

void sl_result_latency_result(sl_result_latency *l, int64_t window_end, int64_t commit_id) {
    if (!l) return;
    int64_t ns = sl_monotonic_ns();
    pthread_mutex_lock(&l->lock);
    int64_t at = passed_at(l, window_end);
    if (at >= 0) {
        add_sample(&l->emitted, ns - at);
        if (commit_id >= 0) {
            if (l->n_pending == l->cap_pending) l->pending = grow(l->pending, &l->cap_pending, sizeof(pending));
            l->pending[l->n_pending++] = (pending){commit_id, at};
        }
    }
    pthread_mutex_unlock(&l->lock);
}

void sl_result_latency_committed(sl_result_latency *l, int64_t checkpoint_id) {
    if (!l) return;
    int64_t ns = sl_monotonic_ns();
    pthread_mutex_lock(&l->lock);
    uint64_t kept = 0;
    for (uint64_t i = 0; i < l->n_pending; i++) {
        if (l->pending[i].checkpoint_id <= checkpoint_id) add_sample(&l->committed, ns - l->pending[i].passed_ns);
        else l->pending[kept++] = l->pending[i];
    }
    l->n_pending = kept;
    pthread_mutex_unlock(&l->lock);
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static uint64_t summarize(samples *s, double *p50_ms, double *p99_ms, double *max_ms) {
    *p50_ms = *p99_ms = *max_ms = 0;
    if (!s || !s->n) return 0;
    qsort(s->ms, s->n, sizeof(double), by_value);
    /* Nearest rank: the smallest sample with at least p of them at or below it. */
    *p50_ms = s->ms[(s->n * 50 + 99) / 100 - 1];
    *p99_ms = s->ms[(s->n * 99 + 99) / 100 - 1];
    *max_ms = s->ms[s->n - 1];
    return s->n;
}

uint64_t sl_result_latency_summary(sl_result_latency *l, double *p50_ms, double *p99_ms, double *max_ms) {
    return summarize(l ? &l->emitted : NULL, p50_ms, p99_ms, max_ms);
}

uint64_t sl_result_latency_committed_summary(sl_result_latency *l, double *p50_ms, double *p99_ms, double *max_ms) {
    return summarize(l ? &l->committed : NULL, p50_ms, p99_ms, max_ms);
}
