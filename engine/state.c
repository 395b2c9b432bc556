/* state.c -- keyed state: the public API, the write-back cache policy, dispatch to a backend.
 *
 * Cache policy (RocksDB): get() on a miss reads the store only when the store
 * may hold pairs the cache lacks (store_has_uncached); new values are dirty.
 * When a state's cache exceeds cache_entries, the least-recently-used eighth
 * is evicted in one write batch (dirty ones are written, clean ones dropped),
 * so evictions cost one RocksDB write per cache_entries/8 misses. The entry
 * get() just returned is the most recently used one and is never evicted.
 * Removals reach RocksDB at once (a delete in the memtable) so that a later
 * miss cannot read a removed value back. The memory backend is the same cache
 * without a limit and without a store. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/keygroup.h"
#include "engine/log.h"
#include "engine/state_backend.h"

static const sl_state_backend_vtable *const sl_state_kinds[] = {
    &sl_state_memory_vtable,
    &sl_state_rocksdb_vtable,
};

/* ---- backend lifetime ---- */

sl_state_backend *sl_state_backend_open(const char *kind, const char *dir, size_t cache_entries,
                                        char *errstr, size_t errstr_size) {
    const sl_state_backend_vtable *vt = NULL;
    for (size_t i = 0; i < sizeof sl_state_kinds / sizeof *sl_state_kinds; i++)
        if (kind && strcmp(kind, sl_state_kinds[i]->kind) == 0) vt = sl_state_kinds[i];
    if (!vt) {
        sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                "state backend '%s' is unknown: set state.backend to memory or rocksdb",
                kind ? kind : "(null)");
        return NULL;
    }
    sl_state_backend *b = calloc(1, sizeof *b);
    if (!b) {
        sl_errf(SL_ERR_STATE, errstr, errstr_size, "out of memory opening a %s state backend", kind);
        return NULL;
    }
    b->vt = vt;
    b->cache_entries = cache_entries ? cache_entries : 1;
    if (vt->open(b, dir, errstr, errstr_size) != SL_OK) {
        free(b);
        return NULL;
    }
    return b;
}

static void sl_state_free(sl_state *s) {
    free(s->name);
    sl_buf_free(&s->pending);
    free(s->dbkey);
    free(s->scratch_value);
    free(s);
}

void sl_state_backend_close(sl_state_backend *b) {
    if (!b) return;
    for (sl_state *s = b->states; s; s = s->next) sl_state_cache_free(s);
    b->vt->close(b);   /* still sees every state's store handle */
    while (b->states) {
        sl_state *s = b->states;
        b->states = s->next;
        sl_state_free(s);
    }
    sl_buf_free(&b->enc);
    free(b);
}

const char *sl_state_backend_kind(const sl_state_backend *b) {
    return b->vt->kind;
}

void sl_state_backend_fail(sl_state_backend *b, sl_err err, const char *fmt, ...) {
    if (b->sticky_err != SL_OK) return;   /* the first failure explains the rest */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->sticky_msg, sizeof b->sticky_msg, fmt, ap);
    va_end(ap);
    b->sticky_err = err;
    sl_log_error("state", "%s", b->sticky_msg);
}

sl_state *sl_state_lookup_or_add(sl_state_backend *b, const char *name,
                                 char *errstr, size_t errstr_size) {
    sl_state **tail = &b->states;
    for (; *tail; tail = &(*tail)->next)
        if (strcmp((*tail)->name, name) == 0) return *tail;
    sl_state *s = calloc(1, sizeof *s);
    if (!s || !(s->name = strdup(name))) {
        free(s);
        sl_errf(SL_ERR_STATE, errstr, errstr_size, "out of memory declaring state '%s'", name);
        return NULL;
    }
    s->b = b;
    s->evict_list.evict_next = s->evict_list.evict_prev = &s->evict_list;
    if (b->vt->attach(b, s, errstr, errstr_size) != SL_OK) {
        sl_state_free(s);
        return NULL;
    }
    *tail = s;   /* appended: snapshots list states in declaration order */
    return s;
}

static void sl_state_decode_pending(sl_state *s) {
    sl_buf_reader r = {s->pending.data, s->pending.data + s->pending.len};
    sl_state_entry_view v;
    char err[256];
    while (sl_state_entry_parse(&r, &v))
        if (sl_state_entry_insert(s, &v, err, sizeof err) != SL_OK)
            sl_state_backend_fail(s->b, SL_ERR_CORRUPT, "%s", err);
    sl_buf_free(&s->pending);
    s->n_pending = 0;
}

