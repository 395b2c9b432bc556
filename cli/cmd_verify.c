/* cmd_verify.c -- `sluice verify`: recompute the results from the events in batch and compare. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cmd_verify.h"
#include "cli/commands.h"
#include "engine/conf.h"
#include "engine/hll.h"

static void usage(FILE *out) {
    fprintf(out,
            "Usage: sluice verify --events EVENTS.jsonl --results RESULTS.jsonl [--late LATE.jsonl]\n"
            "                     [--job JOBFILE] [--set key=value]... [--exact-users]\n\n"
            "Recomputes page analytics and Top-N for every window from the input events, with a\n"
            "simple batch program that shares no code with the streaming engine, and compares\n"
            "them with the engine's results (docs/metrics.md defines every metric).\n\n"
            "  --events FILE    the input events, JSON lines (invalid lines are counted and ignored)\n"
            "  --results FILE   the engine's page_analytics and top_pages records; for a key seen\n"
            "                   more than once (a late re-firing) the last one counts\n"
            "  --late FILE      the engine's late-events side output: each late event is left out\n"
            "                   of every window (it missed at least one already-closed window)\n"
            "  --job FILE       YAML job file for window.*, topn.* and source.* limits\n"
            "  --set key=value  override one setting (after --job), e.g. --set window.size_ms=30000\n"
            "  --exact-users    unique_users must be exact, not only within the sketch's bound: the\n"
            "                   engine counts exactly unless a page has more than %d users in one\n"
            "                   pane (docs/metrics.md)\n\n"
            "Problems (mismatch/missing/extra) go to stderr, the first %d in full; a summary goes\n"
            "to stdout. Exit 0 when everything matches, 1 when something differs, 2 on a usage or\n"
            "file error.\n",
            SL_HLL_EXACT_LIMIT, SL_VERIFY_SHOWN);
}

sl_err sl_verify_each_line(const char *path, sl_verify_line_fn fn, void *ctx, char *errstr, size_t errstr_size) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return sl_errf(SL_ERR_IO, errstr, errstr_size, "cannot open '%s': %s (check the path)", path,
                       strerror(errno));
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
        if (n > 0) fn(line, (size_t)n, lineno, ctx);
    }
    bool failed = ferror(f);
    free(line);
    fclose(f);
    if (failed) return sl_errf(SL_ERR_IO, errstr, errstr_size, "error while reading '%s'", path);
    return SL_OK;
}

typedef struct verify_args {
    const char *events, *results, *late, *job;
    const char **sets;
    int n_sets;
    bool exact_users;
} verify_args;

/* Accepts "--name value" and "--name=value". Returns the value or NULL. */
static const char *option_value(int argc, char **argv, int *i, const char *name) {
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n)) return NULL;
    if (argv[*i][n] == '=') return argv[*i] + n + 1;
    if (argv[*i][n] || *i + 1 >= argc) return NULL;
    return argv[++*i];
}

/* 0 to go on, -1 after printing --help, SL_EXIT_USAGE on a bad command line (message printed). */
static int parse_args(int argc, char **argv, verify_args *a) {
    static const char *const NAMES[] = {"--events", "--results", "--late", "--job", "--set"};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return -1;
        }
        if (!strcmp(argv[i], "--exact-users")) {
            a->exact_users = true;
            continue;
        }
        const char *v = NULL;
        int which = -1;
        for (int k = 0; k < 5 && !v; k++)
            if ((v = option_value(argc, argv, &i, NAMES[k]))) which = k;
        if (!v) {
            fprintf(stderr, "sluice verify: unknown option or missing value at '%s'. Run 'sluice verify --help'.\n",
                    argv[i]);
            return SL_EXIT_USAGE;
        }
        const char **slots[] = {&a->events, &a->results, &a->late, &a->job};
        if (which < 4) *slots[which] = v;
        else a->sets[a->n_sets++] = v;
    }
    if (!a->events || !a->results) {
        fprintf(stderr, "sluice verify: --events and --results are required. Run 'sluice verify --help'.\n");
        return SL_EXIT_USAGE;
    }
    return 0;
}

