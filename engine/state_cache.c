/* state_cache.c -- the write-back cache of one named state: hash table, namespace index, eviction clock.
 *
 * Every cached entry is in three structures: a chained hash table on
 * (key, ns) for sl_state_get, the entry list of its namespace (slots sorted
 * by ns) so that namespace visits and removals touch only that namespace, and
 * -- when the backend evicts -- a list in insertion order that the
 * eviction clock walks (see sl_state_cache_second_chance). Entry blocks are recycled
 * through a free list, so a steady state of evictions and new keys does not
 * call malloc. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/prefetch.h"
#include "engine/state_backend.h"

#define SL_STATE_MIN_BUCKETS 64
#define SL_STATE_MIN_KEY_CAP 32
#define SL_STATE_MAX_FREE    4096   /* recycled blocks kept per state */

static void sl_state_oom(size_t size) {
    fprintf(stderr, "sluice: out of memory allocating %zu bytes of keyed state\n", size);
    abort();
}

static void *sl_state_xalloc(void *p, size_t size) {
    void *q = realloc(p, size ? size : 1);
    if (!q) sl_state_oom(size);
    return q;
}

static size_t sl_state_bucket(const sl_state *s, uint64_t key_hash, int64_t ns) {
    uint64_t h = key_hash ^ ((uint64_t)ns * 0x9e3779b97f4a7c15ULL);
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ULL;
    h ^= h >> 32;
    return (size_t)(h & (s->nbuckets - 1));
}

/* The first entry of the chain where (key_hash, ns) would be. */
static sl_state_entry *chain_head(const sl_state *s, uint64_t key_hash, int64_t ns) {
    return s->nbuckets ? s->buckets[sl_state_bucket(s, key_hash, ns)] : NULL;
}

sl_state_entry *sl_state_cache_find(sl_state *s, uint64_t key_hash, const void *key,
                                    size_t key_len, int64_t ns) {
    for (sl_state_entry *e = chain_head(s, key_hash, ns); e; e = e->hnext) {
        if (e->key_hash == key_hash && e->ns == ns && e->key_len == key_len &&
            (key_len == 0 || memcmp(sl_state_entry_key(s, e), key, key_len) == 0))
            return e;
    }
    return NULL;
}

/* ---- prefetching (see state.h) ---- */

SL_PREFETCH_EXTERN void sl_state_prefetch_bucket(const sl_state *s, uint64_t key_hash, int64_t ns) {
    if (s->nbuckets) __builtin_prefetch(&s->buckets[sl_state_bucket(s, key_hash, ns)]);
}

/* The header, the value and the key's first bytes: the key's length is in
 * the entry, which is what is not loaded yet. */
SL_PREFETCH_EXTERN void sl_state_prefetch_entry(const sl_state *s, uint64_t key_hash, int64_t ns) {
    sl_state_entry *e = chain_head(s, key_hash, ns);
    if (e) sl_prefetch_lines(e, s->key_off + 16);
}

const void *sl_state_peek(const sl_state *s, uint64_t key_hash, int64_t ns) {
    sl_state_entry *e = chain_head(s, key_hash, ns);
    return e && e->key_hash == key_hash && e->ns == ns ? sl_state_entry_value(s, e) : NULL;
}

static void sl_state_rehash(sl_state *s) {
    size_t old_n = s->nbuckets;
    sl_state_entry **old = s->buckets;
    s->nbuckets = old_n ? old_n * 2 : SL_STATE_MIN_BUCKETS;
    s->buckets = calloc(s->nbuckets, sizeof *s->buckets);
    if (!s->buckets) sl_state_oom(s->nbuckets * sizeof *s->buckets);
    for (size_t i = 0; i < old_n; i++) {
        for (sl_state_entry *e = old[i], *next; e; e = next) {
            next = e->hnext;
            size_t bi = sl_state_bucket(s, e->key_hash, e->ns);
            e->hnext = s->buckets[bi];
            s->buckets[bi] = e;
        }
    }
    free(old);
}

size_t sl_state_cache_slot_from(const sl_state *s, int64_t from) {
    size_t lo = 0, hi = s->nslots;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->slots[mid].ns < from) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

sl_state_ns_slot *sl_state_cache_slot(sl_state *s, int64_t ns) {
    size_t i = sl_state_cache_slot_from(s, ns);
    return i < s->nslots && s->slots[i].ns == ns ? &s->slots[i] : NULL;
}

static sl_state_ns_slot *sl_state_slot_add(sl_state *s, int64_t ns) {
    size_t i = sl_state_cache_slot_from(s, ns);
    if (i < s->nslots && s->slots[i].ns == ns) return &s->slots[i];
    if (s->nslots == s->slots_cap) {
        s->slots_cap = s->slots_cap ? s->slots_cap * 2 : 16;
        s->slots = sl_state_xalloc(s->slots, s->slots_cap * sizeof *s->slots);
    }
    memmove(&s->slots[i + 1], &s->slots[i], (s->nslots - i) * sizeof *s->slots);
    s->nslots++;
    s->slots[i] = (sl_state_ns_slot){.ns = ns};
    return &s->slots[i];
}

static void sl_state_evict_unlink(sl_state_entry *e) {
    e->evict_prev->evict_next = e->evict_next;
    e->evict_next->evict_prev = e->evict_prev;
}

static void sl_state_evict_push_front(sl_state *s, sl_state_entry *e) {
    e->evict_prev = &s->evict_list;
    e->evict_next = s->evict_list.evict_next;
    s->evict_list.evict_next->evict_prev = e;
    s->evict_list.evict_next = e;
}

