/* channel.c -- bounded message rings grouped into input gates. */
#include "engine/channel.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef struct ring {
    sl_msg *slots;
    uint32_t head, count;
    bool blocked;
    sl_doorbell *producer;      /* rung when a full ring gets room */
} ring;

struct sl_gate {
    pthread_mutex_t lock;
    pthread_cond_t readable;    /* consumer waits here */
    pthread_cond_t writable;    /* producers wait here */
    ring *rings;
    uint32_t n, capacity;
    uint32_t next;              /* round-robin start for fairness */
    bool closed;
    sl_doorbell *consumer;      /* rung when a message arrives */
};

sl_gate *sl_gate_new(uint32_t n_channels, uint32_t capacity) {
    sl_gate *g = calloc(1, sizeof(*g));
    g->rings = calloc(n_channels, sizeof(ring));
    if (!g || !g->rings) abort();
    for (uint32_t i = 0; i < n_channels; i++) {
        g->rings[i].slots = calloc(capacity, sizeof(sl_msg));
        if (!g->rings[i].slots) abort();
    }
    g->n = n_channels;
    g->capacity = capacity;
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->readable, NULL);
    pthread_cond_init(&g->writable, NULL);
    return g;
}

void sl_gate_free(sl_gate *g) {
    if (!g) return;
    for (uint32_t i = 0; i < g->n; i++) {
        ring *r = &g->rings[i];
        for (uint32_t k = 0; k < r->count; k++) {
            sl_msg *m = &r->slots[(r->head + k) % g->capacity];
            if (m->type == SL_MSG_BATCH) sl_batch_free(m->batch);
        }
        free(r->slots);
    }
    free(g->rings);
    pthread_mutex_destroy(&g->lock);
    pthread_cond_destroy(&g->readable);
    pthread_cond_destroy(&g->writable);
    free(g);
}

uint32_t sl_gate_channels(const sl_gate *g) { return g->n; }

void sl_gate_set_doorbells(sl_gate *g, sl_doorbell *consumer, sl_doorbell *const *producers) {
    pthread_mutex_lock(&g->lock);
    g->consumer = consumer;
    for (uint32_t i = 0; i < g->n; i++) g->rings[i].producer = producers ? producers[i] : NULL;
    pthread_mutex_unlock(&g->lock);
}

/* Called with the lock held and room in the ring. */
static void put(sl_gate *g, ring *r, sl_msg msg) {
    r->slots[(r->head + r->count) % g->capacity] = msg;
    r->count++;
    pthread_cond_signal(&g->readable);
}

/* The doorbells are rung after the gate's lock is released: a ring may take
 * the sleeper's lock. */
static void ring_bell(sl_doorbell *d) {
    if (d) sl_doorbell_ring(d);
}

bool sl_gate_push(sl_gate *g, uint32_t channel, sl_msg msg) {
    pthread_mutex_lock(&g->lock);
    ring *r = &g->rings[channel];
    while (r->count == g->capacity && !g->closed) pthread_cond_wait(&g->writable, &g->lock);
    bool open = !g->closed;
    if (open) put(g, r, msg);
    pthread_mutex_unlock(&g->lock);
    if (open) ring_bell(g->consumer);
    return open;
}

sl_push_result sl_gate_try_push(sl_gate *g, uint32_t channel, sl_msg msg) {
    pthread_mutex_lock(&g->lock);
    ring *r = &g->rings[channel];
    sl_push_result result = g->closed ? SL_PUSH_CLOSED : r->count == g->capacity ? SL_PUSH_FULL : SL_PUSH_OK;
    if (result == SL_PUSH_OK) put(g, r, msg);
    pthread_mutex_unlock(&g->lock);
    if (result == SL_PUSH_OK) ring_bell(g->consumer);
    return result;
}

/* Called with the lock held: take the next message from an unblocked ring.
 * *freed is the producer to ring when the ring was full. */
static bool take(sl_gate *g, sl_msg *msg, uint32_t *channel, sl_doorbell **freed) {
    for (uint32_t k = 0; k < g->n; k++) {
        uint32_t i = (g->next + k) % g->n;
        ring *r = &g->rings[i];
        if (r->count == 0 || r->blocked) continue;
        *msg = r->slots[r->head];
        if (r->count == g->capacity) *freed = r->producer;
        r->head = (r->head + 1) % g->capacity;
        r->count--;
        *channel = i;
        g->next = (i + 1) % g->n;
        pthread_cond_broadcast(&g->writable);
        return true;
    }
    return false;
}

bool sl_gate_pop_timed(sl_gate *g, sl_msg *msg, uint32_t *channel, int timeout_ms) {
    struct timespec deadline;
    if (timeout_ms > 0) sl_deadline_after(&deadline, CLOCK_REALTIME, (int64_t)timeout_ms * 1000);
    *channel = UINT32_MAX;
    sl_doorbell *freed = NULL;
    pthread_mutex_lock(&g->lock);
    bool got = false;
    while (!g->closed && !(got = take(g, msg, channel, &freed))) {
        if (timeout_ms == 0) break;
        if (timeout_ms < 0) {
            pthread_cond_wait(&g->readable, &g->lock);
        } else if (pthread_cond_timedwait(&g->readable, &g->lock, &deadline) == ETIMEDOUT) {
            got = take(g, msg, channel, &freed);
            break;
        }
    }
    pthread_mutex_unlock(&g->lock);
    ring_bell(freed);
    return got;
}

bool sl_gate_pop(sl_gate *g, sl_msg *msg, uint32_t *channel) {
    return sl_gate_pop_timed(g, msg, channel, -1);
}

void sl_gate_block(sl_gate *g, uint32_t channel) {
    pthread_mutex_lock(&g->lock);
    g->rings[channel].blocked = true;
    pthread_mutex_unlock(&g->lock);
}

void sl_gate_unblock_all(sl_gate *g) {
    pthread_mutex_lock(&g->lock);
    for (uint32_t i = 0; i < g->n; i++) g->rings[i].blocked = false;
    pthread_cond_signal(&g->readable);
    pthread_mutex_unlock(&g->lock);
}

void sl_gate_close(sl_gate *g) {
    pthread_mutex_lock(&g->lock);
    g->closed = true;
    pthread_cond_broadcast(&g->readable);
    pthread_cond_broadcast(&g->writable);
    pthread_mutex_unlock(&g->lock);
    ring_bell(g->consumer);
    for (uint32_t i = 0; i < g->n; i++) ring_bell(g->rings[i].producer);
}
