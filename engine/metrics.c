/* metrics.c -- the metric catalog, series handles and Prometheus text rendering. */
#include "engine/metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "engine/log.h"
#include "engine/process_stats.h"

#define L(...) ((const char *const[]){__VA_ARGS__, NULL})
#define NO_LABELS ((const char *const[]){NULL})

/* Every metric sluice exports. Names follow Prometheus conventions: base
 * units (seconds, bytes), counters end in _total. Add a row here before
 * asking for a new name; docs/operations.md lists this table. */
static const sl_metric_def CATALOG[] = {
    {"sluice_events_in_total", SL_METRIC_COUNTER, "Records an operator subtask received.", L("operator", "subtask")},
    {"sluice_events_out_total", SL_METRIC_COUNTER, "Records an operator subtask emitted.", L("operator", "subtask")},
    {"sluice_late_events_total", SL_METRIC_COUNTER,
     "Events that arrived after the watermark passed their windows (sent to the late side output).", L("operator")},
    {"sluice_dead_letters_total", SL_METRIC_COUNTER, "Records sent to the dead-letter output, by reason.", L("reason")},
    {"sluice_watermark_seconds", SL_METRIC_GAUGE, "Event time of the current watermark of an input, in epoch seconds.",
     L("input")},
    {"sluice_watermark_delay_seconds", SL_METRIC_GAUGE, "Wall-clock time minus the watermark of an input.",
     L("input")},
    {"sluice_operator_busy_seconds_total", SL_METRIC_TIME_COUNTER,
     "Wall time an operator subtask spent on its work, by kind: records (its batches) or timers (watermarks "
     "and the window firings they trigger); without the operators chained after it.",
     L("operator", "subtask", "work")},
    {"sluice_window_firings_total", SL_METRIC_COUNTER, "Windows fired (results emitted) by a window operator.",
     L("operator")},
    {"sluice_worker_busy_ratio", SL_METRIC_GAUGE,
     "Share of the last second a worker thread spent on the CPU (1: the thread is the bottleneck).", L("worker")},
    {"sluice_worker_waiting_ratio", SL_METRIC_GAUGE,
     "Share of the last second a worker thread slept for lack of work (its input is the bottleneck).", L("worker")},
    {"sluice_checkpoints_total", SL_METRIC_COUNTER, "Checkpoints by result (completed or failed).", L("result")},
    {"sluice_checkpoint_duration_seconds", SL_METRIC_GAUGE,
     "Duration of the last checkpoint, from barrier injection to completion.", NO_LABELS},
    {"sluice_checkpoint_size_bytes", SL_METRIC_GAUGE, "Size on disk of the last completed checkpoint.", NO_LABELS},
    {"sluice_checkpoint_last_completed_timestamp_seconds", SL_METRIC_GAUGE,
     "Wall-clock time the last checkpoint completed, in epoch seconds.", NO_LABELS},
    {"sluice_kafka_consumer_lag", SL_METRIC_GAUGE,
     "Records between the consumer position and the high watermark of a partition.", L("topic", "partition")},
    {"sluice_kafka_transactions_total", SL_METRIC_COUNTER, "Kafka transactions by result (committed or aborted).",
     L("result")},
    {"sluice_state_size_bytes", SL_METRIC_GAUGE, "Estimated size of an operator's keyed state.", L("operator")},
    {"sluice_results_total", SL_METRIC_COUNTER, "Result records emitted, by type (page_analytics or top_pages).",
     L("type")},
    {"sluice_generator_events_total", SL_METRIC_COUNTER, "Events the built-in generator produced.", NO_LABELS},
    {"sluice_job_up", SL_METRIC_GAUGE, "1 while the job runs, 0 once it stopped or failed.", L("job")},
    {"sluice_source_records_total", SL_METRIC_COUNTER, "Records read by a source.", L("source")},
    {"sluice_top_page_views", SL_METRIC_GAUGE,
     "Views of each of the Top-N pages of the latest fired window (only the current N pages have a series).",
     L("rank", "page")},
    {"sluice_latest_window_end_seconds", SL_METRIC_GAUGE,
     "End of the latest window whose Top-N fired, in event-time epoch seconds.", NO_LABELS},
};
#define N_CATALOG (sizeof(CATALOG) / sizeof(CATALOG[0]))

