/* source_memory.c -- replays generator events pre-generated into memory (benchmarks).
 *
 * At init it runs the built-in generator (generator.* keys; generator.events
 * must be bounded) and keeps every decoded sl_event in one array with its
 * strings in an arena, so that replaying costs a struct copy per event: the
 * throughput the engine shows then excludes generation and decoding. The
 * sequence is the generator's, so results equal a generator-sourced run.
 * Like the generator source, its checkpointed position is the number of
 * events delivered; the watermark is bounded out-of-orderness.
 *
 * It logs how long pre-generation took and, at teardown, the events it
 * replayed and the wall time from its first poll to the end of the job
 * (bench/run.sh reads that line). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/log.h"
#include "engine/operator.h"
#include "operators/generator.h"

typedef struct memory_source {
    char name[96];
    sl_event *events;
    uint64_t count, position;
    sl_arena strings;
    sl_gen *gen;                 /* kept: page and product strings live in its catalog */
    int64_t max_ts;
    int64_t bound;
    int64_t first_poll_ns;       /* 0 until the first poll */
} memory_source;

static int64_t monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Run the generator to its end into s->events. */
static sl_err pregenerate(memory_source *s, const sl_gen_conf *gc, char *errstr, size_t errstr_size) {
    s->events = malloc(gc->events * sizeof(sl_event));
    if (!s->events)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                       "memory source: cannot allocate %llu events (%.0f MB); lower generator.events",
                       (unsigned long long)gc->events, (double)gc->events * sizeof(sl_event) / 1e6);
    s->gen = sl_gen_new(gc);
    /* Large chunks: the arena holds every event's strings for the whole run. */
    sl_arena_init(&s->strings, 4u << 20);
    while (s->count < gc->events && sl_gen_next(s->gen, &s->events[s->count], &s->strings)) s->count++;
    return SL_OK;
}

static sl_err ms_init(sl_operator_ctx *ctx, void **self, char *errstr, size_t errstr_size) {
    if (ctx->parallelism != 1)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                       "the memory source replays one sequence and runs at parallelism 1");
    sl_gen_conf gc;
    int64_t bound;
    sl_err err = sl_gen_conf_load(&gc, ctx->conf, errstr, errstr_size);
    if (!err) err = sl_conf_get_int(ctx->conf, "watermark.out_of_orderness_ms", &bound, errstr, errstr_size);
    if (err) return err;
    if (gc.events == 0)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                       "memory source: generator.events is 0 (unbounded); set how many events to pre-generate, "
                       "e.g. --set generator.events=1000000");
    memory_source *s = calloc(1, sizeof(*s));
    snprintf(s->name, sizeof(s->name), "%s", ctx->name);
    s->bound = bound;
    s->max_ts = INT64_MIN;
    int64_t t0 = monotonic_ns();
    err = pregenerate(s, &gc, errstr, errstr_size);
    if (err) {
        free(s);
        return err;
    }
    sl_log_info(s->name, "memory source: pre-generated %llu events in %.1f ms",
                (unsigned long long)s->count, (double)(monotonic_ns() - t0) / 1e6);
    *self = s;
    return SL_OK;
}

static sl_source_status ms_poll(void *self, sl_batch *out, sl_batch *dead, int64_t *watermark, char *errstr,
                                size_t errstr_size) {
    memory_source *s = self;
    if (!s->first_poll_ns) s->first_poll_ns = monotonic_ns();
    uint32_t room = out->capacity - out->count;
    uint64_t left = s->count - s->position;
    uint32_t n = left < room ? (uint32_t)left : room;
    const sl_event *src = &s->events[s->position];
    /* The strings stay in the source's arena, which outlives every batch. */
    memcpy(sl_batch_events(out) + out->count, src, n * sizeof(sl_event));
    out->count += n;
    for (uint32_t i = 0; i < n; i++)
        if (src[i].timestamp_ms > s->max_ts) s->max_ts = src[i].timestamp_ms;
    s->position += n;
    if (s->max_ts != INT64_MIN) *watermark = s->max_ts - s->bound - 1;
    return s->position == s->count ? SL_SOURCE_END : SL_SOURCE_MORE;
}

static sl_err ms_snapshot(void *self, sl_buf *out) {
    memory_source *s = self;
    sl_buf_append_u64(out, s->position);
    sl_buf_append_u64(out, (uint64_t)s->max_ts);
    return SL_OK;
}

static sl_err ms_restore(void *self, const sl_buf *const *snaps, size_t n, char *errstr, size_t errstr_size) {
    memory_source *s = self;
    uint64_t position, max_ts;
    sl_buf_reader r = {n == 1 ? snaps[0]->data : NULL, n == 1 ? snaps[0]->data + snaps[0]->len : NULL};
    if (n != 1 || !sl_buf_read_u64(&r, &position) || !sl_buf_read_u64(&r, &max_ts))
        return sl_errf(SL_ERR_CORRUPT, errstr, errstr_size,
                       "memory source: the checkpoint holds %zu positions, expected 1 complete one", n);
    if (position > s->count)
        return sl_errf(SL_ERR_CORRUPT, errstr, errstr_size,
                       "memory source: the checkpoint is at event %llu but only %llu were pre-generated; "
                       "restore with the same generator.* settings",
                       (unsigned long long)position, (unsigned long long)s->count);
    s->position = position;
    s->max_ts = (int64_t)max_ts;
    return SL_OK;
}

static void ms_destroy(void *self) {
    memory_source *s = self;
    if (s->first_poll_ns) {
        double secs = (double)(monotonic_ns() - s->first_poll_ns) / 1e9;
        sl_log_info(s->name, "memory source: replayed %llu events; first poll to end of job %.1f ms = %.0f events/s",
                    (unsigned long long)s->position, secs * 1e3, secs > 0 ? (double)s->position / secs : 0.0);
    }
    sl_arena_free(&s->strings);
    sl_gen_free(s->gen);
    free(s->events);
    free(s);
}

const sl_source_plugin sl_source_memory = {
    .name = "memory",
    .description = "Generator events pre-generated into memory at init and replayed (benchmarks; generator.* keys)",
    .cb_init = ms_init,
    .cb_poll = ms_poll,
    .cb_snapshot = ms_snapshot,
    .cb_restore = ms_restore,
    .cb_destroy = ms_destroy,
};