/* Eviction is CLOCK (second chance), not strict LRU: a read only marks
 * the entry (sl_state_cache_touch), where moving it to the front of the
 * list would write its two neighbours -- two more cache misses on every
 * read of a large state. Before an eviction, marked entries among the
 * oldest are unmarked and moved to the front until the oldest `victims`
 * are all unmarked. */
void sl_state_cache_second_chance(sl_state *s, size_t victims) {
    size_t found = 0;
    /* Every entry is passed at most twice (marked, then unmarked at the
     * front), and victims < s->count: the walk ends within the list. */
    for (sl_state_entry *e = s->evict_list.evict_prev, *newer; found < victims && e != &s->evict_list; e = newer) {
        newer = e->evict_prev;
        if (!e->referenced) {
            found++;
            continue;
        }
        e->referenced = false;
        sl_state_evict_unlink(e);
        sl_state_evict_push_front(s, e);
    }
}

static sl_state_entry *sl_state_block(sl_state *s, size_t key_len) {
    sl_state_entry *e = s->free_list;
    if (e && e->key_cap >= key_len) {
        s->free_list = e->hnext;
        s->n_free--;
        return e;
    }
    size_t cap = key_len < SL_STATE_MIN_KEY_CAP ? SL_STATE_MIN_KEY_CAP : key_len;
    e = sl_state_xalloc(NULL, s->key_off + cap);
    e->key_cap = (uint32_t)cap;
    return e;
}

sl_state_entry *sl_state_cache_insert(sl_state *s, uint64_t key_hash, const void *key,
                                      size_t key_len, int64_t ns) {
    if (s->count >= s->nbuckets) sl_state_rehash(s);
    sl_state_entry *e = sl_state_block(s, key_len);
    e->key_hash = key_hash;
    e->ns = ns;
    e->key_len = (uint32_t)key_len;
    e->dirty = e->in_store = false;
    if (key_len) memcpy(sl_state_entry_key(s, e), key, key_len);

    size_t bi = sl_state_bucket(s, key_hash, ns);
    e->hnext = s->buckets[bi];
    s->buckets[bi] = e;

    sl_state_ns_slot *slot = sl_state_slot_add(s, ns);
    e->ns_prev = NULL;
    e->ns_next = slot->head;
    if (slot->head) slot->head->ns_prev = e;
    slot->head = e;
    slot->count++;

    /* Marked: the entry a get inserts is the one it returns, and the
     * eviction that follows must not take it. */
    e->referenced = true;
    if (s->b->vt->evicts) sl_state_evict_push_front(s, e);
    s->count++;
    return e;
}

static void sl_state_ns_unlink(sl_state *s, sl_state_entry *e) {
    size_t i = sl_state_cache_slot_from(s, e->ns);
    sl_state_ns_slot *slot = &s->slots[i];
    if (e->ns_prev) e->ns_prev->ns_next = e->ns_next;
    else slot->head = e->ns_next;
    if (e->ns_next) e->ns_next->ns_prev = e->ns_prev;
    if (--slot->count == 0) {
        memmove(&s->slots[i], &s->slots[i + 1], (s->nslots - i - 1) * sizeof *s->slots);
        s->nslots--;
    }
}

/* Out of the hash table and the eviction list, destroyed and recycled; the caller
 * takes it out of its namespace list. */
static void sl_state_release(sl_state *s, sl_state_entry *e) {
    sl_state_entry **pp = &s->buckets[sl_state_bucket(s, e->key_hash, e->ns)];
    while (*pp != e) pp = &(*pp)->hnext;
    *pp = e->hnext;
    if (s->b->vt->evicts) sl_state_evict_unlink(e);
    s->count--;
    if (s->last == e) s->last = NULL;
    if (s->ops->destroy) s->ops->destroy(sl_state_entry_value(s, e));
    if (s->n_free < SL_STATE_MAX_FREE) {
        e->hnext = s->free_list;
        s->free_list = e;
        s->n_free++;
    } else {
        free(e);
    }
}

void sl_state_cache_drop(sl_state *s, sl_state_entry *e) {
    sl_state_ns_unlink(s, e);
    sl_state_release(s, e);
}

void sl_state_cache_drop_namespace(sl_state *s, int64_t ns) {
    size_t i = sl_state_cache_slot_from(s, ns);
    if (i >= s->nslots || s->slots[i].ns != ns) return;
    sl_state_entry *e = s->slots[i].head;
    memmove(&s->slots[i], &s->slots[i + 1], (s->nslots - i - 1) * sizeof *s->slots);
    s->nslots--;
    while (e) {
        sl_state_entry *next = e->ns_next;
        if (next) __builtin_prefetch(&s->buckets[sl_state_bucket(s, next->key_hash, next->ns)]);
        sl_state_release(s, e);
        e = next;
    }
}

void sl_state_cache_clear(sl_state *s) {
    while (s->nslots) sl_state_cache_drop(s, s->slots[0].head);
}

void sl_state_cache_free(sl_state *s) {
    if (s->ops) sl_state_cache_clear(s);
    while (s->free_list) {
        sl_state_entry *e = s->free_list;
        s->free_list = e->hnext;
        free(e);
    }
    s->n_free = 0;
    free(s->buckets);
    free(s->slots);
    s->buckets = NULL;
    s->slots = NULL;
    s->nbuckets = s->nslots = s->slots_cap = 0;
}
