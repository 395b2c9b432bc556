/* source_generator.c -- the built-in clickstream generator as a source.
 *
 * Deterministic for a seed: its checkpointed position is the number of
 * events delivered, and a restore regenerates up to it. The watermark is
 * bounded out-of-orderness over the events delivered so far. */
#include <stdlib.h>

#include "engine/operator.h"
#include "operators/generator.h"

typedef struct gen_source {
    sl_gen *gen;
    int64_t max_ts;
    int64_t bound;
} gen_source;

static sl_err gs_init(sl_operator_ctx *ctx, void **self, char *errstr, size_t errstr_size) {
    if (ctx->parallelism != 1)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                       "the generator source is one sequence and runs at parallelism 1");
    sl_gen_conf gc;
    gen_source *s = calloc(1, sizeof(*s));
    sl_err err = sl_gen_conf_load(&gc, ctx->conf, errstr, errstr_size);
    if (!err) err = sl_conf_get_int(ctx->conf, "watermark.out_of_orderness_ms", &s->bound, errstr, errstr_size);
    if (err) {
        free(s);
        return err;
    }
    s->gen = sl_gen_new(&gc);
    s->max_ts = INT64_MIN;
    *self = s;
    return SL_OK;
}

static sl_source_status gs_poll(void *self, sl_batch *out, sl_batch *dead, int64_t *watermark, char *errstr,
                                size_t errstr_size) {
    gen_source *s = self;
    while (!sl_batch_full(out)) {
        sl_event *ev = sl_batch_push(out);
        if (!sl_gen_next(s->gen, ev, &out->arena)) {
            out->count--;
            if (s->max_ts != INT64_MIN) *watermark = s->max_ts - s->bound - 1;
            return SL_SOURCE_END;
        }
        if (ev->timestamp_ms > s->max_ts) s->max_ts = ev->timestamp_ms;
    }
    if (s->max_ts != INT64_MIN) *watermark = s->max_ts - s->bound - 1;
    return SL_SOURCE_MORE;
}

static sl_err gs_snapshot(void *self, sl_buf *out) {
    gen_source *s = self;
    sl_buf_append_u64(out, sl_gen_position(s->gen));
    sl_buf_append_u64(out, (uint64_t)s->max_ts);
    return SL_OK;
}

static sl_err gs_restore(void *self, const sl_buf *const *snaps, size_t n, char *errstr, size_t errstr_size) {
    gen_source *s = self;
    uint64_t position, max_ts;
    sl_buf_reader r = {n == 1 ? snaps[0]->data : NULL, n == 1 ? snaps[0]->data + snaps[0]->len : NULL};
    if (n != 1 || !sl_buf_read_u64(&r, &position) || !sl_buf_read_u64(&r, &max_ts))
        return sl_errf(SL_ERR_CORRUPT, errstr, errstr_size, "generator source: the checkpoint holds %zu positions, "
                       "expected 1 complete one", n);
    sl_gen_seek(s->gen, position);
    s->max_ts = (int64_t)max_ts;
    return SL_OK;
}

static void gs_destroy(void *self) {
    gen_source *s = self;
    sl_gen_free(s->gen);
    free(s);
}

const sl_source_plugin sl_source_generator = {
    .name = "generator",
    .description = "Deterministic sessionized clickstream traffic (generator.* keys)",
    .cb_init = gs_init,
    .cb_poll = gs_poll,
    .cb_snapshot = gs_snapshot,
    .cb_restore = gs_restore,
    .cb_destroy = gs_destroy,
};
