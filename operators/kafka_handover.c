/* kafka_handover.c -- positions of partitions that move between the Kafka readers of one process. */
#include "operators/kafka_handover.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct handover {
    char *group, *topic;
    int32_t partition;
    int64_t next_offset;
} handover;

static struct {
    pthread_mutex_t lock;
    handover *items;
    size_t count, cap;
} g_handover = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* Caller holds the lock. */
static handover *find(const char *group, const char *topic, int32_t partition) {
    for (size_t i = 0; i < g_handover.count; i++) {
        handover *h = &g_handover.items[i];
        if (h->partition == partition && !strcmp(h->topic, topic) && !strcmp(h->group, group)) return h;
    }
    return NULL;
}

void sl_kafka_handover_put(const char *group, const char *topic, int32_t partition, int64_t next_offset) {
    pthread_mutex_lock(&g_handover.lock);
    handover *h = find(group, topic, partition);
    if (!h) {
        if (g_handover.count == g_handover.cap) {
            g_handover.cap = g_handover.cap ? g_handover.cap * 2 : 16;
            g_handover.items = realloc(g_handover.items, g_handover.cap * sizeof(handover));
            if (!g_handover.items) abort();
        }
        h = &g_handover.items[g_handover.count++];
        *h = (handover){strdup(group), strdup(topic), partition, next_offset};
    } else if (next_offset > h->next_offset) {
        h->next_offset = next_offset;
    }
    pthread_mutex_unlock(&g_handover.lock);
}

bool sl_kafka_handover_get(const char *group, const char *topic, int32_t partition, int64_t *next_offset) {
    pthread_mutex_lock(&g_handover.lock);
    const handover *h = find(group, topic, partition);
    if (h) *next_offset = h->next_offset;
    pthread_mutex_unlock(&g_handover.lock);
    return h != NULL;
}

void sl_kafka_handover_reset(void) {
    pthread_mutex_lock(&g_handover.lock);
    for (size_t i = 0; i < g_handover.count; i++) {
        free(g_handover.items[i].group);
        free(g_handover.items[i].topic);
    }
    free(g_handover.items);
    g_handover.items = NULL;
    g_handover.count = g_handover.cap = 0;
    pthread_mutex_unlock(&g_handover.lock);
}
