/* state_rocksdb.c -- the RocksDB state backend: one database per backend, one column family per named state.
 *
 * The working directory is scratch space owned by this backend (as Flink's
 * local RocksDB directory is): a database left there by an earlier run is
 * deleted on open, and a temporary directory is removed on close. Durability
 * comes from checkpoints (rocksdb_checkpoint_create after a flush), so writes
 * skip the write-ahead log. */
#define _XOPEN_SOURCE 700   /* nftw */
#include <errno.h>
#include <ftw.h>
#include <rocksdb/c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/state_backend.h"

#define SL_STATE_RDB_BLOCK_CACHE  (32u << 20)
/* Per column family; RocksDB's 64 MiB default times states times subtasks
 * adds up, and the write-back cache already absorbs repeated updates. */
#define SL_STATE_RDB_WRITE_BUFFER (16u << 20)
#define SL_STATE_RDB_RESTORE_BATCH (4u << 20)   /* bytes per write batch while restoring */

typedef struct sl_state_rdb {
    rocksdb_t *db;
    rocksdb_options_t *opts;
    rocksdb_block_based_table_options_t *table;
    rocksdb_cache_t *cache;
    rocksdb_writeoptions_t *wo;
    rocksdb_readoptions_t *ro;
    rocksdb_writebatch_t *batch;
    char *dir;
    bool temp_dir;
} sl_state_rdb;

/* Move a RocksDB error into errstr as "<what>: <rocksdb message>". */
static sl_err sl_state_rdb_err(sl_err code, char **rerr, char *errstr, size_t errstr_size,
                               const char *what) {
    sl_errf(code, errstr, errstr_size, "%s: %s", what, *rerr ? *rerr : "unknown RocksDB error");
    rocksdb_free(*rerr);
    *rerr = NULL;
    return code;
}

static int sl_state_rdb_mkdirs(const char *dir) {
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) return ENAMETOOLONG;
    for (char *p = path + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST) return errno;
        *p = '/';
    }
    return mkdir(path, 0755) != 0 && errno != EEXIST ? errno : 0;
}

static int sl_state_rdb_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f) {
    return remove(path);
}

