/* kafka_offsets.c -- input offsets per checkpoint, handed from Kafka source to Kafka sink. */
#include "operators/kafka_offsets.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define STAGED (-1)   /* checkpoint id of positions not yet bound */

typedef struct offset_entry {
    int64_t checkpoint_id;
    char *topic;
    int32_t partition;
    int64_t offset;
} offset_entry;

typedef struct txn_entry {
    char *transactional_id;
    int64_t checkpoint_id;
} txn_entry;

static struct {
    pthread_mutex_t lock;
    offset_entry *offsets;
    size_t n_offsets, cap_offsets;
    txn_entry *txns;
    size_t n_txns, cap_txns;
} g_offsets = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void *grow(void *items, size_t *cap, size_t count, size_t item_size) {
    if (count < *cap) return items;
    *cap = *cap ? *cap * 2 : 32;
    void *p = realloc(items, *cap * item_size);
    if (!p) abort();
    return p;
}

static offset_entry *find_offset(int64_t ckpt, const char *topic, int32_t partition) {
    for (size_t i = 0; i < g_offsets.n_offsets; i++) {
        offset_entry *e = &g_offsets.offsets[i];
        if (e->checkpoint_id == ckpt && e->partition == partition && !strcmp(e->topic, topic)) return e;
    }
    return NULL;
}

/* Set (ckpt, topic, partition) to offset; caller holds the lock. */
static void put_offset(int64_t ckpt, const char *topic, int32_t partition, int64_t offset) {
    offset_entry *e = find_offset(ckpt, topic, partition);
    if (e) {
        e->offset = offset;
        return;
    }
    g_offsets.offsets = grow(g_offsets.offsets, &g_offsets.cap_offsets, g_offsets.n_offsets, sizeof(offset_entry));
    g_offsets.offsets[g_offsets.n_offsets++] = (offset_entry){ckpt, strdup(topic), partition, offset};
}

/* Remove entries matching the predicate; caller holds the lock. */
static void remove_offsets(bool (*match)(const offset_entry *, int64_t), int64_t arg) {
    size_t kept = 0;
    for (size_t i = 0; i < g_offsets.n_offsets; i++) {
        if (match(&g_offsets.offsets[i], arg)) free(g_offsets.offsets[i].topic);
        else g_offsets.offsets[kept++] = g_offsets.offsets[i];
    }
    g_offsets.n_offsets = kept;
}

static bool is_staged(const offset_entry *e, int64_t unused) { return e->checkpoint_id == STAGED; }
static bool is_upto(const offset_entry *e, int64_t n) { return e->checkpoint_id != STAGED && e->checkpoint_id <= n; }
static bool is_any(const offset_entry *e, int64_t unused) { return true; }

void sl_kafka_offsets_stage(const char *topic, int32_t partition, int64_t next_offset) {
    pthread_mutex_lock(&g_offsets.lock);
    /* Several readers may report one partition (its owner, and another that
     * still carries a restored position); positions only advance, so the
     * largest is the owner's. */
    offset_entry *e = find_offset(STAGED, topic, partition);
    if (!e || next_offset > e->offset) put_offset(STAGED, topic, partition, next_offset);
    pthread_mutex_unlock(&g_offsets.lock);
}

void sl_kafka_offsets_bind(int64_t checkpoint_id) {
    pthread_mutex_lock(&g_offsets.lock);
    size_t n = g_offsets.n_offsets;
    for (size_t i = 0; i < n; i++) {
        offset_entry e = g_offsets.offsets[i];
        if (e.checkpoint_id == STAGED) put_offset(checkpoint_id, e.topic, e.partition, e.offset);
    }
    remove_offsets(is_staged, 0);
    pthread_mutex_unlock(&g_offsets.lock);
}

rd_kafka_topic_partition_list_t *sl_kafka_offsets_get(int64_t checkpoint_id) {
    pthread_mutex_lock(&g_offsets.lock);
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(8);
    for (size_t i = 0; i < g_offsets.n_offsets; i++) {
        const offset_entry *e = &g_offsets.offsets[i];
        if (e->checkpoint_id == checkpoint_id)
            rd_kafka_topic_partition_list_add(list, e->topic, e->partition)->offset = e->offset;
    }
    pthread_mutex_unlock(&g_offsets.lock);
    return list;
}

void sl_kafka_offsets_forget_upto(int64_t checkpoint_id) {
    pthread_mutex_lock(&g_offsets.lock);
    remove_offsets(is_upto, checkpoint_id);
    pthread_mutex_unlock(&g_offsets.lock);
}

void sl_kafka_txn_note_committed(const char *transactional_id, int64_t checkpoint_id) {
    pthread_mutex_lock(&g_offsets.lock);
    g_offsets.txns = grow(g_offsets.txns, &g_offsets.cap_txns, g_offsets.n_txns, sizeof(txn_entry));
    g_offsets.txns[g_offsets.n_txns++] = (txn_entry){strdup(transactional_id), checkpoint_id};
    pthread_mutex_unlock(&g_offsets.lock);
}

bool sl_kafka_txn_was_committed(const char *transactional_id, int64_t checkpoint_id) {
    bool found = false;
    pthread_mutex_lock(&g_offsets.lock);
    for (size_t i = 0; i < g_offsets.n_txns && !found; i++)
        found = g_offsets.txns[i].checkpoint_id == checkpoint_id &&
                !strcmp(g_offsets.txns[i].transactional_id, transactional_id);
    pthread_mutex_unlock(&g_offsets.lock);
    return found;
}

void sl_kafka_offsets_reset(void) {
    pthread_mutex_lock(&g_offsets.lock);
    remove_offsets(is_any, 0);
    for (size_t i = 0; i < g_offsets.n_txns; i++) free(g_offsets.txns[i].transactional_id);
    g_offsets.n_txns = 0;
    free(g_offsets.offsets);
    free(g_offsets.txns);
    g_offsets.offsets = NULL;
    g_offsets.txns = NULL;
    g_offsets.cap_offsets = g_offsets.cap_txns = 0;
    pthread_mutex_unlock(&g_offsets.lock);
}
