/* test_state.c -- keyed state: every behaviour on both backends (memory, rocksdb) from one table. */
#define _XOPEN_SOURCE 700   /* nftw */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <cmocka.h>

#include "engine/keygroup.h"
#include "engine/state.h"
#include "engine/state_backend.h"   /* sl_state_cache_find: is a key cached? */

/* ---- value types ---- */

/* A fixed-size value: a counter and a sum. */
typedef struct counter {
    int64_t count, sum;
} counter;

static void counter_init(void *v) { memset(v, 0, sizeof(counter)); }
static size_t counter_encode(const void *v, uint8_t *buf, size_t cap) {
    if (cap >= sizeof(counter)) memcpy(buf, v, sizeof(counter));
    return sizeof(counter);
}
static bool counter_decode(void *v, const uint8_t *buf, size_t len) {
    if (len != sizeof(counter)) return false;
    memcpy(v, buf, len);
    return true;
}
static const sl_state_value_ops counter_ops = {
    sizeof(counter), counter_init, counter_encode, counter_decode, NULL};

/* A value that owns heap memory: a growable list of numbers. */
typedef struct list {
    uint64_t *items;
    uint32_t n, cap;
} list;

static void list_init(void *v) { memset(v, 0, sizeof(list)); }
static void list_push(list *l, uint64_t x) {
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 2;
        l->items = realloc(l->items, l->cap * sizeof *l->items);
        assert_non_null(l->items);
    }
    l->items[l->n++] = x;
}
static size_t list_encode(const void *v, uint8_t *buf, size_t cap) {
    const list *l = v;
    size_t need = (size_t)l->n * 8;
    if (need <= cap && need) memcpy(buf, l->items, need);
    return need;
}
static bool list_decode(void *v, const uint8_t *buf, size_t len) {
    list *l = v;
    if (len % 8) return false;
    l->n = l->cap = (uint32_t)(len / 8);
    l->items = l->n ? malloc(len) : NULL;
    if (l->n) memcpy(l->items, buf, len);
    return true;
}
static void list_destroy(void *v) { free(((list *)v)->items); }
static const sl_state_value_ops list_ops = {
    sizeof(list), list_init, list_encode, list_decode, list_destroy};

/* ---- fixtures ---- */

typedef struct key {
    char s[32];
    size_t len;
    uint64_t hash;
} key;

static key key_of(int i) {
    key k;
    k.len = (size_t)snprintf(k.s, sizeof k.s, "user-%06d", i);
    k.hash = XXH64(k.s, k.len, 0);
    return k;
}

static const char *kind_of(void **state) { return *state; }

static sl_state_backend *open_backend(const char *kind, size_t cache_entries) {
    char err[512] = "";
    sl_state_backend *b = sl_state_backend_open(kind, NULL, cache_entries, err, sizeof err);
    if (!b) fail_msg("open %s: %s", kind, err);
    assert_string_equal(sl_state_backend_kind(b), kind);
    return b;
}

