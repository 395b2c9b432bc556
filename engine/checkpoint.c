/* checkpoint.c -- checkpoint metadata on disk: write, verify, find, retain. */
#include "engine/checkpoint.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "engine/log.h"

#define META_PENDING "_pending"
#define META_COMPLETE "_metadata"

void sl_ckpt_meta_free(sl_ckpt_meta *m) {
    for (uint32_t i = 0; m->tasks && i < m->n_tasks; i++)
        for (uint32_t k = 0; k < m->tasks[i].n_blobs; k++) sl_buf_free(&m->tasks[i].blobs[k]);
    free(m->tasks);
    m->tasks = NULL;
    m->n_tasks = 0;
}

void sl_ckpt_path(const char *root, int64_t id, char *buf, size_t size) {
    snprintf(buf, size, "%s/chk-%" PRId64, root, id);
}

sl_err sl_mkdirs(const char *path, char *errstr, size_t errstr_size) {
    char tmp[1200];
    snprintf(tmp, sizeof(tmp), "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(tmp, 0755) && errno != EEXIST)
            return sl_errf(SL_ERR_IO, errstr, errstr_size, "cannot create directory '%s': %s", tmp, strerror(errno));
        *p = '/';
    }
    if (mkdir(tmp, 0755) && errno != EEXIST)
        return sl_errf(SL_ERR_IO, errstr, errstr_size, "cannot create directory '%s': %s", tmp, strerror(errno));
    return SL_OK;
}

void sl_remove_tree(const char *path) {
    DIR *d = opendir(path);
    if (!d) {
        unlink(path);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char child[1400];
        snprintf(child, sizeof(child), "%s/%s", path, e->d_name);
        struct stat st;
        if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode)) sl_remove_tree(child);
        else unlink(child);
    }
    closedir(d);
    rmdir(path);
}

