/* sink_file.c -- exactly-once JSON-lines files: results, late events, dead letters.
 *
 * Each output is an sl_committed_file, so sink.path holds exactly the
 * results of completed checkpoints: after a crash it holds what was
 * committed, a restart appends what follows, and a finished job's file holds
 * the whole output once. <sink.path>.committed names the newest committed
 * checkpoint, which lets recovery complete a checkpoint whose commit
 * finished just before a crash (docs/checkpoints.md). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/operator.h"
#include "operators/committed_file.h"
#include "operators/result_json.h"

enum { OUT_RESULTS, OUT_LATE, OUT_DEAD_LETTERS, N_OUTPUTS };

typedef struct file_sink {
    sl_committed_file *out[N_OUTPUTS];
    char marker[1100];
    bool restored;               /* false until restore or the first write decides the start */
    sl_json_line line;
} file_sink;

static sl_committed_file *open_output(const sl_conf *conf, const char *key, const char *base, const char *suffix,
                                      char *errstr, size_t errstr_size) {
    char path[1100];
    const char *given = sl_conf_get(conf, key);
    if (given && *given) snprintf(path, sizeof(path), "%s", given);
    else snprintf(path, sizeof(path), "%s%s", base, suffix);
    return sl_committed_file_open(path, errstr, errstr_size);
}

static void file_sink_destroy(void *self) {
    file_sink *s = self;
    for (int i = 0; i < N_OUTPUTS; i++) sl_committed_file_close(s->out[i]);
    sl_json_line_free(&s->line);
    free(s);
}

static sl_err file_sink_init(sl_operator_ctx *ctx, void **self, char *errstr, size_t errstr_size) {
    const char *path = sl_conf_get(ctx->conf, "sink.path");
    if (!path || !*path)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                       "the file sink needs sink.path (use --output FILE or set sink.path in the job file)");
    if (ctx->parallelism != 1)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size, "the file sink runs at parallelism 1");
    file_sink *s = calloc(1, sizeof(*s));
    s->out[OUT_RESULTS] = sl_committed_file_open(path, errstr, errstr_size);
    if (s->out[OUT_RESULTS]) s->out[OUT_LATE] = open_output(ctx->conf, "sink.late_path", path, ".late", errstr, errstr_size);
    if (s->out[OUT_LATE])
        s->out[OUT_DEAD_LETTERS] = open_output(ctx->conf, "sink.dlq_path", path, ".dlq", errstr, errstr_size);
    if (!s->out[OUT_DEAD_LETTERS]) {
        file_sink_destroy(s);
        return SL_ERR_IO;
    }
    snprintf(s->marker, sizeof(s->marker), "%s.committed", path);
    *self = s;
    return SL_OK;
}

/* No restore before the first record: this is a fresh start, so the outputs start empty. */
static sl_err ensure_started(file_sink *s, char *errstr, size_t errstr_size) {
    if (s->restored) return SL_OK;
    s->restored = true;
    unlink(s->marker);
    for (int i = 0; i < N_OUTPUTS; i++) {
        sl_err err = sl_committed_file_reset(s->out[i], 0, errstr, errstr_size);
        if (err) return err;
    }
    return SL_OK;
}

static sl_err file_sink_process(void *self, sl_batch *in, sl_emitter *out, char *errstr, size_t errstr_size) {
    file_sink *s = self;
    sl_err err = ensure_started(s, errstr, errstr_size);
    if (err) return err;
    sl_committed_file *target = in->kind == SL_BATCH_LATE_EVENTS     ? s->out[OUT_LATE]
                                : in->kind == SL_BATCH_DEAD_LETTERS ? s->out[OUT_DEAD_LETTERS]
                                                                     : s->out[OUT_RESULTS];
    if (!sl_batch_kind_is_output(in->kind)) return SL_OK;
    size_t size = sl_batch_item_size(in->kind), n;
    for (uint32_t i = 0; i < in->count; i++) {
        const char *text = sl_json_line_of(&s->line, in->kind, (const char *)in->items + i * size, &n);
        if ((err = sl_committed_file_write(target, text, n, errstr, errstr_size))) return err;
    }
    return SL_OK;
}

static sl_err file_sink_snapshot(void *self, int64_t id, sl_buf *out, char *errstr, size_t errstr_size) {
    file_sink *s = self;
    sl_err err = ensure_started(s, errstr, errstr_size);
    for (int i = 0; i < N_OUTPUTS && !err; i++) {
        uint64_t length;
        err = sl_committed_file_precommit(s->out[i], id, &length, errstr, errstr_size);
        sl_buf_append_u64(out, length);
    }
    return err;
}

static sl_err file_sink_commit(void *self, int64_t id, char *errstr, size_t errstr_size) {
    file_sink *s = self;
    for (int i = 0; i < N_OUTPUTS; i++) {
        sl_err err = sl_committed_file_commit(s->out[i], id, errstr, errstr_size);
        if (err) return err;
    }
    char tmp[1200];
    snprintf(tmp, sizeof(tmp), "%s.tmp", s->marker);
    FILE *f = fopen(tmp, "wb");
    bool ok = f && fprintf(f, "%" PRId64 "\n", id) > 0 && fflush(f) == 0 && fsync(fileno(f)) == 0;
    if (f) ok &= fclose(f) == 0;
    if (!ok || rename(tmp, s->marker))
        return sl_errf(SL_ERR_IO, errstr, errstr_size, "cannot record the commit of checkpoint %" PRId64 " in '%s': %s",
                       id, s->marker, strerror(errno));
    return SL_OK;
}

static int64_t file_sink_last_committed(void *self) {
    file_sink *s = self;
    FILE *f = fopen(s->marker, "rb");
    long long id = -1;
    if (f) {
        if (fscanf(f, "%lld", &id) != 1) id = -1;
        fclose(f);
    }
    return id;
}

static sl_err file_sink_restore(void *self, int64_t id, const sl_buf *const *snaps, size_t n, char *errstr,
                                size_t errstr_size) {
    file_sink *s = self;
    if (n != 1)
        return sl_errf(SL_ERR_CORRUPT, errstr, errstr_size, "file sink: checkpoint %lld has %zu sink snapshots, "
                       "expected 1", (long long)id, n);
    sl_buf_reader r = {snaps[0]->data, snaps[0]->data + snaps[0]->len};
    for (int i = 0; i < N_OUTPUTS; i++) {
        uint64_t length;
        if (!sl_buf_read_u64(&r, &length))
            return sl_errf(SL_ERR_CORRUPT, errstr, errstr_size, "file sink: snapshot of checkpoint %lld is truncated",
                           (long long)id);
        sl_err err = sl_committed_file_reset(s->out[i], length, errstr, errstr_size);
        if (err) return err;
    }
    s->restored = true;
    return SL_OK;
}

const sl_operator_plugin sl_sink_file = {
    .name = "file",
    .description = "Exactly-once JSON-lines files (results, .late, .dlq) committed per checkpoint",
    .is_sink = true,
    .cb_init = file_sink_init,
    .cb_process = file_sink_process,
    .cb_snapshot = file_sink_snapshot,
    .cb_restore = file_sink_restore,
    .cb_checkpoint_complete = file_sink_commit,
    .cb_last_committed = file_sink_last_committed,
    .cb_destroy = file_sink_destroy,
};