static char *make_tmpdir(void) {
    char *d = strdup("/tmp/sluice-test-state-XXXXXX");
    assert_non_null(mkdtemp(d));
    return d;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f) {
    return remove(path);
}
static void rm_tree(char *dir) {
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

static void snapshot_to(sl_state_backend *b, const char *dir) {
    char err[512] = "";
    sl_err e = sl_state_backend_snapshot(b, dir, err, sizeof err);
    if (e != SL_OK) fail_msg("snapshot %s: %s", dir, err);
}

static void restore_from(sl_state_backend *b, const char *const *dirs, size_t n, uint32_t first,
                         uint32_t end) {
    char err[512] = "";
    sl_err e = sl_state_backend_restore(b, dirs, n, first, end, err, sizeof err);
    if (e != SL_OK) fail_msg("restore: %s", err);
}

static counter *get_counter(sl_state *s, int i, int64_t ns, bool create) {
    key k = key_of(i);
    return sl_state_get(s, k.hash, k.s, k.len, ns, create);
}

/* Set key i in ns to count = i, sum = i * 10 + ns. */
static void put_counter(sl_state *s, int i, int64_t ns) {
    counter *c = get_counter(s, i, ns, true);
    assert_non_null(c);
    c->count = i;
    c->sum = (int64_t)i * 10 + ns;
    sl_state_mark_dirty(s);
}

static void assert_counter(sl_state *s, int i, int64_t ns) {
    counter *c = get_counter(s, i, ns, false);
    if (!c) fail_msg("key %d ns %lld missing", i, (long long)ns);
    assert_int_equal(c->count, i);
    assert_int_equal(c->sum, (int64_t)i * 10 + ns);
}

/* ---- visitors ---- */

typedef struct tally {
    size_t n;
    int64_t sum;
    int64_t ns;
    bool bump;   /* add 1 to each visited counter's sum */
} tally;

static int tally_visit(const void *k, size_t kl, uint64_t hash, void *value, void *opaque) {
    tally *t = opaque;
    counter *c = value;
    assert_int_equal(hash, XXH64(k, kl, 0));
    assert_int_equal(c->sum, c->count * 10 + t->ns);
    t->n++;
    t->sum += c->count;
    if (t->bump) c->sum += 1;
    return 0;
}

static tally tally_ns(sl_state *s, int64_t ns) {
    tally t = {.ns = ns};
    sl_state_foreach_in_namespace(s, ns, tally_visit, &t);
    return t;
}

typedef struct ns_list {
    int64_t v[16];
    size_t n;
} ns_list;

static void ns_collect(int64_t ns, void *opaque) {
    ns_list *l = opaque;
    assert_true(l->n < 16);
    l->v[l->n++] = ns;
}

/* ---- tests (each runs once per backend kind) ---- */

static void test_get_mutate(void **state) {
    sl_state_backend *b = open_backend(kind_of(state), 64);
    sl_state *s = sl_state_declare(b, "counts", &counter_ops);
    assert_non_null(s);
    assert_ptr_equal(sl_state_declare(b, "counts", &counter_ops), s);
    assert_null(get_counter(s, 1, 0, false));
    counter *c = get_counter(s, 1, 0, true);
    assert_non_null(c);
    assert_int_equal(c->count, 0);
    c->count = 5;
    sl_state_mark_dirty(s);
    assert_int_equal(get_counter(s, 1, 0, false)->count, 5);
    assert_null(get_counter(s, 1, 1, false));   /* another namespace */
    /* Same hash, different key bytes: a different value. */
    key k = key_of(1);
    counter *other = sl_state_get(s, k.hash, "other", 5, 0, true);
    assert_int_equal(other->count, 0);
    assert_int_equal(get_counter(s, 1, 0, false)->count, 5);
    /* A second named state is independent. */
    sl_state *s2 = sl_state_declare(b, "other-state", &counter_ops);
    assert_ptr_not_equal(s2, s);
    assert_null(get_counter(s2, 1, 0, false));
    assert_true(sl_state_backend_size_bytes(b) > 0);
    sl_state_backend_close(b);
}

static void test_remove(void **state) {
    sl_state_backend *b = open_backend(kind_of(state), 64);
    sl_state *s = sl_state_declare(b, "counts", &counter_ops);
    for (int i = 0; i < 1000; i++) put_counter(s, i, 3);
    sl_state_remove(s, key_of(5).hash, key_of(5).s, key_of(5).len, 3);     /* evicted (rocksdb) */
    sl_state_remove(s, key_of(999).hash, key_of(999).s, key_of(999).len, 3); /* cached */
    sl_state_remove(s, key_of(5000).hash, key_of(5000).s, key_of(5000).len, 3); /* absent */
    assert_null(get_counter(s, 5, 3, false));
    assert_null(get_counter(s, 999, 3, false));
    for (int i = 0; i < 1000; i++)
        if (i != 5 && i != 999) assert_counter(s, i, 3);
    assert_int_equal(tally_ns(s, 3).n, 998);
    sl_state_backend_close(b);
}

static void test_namespaces(void **state) {
    sl_state_backend *b = open_backend(kind_of(state), 64);
    sl_state *s = sl_state_declare(b, "slices", &counter_ops);
    const int64_t nss[3] = {7, -5, 0};
    for (int j = 0; j < 3; j++)
        for (int i = 0; i < 10 * (j + 1); i++) put_counter(s, i, nss[j]);
    ns_list l = {0};
    sl_state_foreach_namespace(s, ns_collect, &l);
    assert_int_equal(l.n, 3);
    assert_int_equal(l.v[0], -5);
    assert_int_equal(l.v[1], 0);
    assert_int_equal(l.v[2], 7);
    tally t = tally_ns(s, -5);
    assert_int_equal(t.n, 20);
    assert_int_equal(t.sum, 19 * 20 / 2);
    /* Mutations made while visiting stick. */
    tally bump = {.ns = 7, .bump = true};
    sl_state_foreach_in_namespace(s, 7, tally_visit, &bump);
    assert_int_equal(bump.n, 10);
    assert_int_equal(get_counter(s, 3, 7, false)->sum, 3 * 10 + 7 + 1);
    sl_state_remove_namespace(s, 0);
    assert_null(get_counter(s, 1, 0, false));
    assert_int_equal(tally_ns(s, 0).n, 0);
    l.n = 0;
    sl_state_foreach_namespace(s, ns_collect, &l);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.v[0], -5);
    assert_int_equal(l.v[1], 7);
    assert_counter(s, 19, -5);
    sl_state_backend_close(b);
}