sl_state *sl_state_declare(sl_state_backend *b, const char *name, const sl_state_value_ops *ops) {
    char err[512];
    sl_state *s = sl_state_lookup_or_add(b, name, err, sizeof err);
    if (!s) {
        sl_state_backend_fail(b, SL_ERR_STATE, "%s", err);
        return NULL;
    }
    if (s->ops) return s;
    s->ops = ops;
    s->value_off = (sizeof(sl_state_entry) + 15) & ~(size_t)15;
    s->key_off = s->value_off + ((ops->size + 7) & ~(size_t)7);
    s->scratch_value = calloc(1, ops->size ? ops->size : 1);
    if (!s->scratch_value) abort();
    if (s->n_pending) sl_state_decode_pending(s);
    return s;
}

/* ---- store keys and values ---- */

/* key_group (1 byte) | key | ns (8 bytes big-endian, sign bit flipped so
 * that byte order is numeric order). */
static size_t sl_state_dbkey(sl_state *s, uint64_t key_hash, const void *key, size_t key_len,
                             int64_t ns) {
    size_t need = 1 + key_len + 8;
    if (need > s->dbkey_cap) {
        s->dbkey_cap = need * 2;
        s->dbkey = realloc(s->dbkey, s->dbkey_cap);
        if (!s->dbkey) abort();
    }
    s->dbkey[0] = (uint8_t)sl_key_group(key_hash);
    if (key_len) memcpy(s->dbkey + 1, key, key_len);
    uint64_t u = (uint64_t)ns ^ (1ULL << 63);
    for (int i = 0; i < 8; i++) s->dbkey[1 + key_len + i] = (uint8_t)(u >> (56 - 8 * i));
    return need;
}

static int64_t sl_state_dbkey_ns(const uint8_t *k, size_t kl) {
    uint64_t u = 0;
    for (int i = 0; i < 8; i++) u = u << 8 | k[kl - 8 + i];
    return (int64_t)(u ^ (1ULL << 63));
}

/* Append ops->encode(value) to out, growing it as the encoder asks. */
static void sl_state_encode(const sl_state *s, const void *value, sl_buf *out) {
    size_t avail = out->cap - out->len;
    size_t need = s->ops->encode(value, out->data ? out->data + out->len : NULL, avail);
    if (need > avail) {
        size_t cap = out->len + need;
        out->data = realloc(out->data, cap);
        if (!out->data) abort();
        out->cap = cap;
        need = s->ops->encode(value, out->data + out->len, need);
    }
    out->len += need;
}

static uint64_t sl_state_le(const uint8_t *p, int n) {
    uint64_t x = 0;
    for (int i = n - 1; i >= 0; i--) x = x << 8 | p[i];
    return x;
}

/* The store's value: key_hash (8 bytes, little-endian) | encoded value; the
 * hash makes a scanned pair addressable in the cache and to visitors. */
static void sl_state_store_value(sl_state *s, uint64_t key_hash, const void *value) {
    sl_buf *enc = &s->b->enc;
    enc->len = 0;
    sl_buf_append_u64(enc, key_hash);
    sl_state_encode(s, value, enc);
}

static void sl_state_store_put(sl_state *s, sl_state_entry *e) {
    size_t kl = sl_state_dbkey(s, e->key_hash, sl_state_entry_key(s, e), e->key_len, e->ns);
    sl_state_store_value(s, e->key_hash, sl_state_entry_value(s, e));
    s->b->vt->put(s->b, s, s->dbkey, kl, s->b->enc.data, s->b->enc.len);
}

/* Decode a store value into value (zero-filled first); false: corrupt. */
static bool sl_state_store_decode(sl_state *s, const uint8_t *v, size_t vl, void *value) {
    memset(value, 0, s->ops->size);
    if (vl >= 8 && s->ops->decode(value, v + 8, vl - 8)) return true;
    if (s->ops->destroy) s->ops->destroy(value);
    return false;
}

static sl_err sl_state_commit(sl_state *s) {
    char err[400];
    if (s->b->vt->commit(s->b, err, sizeof err) == SL_OK) return SL_OK;
    sl_state_backend_fail(s->b, SL_ERR_STATE, "state '%s': %s", s->name, err);
    return SL_ERR_STATE;
}