enum { PROC_CPU, PROC_RSS, PROC_START, PROC_FDS, N_PROCESS };
static const sl_metric_def PROCESS_CATALOG[N_PROCESS] = {
    [PROC_CPU] = {"process_cpu_seconds_total", SL_METRIC_COUNTER, "Total user and system CPU time spent in seconds.",
                  NO_LABELS},
    [PROC_RSS] = {"process_resident_memory_bytes", SL_METRIC_GAUGE, "Resident memory size in bytes.", NO_LABELS},
    [PROC_START] = {"process_start_time_seconds", SL_METRIC_GAUGE,
                    "Start time of the process since unix epoch in seconds.", NO_LABELS},
    [PROC_FDS] = {"process_open_fds", SL_METRIC_GAUGE, "Number of open file descriptors.", NO_LABELS},
};

/* One series. Aligned to a cache line so two hot counters updated by
 * different worker threads never share one. Gauges keep the bits of a double. */
struct sl_metric_handle {
    _Alignas(64) _Atomic uint64_t value;
    atomic_bool warned_set;          /* "set on a counter" is logged once */
    const sl_metric_def *def;
    sl_metric_handle *next;          /* series of the same metric, creation order */
    char labels[];                   /* rendered, escaped: {a="x",b="y"} or "" */
};

struct sl_metrics {
    pthread_mutex_t lock;            /* guards the series lists and sets, not the values */
    sl_metric_handle *series[N_CATALOG];
    char *replaced[N_CATALOG];       /* sl_metrics_replace: rendered sample lines, or NULL */
};

const sl_metric_def *sl_metrics_catalog(size_t *count) {
    *count = N_CATALOG;
    return CATALOG;
}

const sl_metric_def *sl_metrics_process_catalog(size_t *count) {
    *count = N_PROCESS;
    return PROCESS_CATALOG;
}

const char *sl_metric_type_name(sl_metric_type type) {
    return type == SL_METRIC_GAUGE ? "gauge" : "counter";
}

sl_metrics *sl_metrics_new(void) {
    sl_metrics *m = calloc(1, sizeof(*m));
    if (!m) return NULL;
    pthread_mutex_init(&m->lock, NULL);
    return m;
}

void sl_metrics_destroy(sl_metrics *m) {
    if (!m) return;
    for (size_t i = 0; i < N_CATALOG; i++) {
        sl_metric_handle *h = m->series[i];
        while (h) {
            sl_metric_handle *next = h->next;
            free(h);
            h = next;
        }
        free(m->replaced[i]);
    }
    pthread_mutex_destroy(&m->lock);
    free(m);
}

/* ---- label rendering ---- */

/* A tiny string builder over a fixed buffer; `len` keeps counting past the
 * end so the caller learns the size it needs. */
typedef struct text {
    char *buf;
    size_t cap, len;
} text;

static void text_putc(text *t, char c) {
    if (t->len + 1 < t->cap) t->buf[t->len] = c;
    t->len++;
}

static void text_puts(text *t, const char *s) {
    while (*s) text_putc(t, *s++);
}

/* Length of the well-formed UTF-8 sequence at s (1..4), 0 when it is not one
 * (overlong forms, surrogates and code points above U+10FFFF included). */
static size_t utf8_sequence(const unsigned char *s) {
    if (s[0] < 0x80) return 1;
    size_t n = s[0] >= 0xc2 && s[0] <= 0xdf ? 2 : s[0] >= 0xe0 && s[0] <= 0xef ? 3 : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80) return 0;
    if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) || (s[0] == 0xf0 && s[1] < 0x90) ||
        (s[0] == 0xf4 && s[1] >= 0x90))
        return 0;
    return n;
}

/* Label values escape backslash, double quote and newline (exposition format).
 * Prometheus rejects a whole scrape with a label value that is not UTF-8, and
 * values can come from input (a page name), so each byte that does not start
 * a well-formed sequence becomes U+FFFD. */
