/* source_memory.c -- replays generator events pre-generated into memory (benchmarks).
 *
 * At init it runs the built-in generator (generator.* keys; generator.events
 * must be bounded) and keeps every decoded sl_event in one array with its
 * strings in an arena, so that replaying costs a struct copy per event: the
 * throughput the engine shows then excludes generation and decoding. The
 * sequence is the generator's, so results equal a generator-sourced run.
 * At parallelism p, subtask i replays events i, i + p, i + 2p, …: every
 * subtask's share spans the whole event time, so the combined watermark (the
 * minimum) advances as a single reader's would. Its checkpointed position is
 * the number of its events delivered; the watermark is bounded
 * out-of-orderness.
 *
 * It logs how long pre-generation took and, at teardown, the events it
 * replayed and the wall time from its first poll to the end of the job
 * (bench/run.sh reads that line). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/clock.h"
#include "engine/log.h"
#include "engine/operator.h"
#include "operators/generator.h"

typedef struct memory_source {
    char name[96];
    sl_event *events;
    uint64_t count, position;
    sl_arena strings;
    sl_gen *gen;                 /* kept: page and product strings live in its catalog */
    uint32_t subtask, parallelism;
    int64_t max_ts;
    int64_t bound;
    int64_t first_poll_ns;       /* 0 until the first poll */
} memory_source;

/* Run the generator to its end and keep this subtask's share in s->events. */
static sl_err pregenerate(memory_source *s, const sl_gen_conf *gc, char *errstr, size_t errstr_size) {
    uint64_t share = gc->events / s->parallelism + 1;
    s->events = malloc(share * sizeof(sl_event));
    if (!s->events)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                       "memory source: cannot allocate %llu events (%.0f MB); lower generator.events",
                       (unsigned long long)share, (double)share * sizeof(sl_event) / 1e6);
    s->gen = sl_gen_new(gc);
    /* Large chunks: the arena holds every kept event's strings for the whole
     * run; the other subtasks' events go through a scratch arena. */
    sl_arena_init(&s->strings, 4u << 20);
    sl_arena scratch;
    sl_arena_init(&scratch, 4096);
    sl_event skipped;
    for (uint64_t i = 0; i < gc->events; i++) {
        bool mine = i % s->parallelism == s->subtask;
        if (!sl_gen_next(s->gen, mine ? &s->events[s->count] : &skipped, mine ? &s->strings : &scratch)) break;
        if (mine) s->count++;
        else sl_arena_reset(&scratch);
    }
    sl_arena_free(&scratch);
    return SL_OK;
}

static sl_err ms_init(sl_operator_ctx *ctx, void **self, char *errstr, size_t errstr_size) {
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
    s->subtask = ctx->subtask;
    s->parallelism = ctx->parallelism;
    s->bound = bound;
    s->max_ts = INT64_MIN;
    int64_t t0 = sl_monotonic_ns();
    err = pregenerate(s, &gc, errstr, errstr_size);
    if (err) {
        free(s);
        return err;
    }
    sl_log_info(s->name, "memory source: pre-generated %llu events (subtask %u of %u) in %.1f ms",
                (unsigned long long)s->count, s->subtask + 1, s->parallelism, (double)(sl_monotonic_ns() - t0) / 1e6);
    *self = s;
    return SL_OK;
}

static sl_source_status ms_poll(void *self, sl_batch *out, sl_batch *dead, int64_t *watermark, char *errstr,
                                size_t errstr_size) {
    memory_source *s = self;
    if (!s->first_poll_ns) s->first_poll_ns = sl_monotonic_ns();
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
    sl_buf_append_u64(out, s->subtask);
    return SL_OK;
}

/* Each subtask's position counts its own share of the events, so a restore
 * needs the same parallelism: the snapshot of the same subtask. */
static sl_err ms_restore(void *self, const sl_buf *const *snaps, size_t n, char *errstr, size_t errstr_size) {
    memory_source *s = self;
    if (n != s->parallelism)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                       "memory source: the checkpoint was taken with %zu source subtasks, the job has %u; "
                       "restore with the same parallelism", n, s->parallelism);
    for (size_t i = 0; i < n; i++) {
        uint64_t position, max_ts, subtask;
        sl_buf_reader r = {snaps[i]->data, snaps[i]->data + snaps[i]->len};
        if (!sl_buf_read_u64(&r, &position) || !sl_buf_read_u64(&r, &max_ts) || !sl_buf_read_u64(&r, &subtask))
            return sl_errf(SL_ERR_CORRUPT, errstr, errstr_size, "memory source: position %zu of the checkpoint is "
                           "truncated", i);
        if (subtask != s->subtask) continue;
        if (position > s->count)
            return sl_errf(SL_ERR_CORRUPT, errstr, errstr_size,
                           "memory source: the checkpoint is at event %llu but only %llu were pre-generated; "
                           "restore with the same generator.* settings",
                           (unsigned long long)position, (unsigned long long)s->count);
        s->position = position;
        s->max_ts = (int64_t)max_ts;
        return SL_OK;
    }
    return sl_errf(SL_ERR_CORRUPT, errstr, errstr_size, "memory source: the checkpoint has no position for subtask %u",
                   s->subtask);
}

static void ms_destroy(void *self) {
    memory_source *s = self;
    if (s->first_poll_ns) {
        double secs = (double)(sl_monotonic_ns() - s->first_poll_ns) / 1e9;
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