/* Write every dirty entry of s to the store; they stay cached, now clean. */
static sl_err sl_state_flush(sl_state *s) {
    if (!s->b->vt->evicts || !s->ops) return SL_OK;
    size_t n = 0;
    for (size_t i = 0; i < s->nslots; i++)
        for (sl_state_entry *e = s->slots[i].head; e; e = e->ns_next)
            if (e->dirty) {
                sl_state_store_put(s, e);
                n++;
            }
    if (!n) return SL_OK;
    if (sl_state_commit(s) != SL_OK) return SL_ERR_STATE;
    for (size_t i = 0; i < s->nslots; i++)
        for (sl_state_entry *e = s->slots[i].head; e; e = e->ns_next)
            if (e->dirty) {
                e->dirty = false;
                e->in_store = true;
            }
    return SL_OK;
}

static void sl_state_evict_if_full(sl_state *s) {
    size_t limit = s->b->cache_entries;
    if (!s->b->vt->evicts || s->count <= limit) return;
    size_t target = limit - limit / 8;
    size_t victims = s->count - target;
    sl_state_cache_second_chance(s, victims);
    sl_state_entry *e = s->evict_list.evict_prev;
    for (size_t i = 0; i < victims; i++, e = e->evict_prev)
        if (e->dirty) sl_state_store_put(s, e);
    /* On a failed write keep everything cached: the state stays correct in
     * memory and the next snapshot reports the failure. */
    if (sl_state_commit(s) != SL_OK) return;
    for (size_t i = 0; i < victims; i++) sl_state_cache_drop(s, s->evict_list.evict_prev);
    s->store_has_uncached = true;
}

/* ---- get / remove ---- */

static sl_state_entry *sl_state_load(sl_state *s, uint64_t key_hash, const void *key,
                                     size_t key_len, int64_t ns) {
    size_t kl = sl_state_dbkey(s, key_hash, key, key_len, ns);
    sl_buf *buf = &s->b->enc;
    char err[400];
    buf->len = 0;
    int found = s->b->vt->read(s->b, s, s->dbkey, kl, buf, err, sizeof err);
    if (found < 0) sl_state_backend_fail(s->b, SL_ERR_STATE, "state '%s': %s", s->name, err);
    if (found <= 0) return NULL;
    sl_state_entry *e = sl_state_cache_insert(s, key_hash, key, key_len, ns);
    if (!sl_state_store_decode(s, buf->data, buf->len, sl_state_entry_value(s, e))) {
        sl_state_backend_fail(s->b, SL_ERR_CORRUPT,
                              "state '%s': a stored value of %zu bytes does not decode; "
                              "restore from an earlier checkpoint", s->name, buf->len);
        s->ops->init(sl_state_entry_value(s, e));   /* drop() destroys a valid value */
        sl_state_cache_drop(s, e);
        return NULL;
    }
    e->in_store = true;
    return e;
}

void *sl_state_get(sl_state *s, uint64_t key_hash, const void *key, size_t key_len,
                   int64_t ns, bool create) {
    sl_state_entry *e = sl_state_cache_find(s, key_hash, key, key_len, ns);
    if (e) {
        sl_state_cache_touch(e);
    } else {
        if (s->store_has_uncached) e = sl_state_load(s, key_hash, key, key_len, ns);
        if (!e && create) {
            e = sl_state_cache_insert(s, key_hash, key, key_len, ns);
            s->ops->init(sl_state_entry_value(s, e));
            e->dirty = true;
        }
        if (e) sl_state_evict_if_full(s);   /* e is the most recent: never a victim */
    }
    s->last = e;
    return e ? sl_state_entry_value(s, e) : NULL;
}

void sl_state_mark_dirty(sl_state *s) {
    if (s->last) s->last->dirty = true;
}

void sl_state_remove(sl_state *s, uint64_t key_hash, const void *key, size_t key_len, int64_t ns) {
    sl_state_entry *e = sl_state_cache_find(s, key_hash, key, key_len, ns);
    bool in_store = e ? e->in_store : s->store_has_uncached;
    if (e) sl_state_cache_drop(s, e);
    if (!s->b->vt->evicts || !in_store) return;
    size_t kl = sl_state_dbkey(s, key_hash, key, key_len, ns);
    s->b->vt->del(s->b, s, s->dbkey, kl);
    sl_state_commit(s);
}

/* ---- namespaces ---- */

typedef struct sl_state_visit {
    sl_state *s;
    int64_t ns;
    sl_state_visit_fn cb;
    void *opaque;
    int stop;
} sl_state_visit;

/* A stored pair of the visited namespace: the cached value when there is one
 * (it is newer or equal: the cache was flushed first), else a decoded copy
 * that is written back when the visitor changed it. */
