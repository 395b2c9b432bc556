/* state_backend.h -- private: the write-back cache's structures and the backend vtable.
 *
 * state.c owns the cache (one hash table per named state) and calls a
 * backend through sl_state_backend_vtable. The memory backend has no store
 * behind the cache (it never evicts); the RocksDB backend stores each named
 * state in a column family and receives the cache's evictions and flushes as
 * write batches. Only engine/state*.c include this header. */
#ifndef SL_STATE_BACKEND_H
#define SL_STATE_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/operator.h"
#include "engine/state.h"

/* One cached (key, ns) -> value. Allocated as one block: this header, the
 * value struct (ops->size bytes, 16-byte aligned) and key_cap key bytes. */
typedef struct sl_state_entry {
    struct sl_state_entry *hnext;               /* hash chain */
    struct sl_state_entry *evict_prev, *evict_next; /* the eviction list (only when the backend evicts) */
    struct sl_state_entry *ns_prev, *ns_next;   /* the namespace's entry list */
    uint64_t key_hash;
    int64_t ns;
    uint32_t key_len, key_cap;
    bool dirty;       /* changed since the store last saw it */
    bool referenced;  /* read since the eviction clock last passed it (only when the backend evicts) */
    bool in_store;    /* the store may hold this (key, ns): removal must reach it */
} sl_state_entry;

/* The cached entries of one namespace; slots are kept sorted by ns. */
typedef struct sl_state_ns_slot {
    int64_t ns;
    sl_state_entry *head;
    size_t count;
} sl_state_ns_slot;

struct sl_state {
    sl_state_backend *b;
    struct sl_state *next;            /* the backend's list of named states */
    char *name;
    const sl_state_value_ops *ops;    /* NULL while only known from a restore */
    size_t value_off, key_off;        /* offsets of value and key inside an entry block */

    sl_state_entry **buckets;
    size_t nbuckets, count;
    sl_state_entry evict_list;        /* sentinel: evict_list.evict_next is the newest (inserted or given a second chance) */
    sl_state_ns_slot *slots;
    size_t nslots, slots_cap;
    sl_state_entry *free_list;        /* recycled entry blocks (hnext-linked) */
    size_t n_free;
    sl_state_entry *last;             /* the value sl_state_get returned last */

    /* The store holds (key, ns) pairs that are not in the cache: misses and
     * namespace scans must consult it. Set by eviction and by restore. */
    bool store_has_uncached;
    /* Memory backend: entries restored before sl_state_declare supplied the
     * ops to decode them, in snapshot entry format (sl_state_entry_format). */
    sl_buf pending;
    size_t n_pending;
    uint8_t *dbkey;                   /* scratch for the store key */
    size_t dbkey_cap;
    void *scratch_value;              /* decoded store value during a scan */
    void *store;                      /* the backend's handle (a column family) */
};

typedef int (*sl_state_scan_fn)(const uint8_t *key, size_t key_len,
                                const uint8_t *val, size_t val_len, void *opaque);

typedef struct sl_state_backend_vtable {
    const char *kind;
    bool evicts;   /* the cache is bounded and backed by the store functions below */
    sl_err (*open)(sl_state_backend *b, const char *dir, char *errstr, size_t errstr_size);
    void (*close)(sl_state_backend *b);
    /* Give s its store (s->store); called once per named state. */
    sl_err (*attach)(sl_state_backend *b, sl_state *s, char *errstr, size_t errstr_size);
    /* Store access (only when evicts). put/del queue into one batch that
     * commit writes atomically. read: 1 found (value in *out), 0 absent, -1 error. */
    void (*put)(sl_state_backend *b, sl_state *s, const uint8_t *k, size_t kl,
                const uint8_t *v, size_t vl);
    void (*del)(sl_state_backend *b, sl_state *s, const uint8_t *k, size_t kl);
    sl_err (*commit)(sl_state_backend *b, char *errstr, size_t errstr_size);
    int (*read)(sl_state_backend *b, sl_state *s, const uint8_t *k, size_t kl, sl_buf *out,
                char *errstr, size_t errstr_size);
    /* Visit every stored pair of s in key order; stops when fn returns non-zero. */
    sl_err (*scan)(sl_state_backend *b, sl_state *s, sl_state_scan_fn fn, void *opaque,
                   char *errstr, size_t errstr_size);
    uint64_t (*size_bytes)(sl_state_backend *b);
    /* Caches are flushed (and, for memory, intact) when these run. */
    sl_err (*snapshot)(sl_state_backend *b, const char *dir, char *errstr, size_t errstr_size);
    /* Caches are empty when this runs. */
    sl_err (*restore)(sl_state_backend *b, const char *const *dirs, size_t n_dirs,
                      uint32_t kg_first, uint32_t kg_end, char *errstr, size_t errstr_size);
} sl_state_backend_vtable;