static void text_put_label_value(text *t, const char *v) {
    while (*v) {
        size_t n = utf8_sequence((const unsigned char *)v);
        if (*v == '\\') text_puts(t, "\\\\");
        else if (*v == '"') text_puts(t, "\\\"");
        else if (*v == '\n') text_puts(t, "\\n");
        else if (n == 0) text_puts(t, "\xef\xbf\xbd");
        else
            for (size_t i = 0; i < n; i++) text_putc(t, v[i]);
        v += n ? n : 1;
    }
}

static size_t render_labels(const sl_metric_def *def, const char *const *values, char *buf, size_t cap) {
    text t = {buf, cap, 0};
    if (def->labels[0]) {
        text_putc(&t, '{');
        for (size_t i = 0; def->labels[i]; i++) {
            if (i) text_putc(&t, ',');
            text_puts(&t, def->labels[i]);
            text_puts(&t, "=\"");
            text_put_label_value(&t, values[i]);
            text_putc(&t, '"');
        }
        text_putc(&t, '}');
    }
    if (cap) buf[t.len < cap ? t.len : cap - 1] = '\0';
    return t.len;
}

static size_t count_strings(const char *const *v) {
    size_t n = 0;
    while (v && v[n]) n++;
    return n;
}

static const sl_metric_def *find_def(const char *name, size_t *index) {
    for (size_t i = 0; i < N_CATALOG; i++)
        if (!strcmp(CATALOG[i].name, name)) {
            *index = i;
            return &CATALOG[i];
        }
    return NULL;
}

/* ---- handles ---- */

static sl_metric_handle *new_series(const sl_metric_def *def, const char *const *values) {
    size_t need = render_labels(def, values, NULL, 0) + 1;
    sl_metric_handle *h = aligned_alloc(64, (sizeof(*h) + need + 63) / 64 * 64);
    if (!h) return NULL;
    atomic_init(&h->value, 0);
    atomic_init(&h->warned_set, false);
    h->def = def;
    h->next = NULL;
    render_labels(def, values, h->labels, need);
    return h;
}

sl_metric_handle *sl_metrics_get(sl_metrics *m, const char *name, const char *const *label_values) {
    if (!m) return NULL;   /* an operator run without a registry updates nothing */
    size_t index = 0;
    const sl_metric_def *def = name ? find_def(name, &index) : NULL;
    if (!def) {
        sl_log_error("metrics", "unknown metric '%s': add it to the catalog in engine/metrics.c "
                     "(`sluice metrics` lists the known names)", name ? name : "(null)");
        return NULL;
    }
    size_t want = count_strings(def->labels), got = count_strings(label_values);
    if (want != got) {
        sl_log_error("metrics", "metric '%s' takes %zu label value(s) (%s%s), got %zu: pass them "
                     "NULL-terminated in the catalog's order", name, want, want ? def->labels[0] : "none",
                     want > 1 ? ", ..." : "", got);
        return NULL;
    }
    sl_metric_handle *h = new_series(def, label_values);
    if (!h) {
        sl_log_error("metrics", "out of memory creating a series of '%s'", name);
        return NULL;
    }
    pthread_mutex_lock(&m->lock);
    sl_metric_handle **link = &m->series[index];
    for (; *link; link = &(*link)->next)
        if (!strcmp((*link)->labels, h->labels)) break;
    sl_metric_handle *found = *link;
    if (!found) *link = h;
    pthread_mutex_unlock(&m->lock);
    if (found) {
        free(h);
        return found;
    }
    return h;
}

/* ---- updates ---- */

static uint64_t double_bits(double v) {
    uint64_t bits;
    memcpy(&bits, &v, sizeof(bits));
    return bits;
}

static double bits_double(uint64_t bits) {
    double v;
    memcpy(&v, &bits, sizeof(v));
    return v;
}