static void sl_state_rdb_free(sl_state_rdb *r) {
    if (r->db) rocksdb_close(r->db);
    if (r->temp_dir) nftw(r->dir, sl_state_rdb_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (r->batch) rocksdb_writebatch_destroy(r->batch);
    if (r->ro) rocksdb_readoptions_destroy(r->ro);
    if (r->wo) rocksdb_writeoptions_destroy(r->wo);
    if (r->opts) rocksdb_options_destroy(r->opts);
    if (r->table) rocksdb_block_based_options_destroy(r->table);
    if (r->cache) rocksdb_cache_destroy(r->cache);
    free(r->dir);
    free(r);
}

static sl_err sl_state_rdb_dir(sl_state_rdb *r, const char *dir, char *errstr, size_t errstr_size) {
    if (!dir) {
        const char *tmp = getenv("TMPDIR");
        size_t n = strlen(tmp && *tmp ? tmp : "/tmp") + 32;
        r->dir = malloc(n);
        if (!r->dir) return sl_errf(SL_ERR_STATE, errstr, errstr_size, "out of memory");
        snprintf(r->dir, n, "%s/sluice-state-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(r->dir))
            return sl_errf(SL_ERR_IO, errstr, errstr_size,
                           "cannot create a temporary RocksDB directory %s: %s (set TMPDIR or "
                           "state.dir)", r->dir, strerror(errno));
        r->temp_dir = true;
        return SL_OK;
    }
    int e = sl_state_rdb_mkdirs(dir);
    r->dir = strdup(dir);
    if (e || !r->dir)
        return sl_errf(SL_ERR_IO, errstr, errstr_size, "cannot create RocksDB directory %s: %s",
                       dir, strerror(e ? e : ENOMEM));
    return SL_OK;
}

static sl_err sl_state_rdb_open(sl_state_backend *b, const char *dir, char *errstr,
                                size_t errstr_size) {
    sl_state_rdb *r = calloc(1, sizeof *r);
    if (!r) return sl_errf(SL_ERR_STATE, errstr, errstr_size, "out of memory opening RocksDB");
    sl_err err = sl_state_rdb_dir(r, dir, errstr, errstr_size);
    if (err != SL_OK) {
        sl_state_rdb_free(r);
        return err;
    }
    r->opts = rocksdb_options_create();
    rocksdb_options_set_create_if_missing(r->opts, 1);
    rocksdb_options_set_create_missing_column_families(r->opts, 1);
    rocksdb_options_set_compression(r->opts, rocksdb_lz4_compression);
    rocksdb_options_set_write_buffer_size(r->opts, SL_STATE_RDB_WRITE_BUFFER);
    r->cache = rocksdb_cache_create_lru(SL_STATE_RDB_BLOCK_CACHE);
    r->table = rocksdb_block_based_options_create();
    rocksdb_block_based_options_set_block_cache(r->table, r->cache);
    /* Most misses are new keys: bloom filters answer "absent" without
     * reading index and data blocks of every level (the table options own
     * the policy). */
    rocksdb_block_based_options_set_filter_policy(r->table, rocksdb_filterpolicy_create_bloom_full(10));
    rocksdb_options_set_memtable_prefix_bloom_size_ratio(r->opts, 0.1);
    rocksdb_options_set_memtable_whole_key_filtering(r->opts, 1);
    rocksdb_options_set_block_based_table_factory(r->opts, r->table);
    r->wo = rocksdb_writeoptions_create();
    rocksdb_writeoptions_disable_WAL(r->wo, 1);   /* checkpoints are the durability */
    r->ro = rocksdb_readoptions_create();
    r->batch = rocksdb_writebatch_create();

    char *rerr = NULL;
    rocksdb_destroy_db(r->opts, r->dir, &rerr);   /* scratch: forget an earlier run */
    if (!rerr) r->db = rocksdb_open(r->opts, r->dir, &rerr);
    if (rerr) {
        char what[4200];
        snprintf(what, sizeof what, "cannot open RocksDB state in %s", r->dir);
        sl_state_rdb_err(SL_ERR_STATE, &rerr, errstr, errstr_size, what);
        sl_state_rdb_free(r);
        return SL_ERR_STATE;
    }
    b->impl = r;
    return SL_OK;
}

static void sl_state_rdb_close(sl_state_backend *b) {
    for (sl_state *s = b->states; s; s = s->next)
        if (s->store) rocksdb_column_family_handle_destroy(s->store);
    sl_state_rdb_free(b->impl);
}

static sl_err sl_state_rdb_attach(sl_state_backend *b, sl_state *s, char *errstr,
                                  size_t errstr_size) {
    sl_state_rdb *r = b->impl;
    char *rerr = NULL;
    s->store = rocksdb_create_column_family(r->db, r->opts, s->name, &rerr);
    if (!rerr) return SL_OK;
    char what[300];
    snprintf(what, sizeof what, "cannot create RocksDB column family for state '%s'", s->name);
    return sl_state_rdb_err(SL_ERR_STATE, &rerr, errstr, errstr_size, what);
}

static void sl_state_rdb_put(sl_state_backend *b, sl_state *s, const uint8_t *k, size_t kl,
                             const uint8_t *v, size_t vl) {
    sl_state_rdb *r = b->impl;
    rocksdb_writebatch_put_cf(r->batch, s->store, (const char *)k, kl, (const char *)v, vl);
}

static void sl_state_rdb_del(sl_state_backend *b, sl_state *s, const uint8_t *k, size_t kl) {
    sl_state_rdb *r = b->impl;
    rocksdb_writebatch_delete_cf(r->batch, s->store, (const char *)k, kl);
}

static sl_err sl_state_rdb_commit(sl_state_backend *b, char *errstr, size_t errstr_size) {
    sl_state_rdb *r = b->impl;
    if (rocksdb_writebatch_count(r->batch) == 0) return SL_OK;
    char *rerr = NULL;
    rocksdb_write(r->db, r->wo, r->batch, &rerr);
    rocksdb_writebatch_clear(r->batch);
    if (!rerr) return SL_OK;
    return sl_state_rdb_err(SL_ERR_STATE, &rerr, errstr, errstr_size,
                            "RocksDB write failed (check free disk space in the state directory)");
}

static int sl_state_rdb_read(sl_state_backend *b, sl_state *s, const uint8_t *k, size_t kl,
                             sl_buf *out, char *errstr, size_t errstr_size) {
    sl_state_rdb *r = b->impl;
    char *rerr = NULL;
    size_t vl = 0;
    char *v = rocksdb_get_cf(r->db, r->ro, s->store, (const char *)k, kl, &vl, &rerr);
    if (rerr) {
        sl_state_rdb_err(SL_ERR_STATE, &rerr, errstr, errstr_size, "RocksDB read failed");
        return -1;
    }
    if (!v) return 0;
    sl_buf_append(out, v, vl);
    rocksdb_free(v);
    return 1;
}

/* Iterate it from its current position, calling fn per pair; then report its error. */
static sl_err sl_state_rdb_iterate(rocksdb_iterator_t *it, sl_state_scan_fn fn, void *opaque,
                                   char *errstr, size_t errstr_size, const char *what) {
    for (; rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
        size_t kl, vl;
        const char *k = rocksdb_iter_key(it, &kl);
        const char *v = rocksdb_iter_value(it, &vl);
        if (fn((const uint8_t *)k, kl, (const uint8_t *)v, vl, opaque)) break;
    }
    char *rerr = NULL;
    rocksdb_iter_get_error(it, &rerr);
    rocksdb_iter_destroy(it);
    return rerr ? sl_state_rdb_err(SL_ERR_STATE, &rerr, errstr, errstr_size, what) : SL_OK;
}

static sl_err sl_state_rdb_scan(sl_state_backend *b, sl_state *s, sl_state_scan_fn fn,
                                void *opaque, char *errstr, size_t errstr_size) {
    sl_state_rdb *r = b->impl;
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(r->db, r->ro, s->store);
    rocksdb_iter_seek_to_first(it);
    return sl_state_rdb_iterate(it, fn, opaque, errstr, errstr_size, "RocksDB scan failed");
}

static uint64_t sl_state_rdb_size(sl_state_backend *b) {
    sl_state_rdb *r = b->impl;
    uint64_t total = 0, v;
    for (sl_state *s = b->states; s; s = s->next) {
        if (rocksdb_property_int_cf(r->db, s->store, "rocksdb.estimate-live-data-size", &v) == 0)
            total += v;
        if (rocksdb_property_int_cf(r->db, s->store, "rocksdb.cur-size-all-mem-tables", &v) == 0)
            total += v;
    }
    return total;
}

static sl_err sl_state_rdb_snapshot(sl_state_backend *b, const char *dir, char *errstr,
                                    size_t errstr_size) {
    sl_state_rdb *r = b->impl;
    char *rerr = NULL;
    char what[4200];
    /* Without a WAL the memtables exist only in memory: flush them to SST
     * files so that the checkpoint (hard links to SSTs) holds everything. */
    rocksdb_flushoptions_t *fo = rocksdb_flushoptions_create();
    rocksdb_flushoptions_set_wait(fo, 1);
    for (sl_state *s = b->states; s && !rerr; s = s->next) rocksdb_flush_cf(r->db, fo, s->store, &rerr);
    rocksdb_flushoptions_destroy(fo);
    if (rerr) {
        snprintf(what, sizeof what, "state snapshot into %s: RocksDB flush failed", dir);
        return sl_state_rdb_err(SL_ERR_STATE, &rerr, errstr, errstr_size, what);
    }
    rocksdb_checkpoint_t *cp = rocksdb_checkpoint_object_create(r->db, &rerr);
    if (!rerr) rocksdb_checkpoint_create(cp, dir, 0, &rerr);
    if (cp) rocksdb_checkpoint_object_destroy(cp);
    if (!rerr) return sl_state_seal_write(dir, errstr, errstr_size);
    snprintf(what, sizeof what, "cannot write RocksDB checkpoint %s (it must not exist yet)", dir);
    return sl_state_rdb_err(SL_ERR_IO, &rerr, errstr, errstr_size, what);
}

/* Drop every column family and create it again: the fastest way to empty it. */
static sl_err sl_state_rdb_clear(sl_state_backend *b, char *errstr, size_t errstr_size) {
    sl_state_rdb *r = b->impl;
    for (sl_state *s = b->states; s; s = s->next) {
        char *rerr = NULL;
        rocksdb_drop_column_family(r->db, s->store, &rerr);
        rocksdb_column_family_handle_destroy(s->store);
        s->store = NULL;
        if (rerr)
            return sl_state_rdb_err(SL_ERR_STATE, &rerr, errstr, errstr_size,
                                    "cannot clear RocksDB state before a restore");
        sl_err err = sl_state_rdb_attach(b, s, errstr, errstr_size);
        if (err != SL_OK) return err;
    }
    return SL_OK;
}

typedef struct sl_state_rdb_copy {
    sl_state_backend *b;
    sl_state *s;
    size_t bytes;
    sl_err err;
    char *errstr;
    size_t errstr_size;
} sl_state_rdb_copy;

static int sl_state_rdb_copy_pair(const uint8_t *k, size_t kl, const uint8_t *v, size_t vl,
                                  void *opaque) {
    sl_state_rdb_copy *c = opaque;
    sl_state_rdb_put(c->b, c->s, k, kl, v, vl);
    c->bytes += kl + vl;
    if (c->bytes < SL_STATE_RDB_RESTORE_BATCH) return 0;
    c->bytes = 0;
    c->err = sl_state_rdb_commit(c->b, c->errstr, c->errstr_size);
    return c->err != SL_OK;
}

/* Copy key groups [kg_first, kg_end) of one snapshot column family into s. */
static sl_err sl_state_rdb_copy_range(sl_state_backend *b, sl_state *s, rocksdb_t *snap,
                                      rocksdb_column_family_handle_t *cf, uint32_t kg_first,
                                      uint32_t kg_end, const char *dir, char *errstr,
                                      size_t errstr_size) {
    char lower = (char)kg_first, upper = (char)kg_end;   /* key byte 0 is the key group */
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_verify_checksums(ro, 1);
    rocksdb_readoptions_set_fill_cache(ro, 0);
    rocksdb_readoptions_set_iterate_lower_bound(ro, &lower, 1);
    rocksdb_readoptions_set_iterate_upper_bound(ro, &upper, 1);
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(snap, ro, cf);
    rocksdb_iter_seek(it, &lower, 1);
    sl_state_rdb_copy c = {.b = b, .s = s, .errstr = errstr, .errstr_size = errstr_size};
    char what[4200];
    snprintf(what, sizeof what, "state snapshot %s is damaged (state '%s' unreadable); restore "
             "from another checkpoint", dir, s->name);
    sl_err err = sl_state_rdb_iterate(it, sl_state_rdb_copy_pair, &c, errstr, errstr_size, what);
    rocksdb_readoptions_destroy(ro);
    if (err != SL_OK) {
        rocksdb_writebatch_clear(((sl_state_rdb *)b->impl)->batch);
        return SL_ERR_CORRUPT;
    }
    if (c.err != SL_OK) return c.err;
    s->store_has_uncached = true;
    return sl_state_rdb_commit(b, errstr, errstr_size);
}

/* Open one snapshot read-only and copy each of its states' key-group range. */
static sl_err sl_state_rdb_restore_dir(sl_state_backend *b, const char *dir, uint32_t kg_first,
                                       uint32_t kg_end, char *errstr, size_t errstr_size) {
    sl_state_rdb *r = b->impl;
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return sl_errf(SL_ERR_NOT_FOUND, errstr, errstr_size,
                       "state snapshot directory %s does not exist: check the checkpoint path", dir);
    sl_err err = sl_state_seal_verify(dir, errstr, errstr_size);
    if (err != SL_OK) return err;
    char what[4200], *rerr = NULL;
    snprintf(what, sizeof what, "state snapshot %s is damaged (not a readable RocksDB checkpoint); "
             "restore from another checkpoint", dir);
    size_t n_cf = 0;
    char **names = rocksdb_list_column_families(r->opts, dir, &n_cf, &rerr);
    if (rerr) return sl_state_rdb_err(SL_ERR_CORRUPT, &rerr, errstr, errstr_size, what);
    const rocksdb_options_t **cf_opts = calloc(n_cf, sizeof *cf_opts);
    rocksdb_column_family_handle_t **cfs = calloc(n_cf, sizeof *cfs);
    if (!cf_opts || !cfs) abort();
    for (size_t i = 0; i < n_cf; i++) cf_opts[i] = r->opts;
    rocksdb_t *snap = rocksdb_open_for_read_only_column_families(
        r->opts, dir, (int)n_cf, (const char *const *)names, cf_opts, cfs, 0, &rerr);
    if (rerr) err = sl_state_rdb_err(SL_ERR_CORRUPT, &rerr, errstr, errstr_size, what);
    for (size_t i = 0; err == SL_OK && i < n_cf; i++) {
        if (strcmp(names[i], "default") == 0) continue;
        sl_state *s = sl_state_lookup_or_add(b, names[i], errstr, errstr_size);
        err = s ? sl_state_rdb_copy_range(b, s, snap, cfs[i], kg_first, kg_end, dir, errstr,
                                          errstr_size)
                : SL_ERR_STATE;
    }
    if (snap) {
        for (size_t i = 0; i < n_cf; i++) rocksdb_column_family_handle_destroy(cfs[i]);
        rocksdb_close(snap);
    }
    free(cfs);
    free(cf_opts);
    rocksdb_list_column_families_destroy(names, n_cf);
    return err;
}

static sl_err sl_state_rdb_restore(sl_state_backend *b, const char *const *dirs, size_t n_dirs,
                                   uint32_t kg_first, uint32_t kg_end, char *errstr,
                                   size_t errstr_size) {
    sl_err err = sl_state_rdb_clear(b, errstr, errstr_size);
    for (size_t i = 0; err == SL_OK && i < n_dirs && kg_first < kg_end; i++)
        err = sl_state_rdb_restore_dir(b, dirs[i], kg_first, kg_end, errstr, errstr_size);
    return err;
}

const sl_state_backend_vtable sl_state_rocksdb_vtable = {
    .kind = "rocksdb",
    .evicts = true,
    .open = sl_state_rdb_open,
    .close = sl_state_rdb_close,
    .attach = sl_state_rdb_attach,
    .put = sl_state_rdb_put,
    .del = sl_state_rdb_del,
    .commit = sl_state_rdb_commit,
    .read = sl_state_rdb_read,
    .scan = sl_state_rdb_scan,
    .size_bytes = sl_state_rdb_size,
    .snapshot = sl_state_rdb_snapshot,
    .restore = sl_state_rdb_restore,
};