static void test_owned_values(void **state) {
    sl_state_backend *b = open_backend(kind_of(state), 64);
    sl_state *s = sl_state_declare(b, "lists", &list_ops);
    for (int round = 0; round < 3; round++)
        for (int i = 0; i < 500; i++) {
            key k = key_of(i);
            list *l = sl_state_get(s, k.hash, k.s, k.len, i % 4, true);
            list_push(l, (uint64_t)(i * 100 + round));
            sl_state_mark_dirty(s);
        }
    for (int i = 0; i < 500; i++) {
        key k = key_of(i);
        list *l = sl_state_get(s, k.hash, k.s, k.len, i % 4, false);
        assert_non_null(l);
        assert_int_equal(l->n, 3);
        for (uint32_t r = 0; r < 3; r++) assert_int_equal(l->items[r], (uint64_t)(i * 100) + r);
    }
    sl_state_remove_namespace(s, 1);
    sl_state_remove(s, key_of(0).hash, key_of(0).s, key_of(0).len, 0);
    assert_null(sl_state_get(s, key_of(0).hash, key_of(0).s, key_of(0).len, 0, false));
    assert_non_null(sl_state_get(s, key_of(2).hash, key_of(2).s, key_of(2).len, 2, false));
    sl_state_backend_close(b);   /* frees what the cached lists own: ASan checks */
}

static void fill_large(sl_state *s) {
    for (int64_t ns = 1; ns <= 3; ns++)
        for (int i = 0; i < 10000; i++) put_counter(s, i, ns * 1000);
}

static void test_larger_than_cache(void **state) {
    sl_state_backend *b = open_backend(kind_of(state), 64);
    sl_state *s = sl_state_declare(b, "big", &counter_ops);
    fill_large(s);
    for (int64_t ns = 1; ns <= 3; ns++)
        for (int i = 0; i < 10000; i++) assert_counter(s, i, ns * 1000);
    for (int64_t ns = 1; ns <= 3; ns++) {
        tally t = tally_ns(s, ns * 1000);
        assert_int_equal(t.n, 10000);
        assert_int_equal(t.sum, 9999LL * 10000 / 2);
    }
    tally bump = {.ns = 2000, .bump = true};
    sl_state_foreach_in_namespace(s, 2000, tally_visit, &bump);
    assert_int_equal(bump.n, 10000);
    for (int i = 0; i < 10000; i += 997) assert_int_equal(get_counter(s, i, 2000, false)->sum,
                                                          i * 10 + 2000 + 1);
    ns_list l = {0};
    sl_state_foreach_namespace(s, ns_collect, &l);
    assert_int_equal(l.n, 3);
    assert_int_equal(l.v[0], 1000);
    assert_int_equal(l.v[2], 3000);
    sl_state_remove_namespace(s, 1000);
    assert_int_equal(tally_ns(s, 1000).n, 0);
    assert_null(get_counter(s, 4321, 1000, false));
    assert_counter(s, 4321, 3000);
    assert_true(sl_state_backend_size_bytes(b) > 0);
    sl_state_backend_close(b);
}

