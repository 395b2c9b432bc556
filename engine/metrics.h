/* metrics.h -- the Prometheus metrics registry: one catalog, lock-free series.
 *
 * Every metric sluice exports is declared once in metrics.c's catalog (name,
 * type, help, label names); `sluice metrics` prints it. An operator asks the
 * registry for a series handle once, at init, and then updates it on the hot
 * path with a relaxed atomic -- no lock, no allocation, no lookup per event.
 *
 *     sl_metric_handle *in = sl_metrics_get(m, "sluice_events_in_total",
 *                                           (const char *[]){"page_window", "0", NULL});
 *     ...
 *     sl_metric_add(in, batch->count);
 *
 * sl_metrics_render writes the Prometheus text exposition format (0.0.4),
 * including the standard process_* metrics read from /proc/self. */
#ifndef SL_METRICS_H
#define SL_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct sl_metrics sl_metrics;
typedef struct sl_metric_handle sl_metric_handle;

/* A time counter is added to in nanoseconds and exported in seconds (a
 * Prometheus counter): integer adds, like any counter, on per-batch paths. */
typedef enum sl_metric_type { SL_METRIC_COUNTER, SL_METRIC_GAUGE, SL_METRIC_TIME_COUNTER } sl_metric_type;

/* One catalog row. `labels` is NULL-terminated (an empty list for none). */
typedef struct sl_metric_def {
    const char *name;
    sl_metric_type type;
    const char *help;
    const char *const *labels;
} sl_metric_def;

/* The catalog: every sluice_* metric, in rendering order. */
const sl_metric_def *sl_metrics_catalog(size_t *count);
/* The process_* metrics rendered from /proc/self (not obtainable as handles). */
const sl_metric_def *sl_metrics_process_catalog(size_t *count);
const char *sl_metric_type_name(sl_metric_type type);

sl_metrics *sl_metrics_new(void);
/* Frees the registry and every handle it gave out. */
void sl_metrics_destroy(sl_metrics *metrics);

/* The series of `name` with these label values (NULL-terminated, in the
 * catalog's label order; NULL or {NULL} for a metric without labels). The same
 * name and values always give the same handle. Returns NULL -- and logs what
 * was wrong -- for a name not in the catalog, a wrong number of label values,
 * or out of memory; NULL without a log for a NULL registry. Takes a lock:
 * call it at init, never per event. */
sl_metric_handle *sl_metrics_get(sl_metrics *metrics, const char *name,
                                 const char *const *label_values);

/* Lock-free updates; a NULL handle is ignored so an operator without metrics
 * needs no branches. add: counters count up, gauges add `delta`. set: gauges
 * only (setting a counter is logged once and ignored: counters never go down). */
void sl_metric_add(sl_metric_handle *h, uint64_t delta);
void sl_metric_set(sl_metric_handle *h, double value);
/* Current value (counters as a double); 0 for NULL. */
double sl_metric_value(const sl_metric_handle *h);

/* Replace every series of a gauge at once with `n` series: label_values[i]
 * (NULL-terminated, catalog order) has value values[i]. For a small set whose
 * members change, such as the Top-N pages of the latest window: a series left
 * out of the new set is gone from the next exposition, so the metric's
 * cardinality stays n. Series obtained from sl_metrics_get render as well;
 * don't mix the two for one metric. n == 0 clears the set. Allocates and
 * takes the lock briefly: call it per window, never per event. Returns 0, or
 * -1 (logged) for a name that is not a gauge in the catalog, a wrong number
 * of label values, or out of memory; 0 for a NULL registry. */
int sl_metrics_replace(sl_metrics *metrics, const char *name, size_t n, const char *const *const *label_values,
                       const double *values);

/* Several sl_metrics_replace at once (at most 8): a render shows either all
 * the old sets or all the new ones, so values that belong together (the
 * Top-N pages and the end of their window) are never scraped half-updated.
 * A metric without labels is one series with label_values[0] = {NULL}. */
typedef struct sl_metrics_series_set {
    const char *name;
    size_t n;
    const char *const *const *label_values;
    const double *values;
} sl_metrics_series_set;
int sl_metrics_replace_sets(sl_metrics *metrics, const sl_metrics_series_set *sets, size_t n_sets);

/* Prometheus text exposition format 0.0.4: # HELP, # TYPE and samples of
 * every metric with at least one series, then the process_* metrics. Returns
 * 0, or -1 when writing to `out` failed. */
int sl_metrics_render(sl_metrics *metrics, FILE *out);

/* Kafka consumer lag from a librdkafka statistics document (the JSON its
 * stats_cb receives when statistics.interval.ms > 0): sets
 * sluice_kafka_consumer_lag{topic,partition} for every assigned partition
 * with a known lag. For the Kafka source's stats_cb, e.g.
 *     static int on_stats(rd_kafka_t *rk, char *json, size_t len, void *opaque) {
 *         sl_metrics_kafka_stats(metrics, json, len);
 *         return 0;   // librdkafka frees json
 *     }
 * Returns the number of partitions updated, -1 when the document is not JSON. */
int sl_metrics_kafka_stats(sl_metrics *metrics, const char *json, size_t len);

/* Print the catalog: one metric per line, "name type help (labels: ...)".
 * markdown: a table for docs/operations.md instead. */
void sl_metrics_describe(FILE *out, bool markdown);

#endif
