/* hash_index.c -- 64-bit key to dense index, linear probing. */
#include "engine/hash_index.h"

#include <stdlib.h>
#include <string.h>

#include "engine/prefetch.h"

void sl_hash_index_init(sl_hash_index *h) { memset(h, 0, sizeof(*h)); }

void sl_hash_index_free(sl_hash_index *h) {
    free(h->keys);
    free(h->values);
    memset(h, 0, sizeof(*h));
}

void sl_hash_index_clear(sl_hash_index *h) {
    if (h->values) memset(h->values, 0, h->cap * sizeof(uint32_t));
    h->count = 0;
}

static uint32_t slot_of(uint64_t key, uint32_t cap) {
    key ^= key >> 29;
    key *= 0xbf58476d1ce4e5b9ULL;
    return (uint32_t)(key >> 32) & (cap - 1);
}

static void grow(sl_hash_index *h) {
    uint32_t old_cap = h->cap;
    uint64_t *old_keys = h->keys;
    uint32_t *old_values = h->values;
    h->cap = old_cap ? old_cap * 2 : 64;
    h->keys = calloc(h->cap, sizeof(uint64_t));
    h->values = calloc(h->cap, sizeof(uint32_t));
    for (uint32_t i = 0; i < old_cap; i++) {
        if (!old_values[i]) continue;
        uint32_t s = slot_of(old_keys[i], h->cap);
        while (h->values[s]) s = (s + 1) & (h->cap - 1);
        h->keys[s] = old_keys[i];
        h->values[s] = old_values[i];
    }
    free(old_keys);
    free(old_values);
}

uint32_t sl_hash_index_upsert(sl_hash_index *h, uint64_t key, bool *inserted) {
    if ((h->count + 1) * 2 > h->cap) grow(h);
    uint32_t s = slot_of(key, h->cap);
    while (h->values[s]) {
        if (h->keys[s] == key) {
            *inserted = false;
            return h->values[s] - 1;
        }
        s = (s + 1) & (h->cap - 1);
    }
    h->keys[s] = key;
    h->values[s] = ++h->count;
    *inserted = true;
    return h->count - 1;
}

uint32_t sl_hash_index_find(const sl_hash_index *h, uint64_t key) {
    if (!h->cap) return UINT32_MAX;
    uint32_t s = slot_of(key, h->cap);
    while (h->values[s]) {
        if (h->keys[s] == key) return h->values[s] - 1;
        s = (s + 1) & (h->cap - 1);
    }
    return UINT32_MAX;
}

SL_PREFETCH_EXTERN void sl_hash_index_prefetch(const sl_hash_index *h, uint64_t key) {
    if (!h->cap) return;
    uint32_t s = slot_of(key, h->cap);
    __builtin_prefetch(&h->keys[s]);
    __builtin_prefetch(&h->values[s]);
}