static int sl_state_visit_stored(const uint8_t *k, size_t kl, const uint8_t *v, size_t vl,
                                 void *opaque) {
    sl_state_visit *vis = opaque;
    sl_state *s = vis->s;
    if (kl < 9 || vl < 8 || sl_state_dbkey_ns(k, kl) != vis->ns) return 0;
    uint64_t key_hash = sl_state_le(v, 8);
    const uint8_t *key = k + 1;
    size_t key_len = kl - 9;
    sl_state_entry *e = sl_state_cache_find(s, key_hash, key, key_len, vis->ns);
    if (e) {
        e->dirty = true;
        vis->stop = vis->cb(key, key_len, key_hash, sl_state_entry_value(s, e), vis->opaque);
        return vis->stop;
    }
    if (!sl_state_store_decode(s, v, vl, s->scratch_value)) {
        sl_state_backend_fail(s->b, SL_ERR_CORRUPT,
                              "state '%s': a stored value of %zu bytes in namespace %lld does not "
                              "decode; restore from an earlier checkpoint",
                              s->name, vl, (long long)vis->ns);
        return 0;
    }
    vis->stop = vis->cb(key, key_len, key_hash, s->scratch_value, vis->opaque);
    sl_state_store_value(s, key_hash, s->scratch_value);
    if (s->b->enc.len != vl || memcmp(s->b->enc.data, v, vl) != 0)
        s->b->vt->put(s->b, s, k, kl, s->b->enc.data, s->b->enc.len);
    if (s->ops->destroy) s->ops->destroy(s->scratch_value);
    return vis->stop;
}

static void sl_state_scan(sl_state *s, sl_state_scan_fn fn, void *opaque) {
    char err[400];
    if (s->b->vt->scan(s->b, s, fn, opaque, err, sizeof err) != SL_OK)
        sl_state_backend_fail(s->b, SL_ERR_STATE, "state '%s': %s", s->name, err);
}

bool sl_state_visit_values_stay(const sl_state *s) { return !s->store_has_uncached; }

void sl_state_foreach_in_namespace(sl_state *s, int64_t ns, sl_state_visit_fn cb, void *opaque) {
    s->last = NULL;
    if (!s->store_has_uncached) {
        sl_state_ns_slot *slot = sl_state_cache_slot(s, ns);
        for (sl_state_entry *e = slot ? slot->head : NULL, *next; e; e = next) {
            next = e->ns_next;
            /* The list is a chain of cache misses: the entry after next
             * (whose address next holds, loaded one step ago) starts
             * loading now, while cb works on this one. */
            if (next && next->ns_next) {
                __builtin_prefetch(next->ns_next);
                __builtin_prefetch(sl_state_entry_value(s, next->ns_next));
            }
            e->dirty = true;
            if (cb(sl_state_entry_key(s, e), e->key_len, e->key_hash,
                   sl_state_entry_value(s, e), opaque))
                return;
        }
        return;
    }
    if (sl_state_flush(s) != SL_OK) return;
    sl_state_visit vis = {.s = s, .ns = ns, .cb = cb, .opaque = opaque};
    sl_state_scan(s, sl_state_visit_stored, &vis);
    sl_state_commit(s);
}

/* A sorted set of namespaces collected from a store scan. */
typedef struct sl_state_ns_set {
    int64_t *v;
    size_t n, cap;
} sl_state_ns_set;

static int sl_state_collect_ns(const uint8_t *k, size_t kl, const uint8_t *v, size_t vl,
                               void *opaque) {
    sl_state_ns_set *set = opaque;
    if (kl < 9) return 0;
    int64_t ns = sl_state_dbkey_ns(k, kl);
    size_t lo = 0, hi = set->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (set->v[mid] < ns) lo = mid + 1;
        else hi = mid;
    }
    if (lo < set->n && set->v[lo] == ns) return 0;
    if (set->n == set->cap) {
        set->cap = set->cap ? set->cap * 2 : 16;
        set->v = realloc(set->v, set->cap * sizeof *set->v);
        if (!set->v) abort();
    }
    memmove(&set->v[lo + 1], &set->v[lo], (set->n - lo) * sizeof *set->v);
    set->v[lo] = ns;
    set->n++;
    return 0;
}

