/* clock.h -- the monotonic clock (CLOCK_MONOTONIC), in the unit a caller measures in, and a thread's CPU time.
 *
 * For durations, rates and deadlines: never steps with the wall clock. */
#ifndef SL_CLOCK_H
#define SL_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t sl_monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
static inline int64_t sl_monotonic_us(void) { return sl_monotonic_ns() / 1000; }
static inline int64_t sl_monotonic_ms(void) { return sl_monotonic_ns() / 1000000; }

/* CPU time the calling thread has used: with the monotonic clock it tells
 * work from waiting and from time the thread was not scheduled at all. */
static inline int64_t sl_thread_cpu_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#endif
