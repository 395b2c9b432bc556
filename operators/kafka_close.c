/* kafka_close.c -- closing a group consumer on its own thread, with a deadline (see the header). */
#include "operators/kafka_close.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine/doorbell.h"
#include "engine/log.h"

typedef struct closing {
    rd_kafka_t *rk;
    void (*release)(void *opaque);
    void *opaque;
    pthread_mutex_t lock;
    pthread_cond_t finished_cond;
    bool finished, abandoned;   /* under lock */
} closing;

static void closing_free(closing *c) {
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->finished_cond);
    free(c);
}

/* Whoever is last -- this thread when the caller stopped waiting, else the
 * caller -- releases the memory. */
static void *close_consumer(void *arg) {
    closing *c = arg;
    rd_kafka_consumer_close(c->rk);
    rd_kafka_destroy(c->rk);
    c->release(c->opaque);
    pthread_mutex_lock(&c->lock);
    bool abandoned = c->abandoned;
    c->finished = true;
    pthread_cond_signal(&c->finished_cond);
    pthread_mutex_unlock(&c->lock);
    if (abandoned) closing_free(c);
    return NULL;
}

bool sl_kafka_consumer_close_within(rd_kafka_t *rk, int wait_ms, const char *name, void (*release)(void *opaque),
                                    void *opaque) {
    char who[64];   /* name may live in what release frees, which can happen any time from here */
    snprintf(who, sizeof(who), "%s", name);
    closing *c = calloc(1, sizeof(*c));
    if (!c) abort();
    *c = (closing){.rk = rk, .release = release, .opaque = opaque};
    pthread_mutex_init(&c->lock, NULL);
    sl_cond_init_monotonic(&c->finished_cond);
    pthread_t thread;
    if (pthread_create(&thread, NULL, close_consumer, c)) {
        close_consumer(c);   /* no thread to spare: wait as rd_kafka_consumer_close would */
        closing_free(c);
        return true;
    }
    struct timespec deadline;
    sl_deadline_after(&deadline, CLOCK_MONOTONIC, (int64_t)wait_ms * 1000);
    pthread_mutex_lock(&c->lock);
    for (int rc = 0; !c->finished && rc == 0;) rc = pthread_cond_timedwait(&c->finished_cond, &c->lock, &deadline);
    bool finished = c->finished;
    c->abandoned = !finished;
    pthread_mutex_unlock(&c->lock);
    if (!finished) {
        pthread_detach(thread);
        sl_log_warn(who,
                    "closing the Kafka consumer did not finish in %d ms (librdkafka 2.0.2 can wait for good on a "
                    "revoke that follows a reassignment, issue #4884); going on without it: the group drops the "
                    "member after its session timeout",
                    wait_ms);
        return false;
    }
    pthread_join(thread, NULL);
    closing_free(c);
    return true;
}
