/* sink_print.c -- results as JSON lines on stdout, and a sink that drops them.
 *
 * stdout prints each result as soon as it reaches the sink (at-least-once
 * across restarts: use the file or Kafka sink for exactly-once). null counts
 * and discards, for benchmarks. */
#include <stdio.h>
#include <stdlib.h>

#include "engine/operator.h"
#include "operators/result_json.h"

static sl_err print_init(sl_operator_ctx *ctx, void **self, char *errstr, size_t errstr_size) {
    *self = calloc(1, sizeof(sl_json_line));
    return SL_OK;
}

static sl_err print_process(void *self, sl_batch *in, sl_emitter *out, char *errstr, size_t errstr_size) {
    if (in->kind != SL_BATCH_PAGE_STATS && in->kind != SL_BATCH_TOP_PAGES) return SL_OK;
    size_t size = sl_batch_item_size(in->kind), n;
    for (uint32_t i = 0; i < in->count; i++) {
        const char *text = sl_json_line_of(self, in->kind, (const char *)in->items + i * size, &n);
        fwrite(text, 1, n, stdout);
        fputc('\n', stdout);
    }
    return SL_OK;
}

static sl_err print_watermark(void *self, int64_t wm, sl_emitter *out, char *errstr, size_t errstr_size) {
    fflush(stdout);
    return SL_OK;
}

static void print_destroy(void *self) {
    fflush(stdout);
    sl_json_line_free(self);
    free(self);
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
