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
 * restore must take when parallelism changes. The stored value is key_hash
 * (8 bytes, little-endian) followed by ops->encode's bytes.
 *
 * Namespace operations (foreach_in_namespace, foreach_namespace,
 * remove_namespace) walk a per-namespace list in the cache while every stored
 * value is also cached (always for the memory backend; for RocksDB until the
 * first eviction or a restore). After that they flush the cache and scan the
 * whole column family, filtering on the namespace suffix: O(state) per call.
 * That is the price of the key layout above and of keeping memory bounded by
 * the cache; an in-memory index of every key per namespace would not be.
 *
 * Failures that a void function cannot return (a RocksDB read or write, a
 * value that does not decode) are logged and remembered: the next
 * sl_state_backend_snapshot fails with them, so the checkpoint is not taken
 * and the job restarts from the last good one. A backend is used by one
 * thread; visitor callbacks must not call into the same state. */
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
    /* Fill a zero-filled value from buf; false: corrupt (destroy is then
     * called on what decode left, so leave it destroyable). */
    bool (*decode)(void *value, const uint8_t *buf, size_t len);
    void (*destroy)(void *value);                 /* free memory the value owns; may be NULL */
} sl_state_value_ops;

/* kind: "memory" or "rocksdb". dir: RocksDB working directory (created;
 * ignored by the memory backend). It is scratch space owned by this backend:
 * a database left there is deleted on open; NULL: a temporary directory
 * under $TMPDIR, removed on close. cache_entries: write-back cache size per
 * named state (RocksDB; the memory backend keeps everything). */
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

/* Prefetching, for a loop that gets the values of many keys in turn (an
 * operator's events): with a state larger than the CPU caches each get
 * misses them several times over (the bucket, the entry, what its value
 * points to), one miss after another. A loop that calls these for a later
 * key, in order and some keys apart, keeps those misses in flight while it
 * works on earlier keys. Each step reads only what the step before loaded;
 * none changes the state. */
/* The first step: the bucket where the search for (key_hash, ns) starts. */
void sl_state_prefetch_bucket(const sl_state *s, uint64_t key_hash, int64_t ns);
/* The second: the entry the bucket leads to (header, value, key). */
void sl_state_prefetch_entry(const sl_state *s, uint64_t key_hash, int64_t ns);
/* The third step's guess: the value of that entry when its hash and ns are
 * (key_hash, ns), else NULL -- for the caller to prefetch what the value
 * points to. Only to read, and not to be relied on: use sl_state_get. */
const void *sl_state_peek(const sl_state *s, uint64_t key_hash, int64_t ns);
void sl_state_remove(sl_state *s, uint64_t key_hash, const void *key, size_t key_len, int64_t ns);

/* Visit every (key, value) in namespace ns, in unspecified order. Values may
 * be mutated in place (they are marked dirty). Return non-zero from cb to stop. */
typedef int (*sl_state_visit_fn)(const void *key, size_t key_len, uint64_t key_hash,
                                 void *value, void *opaque);
void sl_state_foreach_in_namespace(sl_state *s, int64_t ns, sl_state_visit_fn cb, void *opaque);
/* Whether the next visit's keys and values stay where cb found them until
 * the visit ends, so that cb may leave one to work on later (a pipelined
 * visit): true while every entry is in the cache. Otherwise (RocksDB with
 * more entries than state.cache_entries) a visit reads the store, and each
 * value is a scratch copy written back when cb returns: cb must finish
 * with it before it returns. */
bool sl_state_visit_values_stay(const sl_state *s);
/* Visit every namespace that holds at least one value (ascending). */
void sl_state_foreach_namespace(sl_state *s, void (*cb)(int64_t ns, void *opaque), void *opaque);
/* Drop every value in namespace ns (a slice that no window needs any more). */
void sl_state_remove_namespace(sl_state *s, int64_t ns);

/* Approximate bytes held (cache + RocksDB live data), for metrics. */
uint64_t sl_state_backend_size_bytes(sl_state_backend *b);

/* Write a consistent snapshot of every state into dir (created; must not
 * exist; its parent must). RocksDB: flush the caches, then
 * rocksdb_checkpoint_create (hard links SST files: incremental on disk) and a
 * seal file listing the files. Memory: one checksummed file, state.bin.
 * See docs/state.md for the formats. */
sl_err sl_state_backend_snapshot(sl_state_backend *b, const char *dir, char *errstr, size_t errstr_size);

/* Replace all state with the key groups [kg_first, kg_end) found in the given
 * snapshot directories (several when parallelism changed). Works before or
 * after the states are declared. Errors: SL_ERR_NOT_FOUND (a directory is
 * missing), SL_ERR_CORRUPT (damaged snapshot; errstr names the directory and
 * the problem), SL_ERR_INVALID_ARG (range not inside [0, SL_MAX_KEY_GROUPS)).
 * After an error the state is partly restored: restore again or fail. */
sl_err sl_state_backend_restore(sl_state_backend *b, const char *const *dirs, size_t n_dirs,
                                uint32_t kg_first, uint32_t kg_end,
                                char *errstr, size_t errstr_size);

#endif