void sl_metric_add(sl_metric_handle *h, uint64_t delta) {
    if (!h) return;
    if (h->def->type != SL_METRIC_GAUGE) {
        atomic_fetch_add_explicit(&h->value, delta, memory_order_relaxed);
        return;
    }
    uint64_t old = atomic_load_explicit(&h->value, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(&h->value, &old, double_bits(bits_double(old) + (double)delta),
                                                  memory_order_relaxed, memory_order_relaxed)) {
    }
}

void sl_metric_set(sl_metric_handle *h, double value) {
    if (!h) return;
    if (h->def->type == SL_METRIC_GAUGE) {
        atomic_store_explicit(&h->value, double_bits(value), memory_order_relaxed);
        return;
    }
    if (!atomic_exchange(&h->warned_set, true))
        sl_log_warn("metrics", "'%s%s' is a counter: it can only be added to, the set is ignored",
                    h->def->name, h->labels);
}

double sl_metric_value(const sl_metric_handle *h) {
    if (!h) return 0;
    uint64_t v = atomic_load_explicit(&((sl_metric_handle *)h)->value, memory_order_relaxed);
    if (h->def->type == SL_METRIC_GAUGE) return bits_double(v);
    return h->def->type == SL_METRIC_TIME_COUNTER ? (double)v / 1e9 : (double)v;
}

/* ---- rendering ---- */

/* HELP text escapes backslash and newline. */
static void put_header(FILE *out, const sl_metric_def *def) {
    fprintf(out, "# HELP %s ", def->name);
    for (const char *c = def->help; *c; c++) {
        if (*c == '\\') fputs("\\\\", out);
        else if (*c == '\n') fputs("\\n", out);
        else fputc(*c, out);
    }
    fprintf(out, "\n# TYPE %s %s\n", def->name, sl_metric_type_name(def->type));
}

/* Go's float syntax, which Prometheus parses: NaN, +Inf, -Inf, or %g digits. */
static void put_double(FILE *out, double v) {
    if (isnan(v)) fputs("NaN", out);
    else if (isinf(v)) fputs(v > 0 ? "+Inf" : "-Inf", out);
    else {
        /* The shortest of 15..17 digits that reads back as the same double. */
        char buf[32];
        for (int digits = 15; digits <= 17; digits++) {
            snprintf(buf, sizeof(buf), "%.*g", digits, v);
            if (strtod(buf, NULL) == v) break;
        }
        fputs(buf, out);
    }
}

/* ---- replaced sets ---- */

/* One set's sample lines, malloc'd into *block (NULL for an empty set).
 * Returns the catalog index, or -1 (logged) when the set is not valid. */
static long render_set(const sl_metrics_series_set *set, char **block) {
    size_t index = 0;
    const sl_metric_def *def = set->name ? find_def(set->name, &index) : NULL;
    *block = NULL;
    if (!def || def->type != SL_METRIC_GAUGE) {
        sl_log_error("metrics", "cannot replace the series of '%s': only a gauge of the catalog in engine/metrics.c "
                     "can be replaced", set->name ? set->name : "(null)");
        return -1;
    }
    size_t want = count_strings(def->labels);
    for (size_t i = 0; i < set->n; i++)
        if (count_strings(set->label_values[i]) != want) {
            sl_log_error("metrics", "metric '%s' takes %zu label value(s), series %zu has %zu", set->name, want, i,
                         count_strings(set->label_values[i]));
            return -1;
        }
    size_t len = 0;
    FILE *out = set->n ? open_memstream(block, &len) : NULL;
    if (set->n && !out) return -1;
    bool ok = true;
    for (size_t i = 0; i < set->n && ok; i++) {
        size_t need = render_labels(def, set->label_values[i], NULL, 0) + 1;
        char *labels = malloc(need);
        if (!(ok = labels != NULL)) break;
        render_labels(def, set->label_values[i], labels, need);
        fprintf(out, "%s%s ", def->name, labels);
        put_double(out, set->values[i]);
        fputc('\n', out);
        free(labels);
    }
    if (out && (fclose(out) || !*block || !ok)) {
        free(*block);
        *block = NULL;
        sl_log_error("metrics", "out of memory rendering the series of '%s'", set->name);
        return -1;
    }
    return (long)index;
}

