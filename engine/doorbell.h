/* doorbell.h -- how a worker thread sleeps until something may have changed.
 *
 * A worker runs many tasks; when none of them can make progress it waits on
 * its doorbell. Whoever might have given it work rings: a producer that
 * pushed into one of its gates, a consumer that made room in a channel one
 * of its tasks waits to write to, the coordinator when it triggers a
 * checkpoint. The worker reads the doorbell's count before it looks at its
 * tasks and sleeps only if the count is still the same, so a ring between
 * the look and the sleep is never lost. Ringing costs an atomic add, plus a
 * signal only while the worker really sleeps. */
#ifndef SL_DOORBELL_H
#define SL_DOORBELL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

typedef struct sl_doorbell {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    atomic_uint_fast64_t rings;
    atomic_int sleeping;
} sl_doorbell;

void sl_doorbell_init(sl_doorbell *d);
void sl_doorbell_destroy(sl_doorbell *d);

void sl_doorbell_ring(sl_doorbell *d);

/* The count to pass to sl_doorbell_wait: read it before looking for work. */
uint64_t sl_doorbell_rings(sl_doorbell *d);

/* Sleep until the doorbell rings after `seen` was read, or timeout_us passes. */
void sl_doorbell_wait(sl_doorbell *d, uint64_t seen, int64_t timeout_us);

/* A condition variable whose timed waits read CLOCK_MONOTONIC (deadlines
 * from sl_deadline_after), so a wall-clock step does not stretch them. */
void sl_cond_init_monotonic(pthread_cond_t *cond);

/* `us` microseconds from now on `clock`: the absolute time a timed wait takes. */
void sl_deadline_after(struct timespec *deadline, clockid_t clock, int64_t us);

#endif