static void test_snapshot_restore(void **state) {
    char *tmp = make_tmpdir(), snap[300];
    snprintf(snap, sizeof snap, "%s/snap", tmp);
    sl_state_backend *b = open_backend(kind_of(state), 64);
    sl_state *s = sl_state_declare(b, "counts", &counter_ops);
    for (int i = 0; i < 500; i++) put_counter(s, i, 1);
    snapshot_to(b, snap);
    for (int i = 0; i < 500; i++) {
        get_counter(s, i, 1, false)->sum = -1;
        sl_state_mark_dirty(s);
    }
    for (int i = 500; i < 600; i++) put_counter(s, i, 1);
    sl_state_remove(s, key_of(7).hash, key_of(7).s, key_of(7).len, 1);
    sl_state_remove_namespace(s, 1);
    const char *dirs[1] = {snap};
    restore_from(b, dirs, 1, 0, SL_MAX_KEY_GROUPS);
    for (int i = 0; i < 500; i++) assert_counter(s, i, 1);
    assert_null(get_counter(s, 550, 1, false));
    assert_int_equal(tally_ns(s, 1).n, 500);

    /* Restore before declare: the state appears when it is declared, and a
     * snapshot taken before the declaration still carries it. */
    char snap2[300];
    snprintf(snap2, sizeof snap2, "%s/snap2", tmp);
    sl_state_backend *fresh = open_backend(kind_of(state), 64);
    restore_from(fresh, dirs, 1, 0, SL_MAX_KEY_GROUPS);
    snapshot_to(fresh, snap2);
    sl_state *fs = sl_state_declare(fresh, "counts", &counter_ops);
    for (int i = 0; i < 500; i++) assert_counter(fs, i, 1);
    assert_int_equal(tally_ns(fs, 1).n, 500);
    sl_state_backend_close(fresh);
    const char *dirs2[1] = {snap2};
    fresh = open_backend(kind_of(state), 64);
    fs = sl_state_declare(fresh, "counts", &counter_ops);
    restore_from(fresh, dirs2, 1, 0, SL_MAX_KEY_GROUPS);
    for (int i = 0; i < 500; i++) assert_counter(fs, i, 1);
    sl_state_backend_close(fresh);
    sl_state_backend_close(b);
    rm_tree(tmp);
}

/* Keys 0..n split over `parallelism` backends by key group, then snapshotted. */
static void snapshot_partitioned(const char *kind, const char *tmp, uint32_t parallelism,
                                 int n, char dirs[][300]) {
    sl_state_backend *b[2];
    sl_state *s[2];
    for (uint32_t p = 0; p < parallelism; p++) {
        b[p] = open_backend(kind, 64);
        s[p] = sl_state_declare(b[p], "counts", &counter_ops);
    }
    for (int i = 0; i < n; i++)
        put_counter(s[sl_key_group_subtask(sl_key_group(key_of(i).hash), parallelism)], i, 9);
    for (uint32_t p = 0; p < parallelism; p++) {
        snprintf(dirs[p], 300, "%s/p%u-of-%u", tmp, p, parallelism);
        snapshot_to(b[p], dirs[p]);
        sl_state_backend_close(b[p]);
    }
}

static void test_rescale_merge(void **state) {
    char *tmp = make_tmpdir(), dirs[2][300];
    snapshot_partitioned(kind_of(state), tmp, 2, 2000, dirs);
    sl_state_backend *b = open_backend(kind_of(state), 64);
    sl_state *s = sl_state_declare(b, "counts", &counter_ops);
    const char *d[2] = {dirs[0], dirs[1]};
    restore_from(b, d, 2, 0, SL_MAX_KEY_GROUPS);
    for (int i = 0; i < 2000; i++) assert_counter(s, i, 9);
    assert_int_equal(tally_ns(s, 9).n, 2000);
    sl_state_backend_close(b);
    rm_tree(tmp);
}