/* The new sets are rendered outside the lock, then swapped in together: a
 * scrape sees all the old sets or all the new ones, never a mix, and never
 * waits for the rendering. */
int sl_metrics_replace_sets(sl_metrics *m, const sl_metrics_series_set *sets, size_t n_sets) {
    if (!m) return 0;
    char *blocks[8] = {NULL};
    long index[8];
    if (n_sets > 8) {
        sl_log_error("metrics", "sl_metrics_replace_sets takes at most 8 sets at once, got %zu", n_sets);
        return -1;
    }
    int rc = 0;
    for (size_t k = 0; k < n_sets && !rc; k++)
        if ((index[k] = render_set(&sets[k], &blocks[k])) < 0) rc = -1;
    if (!rc) {
        pthread_mutex_lock(&m->lock);
        for (size_t k = 0; k < n_sets; k++) {
            char *old = m->replaced[index[k]];
            m->replaced[index[k]] = blocks[k];
            blocks[k] = old;   /* freed below, outside the lock */
        }
        pthread_mutex_unlock(&m->lock);
    }
    for (size_t k = 0; k < n_sets; k++) free(blocks[k]);
    return rc;
}

int sl_metrics_replace(sl_metrics *m, const char *name, size_t n, const char *const *const *label_values,
                       const double *values) {
    return sl_metrics_replace_sets(m, &(sl_metrics_series_set){name, n, label_values, values}, 1);
}

static void render_process(FILE *out) {
    sl_process_stats ps;
    if (!sl_process_stats_read(&ps)) return;   /* no /proc: leave them out rather than report zeros */
    const double values[N_PROCESS] = {
        [PROC_CPU] = ps.cpu_seconds, [PROC_RSS] = ps.resident_bytes,
        [PROC_START] = ps.start_time_seconds, [PROC_FDS] = ps.open_fds,
    };
    for (size_t i = 0; i < N_PROCESS; i++) {
        put_header(out, &PROCESS_CATALOG[i]);
        fprintf(out, "%s ", PROCESS_CATALOG[i].name);
        put_double(out, values[i]);
        fputc('\n', out);
    }
}

int sl_metrics_render(sl_metrics *m, FILE *out) {
    pthread_mutex_lock(&m->lock);
    for (size_t i = 0; i < N_CATALOG; i++) {
        if (!m->series[i] && !m->replaced[i]) continue;
        put_header(out, &CATALOG[i]);
        if (m->replaced[i]) fputs(m->replaced[i], out);
        for (const sl_metric_handle *h = m->series[i]; h; h = h->next) {
            fprintf(out, "%s%s ", h->def->name, h->labels);
            if (h->def->type == SL_METRIC_COUNTER)   /* exact, however large */
                fprintf(out, "%llu", (unsigned long long)atomic_load_explicit(
                                         &((sl_metric_handle *)h)->value, memory_order_relaxed));
            else
                put_double(out, sl_metric_value(h));
            fputc('\n', out);
        }
    }
    pthread_mutex_unlock(&m->lock);
    render_process(out);
    return ferror(out) ? -1 : 0;
}

/* ---- catalog listing ---- */

static void describe_row(FILE *out, const sl_metric_def *d, bool markdown) {
    if (markdown) fprintf(out, "| `%s` | %s | ", d->name, sl_metric_type_name(d->type));
    else fprintf(out, "%-52s %-8s %s", d->name, sl_metric_type_name(d->type), d->help);
    for (size_t i = 0; d->labels[i]; i++)
        fprintf(out, "%s%s", i ? ", " : (markdown ? "" : " (labels: "), d->labels[i]);
    if (markdown) fprintf(out, " | %s |\n", d->help);
    else fputs(d->labels[0] ? ")\n" : "\n", out);
}

void sl_metrics_describe(FILE *out, bool markdown) {
    if (markdown) fputs("| metric | type | labels | meaning |\n|---|---|---|---|\n", out);
    for (size_t i = 0; i < N_CATALOG; i++) describe_row(out, &CATALOG[i], markdown);
    for (size_t i = 0; i < N_PROCESS; i++) describe_row(out, &PROCESS_CATALOG[i], markdown);
}
