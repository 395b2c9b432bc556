/* cmd_metrics.c -- `sluice metrics`: the metric catalog, or a sample exposition. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "engine/metrics.h"

static void usage(FILE *out) {
    fprintf(out,
            "Usage: sluice metrics [--markdown | --sample]\n\n"
            "Lists every metric sluice exports on GET /metrics: name, type, help, labels.\n\n"
            "  --markdown  print the catalog as a Markdown table (docs/operations.md)\n"
            "  --sample    register a few series of every metric and print the exposition\n"
            "              exactly as GET /metrics serves it (for promtool check metrics)\n");
}

/* One series of each catalog metric, label values made up from the label
 * names, plus one value that needs escaping, so the output exercises every
 * metric name and the label escaping rules. */
static int render_sample(void) {
    sl_metrics *m = sl_metrics_new();
    if (!m) {
        fprintf(stderr, "sluice metrics: out of memory creating the registry\n");
        return SL_EXIT_FAILURE;
    }
    size_t n;
    const sl_metric_def *cat = sl_metrics_catalog(&n);
    for (size_t i = 0; i < n; i++) {
        const char *values[4] = {NULL, NULL, NULL, NULL};
        for (size_t j = 0; cat[i].labels[j] && j < 3; j++) values[j] = j ? "0" : "sample";
        sl_metric_handle *h = sl_metrics_get(m, cat[i].name, values);
        if (cat[i].type != SL_METRIC_GAUGE) sl_metric_add(h, 42 + i);
        else sl_metric_set(h, 1.5 * (double)i);
    }
    sl_metric_add(sl_metrics_get(m, "sluice_dead_letters_total", (const char *[]){"bad \"json\"\\\n", NULL}), 3);
    int rc = sl_metrics_render(m, stdout);
    sl_metrics_destroy(m);
    if (rc) {
        fprintf(stderr, "sluice metrics: writing the exposition to stdout failed\n");
        return SL_EXIT_FAILURE;
    }
    return SL_EXIT_OK;
}

int sl_cmd_metrics(int argc, char **argv) {
    if (argc > 2) {
        fprintf(stderr, "sluice metrics: too many arguments. Usage: sluice metrics [--markdown | --sample]\n");
        return SL_EXIT_USAGE;
    }
    const char *arg = argc > 1 ? argv[1] : NULL;
    if (!arg) {
        sl_metrics_describe(stdout, false);
        return SL_EXIT_OK;
    }
    if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
        usage(stdout);
        return SL_EXIT_OK;
    }
    if (!strcmp(arg, "--markdown")) {
        sl_metrics_describe(stdout, true);
        return SL_EXIT_OK;
    }
    if (!strcmp(arg, "--sample")) return render_sample();
    fprintf(stderr, "sluice metrics: unknown option '%s'. Usage: sluice metrics [--markdown | --sample]\n", arg);
    return SL_EXIT_USAGE;
}