static void test_rescale_split(void **state) {
    char *tmp = make_tmpdir(), dirs[1][300];
    snapshot_partitioned(kind_of(state), tmp, 1, 2000, dirs);
    const char *d[1] = {dirs[0]};
    sl_state_backend *b[2];
    sl_state *s[2];
    uint32_t first[3] = {0, sl_key_group_first(1, 2), SL_MAX_KEY_GROUPS};
    assert_int_equal(first[1], 64);
    for (int p = 0; p < 2; p++) {
        b[p] = open_backend(kind_of(state), 64);
        restore_from(b[p], d, 1, first[p], first[p + 1]);
        s[p] = sl_state_declare(b[p], "counts", &counter_ops);
    }
    size_t held[2] = {0, 0};
    for (int i = 0; i < 2000; i++) {
        int owner = sl_key_group(key_of(i).hash) < 64 ? 0 : 1;
        assert_counter(s[owner], i, 9);
        assert_null(get_counter(s[1 - owner], i, 9, false));
        held[owner]++;
    }
    assert_int_equal(tally_ns(s[0], 9).n, held[0]);
    assert_int_equal(tally_ns(s[1], 9).n, held[1]);
    assert_true(held[0] > 0 && held[1] > 0);
    for (int p = 0; p < 2; p++) sl_state_backend_close(b[p]);
    rm_tree(tmp);
}

/* ---- damage ---- */

/* The path of the first file in dir whose name contains part (NULL: none). */
static bool find_file(const char *dir, const char *part, char *out, size_t out_size) {
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    bool found = false;
    while (!found && (de = readdir(d)) != NULL)
        if (strstr(de->d_name, part)) {
            snprintf(out, out_size, "%s/%s", dir, de->d_name);
            found = true;
        }
    closedir(d);
    return found;
}

typedef enum damage { FLIP_BYTE, TRUNCATE, DELETE } damage;

static void damage_file(const char *dir, const char *part, damage how) {
    char path[600];
    if (!find_file(dir, part, path, sizeof path)) fail_msg("no *%s* in %s", part, dir);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    if (how == DELETE) {
        assert_int_equal(unlink(path), 0);
        return;
    }
    if (how == TRUNCATE) {
        assert_int_equal(truncate(path, st.st_size / 2), 0);
        return;
    }
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    uint8_t byte;
    off_t at = st.st_size / 2;
    assert_int_equal(pread(fd, &byte, 1, at), 1);
    byte ^= 0x5a;
    assert_int_equal(pwrite(fd, &byte, 1, at), 1);
    close(fd);
}

typedef struct damage_case {
    const char *kind, *file;
    damage how;
} damage_case;

static const damage_case damage_cases[] = {
    {"memory", "state.bin", FLIP_BYTE},
    {"memory", "state.bin", TRUNCATE},
    {"memory", "state.bin", DELETE},
    {"rocksdb", ".sst", DELETE},
    {"rocksdb", ".sst", TRUNCATE},
    {"rocksdb", ".sst", FLIP_BYTE},   /* same size: found by RocksDB's block checksums */
    {"rocksdb", "CURRENT", DELETE},
    {"rocksdb", "MANIFEST", TRUNCATE},
    {"rocksdb", "MANIFEST", DELETE},
};

static void test_corrupt_snapshot(void **state) {
    const char *kind = kind_of(state);
    size_t tried = 0;
    for (size_t c = 0; c < sizeof damage_cases / sizeof *damage_cases; c++) {
        if (strcmp(damage_cases[c].kind, kind) != 0) continue;
        char *tmp = make_tmpdir(), snap[300], err[1024] = "";
        snprintf(snap, sizeof snap, "%s/snap", tmp);
        sl_state_backend *b = open_backend(kind, 64);
        sl_state *s = sl_state_declare(b, "counts", &counter_ops);
        for (int i = 0; i < 3000; i++) put_counter(s, i, 1);
        snapshot_to(b, snap);
        damage_file(snap, damage_cases[c].file, damage_cases[c].how);
        const char *d[1] = {snap};
        sl_err e = sl_state_backend_restore(b, d, 1, 0, SL_MAX_KEY_GROUPS, err, sizeof err);
        if (e != SL_ERR_CORRUPT)
            fail_msg("%s %s damage %d: got %s (%s)", kind, damage_cases[c].file,
                     damage_cases[c].how, sl_err_name(e), err);
        assert_non_null(strstr(err, snap));
        sl_state_backend_close(b);
        rm_tree(tmp);
        tried++;
    }
    assert_true(tried >= 3);
    /* A directory that does not exist is reported as such. */
    char err[512];
    sl_state_backend *b = open_backend(kind, 64);
    const char *missing[1] = {"/nonexistent/sluice/snap"};
    assert_int_equal(sl_state_backend_restore(b, missing, 1, 0, 128, err, sizeof err),
                     SL_ERR_NOT_FOUND);
    assert_int_equal(sl_state_backend_restore(b, missing, 1, 5, 200, err, sizeof err),
                     SL_ERR_INVALID_ARG);
    sl_state_backend_close(b);
}

