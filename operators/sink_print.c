/* sink_print.c -- results as JSON lines on stdout, and a sink that drops them.
 *
 * stdout prints each result as soon as it reaches the sink (at-least-once
 * across restarts: use the file or Kafka sink for exactly-once). null counts
 * and discards, for benchmarks. */
#include <stdio.h>
#include <stdlib.h>

#include "engine/operator.h"
#include "operators/result_json.h"

typedef struct print_sink {
    char *line;
    size_t cap;
} print_sink;

static sl_err print_init(sl_operator_ctx *ctx, void **self, char *errstr, size_t errstr_size) {
    print_sink *p = calloc(1, sizeof(*p));
    p->cap = 4096;
    p->line = malloc(p->cap);
    *self = p;
    return SL_OK;
}

static sl_err print_process(void *self, sl_batch *in, sl_emitter *out, char *errstr, size_t errstr_size) {
    print_sink *p = self;
    if (in->kind != SL_BATCH_PAGE_STATS && in->kind != SL_BATCH_TOP_PAGES) return SL_OK;
    size_t size = sl_batch_item_size(in->kind);
    for (uint32_t i = 0; i < in->count; i++) {
        const void *rec = (const char *)in->items + i * size;
        size_t n = sl_record_to_json(in->kind, rec, p->line, p->cap);
        if (n >= p->cap) {
            p->cap = n + 1;
            p->line = realloc(p->line, p->cap);
            sl_record_to_json(in->kind, rec, p->line, p->cap);
        }
        fwrite(p->line, 1, n, stdout);
        fputc('\n', stdout);
    }
    return SL_OK;
}

static sl_err print_watermark(void *self, int64_t wm, sl_emitter *out, char *errstr, size_t errstr_size) {
    fflush(stdout);
    return SL_OK;
}

static void print_destroy(void *self) {
    print_sink *p = self;
    fflush(stdout);
    free(p->line);
    free(p);
}

const sl_operator_plugin sl_sink_stdout = {
    .name = "stdout",
    .description = "Print page analytics and Top-N as JSON lines (at-least-once)",
    .is_sink = true,
    .cb_init = print_init,
    .cb_process = print_process,
    .cb_watermark = print_watermark,
    .cb_destroy = print_destroy,
};

static sl_err null_init(sl_operator_ctx *ctx, void **self, char *errstr, size_t errstr_size) {
    *self = NULL;
    return SL_OK;
}

static sl_err null_process(void *self, sl_batch *in, sl_emitter *out, char *errstr, size_t errstr_size) {
    return SL_OK;
}

const sl_operator_plugin sl_sink_null = {
    .name = "null",
    .description = "Discard results (benchmarks)",
    .is_sink = true,
    .cb_init = null_init,
    .cb_process = null_process,
};
