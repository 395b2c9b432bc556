/* state_seal.c -- a seal file that lets a restore prove a RocksDB snapshot directory is intact.
 *
 * RocksDB alone does not notice every damage to a checkpoint: a truncated
 * MANIFEST is read up to its last complete record and opens as an older,
 * smaller database. So after rocksdb_checkpoint_create the backend writes
 * dir/SLUICE-SEAL listing every file with its size, plus an XXH64 of each
 * small metadata file (CURRENT, MANIFEST, OPTIONS). SST contents are not
 * hashed -- that would read the whole state at every checkpoint -- because
 * RocksDB checks every block's checksum when the restore reads it.
 *
 * Format (little-endian): "SLSEAL01" | u32 file count | per file: u32 name
 * length | name | u64 size | u64 hash (0 for SST files) | u64 XXH64 of all
 * preceding bytes. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "engine/state_backend.h"

#define SL_STATE_SEAL_FILE  "SLUICE-SEAL"
#define SL_STATE_SEAL_MAGIC "SLSEAL01"

static uint32_t sl_state_seal_le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool sl_state_seal_is_sst(const char *name) {
    size_t n = strlen(name);
    return n > 4 && strcmp(name + n - 4, ".sst") == 0;
}

/* XXH64 of a whole file; false when it cannot be read. */
static bool sl_state_seal_hash(const char *path, uint64_t *out) {
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    XXH64_state_t *st = XXH64_createState();
    XXH64_reset(st, 0);
    uint8_t buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) XXH64_update(st, buf, n);
    bool ok = !ferror(f);
    fclose(f);
    *out = XXH64_digest(st);
    XXH64_freeState(st);
    return ok;
}

/* Size and (for metadata files) hash of dir/name. */
static bool sl_state_seal_measure(const char *dir, const char *name, uint64_t *size,
                                  uint64_t *hash) {
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return false;
    *size = (uint64_t)st.st_size;
    *hash = 0;
    return sl_state_seal_is_sst(name) || sl_state_seal_hash(path, hash);
}

sl_err sl_state_seal_write(const char *dir, char *errstr, size_t errstr_size) {
    DIR *d = opendir(dir);
    if (!d)
        return sl_errf(SL_ERR_IO, errstr, errstr_size, "cannot list state snapshot %s: %s", dir,
                       strerror(errno));
    sl_buf body = {0};
    uint32_t count = 0;
    sl_buf_append(&body, SL_STATE_SEAL_MAGIC, 8);
    sl_buf_append(&body, &count, 4);   /* patched below */
    struct dirent *de;
    bool ok = true;
    while (ok && (de = readdir(d)) != NULL) {
        uint64_t size, hash;
        if (de->d_name[0] == '.' || strcmp(de->d_name, SL_STATE_SEAL_FILE) == 0) continue;
        ok = sl_state_seal_measure(dir, de->d_name, &size, &hash);
        uint8_t len[4];
        uint32_t name_len = (uint32_t)strlen(de->d_name);
        for (int i = 0; i < 4; i++) len[i] = (uint8_t)(name_len >> (8 * i));
        sl_buf_append(&body, len, 4);
        sl_buf_append(&body, de->d_name, name_len);
        sl_buf_append_u64(&body, size);
        sl_buf_append_u64(&body, hash);
        count++;
    }
    closedir(d);
    for (int i = 0; i < 4; i++) body.data[8 + i] = (uint8_t)(count >> (8 * i));
    sl_buf_append_u64(&body, XXH64(body.data, body.len, 0));
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, SL_STATE_SEAL_FILE);
    FILE *f = ok ? fopen(path, "wb") : NULL;
    ok = f && fwrite(body.data, 1, body.len, f) == body.len && fflush(f) == 0 &&
         fsync(fileno(f)) == 0;
    ok = (f ? fclose(f) == 0 : false) && ok;
    sl_buf_free(&body);
    if (!ok)
        return sl_errf(SL_ERR_IO, errstr, errstr_size,
                       "cannot write %s: %s (check free disk space)", path, strerror(errno));
    return SL_OK;
}

/* Read the whole seal; NULL when missing or unreadable. */
static uint8_t *sl_state_seal_read(const char *dir, size_t *len) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, SL_STATE_SEAL_FILE);
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f) return NULL;
    uint8_t *data = NULL;
    if (fstat(fileno(f), &st) == 0 && (data = malloc((size_t)st.st_size + 1)) != NULL &&
        fread(data, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
        free(data);
        data = NULL;
    }
    fclose(f);
    *len = data ? (size_t)st.st_size : 0;
    return data;
}

/* NULL when every sealed file is present and unchanged, else what is wrong. */
static const char *sl_state_seal_check(const char *dir, const uint8_t *data, size_t len,
                                       char *bad, size_t bad_size) {
    uint64_t sum;
    if (len < 20 || memcmp(data, SL_STATE_SEAL_MAGIC, 8) != 0) return "its seal file is not one";
    sl_buf_reader r = {data + len - 8, data + len};
    sl_buf_read_u64(&r, &sum);
    if (sum != XXH64(data, len - 8, 0)) return "its seal file fails its checksum";
    uint8_t le[4];
    r = (sl_buf_reader){data + 8, data + len - 8};
    sl_buf_read(&r, le, 4);
    uint32_t count = sl_state_seal_le32(le);
    for (uint32_t i = 0; i < count; i++) {
        char name[256];
        uint64_t size, hash, got_size, got_hash;
        if (!sl_buf_read(&r, le, 4)) return "its seal file is truncated";
        uint32_t n = sl_state_seal_le32(le);
        if (n >= sizeof name || !sl_buf_read(&r, name, n) || !sl_buf_read_u64(&r, &size) ||
            !sl_buf_read_u64(&r, &hash))
            return "its seal file is malformed";
        name[n] = '\0';
        snprintf(bad, bad_size, "file %s is missing, unreadable, resized or changed", name);
        if (!sl_state_seal_measure(dir, name, &got_size, &got_hash) || got_size != size ||
            got_hash != hash)
            return bad;
    }
    return NULL;
}

sl_err sl_state_seal_verify(const char *dir, char *errstr, size_t errstr_size) {
    size_t len;
    uint8_t *data = sl_state_seal_read(dir, &len);
    char bad[400];
    const char *what = data ? sl_state_seal_check(dir, data, len, bad, sizeof bad)
                            : "it has no readable " SL_STATE_SEAL_FILE
                              " (not a RocksDB-backend snapshot, or an unfinished one)";
    free(data);
    if (!what) return SL_OK;
    return sl_errf(SL_ERR_CORRUPT, errstr, errstr_size,
                   "state snapshot %s is damaged: %s; restore from another checkpoint", dir, what);
}
