/* state_memory.c -- the in-memory state backend: the cache alone, snapshotted to one checksummed file.
 *
 * dir/state.bin = header | content.
 *   header (40 bytes, little-endian): magic "SLSTATE1" | u32 version (1) |
 *     u32 state count | u64 entry count | u64 content length | u64 XXH64(content)
 *   content: per state: u32 name length | name | u64 entries | entries in
 *     sl_state_entry format (state_backend.h).
 * The file is written under a temporary name, fsynced and renamed, so a crash
 * leaves either no state.bin or a complete one. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "engine/keygroup.h"
#include "engine/state_backend.h"

#define SL_STATE_MEM_MAGIC   "SLSTATE1"
#define SL_STATE_MEM_VERSION 1u
#define SL_STATE_MEM_HEADER  40
#define SL_STATE_MEM_FILE    "state.bin"

static sl_err sl_state_mem_open(sl_state_backend *b, const char *dir, char *errstr,
                                size_t errstr_size) {
    return SL_OK;
}

static void sl_state_mem_close(sl_state_backend *b) {}

static sl_err sl_state_mem_attach(sl_state_backend *b, sl_state *s, char *errstr,
                                  size_t errstr_size) {
    return SL_OK;
}

static uint64_t sl_state_mem_get_le(const uint8_t *p, int n) {
    uint64_t x = 0;
    for (int i = n - 1; i >= 0; i--) x = x << 8 | p[i];
    return x;
}

static void sl_state_mem_put_le(uint8_t *p, uint64_t v, int n) {
    for (int i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* Serialize every state (cached entries and still-undecoded restored ones). */
static uint64_t sl_state_mem_content(sl_state_backend *b, sl_buf *out, uint32_t *n_states) {
    uint64_t total = 0;
    *n_states = 0;
    for (sl_state *s = b->states; s; s = s->next) {
        uint8_t len[4];
        size_t name_len = strlen(s->name);
        sl_state_mem_put_le(len, name_len, 4);
        sl_buf_append(out, len, 4);
        sl_buf_append(out, s->name, name_len);
        uint64_t n = s->count + s->n_pending;
        sl_buf_append_u64(out, n);
        for (size_t i = 0; i < s->nslots; i++)
            for (sl_state_entry *e = s->slots[i].head; e; e = e->ns_next)
                sl_state_entry_append(s, e, out);
        sl_buf_append(out, s->pending.data, s->pending.len);
        total += n;
        (*n_states)++;
    }
    return total;
}

static sl_err sl_state_mem_write(const char *dir, const uint8_t *header, const sl_buf *content,
                                 char *errstr, size_t errstr_size) {
    char tmp[4096], final[4096];
    snprintf(tmp, sizeof tmp, "%s/%s.tmp", dir, SL_STATE_MEM_FILE);
    snprintf(final, sizeof final, "%s/%s", dir, SL_STATE_MEM_FILE);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return sl_errf(SL_ERR_IO, errstr, errstr_size, "cannot create state snapshot %s: %s",
                       tmp, strerror(errno));
    const uint8_t *parts[2] = {header, content->data};
    size_t lens[2] = {SL_STATE_MEM_HEADER, content->len};
    bool ok = true;
    for (int i = 0; i < 2 && ok; i++) {
        for (size_t off = 0; off < lens[i] && ok;) {
            ssize_t w = write(fd, parts[i] + off, lens[i] - off);
            if (w < 0 && errno == EINTR) continue;
            ok = w > 0;
            if (ok) off += (size_t)w;
        }
    }
    ok = ok && fsync(fd) == 0;
    int saved = errno;
    close(fd);
    if (!ok || rename(tmp, final) != 0) {
        if (ok) saved = errno;
        unlink(tmp);
        return sl_errf(SL_ERR_IO, errstr, errstr_size,
                       "cannot write state snapshot %s: %s (check free disk space)", final,
                       strerror(saved));
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);   /* make the rename durable */
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return SL_OK;
}

static sl_err sl_state_mem_snapshot(sl_state_backend *b, const char *dir, char *errstr,
                                    size_t errstr_size) {
    if (mkdir(dir, 0755) != 0)
        return sl_errf(SL_ERR_IO, errstr, errstr_size, "cannot create state snapshot directory %s: %s",
                       dir, strerror(errno));
    sl_buf content = {0};
    uint32_t n_states;
    uint64_t n_entries = sl_state_mem_content(b, &content, &n_states);
    uint8_t header[SL_STATE_MEM_HEADER];
    memcpy(header, SL_STATE_MEM_MAGIC, 8);
    sl_state_mem_put_le(header + 8, SL_STATE_MEM_VERSION, 4);
    sl_state_mem_put_le(header + 12, n_states, 4);
    sl_state_mem_put_le(header + 16, n_entries, 8);
    sl_state_mem_put_le(header + 24, content.len, 8);
    sl_state_mem_put_le(header + 32, XXH64(content.data, content.len, 0), 8);
    sl_err err = sl_state_mem_write(dir, header, &content, errstr, errstr_size);
    sl_buf_free(&content);
    return err;
}