void sl_state_foreach_namespace(sl_state *s, void (*cb)(int64_t ns, void *opaque), void *opaque) {
    if (!s->store_has_uncached) {
        /* Re-find the next slot after every callback: cb may remove namespaces. */
        for (size_t i = 0; i < s->nslots;) {
            int64_t ns = s->slots[i].ns;
            cb(ns, opaque);
            if (ns == INT64_MAX) break;
            i = sl_state_cache_slot_from(s, ns + 1);
        }
        return;
    }
    if (sl_state_flush(s) != SL_OK) return;
    sl_state_ns_set set = {0};
    sl_state_scan(s, sl_state_collect_ns, &set);
    for (size_t i = 0; i < set.n; i++) cb(set.v[i], opaque);
    free(set.v);
}

static int sl_state_delete_in_ns(const uint8_t *k, size_t kl, const uint8_t *v, size_t vl,
                                 void *opaque) {
    sl_state_visit *vis = opaque;
    if (kl >= 9 && sl_state_dbkey_ns(k, kl) == vis->ns) vis->s->b->vt->del(vis->s->b, vis->s, k, kl);
    return 0;
}

void sl_state_remove_namespace(sl_state *s, int64_t ns) {
    bool evicts = s->b->vt->evicts;
    sl_state_ns_slot *slot = sl_state_cache_slot(s, ns);
    for (sl_state_entry *e = slot && evicts && !s->store_has_uncached ? slot->head : NULL; e; e = e->ns_next) {
        if (!e->in_store) continue;
        size_t kl = sl_state_dbkey(s, e->key_hash, sl_state_entry_key(s, e), e->key_len, ns);
        s->b->vt->del(s->b, s, s->dbkey, kl);
    }
    sl_state_cache_drop_namespace(s, ns);
    if (!evicts) return;
    if (s->store_has_uncached) {
        sl_state_visit vis = {.s = s, .ns = ns};
        sl_state_scan(s, sl_state_delete_in_ns, &vis);
    }
    sl_state_commit(s);
}

/* ---- size, snapshot, restore ---- */

/* After a restore every pair is in the store only, and namespace visits
 * would scan the whole store each time. Load the pairs into the cache while
 * they fit; when all of them do, the cache is complete again and visits
 * walk its per-namespace lists. */
typedef struct sl_state_warming {
    sl_state *s;
    bool overflow;
} sl_state_warming;

static int sl_state_warm_pair(const uint8_t *k, size_t kl, const uint8_t *v, size_t vl, void *opaque) {
    sl_state_warming *w = opaque;
    sl_state *s = w->s;
    if (s->count >= s->b->cache_entries) {
        w->overflow = true;
        return 1;
    }
    if (kl < 9 || vl < 8) return 0;
    uint64_t key_hash = sl_state_le(v, 8);
    int64_t ns = sl_state_dbkey_ns(k, kl);
    if (sl_state_cache_find(s, key_hash, k + 1, kl - 9, ns)) return 0;
    sl_state_entry *e = sl_state_cache_insert(s, key_hash, k + 1, kl - 9, ns);
    if (!sl_state_store_decode(s, v, vl, sl_state_entry_value(s, e))) {
        s->ops->init(sl_state_entry_value(s, e));
        sl_state_cache_drop(s, e);
        w->overflow = true;   /* leave it to the store path, which reports it */
        return 1;
    }
    e->in_store = true;
    e->dirty = false;
    return 0;
}

static void sl_state_warm(sl_state *s) {
    if (!s->ops || !s->store_has_uncached || !s->b->vt->evicts) return;
    sl_state_warming w = {s, false};
    sl_state_scan(s, sl_state_warm_pair, &w);
    if (!w.overflow) s->store_has_uncached = false;
}


uint64_t sl_state_backend_size_bytes(sl_state_backend *b) {
    uint64_t bytes = 0;
    for (sl_state *s = b->states; s; s = s->next)
        bytes += s->count * (uint64_t)(s->key_off + 16) + s->nbuckets * sizeof(void *) +
                 s->pending.len;
    return bytes + (b->vt->size_bytes ? b->vt->size_bytes(b) : 0);
}

sl_err sl_state_backend_snapshot(sl_state_backend *b, const char *dir, char *errstr,
                                 size_t errstr_size) {
    for (sl_state *s = b->states; s; s = s->next) sl_state_flush(s);
    if (b->sticky_err != SL_OK)
        return sl_errf(b->sticky_err, errstr, errstr_size,
                       "state snapshot into %s refused after an earlier state failure: %s",
                       dir, b->sticky_msg);
    return b->vt->snapshot(b, dir, errstr, errstr_size);
}