static sl_err read_params(const sl_conf *conf, sl_verify_params *p, char *errstr, size_t sz) {
    int64_t future, max_bytes;
    sl_err err;
    if ((err = sl_conf_get_int(conf, "window.size_ms", &p->size_ms, errstr, sz)) ||
        (err = sl_conf_get_int(conf, "window.slide_ms", &p->slide_ms, errstr, sz)) ||
        (err = sl_conf_get_int(conf, "window.allowed_lateness_ms", &p->lateness_ms, errstr, sz)) ||
        (err = sl_conf_get_int(conf, "topn.n", &p->top_n, errstr, sz)) ||
        (err = sl_conf_get_double(conf, "topn.trending_factor", &p->trending_factor, errstr, sz)) ||
        (err = sl_conf_get_int(conf, "source.min_timestamp_ms", &p->min_timestamp_ms, errstr, sz)) ||
        (err = sl_conf_get_int(conf, "source.max_future_ms", &future, errstr, sz)) ||
        (err = sl_conf_get_int(conf, "source.max_record_bytes", &max_bytes, errstr, sz)))
        return err;
    const char *type = sl_conf_get(conf, "window.type");
    if (type && !strcmp(type, "tumbling")) p->slide_ms = p->size_ms;
    else if (type && strcmp(type, "sliding"))
        return sl_errf(SL_ERR_INVALID_ARG, errstr, sz,
                       "window.type '%s': the oracle checks sliding and tumbling windows only", type);
    /* Sizes, slides, lateness, topn.n and max_future_ms are held to their
     * ranges by sl_conf_get_int (conf.c); the event times' range reaches
     * the year 9999, past what the oracle's sums allow. */
    const int64_t limit = (int64_t)1 << 46;   /* ~2000 years of ms: keeps every sum far from overflow */
    if (!(p->trending_factor > 0) || max_bytes <= 0 || p->min_timestamp_ms < -limit || p->min_timestamp_ms > limit)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, sz,
                       "window.allowed_lateness_ms, topn.n, source.* must not be negative, "
                       "topn.trending_factor must be positive");
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    p->max_timestamp_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000 + future;
    p->max_record_bytes = (size_t)max_bytes;
    return SL_OK;
}

static sl_err load_conf(const verify_args *a, sl_verify_params *p, char *errstr, size_t sz) {
    sl_conf *conf = sl_conf_new();
    sl_err err = a->job ? sl_conf_load_yaml(conf, a->job, errstr, sz) : SL_OK;
    for (int i = 0; i < a->n_sets && !err; i++) err = sl_conf_set_pair(conf, a->sets[i], errstr, sz);
    if (!err) err = read_params(conf, p, errstr, sz);
    sl_conf_destroy(conf);
    return err;
}

static void print_summary(const sl_verify_events *e, const sl_verify_results *res, const sl_verify_compare *c,
                          const sl_verify_report *r) {
    printf("events read:        %" PRIu64 " (%zu valid)\n", e->lines, e->count);
    printf("invalid lines:      %" PRIu64 "\n", e->invalid);
    printf("late records:       %" PRIu64 " (%" PRIu64 " unmatched)\n", e->late_records, r->late_unmatched);
    printf("windows:            %" PRIu64 "\n", c->windows);
    printf("records checked:    %" PRIu64 " (results: %" PRIu64 " lines, %" PRIu64 " superseded, %" PRIu64
           " other, %" PRIu64 " malformed)\n",
           c->records, res->lines, res->superseded, res->other, r->invalid_results);
    printf("mismatches:         %" PRIu64 "\n", r->mismatches);
    printf("missing:            %" PRIu64 "\n", r->missing);
    printf("extra:              %" PRIu64 "\n", r->extra);
    if (r->suppressed) fprintf(stderr, "... and %" PRIu64 " more problems not shown\n", r->suppressed);
    printf("verify: %s\n", sl_verify_report_ok(r) ? "OK" : "FAILED");
}

/* Everything after the arguments: load, recompute, compare, report. */
static int verify(const verify_args *a, const sl_verify_params *p) {
    char errstr[512];
    sl_verify_events e;
    sl_verify_results res;
    sl_verify_report report = {0};
    sl_verify_events_init(&e);
    sl_verify_results_init(&res);
    int rc = SL_EXIT_USAGE;
    if (sl_verify_events_load(&e, p, a->events, a->late != NULL, errstr, sizeof(errstr)) ||
        (a->late && sl_verify_late_load(&e, a->late, &report, errstr, sizeof(errstr))) ||
        sl_verify_results_load(&res, a->results, &e.pages, &report, errstr, sizeof(errstr))) {
        fprintf(stderr, "sluice verify: %s\n", errstr);
        goto out;
    }
    sl_verify_events_sort(&e);
    uint32_t *page_rank = sl_verify_strings_ranks(&e.pages);
    sl_verify_compare c = {&res, &e.pages, &report, a->exact_users, 0, 0};
    sl_verify_sweep(&e, page_rank, p, sl_verify_compare_window, &c);
    sl_verify_compare_extras(&c);
    free(page_rank);
    print_summary(&e, &res, &c, &report);
    rc = sl_verify_report_ok(&report) ? SL_EXIT_OK : SL_EXIT_FAILURE;
out:
    sl_verify_events_free(&e);
    sl_verify_results_free(&res);
    return rc;
}

int sl_cmd_verify(int argc, char **argv) {
    verify_args a = {0};
    a.sets = calloc((size_t)argc + 1, sizeof(char *));
    if (!a.sets) return SL_EXIT_FAILURE;
    int rc = parse_args(argc, argv, &a);
    if (rc == 0) {
        char errstr[512];
        sl_verify_params p;
        if (load_conf(&a, &p, errstr, sizeof(errstr))) {
            fprintf(stderr, "sluice verify: %s\n", errstr);
            rc = SL_EXIT_USAGE;
        } else {
            rc = verify(&a, &p);
        }
    } else if (rc < 0) {
        rc = SL_EXIT_OK;
    }
    free(a.sets);
    return rc;
}
