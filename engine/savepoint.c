/* savepoint.c -- copy a checkpoint to a savepoint directory (hard links, else bytes). */
#include "engine/savepoint.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/checkpoint.h"

static sl_err copy_bytes(const char *src, const char *dst, char *errstr, size_t errstr_size) {
    int in = open(src, O_RDONLY | O_CLOEXEC);
    int out = in < 0 ? -1 : open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    char buf[65536];
    ssize_t n = 0;
    bool ok = out >= 0;
    while (ok && (n = read(in, buf, sizeof(buf))) > 0) ok = write(out, buf, (size_t)n) == n;
    ok = ok && n == 0 && fsync(out) == 0;
    int saved = errno;
    if (in >= 0) close(in);
    if (out >= 0 && close(out)) ok = false;
    if (!ok)
        return sl_errf(SL_ERR_IO, errstr, errstr_size, "cannot copy '%s' to '%s': %s", src, dst, strerror(saved));
    return SL_OK;
}

static sl_err copy_tree(const char *src, const char *dst, char *errstr, size_t errstr_size) {
    if (mkdir(dst, 0755) && errno != EEXIST)
        return sl_errf(SL_ERR_IO, errstr, errstr_size, "cannot create '%s': %s", dst, strerror(errno));
    DIR *d = opendir(src);
    if (!d) return sl_errf(SL_ERR_IO, errstr, errstr_size, "cannot read checkpoint '%s': %s", src, strerror(errno));
    sl_err err = SL_OK;
    struct dirent *e;
    while (!err && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char from[2048], to[2048];
        snprintf(from, sizeof(from), "%s/%s", src, e->d_name);
        snprintf(to, sizeof(to), "%s/%s", dst, e->d_name);
        struct stat st;
        if (lstat(from, &st)) {
            err = sl_errf(SL_ERR_IO, errstr, errstr_size, "cannot stat '%s': %s", from, strerror(errno));
        } else if (S_ISDIR(st.st_mode)) {
            err = copy_tree(from, to, errstr, errstr_size);
        } else if (link(from, to)) {
            err = copy_bytes(from, to, errstr, errstr_size);
        }
    }
    closedir(d);
    return err;
}

static void fsync_dir(const char *path) {
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

sl_err sl_savepoint_copy(const char *src, const char *dst, char *errstr, size_t errstr_size) {
    struct stat st;
    if (!stat(dst, &st))
        return sl_errf(SL_ERR_IO, errstr, errstr_size,
                       "savepoint '%s' already exists; choose another directory or move it away", dst);
    char tmp[2048];
    snprintf(tmp, sizeof(tmp), "%s.tmp", dst);
    sl_remove_tree(tmp);   /* left over by a crash during an earlier copy */
    sl_err err = copy_tree(src, tmp, errstr, errstr_size);
    if (!err) {
        fsync_dir(tmp);
        if (rename(tmp, dst))
            err = sl_errf(SL_ERR_IO, errstr, errstr_size, "cannot rename '%s' to '%s': %s", tmp, dst, strerror(errno));
    }
    if (err) {
        sl_remove_tree(tmp);
        return err;
    }
    char parent[2048];
    snprintf(parent, sizeof(parent), "%s", dst);
    char *slash = strrchr(parent, '/');
    if (slash && slash != parent) {
        *slash = '\0';
        fsync_dir(parent);
    }
    return SL_OK;
}