sl_err sl_state_backend_restore(sl_state_backend *b, const char *const *dirs, size_t n_dirs,
                                uint32_t kg_first, uint32_t kg_end,
                                char *errstr, size_t errstr_size) {
    if (kg_first > kg_end || kg_end > SL_MAX_KEY_GROUPS)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                       "state restore: key-group range [%u, %u) is not inside [0, %d)",
                       kg_first, kg_end, SL_MAX_KEY_GROUPS);
    for (sl_state *s = b->states; s; s = s->next) {
        sl_state_cache_free(s);
        sl_buf_free(&s->pending);
        s->n_pending = 0;
        s->store_has_uncached = false;
        s->last = NULL;
    }
    /* A restore is how a job recovers: earlier failures belong to the old state. */
    b->sticky_err = SL_OK;
    b->sticky_msg[0] = '\0';
    sl_err err = b->vt->restore(b, dirs, n_dirs, kg_first, kg_end, errstr, errstr_size);
    if (err == SL_OK)
        for (sl_state *s = b->states; s; s = s->next) sl_state_warm(s);
    return err;
}

/* ---- snapshot entry format ---- */

static void sl_state_append_u32(sl_buf *out, uint32_t v) {
    uint8_t le[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    sl_buf_append(out, le, 4);
}

static void sl_state_entry_header(sl_buf *out, uint64_t key_hash, int64_t ns, uint32_t key_len,
                                  uint32_t value_len) {
    sl_buf_append_u64(out, key_hash);
    sl_buf_append_u64(out, (uint64_t)ns);
    sl_state_append_u32(out, key_len);
    sl_state_append_u32(out, value_len);
}

void sl_state_entry_append(sl_state *s, const sl_state_entry *e, sl_buf *out) {
    size_t at = out->len;
    sl_state_entry_header(out, e->key_hash, e->ns, e->key_len, 0);
    sl_buf_append(out, sl_state_entry_key(s, (sl_state_entry *)e), e->key_len);
    size_t value_at = out->len;
    sl_state_encode(s, sl_state_entry_value(s, (sl_state_entry *)e), out);
    uint32_t value_len = (uint32_t)(out->len - value_at);
    for (int i = 0; i < 4; i++) out->data[at + 20 + i] = (uint8_t)(value_len >> (8 * i));
}

bool sl_state_entry_parse(sl_buf_reader *r, sl_state_entry_view *out) {
    uint64_t key_hash, ns;
    uint8_t lens[8];
    if (!sl_buf_read_u64(r, &key_hash) || !sl_buf_read_u64(r, &ns) || !sl_buf_read(r, lens, 8))
        return false;
    uint32_t key_len = (uint32_t)sl_state_le(lens, 4);
    uint32_t value_len = (uint32_t)sl_state_le(lens + 4, 4);
    if ((uint64_t)(r->end - r->p) < (uint64_t)key_len + value_len) return false;
    *out = (sl_state_entry_view){.key_hash = key_hash, .ns = (int64_t)ns, .key = r->p,
                                 .key_len = key_len, .value = r->p + key_len,
                                 .value_len = value_len};
    r->p += (size_t)key_len + value_len;
    return true;
}

sl_err sl_state_entry_insert(sl_state *s, const sl_state_entry_view *v,
                             char *errstr, size_t errstr_size) {
    if (!s->ops) {
        sl_state_entry_header(&s->pending, v->key_hash, v->ns, v->key_len, v->value_len);
        sl_buf_append(&s->pending, v->key, v->key_len);
        sl_buf_append(&s->pending, v->value, v->value_len);
        s->n_pending++;
        return SL_OK;
    }
    sl_state_entry *e = sl_state_cache_find(s, v->key_hash, v->key, v->key_len, v->ns);
    if (e) sl_state_cache_drop(s, e);
    e = sl_state_cache_insert(s, v->key_hash, v->key, v->key_len, v->ns);
    void *value = sl_state_entry_value(s, e);
    memset(value, 0, s->ops->size);
    if (!s->ops->decode(value, v->value, v->value_len)) {
        if (s->ops->destroy) s->ops->destroy(value);
        s->ops->init(value);
        sl_state_cache_drop(s, e);
        return sl_errf(SL_ERR_CORRUPT, errstr, errstr_size,
                       "state '%s': a restored value of %u bytes (namespace %lld) does not "
                       "decode; the snapshot does not match this job's state layout",
                       s->name, v->value_len, (long long)v->ns);
    }
    e->dirty = true;
    return SL_OK;
}