/* ---- RocksDB only ---- */

static void test_rocksdb_snapshot_hardlinks(void **state) {
    char *tmp = make_tmpdir(), snap1[300], snap2[300], sst[600];
    snprintf(snap1, sizeof snap1, "%s/snap1", tmp);
    snprintf(snap2, sizeof snap2, "%s/snap2", tmp);
    sl_state_backend *b = open_backend("rocksdb", 64);
    sl_state *s = sl_state_declare(b, "counts", &counter_ops);
    for (int i = 0; i < 1000; i++) put_counter(s, i, 1);
    snapshot_to(b, snap1);
    assert_true(find_file(snap1, ".sst", sst, sizeof sst));
    struct stat st;
    assert_int_equal(stat(sst, &st), 0);
    assert_true(st.st_nlink >= 2);   /* shared with the live database */
    for (int i = 1000; i < 1100; i++) put_counter(s, i, 1);
    snapshot_to(b, snap2);
    assert_int_equal(stat(sst, &st), 0);
    assert_true(st.st_nlink >= 3);   /* the second snapshot reuses the first's file */
    sl_state_backend_close(b);
    rm_tree(tmp);
}

static void test_unknown_kind(void **state) {
    char err[256] = "";
    assert_null(sl_state_backend_open("redis", NULL, 64, err, sizeof err));
    assert_non_null(strstr(err, "redis"));
}

#define SL_STATE_TESTS_FOR(kind)                                \
    cmocka_unit_test_prestate(test_get_mutate, kind),           \
    cmocka_unit_test_prestate(test_remove, kind),               \
    cmocka_unit_test_prestate(test_namespaces, kind),           \
    cmocka_unit_test_prestate(test_owned_values, kind),         \
    cmocka_unit_test_prestate(test_larger_than_cache, kind),    \
    cmocka_unit_test_prestate(test_snapshot_restore, kind),     \
    cmocka_unit_test_prestate(test_rescale_merge, kind),        \
    cmocka_unit_test_prestate(test_rescale_split, kind),        \
    cmocka_unit_test_prestate(test_corrupt_snapshot, kind)

static bool is_cached(sl_state *s, int i, int64_t ns) {
    key k = key_of(i);
    return sl_state_cache_find(s, k.hash, k.s, k.len, ns) != NULL;
}

/* Eviction is CLOCK: the oldest unread entries go first, and an entry read
 * since the clock last passed gets a second chance. Values survive either way. */
static void test_rocksdb_eviction_spares_read_entries(void **state) {
    (void)state;
    sl_state_backend *b = open_backend("rocksdb", 64);
    sl_state *s = sl_state_declare(b, "counts", &counter_ops);
    for (int i = 0; i < 65; i++) put_counter(s, i, 0);
    /* 65 > 64: an eighth goes. Every entry was new (marked) when the clock
     * first came round, so the first pass is in insertion order: 0..8. */
    for (int i = 0; i <= 8; i++) assert_false(is_cached(s, i, 0));
    for (int i = 9; i < 65; i++) assert_true(is_cached(s, i, 0));
    assert_non_null(get_counter(s, 12, 0, false));   /* read: marked */
    for (int i = 65; i < 74; i++) put_counter(s, i, 0);
    /* The second eviction takes the next nine unmarked from the oldest end,
     * passing over 12, which moves to the newest end unmarked. */
    assert_true(is_cached(s, 12, 0));
    for (int i = 9; i <= 18; i++)
        if (i != 12) assert_false(is_cached(s, i, 0));
    assert_true(is_cached(s, 19, 0));
    for (int i = 0; i < 74; i++) assert_counter(s, i, 0);   /* evicted values are read back */
    sl_state_backend_close(b);
}

int main(void) {
    static char memory[] = "memory", rocksdb[] = "rocksdb";
    const struct CMUnitTest tests[] = {
        SL_STATE_TESTS_FOR(memory),
        SL_STATE_TESTS_FOR(rocksdb),
        cmocka_unit_test(test_rocksdb_snapshot_hardlinks),
        cmocka_unit_test(test_rocksdb_eviction_spares_read_entries),
        cmocka_unit_test(test_unknown_kind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