/* Read dir/state.bin and check its header and checksum; *content is malloc'd. */
static sl_err sl_state_mem_load(const char *dir, uint8_t **file, size_t *len, char *errstr,
                                size_t errstr_size) {
    char path[4096];
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return sl_errf(SL_ERR_NOT_FOUND, errstr, errstr_size,
                       "state snapshot directory %s does not exist: check the checkpoint path", dir);
    snprintf(path, sizeof path, "%s/%s", dir, SL_STATE_MEM_FILE);
    FILE *f = fopen(path, "rb");
    if (!f || fstat(fileno(f), &st) != 0) {
        if (f) fclose(f);
        return sl_errf(SL_ERR_CORRUPT, errstr, errstr_size,
                       "state snapshot %s is damaged: %s has no readable %s (%s); is it a "
                       "memory-backend snapshot?", dir, dir, SL_STATE_MEM_FILE, strerror(errno));
    }
    *len = (size_t)st.st_size;
    *file = malloc(*len ? *len : 1);
    bool ok = *file && fread(*file, 1, *len, f) == *len;
    fclose(f);
    if (!ok) {
        free(*file);
        return sl_errf(SL_ERR_IO, errstr, errstr_size, "cannot read state snapshot %s", path);
    }
    const uint8_t *p = *file;
    const char *what = NULL;
    if (*len < SL_STATE_MEM_HEADER) what = "shorter than its header (truncated)";
    else if (memcmp(p, SL_STATE_MEM_MAGIC, 8) != 0) what = "not a sluice state file (bad magic)";
    else if (sl_state_mem_get_le(p + 8, 4) != SL_STATE_MEM_VERSION) what = "of an unknown version";
    else if (sl_state_mem_get_le(p + 24, 8) != *len - SL_STATE_MEM_HEADER)
        what = "truncated or extended (length does not match its header)";
    else if (sl_state_mem_get_le(p + 32, 8) !=
             XXH64(p + SL_STATE_MEM_HEADER, *len - SL_STATE_MEM_HEADER, 0))
        what = "corrupt (checksum mismatch)";
    if (what) {
        free(*file);
        return sl_errf(SL_ERR_CORRUPT, errstr, errstr_size,
                       "state snapshot %s is damaged: %s is %s; restore from another checkpoint",
                       dir, SL_STATE_MEM_FILE, what);
    }
    return SL_OK;
}

/* Insert the content's entries of key groups [kg_first, kg_end). */
static sl_err sl_state_mem_apply(sl_state_backend *b, const char *dir, const uint8_t *file,
                                 size_t len, uint32_t kg_first, uint32_t kg_end, char *errstr,
                                 size_t errstr_size) {
    uint32_t n_states = (uint32_t)sl_state_mem_get_le(file + 12, 4);
    uint64_t declared = sl_state_mem_get_le(file + 16, 8), seen = 0;
    sl_buf_reader r = {file + SL_STATE_MEM_HEADER, file + len};
    for (uint32_t i = 0; i < n_states; i++) {
        uint8_t name_len_le[4];
        char name[256];
        uint64_t n;
        if (!sl_buf_read(&r, name_len_le, 4)) goto malformed;
        uint32_t name_len = (uint32_t)sl_state_mem_get_le(name_len_le, 4);
        if (name_len >= sizeof name || !sl_buf_read(&r, name, name_len)) goto malformed;
        name[name_len] = '\0';
        if (!sl_buf_read_u64(&r, &n)) goto malformed;
        sl_state *s = sl_state_lookup_or_add(b, name, errstr, errstr_size);
        if (!s) return SL_ERR_STATE;
        for (uint64_t j = 0; j < n; j++, seen++) {
            sl_state_entry_view v;
            if (!sl_state_entry_parse(&r, &v)) goto malformed;
            uint32_t kg = sl_key_group(v.key_hash);
            if (kg < kg_first || kg >= kg_end) continue;
            if (sl_state_entry_insert(s, &v, errstr, errstr_size) != SL_OK) return SL_ERR_CORRUPT;
        }
    }
    if (seen == declared && r.p == r.end) return SL_OK;
malformed:
    return sl_errf(SL_ERR_CORRUPT, errstr, errstr_size,
                   "state snapshot %s is damaged: %s is malformed at byte %zu although its "
                   "checksum matches; restore from another checkpoint", dir, SL_STATE_MEM_FILE,
                   (size_t)(r.p - file));
}

static sl_err sl_state_mem_restore(sl_state_backend *b, const char *const *dirs, size_t n_dirs,
                                   uint32_t kg_first, uint32_t kg_end, char *errstr,
                                   size_t errstr_size) {
    for (size_t i = 0; i < n_dirs; i++) {
        uint8_t *file;
        size_t len;
        sl_err err = sl_state_mem_load(dirs[i], &file, &len, errstr, errstr_size);
        if (err != SL_OK) return err;
        err = sl_state_mem_apply(b, dirs[i], file, len, kg_first, kg_end, errstr, errstr_size);
        free(file);
        if (err != SL_OK) return err;
    }
    return SL_OK;
}

const sl_state_backend_vtable sl_state_memory_vtable = {
    .kind = "memory",
    .evicts = false,
    .open = sl_state_mem_open,
    .close = sl_state_mem_close,
    .attach = sl_state_mem_attach,
    .snapshot = sl_state_mem_snapshot,
    .restore = sl_state_mem_restore,
};
