/* result_latency.c -- watermark-to-result latency of windows (see result_latency.h). */
#include "engine/result_latency.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

/* Watermark advances kept: the source advances once per batch, so this spans
 * millions of events -- far more than any window stays open behind it. */
#define RING 65536

typedef struct wm_mark {
    int64_t wm;
    int64_t ns;
} wm_mark;

struct sl_result_latency {
    pthread_mutex_t lock;
    wm_mark ring[RING];
    uint64_t marks;          /* advances recorded; ring[(marks - 1) % RING] is the newest */
    double *samples_ms;
    uint64_t n, cap;
};

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

sl_result_latency *sl_result_latency_new(void) {
    sl_result_latency *l = calloc(1, sizeof(*l));
    if (l) pthread_mutex_init(&l->lock, NULL);
    return l;
}

void sl_result_latency_free(sl_result_latency *l) {
    if (!l) return;
    pthread_mutex_destroy(&l->lock);
    free(l->samples_ms);
    free(l);
}

void sl_result_latency_watermark(sl_result_latency *l, int64_t wm) {
    if (!l) return;
    int64_t ns = now_ns();
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

void sl_result_latency_result(sl_result_latency *l, int64_t window_end) {
    if (!l) return;
    int64_t ns = now_ns();
    pthread_mutex_lock(&l->lock);
    int64_t at = passed_at(l, window_end);
    if (at >= 0) {
        if (l->n == l->cap) {
            l->cap = l->cap ? 2 * l->cap : 1024;
            l->samples_ms = realloc(l->samples_ms, l->cap * sizeof(double));
        }
        l->samples_ms[l->n++] = (double)(ns - at) / 1e6;
    }
    pthread_mutex_unlock(&l->lock);
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

uint64_t sl_result_latency_summary(sl_result_latency *l, double *p50_ms, double *p99_ms, double *max_ms) {
    *p50_ms = *p99_ms = *max_ms = 0;
    if (!l || !l->n) return 0;
    qsort(l->samples_ms, l->n, sizeof(double), by_value);
    /* Nearest rank: the smallest sample with at least p of them at or below it. */
    *p50_ms = l->samples_ms[(l->n * 50 + 99) / 100 - 1];
    *p99_ms = l->samples_ms[(l->n * 99 + 99) / 100 - 1];
    *max_ms = l->samples_ms[l->n - 1];
    return l->n;
}
