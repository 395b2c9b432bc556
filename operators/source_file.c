/* source_file.c -- JSON-lines events from a file (bounded).
 *
 * Its checkpointed position is a byte offset, always at a line start. Lines
 * that are not valid events become dead letters with the reason and their
 * byte offset; the job goes on. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/operator.h"
#include "operators/event_json.h"

typedef struct file_source {
    char path[1024];
    FILE *f;
    int64_t offset;              /* of the next line */
    int64_t max_ts;
    int64_t bound;
    sl_event_limits limits;
    char *line;
    size_t line_cap;
    char reason[512];
} file_source;

static sl_err fs_init(sl_operator_ctx *ctx, void **self, char *errstr, size_t errstr_size) {
    const char *path = sl_conf_get(ctx->conf, "source.path");
    if (!path || !*path)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                       "the file source needs source.path (use --input FILE)");
    if (ctx->parallelism != 1)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size, "the file source runs at parallelism 1");
    file_source *s = calloc(1, sizeof(*s));
    snprintf(s->path, sizeof(s->path), "%s", path);
    sl_event_limits_default(&s->limits);
    int64_t max_bytes;
    sl_err err = sl_conf_get_int(ctx->conf, "watermark.out_of_orderness_ms", &s->bound, errstr, errstr_size);
    if (!err) err = sl_conf_get_int(ctx->conf, "source.max_record_bytes", &max_bytes, errstr, errstr_size);
    if (!err) err = sl_conf_get_int(ctx->conf, "source.max_future_ms", &s->limits.max_future_ms, errstr, errstr_size);
    if (!err)
        err = sl_conf_get_int(ctx->conf, "source.min_timestamp_ms", &s->limits.min_timestamp_ms, errstr, errstr_size);
    s->limits.max_record_bytes = (size_t)max_bytes;
    if (!err && !(s->f = fopen(path, "rb")))
        err = sl_errf(SL_ERR_IO, errstr, errstr_size, "cannot open input '%s': %s", path, strerror(errno));
    if (err) {
        free(s);
        return err;
    }
    s->max_ts = INT64_MIN;
    *self = s;
    return SL_OK;
}

static void dead_letter(file_source *s, sl_batch *dead, const char *line, size_t len) {
    sl_dead_letter *d = sl_batch_push(dead);
    d->payload = sl_batch_copy_str(dead, (sl_str){line, (uint32_t)len});
    d->reason = sl_batch_copy_str(dead, sl_str_c(s->reason));
    d->source = sl_batch_copy_str(dead, sl_str_c(s->path));
    d->partition = -1;
    d->offset = s->offset;
    d->time_ms = (int64_t)time(NULL) * 1000;
}

static sl_source_status fs_poll(void *self, sl_batch *out, sl_batch *dead, int64_t *watermark, char *errstr,
                                size_t errstr_size) {
    file_source *s = self;
    sl_source_status status = SL_SOURCE_MORE;
    while (!sl_batch_full(out) && !sl_batch_full(dead)) {
        ssize_t n = getline(&s->line, &s->line_cap, s->f);
        if (n < 0) {
            if (ferror(s->f)) {
                sl_errf(SL_ERR_IO, errstr, errstr_size, "reading '%s' at byte %lld: %s", s->path,
                        (long long)s->offset, strerror(errno));
                return SL_SOURCE_ERROR;
            }
            status = SL_SOURCE_END;
            break;
        }
        size_t len = (size_t)n;
        while (len && (s->line[len - 1] == '\n' || s->line[len - 1] == '\r')) len--;
        if (len) {
            sl_event *ev = sl_batch_push(out);
            if (sl_event_from_json(s->line, len, &s->limits, ev, &out->arena, s->reason, sizeof(s->reason))) {
                out->count--;
                dead_letter(s, dead, s->line, len);
            } else if (ev->timestamp_ms > s->max_ts) {
                s->max_ts = ev->timestamp_ms;
            }
        }
        s->offset += n;
    }
    if (s->max_ts != INT64_MIN) *watermark = s->max_ts - s->bound - 1;
    return status;
}

static sl_err fs_snapshot(void *self, sl_buf *out) {
    file_source *s = self;
    sl_buf_append_u64(out, (uint64_t)s->offset);
    sl_buf_append_u64(out, (uint64_t)s->max_ts);
    return SL_OK;
}

static sl_err fs_restore(void *self, const sl_buf *const *snaps, size_t n, char *errstr, size_t errstr_size) {
    file_source *s = self;
    uint64_t offset, max_ts;
    sl_buf_reader r = {n == 1 ? snaps[0]->data : NULL, n == 1 ? snaps[0]->data + snaps[0]->len : NULL};
    if (n != 1 || !sl_buf_read_u64(&r, &offset) || !sl_buf_read_u64(&r, &max_ts))
        return sl_errf(SL_ERR_CORRUPT, errstr, errstr_size, "file source: the checkpoint holds %zu positions, "
                       "expected 1 complete one", n);
    if (fseeko(s->f, (off_t)offset, SEEK_SET))
        return sl_errf(SL_ERR_IO, errstr, errstr_size, "cannot seek '%s' to byte %llu: %s", s->path,
                       (unsigned long long)offset, strerror(errno));
    s->offset = (int64_t)offset;
    s->max_ts = (int64_t)max_ts;
    return SL_OK;
}

static void fs_destroy(void *self) {
    file_source *s = self;
    fclose(s->f);
    free(s->line);
    free(s);
}

const sl_source_plugin sl_source_file = {
    .name = "file",
    .description = "JSON-lines events from source.path (bounded; invalid lines become dead letters)",
    .cb_init = fs_init,
    .cb_poll = fs_poll,
    .cb_snapshot = fs_snapshot,
    .cb_restore = fs_restore,
    .cb_destroy = fs_destroy,
};