static void fsync_path(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* ---- encoding ---- */

static char *hex_encode(const sl_buf *b) {
    static const char digits[] = "0123456789abcdef";
    char *s = malloc(b->len * 2 + 1);
    for (size_t i = 0; i < b->len; i++) {
        s[2 * i] = digits[b->data[i] >> 4];
        s[2 * i + 1] = digits[b->data[i] & 15];
    }
    s[b->len * 2] = '\0';
    return s;
}

static bool hex_decode(const char *s, sl_buf *out) {
    size_t n = strlen(s);
    if (n % 2) return false;
    for (size_t i = 0; i < n; i += 2) {
        unsigned v;
        if (sscanf(s + i, "%2x", &v) != 1) return false;
        uint8_t byte = (uint8_t)v;
        sl_buf_append(out, &byte, 1);
    }
    return true;
}

static json_t *meta_to_json(const sl_ckpt_meta *m) {
    json_t *tasks = json_array();
    for (uint32_t i = 0; i < m->n_tasks; i++) {
        const sl_ckpt_task *t = &m->tasks[i];
        json_t *blobs = json_array();
        for (uint32_t k = 0; k < t->n_blobs; k++) {
            char *hex = hex_encode(&t->blobs[k]);
            json_array_append_new(blobs, json_string(hex));
            free(hex);
        }
        json_array_append_new(tasks, json_pack("{s:i,s:i,s:b,s:o}", "stage", (json_int_t)t->stage, "subtask",
                                               (json_int_t)t->subtask, "has_state", t->has_state, "blobs", blobs));
    }
    json_t *par = json_array();
    for (uint32_t s = 0; s < m->n_stages; s++) json_array_append_new(par, json_integer(m->parallelism[s]));
    return json_pack("{s:I,s:I,s:b,s:b,s:o,s:o}", "id", (json_int_t)m->id, "time_ms", (json_int_t)m->time_ms,
                     "final", m->final, "end_of_input", m->end_of_input, "parallelism", par, "tasks", tasks);
}

static bool meta_from_json(json_t *root, sl_ckpt_meta *m) {
    json_int_t id, time_ms;
    int final, end_of_input;
    json_t *par, *tasks;
    if (json_unpack(root, "{s:I,s:I,s:b,s:b,s:o,s:o}", "id", &id, "time_ms", &time_ms, "final", &final,
                    "end_of_input", &end_of_input, "parallelism", &par, "tasks", &tasks))
        return false;
    if (!json_is_array(par) || json_array_size(par) > 8 || !json_is_array(tasks)) return false;
    *m = (sl_ckpt_meta){.id = id, .time_ms = time_ms, .final = final, .end_of_input = end_of_input};
    m->n_stages = (uint32_t)json_array_size(par);
    for (uint32_t s = 0; s < m->n_stages; s++) m->parallelism[s] = (uint32_t)json_integer_value(json_array_get(par, s));
    m->n_tasks = (uint32_t)json_array_size(tasks);
    m->tasks = calloc(m->n_tasks ? m->n_tasks : 1, sizeof(sl_ckpt_task));
    for (uint32_t i = 0; i < m->n_tasks; i++) {
        json_int_t stage, subtask;
        int has_state;
        json_t *blobs;
        sl_ckpt_task *t = &m->tasks[i];
        if (json_unpack(json_array_get(tasks, i), "{s:I,s:I,s:b,s:o}", "stage", &stage, "subtask", &subtask,
                        "has_state", &has_state, "blobs", &blobs) ||
            !json_is_array(blobs) || json_array_size(blobs) > SL_CKPT_MAX_CHAIN)
            return false;
        t->stage = (uint32_t)stage;
        t->subtask = (uint32_t)subtask;
        t->has_state = has_state;
        t->n_blobs = (uint32_t)json_array_size(blobs);
        for (uint32_t k = 0; k < t->n_blobs; k++) {
            const char *hex = json_string_value(json_array_get(blobs, k));
            if (!hex || !hex_decode(hex, &t->blobs[k])) return false;
        }
    }
    return true;
}

/* ---- files ---- */

sl_err sl_ckpt_write_pending(const char *root, const sl_ckpt_meta *m, char *errstr, size_t errstr_size) {
    char dir[1200], path[1300], tmp[1310];
    sl_ckpt_path(root, m->id, dir, sizeof(dir));
    sl_err err = sl_mkdirs(dir, errstr, errstr_size);
    if (err) return err;
    json_t *doc = meta_to_json(m);
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    snprintf(path, sizeof(path), "%s/" META_PENDING, dir);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        free(text);
        return sl_errf(SL_ERR_IO, errstr, errstr_size, "cannot write '%s': %s", tmp, strerror(errno));
    }
    fprintf(f, "%s\n%016llx\n", text, (unsigned long long)XXH64(text, strlen(text), 0));
    free(text);
    bool ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok &= fclose(f) == 0;
    if (!ok || rename(tmp, path))
        return sl_errf(SL_ERR_IO, errstr, errstr_size, "cannot write '%s': %s (disk full?)", path, strerror(errno));
    fsync_path(dir);
    return SL_OK;
}

sl_err sl_ckpt_mark_complete(const char *root, int64_t id, char *errstr, size_t errstr_size) {
    char dir[1200], from[1300], to[1300];
    sl_ckpt_path(root, id, dir, sizeof(dir));
    snprintf(from, sizeof(from), "%s/" META_PENDING, dir);
    snprintf(to, sizeof(to), "%s/" META_COMPLETE, dir);
    if (rename(from, to))
        return sl_errf(SL_ERR_IO, errstr, errstr_size, "cannot mark checkpoint %" PRId64 " complete (%s): %s", id,
                       from, strerror(errno));
    fsync_path(dir);
    return SL_OK;
}