struct sl_state_backend {
    const sl_state_backend_vtable *vt;
    void *impl;
    size_t cache_entries;
    sl_state *states;
    sl_buf enc;            /* scratch: an encoded value */
    /* The first store failure seen where the API cannot report one (get,
     * eviction); the next snapshot fails with it so the job restarts from
     * its last checkpoint instead of silently losing state. */
    sl_err sticky_err;
    char sticky_msg[512];
};

extern const sl_state_backend_vtable sl_state_memory_vtable;
extern const sl_state_backend_vtable sl_state_rocksdb_vtable;

/* ---- used by the backends, defined in state.c ---- */

/* The named state, created (undeclared: ops NULL) when unknown; NULL when the
 * store refuses it (errstr says why). */
sl_state *sl_state_lookup_or_add(sl_state_backend *b, const char *name,
                                 char *errstr, size_t errstr_size);
/* Record a store failure that the caller cannot return (see sticky_err). */
void sl_state_backend_fail(sl_state_backend *b, sl_err err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Snapshot entry format, shared by the memory backend's file and its pending
 * list: u64 key_hash | i64 ns | u32 key_len | u32 value_len | key | value
 * (little-endian). append encodes the value with s->ops. */
void sl_state_entry_append(sl_state *s, const sl_state_entry *e, sl_buf *out);
typedef struct sl_state_entry_view {
    uint64_t key_hash;
    int64_t ns;
    const uint8_t *key, *value;
    uint32_t key_len, value_len;
} sl_state_entry_view;
bool sl_state_entry_parse(sl_buf_reader *r, sl_state_entry_view *out);
/* Decode an entry into s's cache (or its pending list while undeclared). */
sl_err sl_state_entry_insert(sl_state *s, const sl_state_entry_view *v,
                             char *errstr, size_t errstr_size);

static inline void *sl_state_entry_value(const sl_state *s, sl_state_entry *e) {
    return (uint8_t *)e + s->value_off;
}
static inline uint8_t *sl_state_entry_key(const sl_state *s, sl_state_entry *e) {
    return (uint8_t *)e + s->key_off;
}

/* ---- RocksDB snapshot seal, defined in state_seal.c ---- */

/* List dir's files (sizes; hashes of metadata files) in dir/SLUICE-SEAL. */
sl_err sl_state_seal_write(const char *dir, char *errstr, size_t errstr_size);
/* SL_ERR_CORRUPT naming the file when dir does not match its seal. */
sl_err sl_state_seal_verify(const char *dir, char *errstr, size_t errstr_size);

/* ---- the cache, defined in state_cache.c ---- */

sl_state_entry *sl_state_cache_find(sl_state *s, uint64_t key_hash, const void *key,
                                    size_t key_len, int64_t ns);
/* A new entry (value bytes uninitialised), linked into hash, namespace and eviction list. */
sl_state_entry *sl_state_cache_insert(sl_state *s, uint64_t key_hash, const void *key,
                                      size_t key_len, int64_t ns);
/* Unlink e, destroy its value, keep the block for reuse. */
void sl_state_cache_drop(sl_state *s, sl_state_entry *e);
/* Drop every cached entry of namespace ns at once (one slot removal, buckets
 * prefetched ahead): what removing a pane does, at every pane's end. */
void sl_state_cache_drop_namespace(sl_state *s, int64_t ns);
/* Read: spare it at the next eviction. */
static inline void sl_state_cache_touch(sl_state_entry *e) { e->referenced = true; }
/* Make the `victims` oldest entries unreferenced ones (see state_cache.c). */
void sl_state_cache_second_chance(sl_state *s, size_t victims);
void sl_state_cache_clear(sl_state *s);                      /* drop every entry */
void sl_state_cache_free(sl_state *s);                       /* clear and free the tables */
/* Index of the first namespace slot with ns >= from (nslots when none). */
size_t sl_state_cache_slot_from(const sl_state *s, int64_t from);
sl_state_ns_slot *sl_state_cache_slot(sl_state *s, int64_t ns);   /* NULL when empty */

#endif
