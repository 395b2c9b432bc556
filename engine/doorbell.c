/* doorbell.c -- a worker's wake-up: a ring count and a condition variable. */
#include "engine/doorbell.h"


void sl_cond_init_monotonic(pthread_cond_t *cond) {
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(cond, &attr);
    pthread_condattr_destroy(&attr);
}

void sl_doorbell_init(sl_doorbell *d) {
    pthread_mutex_init(&d->lock, NULL);
    sl_cond_init_monotonic(&d->cond);
    atomic_init(&d->rings, 0);
    atomic_init(&d->sleeping, 0);
}

void sl_doorbell_destroy(sl_doorbell *d) {
    pthread_mutex_destroy(&d->lock);
    pthread_cond_destroy(&d->cond);
}

/* The sleeper stores `sleeping` and then reads `rings`; the ringer adds to
 * `rings` and then reads `sleeping` (both sequentially consistent), so at
 * least one of them sees the other: either the sleeper does not sleep or the
 * ringer signals, under the lock the sleeper holds until it waits. */
void sl_doorbell_ring(sl_doorbell *d) {
    atomic_fetch_add(&d->rings, 1);
    if (atomic_load(&d->sleeping)) {
        pthread_mutex_lock(&d->lock);
        pthread_cond_signal(&d->cond);
        pthread_mutex_unlock(&d->lock);
    }
}

uint64_t sl_doorbell_rings(sl_doorbell *d) { return atomic_load(&d->rings); }

void sl_deadline_after(struct timespec *deadline, clockid_t clock, int64_t us) {
    clock_gettime(clock, deadline);
    deadline->tv_sec += us / 1000000;
    deadline->tv_nsec += (long)(us % 1000000) * 1000L;
    if (deadline->tv_nsec >= 1000000000L) {
        deadline->tv_sec++;
        deadline->tv_nsec -= 1000000000L;
    }
}

void sl_doorbell_wait(sl_doorbell *d, uint64_t seen, int64_t timeout_us) {
    if (timeout_us <= 0) return;
    struct timespec deadline;
    sl_deadline_after(&deadline, CLOCK_MONOTONIC, timeout_us);
    pthread_mutex_lock(&d->lock);
    atomic_store(&d->sleeping, 1);
    if (atomic_load(&d->rings) == seen) pthread_cond_timedwait(&d->cond, &d->lock, &deadline);
    atomic_store(&d->sleeping, 0);
    pthread_mutex_unlock(&d->lock);
}
