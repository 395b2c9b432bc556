/* state.h -- keyed state: values addressed by (key, namespace), with two backends.
 *
 * A backend belongs to one worker (subtask) of one stage and holds any number
 * of named states; each named state is a RocksDB column family or an
 * in-memory hash table. Keys are opaque bytes with a caller-supplied 64-bit
 * hash (its key group decides ownership); the namespace is a 64-bit integer
 * (a window slice's start, or 0). Values are C structs described by
 * sl_state_value_ops so that both backends can hold them and RocksDB can
 * serialize them.
 *
 * Access goes through an in-memory write-back cache: sl_state_get() returns a
 * pointer to the cached struct, mutations happen in place, and dirty entries
 * reach RocksDB only when the cache is full, when a namespace is evicted, or
 * at a checkpoint. So there is no RocksDB read-modify-write per event, and
 * state larger than the cache is still correct (misses read RocksDB back).
 *
 * RocksDB key layout (per column family): key_group (1 byte) | key bytes |
 * namespace (8 bytes, big-endian, sign-flipped). A prefix scan on
 * key_group|key finds one key's state; a scan on key_group finds the state a
 * restore must take when parallelism changes. */
#ifndef SL_STATE_H
#define SL_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/conf.h"
#include "engine/error.h"

typedef struct sl_state_backend sl_state_backend;
typedef struct sl_state sl_state;

typedef struct sl_state_value_ops {
    size_t size;                                  /* sizeof the value struct */
    void (*init)(void *value);                    /* a fresh (empty) value */
    /* Serialize into buf (cap bytes); return the bytes needed (call again with
     * a larger buffer when that exceeds cap). */
    size_t (*encode)(const void *value, uint8_t *buf, size_t cap);
    bool (*decode)(void *value, const uint8_t *buf, size_t len);   /* false: corrupt */
    void (*destroy)(void *value);                 /* free memory the value owns; may be NULL */
} sl_state_value_ops;

/* kind: "memory" or "rocksdb". dir: RocksDB working directory (created;
 * ignored by the memory backend). cache_entries: write-back cache size per
 * named state. */
sl_state_backend *sl_state_backend_open(const char *kind, const char *dir, size_t cache_entries,
                                        char *errstr, size_t errstr_size);
void sl_state_backend_close(sl_state_backend *b);   /* also deletes a temporary dir */
const char *sl_state_backend_kind(const sl_state_backend *b);

/* Declare a named state; the same name returns the same state. */
sl_state *sl_state_declare(sl_state_backend *b, const char *name, const sl_state_value_ops *ops);

/* The value of (key, ns). Absent: NULL, or a fresh init()ed value when create
 * is true. The pointer stays valid until the next get/remove/foreach on this
 * state; after mutating it, call sl_state_mark_dirty() (the memory backend
 * ignores it). */
void *sl_state_get(sl_state *s, uint64_t key_hash, const void *key, size_t key_len,
                   int64_t ns, bool create);
void sl_state_mark_dirty(sl_state *s);            /* the value last returned by get */
void sl_state_remove(sl_state *s, uint64_t key_hash, const void *key, size_t key_len, int64_t ns);

/* Visit every (key, value) in namespace ns, in unspecified order. Values may
 * be mutated in place (they are marked dirty). Return non-zero from cb to stop. */
typedef int (*sl_state_visit_fn)(const void *key, size_t key_len, uint64_t key_hash,
                                 void *value, void *opaque);
void sl_state_foreach_in_namespace(sl_state *s, int64_t ns, sl_state_visit_fn cb, void *opaque);
/* Visit every namespace that holds at least one value (ascending). */
void sl_state_foreach_namespace(sl_state *s, void (*cb)(int64_t ns, void *opaque), void *opaque);
/* Drop every value in namespace ns (a slice that no window needs any more). */
void sl_state_remove_namespace(sl_state *s, int64_t ns);

/* Approximate bytes held (cache + RocksDB live data), for metrics. */
uint64_t sl_state_backend_size_bytes(sl_state_backend *b);

/* Write a consistent snapshot of every state into dir (created; must not
 * exist). RocksDB: flush the caches, then rocksdb_checkpoint_create (hard
 * links SST files: incremental on disk). Memory: one serialized file. */
sl_err sl_state_backend_snapshot(sl_state_backend *b, const char *dir, char *errstr, size_t errstr_size);

/* Replace all state with the key groups [kg_first, kg_end) found in the given
 * snapshot directories (several when parallelism changed). */
sl_err sl_state_backend_restore(sl_state_backend *b, const char *const *dirs, size_t n_dirs,
                                uint32_t kg_first, uint32_t kg_end,
                                char *errstr, size_t errstr_size);

#endif