/* Read a metadata file and check its checksum. */
static sl_err load_file(const char *path, sl_ckpt_meta *out, char *errstr, size_t errstr_size) {
    FILE *f = fopen(path, "rb");
    if (!f) return sl_errf(SL_ERR_NOT_FOUND, errstr, errstr_size, "cannot open '%s': %s", path, strerror(errno));
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)size + 1);
    size_t n = fread(text, 1, (size_t)size, f);
    fclose(f);
    text[n] = '\0';
    sl_err err = SL_OK;
    char *nl = memchr(text, '\n', n);
    unsigned long long want = 0;
    if (!nl || sscanf(nl + 1, "%16llx", &want) != 1 || XXH64(text, (size_t)(nl - text), 0) != want) {
        err = sl_errf(SL_ERR_CORRUPT, errstr, errstr_size, "checkpoint metadata '%s' is damaged (checksum mismatch "
                      "or truncated)", path);
    } else {
        *nl = '\0';
        json_error_t jerr;
        json_t *doc = json_loads(text, 0, &jerr);
        if (!doc || !meta_from_json(doc, out)) {
            sl_ckpt_meta_free(out);
            err = sl_errf(SL_ERR_CORRUPT, errstr, errstr_size, "checkpoint metadata '%s' has an unexpected shape",
                          path);
        }
        json_decref(doc);
    }
    free(text);
    return err;
}

sl_err sl_ckpt_load_dir(const char *dir, sl_ckpt_meta *out, char *errstr, size_t errstr_size) {
    char path[1300];
    snprintf(path, sizeof(path), "%s/" META_COMPLETE, dir);
    return load_file(path, out, errstr, errstr_size);
}

sl_err sl_ckpt_load(const char *root, int64_t id, sl_ckpt_meta *out, char *errstr, size_t errstr_size) {
    char dir[1200], path[1300];
    sl_ckpt_path(root, id, dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/" META_COMPLETE, dir);
    if (access(path, F_OK) != 0) snprintf(path, sizeof(path), "%s/" META_PENDING, dir);
    return load_file(path, out, errstr, errstr_size);
}

/* Checkpoint ids present under root, descending. */
static size_t list_ids(const char *root, int64_t *ids, size_t max) {
    DIR *d = opendir(root);
    if (!d) return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < max) {
        long long id;
        char tail;
        if (sscanf(e->d_name, "chk-%lld%c", &id, &tail) == 1) ids[n++] = id;
    }
    closedir(d);
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && ids[j] > ids[j - 1]; j--) {
            int64_t x = ids[j];
            ids[j] = ids[j - 1];
            ids[j - 1] = x;
        }
    return n;
}

static bool valid_at(const char *root, int64_t id, const char *name) {
    char dir[1200], path[1300], why[512];
    sl_ckpt_path(root, id, dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (access(path, F_OK) != 0) return false;
    sl_ckpt_meta m = {0};
    sl_err err = load_file(path, &m, why, sizeof(why));
    sl_ckpt_meta_free(&m);
    if (err) sl_log_warn("checkpoint", "ignoring checkpoint %lld: %s; falling back to an older one", (long long)id, why);
    return err == SL_OK;
}

void sl_ckpt_find(const char *root, int64_t *complete_id, int64_t *pending_id) {
    int64_t ids[4096];
    size_t n = list_ids(root, ids, 4096);
    *complete_id = *pending_id = -1;
    for (size_t i = 0; i < n; i++) {
        if (valid_at(root, ids[i], META_COMPLETE)) {
            *complete_id = ids[i];
            break;
        }
        if (*pending_id < 0 && valid_at(root, ids[i], META_PENDING)) *pending_id = ids[i];
    }
    if (*pending_id <= *complete_id) *pending_id = -1;
}

void sl_ckpt_retain(const char *root, int keep) {
    int64_t ids[4096];
    size_t n = list_ids(root, ids, 4096);
    int complete_seen = 0;
    for (size_t i = 0; i < n; i++) {
        char dir[1200], path[1300];
        sl_ckpt_path(root, ids[i], dir, sizeof(dir));
        snprintf(path, sizeof(path), "%s/" META_COMPLETE, dir);
        bool complete = access(path, F_OK) == 0;
        if (complete && complete_seen < keep) {
            complete_seen++;
            continue;
        }
        if (complete_seen > 0) sl_remove_tree(dir);   /* older than a kept complete one */
    }
}

void sl_ckpt_discard_newer(const char *root, int64_t id) {
    int64_t ids[4096];
    size_t n = list_ids(root, ids, 4096);
    for (size_t i = 0; i < n && ids[i] > id; i++) {
        char dir[1200];
        sl_ckpt_path(root, ids[i], dir, sizeof(dir));
        sl_remove_tree(dir);
    }
}
