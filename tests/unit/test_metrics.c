/* test_metrics.c -- the metrics registry: catalog, handles, atomic updates, exposition format. */
#include <ctype.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/metrics.h"

/* The exposition as a malloc'd string. */
static char *render(sl_metrics *m) {
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    assert_int_equal(sl_metrics_render(m, out), 0);
    assert_int_equal(fclose(out), 0);
    return text;
}

/* What fn wrote on stderr (the log) while it ran. */
static char *capture_stderr(void (*fn)(void *), void *arg) {
    fflush(stderr);
    int saved = dup(2);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    dup2(fileno(tmp), 2);
    fn(arg);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    long size = ftell(tmp);
    char *text = calloc(1, (size_t)size + 1);
    rewind(tmp);
    assert_int_equal(fread(text, 1, (size_t)size, tmp), (size_t)size);
    fclose(tmp);
    return text;
}

static void test_catalog_names_follow_conventions(void **state) {
    size_t n;
    const sl_metric_def *cat = sl_metrics_catalog(&n);
    assert_true(n >= 18);
    for (size_t i = 0; i < n; i++) {
        const char *name = cat[i].name;
        assert_true(!strncmp(name, "sluice_", 7));
        for (const char *c = name; *c; c++) assert_true(islower((unsigned char)*c) || isdigit((unsigned char)*c) || *c == '_');
        size_t len = strlen(name);
        bool total = len > 6 && !strcmp(name + len - 6, "_total");
        assert_int_equal(total, cat[i].type != SL_METRIC_GAUGE);
        assert_true(strlen(cat[i].help) > 10);
        for (size_t j = 0; j < i; j++) assert_string_not_equal(cat[j].name, name);
    }
}

static void test_render_help_type_and_labels(void **state) {
    sl_metrics *m = sl_metrics_new();
    sl_metric_handle *in = sl_metrics_get(m, "sluice_events_in_total", (const char *[]){"page_window", "3", NULL});
    sl_metric_handle *wm = sl_metrics_get(m, "sluice_watermark_seconds", (const char *[]){"kafka", NULL});
    sl_metric_handle *dur = sl_metrics_get(m, "sluice_checkpoint_duration_seconds", NULL);
    sl_metric_add(in, 7);
    sl_metric_add(in, 5);
    sl_metric_set(wm, 1767225600.5);
    sl_metric_set(dur, 0.25);
    char *text = render(m);
    assert_non_null(strstr(text, "# HELP sluice_events_in_total Records an operator subtask received.\n"
                                 "# TYPE sluice_events_in_total counter\n"
                                 "sluice_events_in_total{operator=\"page_window\",subtask=\"3\"} 12\n"));
    assert_non_null(strstr(text, "# TYPE sluice_watermark_seconds gauge\n"
                                 "sluice_watermark_seconds{input=\"kafka\"} 1767225600.5\n"));
    assert_non_null(strstr(text, "\nsluice_checkpoint_duration_seconds 0.25\n"));
    /* A metric nobody asked for is not rendered at all. */
    assert_null(strstr(text, "sluice_kafka_consumer_lag"));
    free(text);
    sl_metrics_destroy(m);
}

/* Busy time is added in nanoseconds, per batch, and exported in seconds as
 * a counter. */
static void test_time_counters_render_seconds(void **state) {
    sl_metrics *m = sl_metrics_new();
    sl_metric_handle *busy = sl_metrics_get(m, "sluice_operator_busy_seconds_total",
                                            (const char *[]){"session_metrics", "0", "timers", NULL});
    sl_metric_add(busy, 1000000000);
    sl_metric_add(busy, 500000000);
    assert_true(sl_metric_value(busy) == 1.5);
    sl_metric_set(busy, 7);   /* refused, as for any counter */
    assert_true(sl_metric_value(busy) == 1.5);
    char *text = render(m);
    assert_non_null(strstr(text, "# TYPE sluice_operator_busy_seconds_total counter\n"
                                 "sluice_operator_busy_seconds_total{operator=\"session_metrics\",subtask=\"0\","
                                 "work=\"timers\"} 1.5\n"));
    free(text);
    sl_metrics_destroy(m);
}

static void test_label_values_are_escaped(void **state) {
    sl_metrics *m = sl_metrics_new();
    sl_metric_add(sl_metrics_get(m, "sluice_dead_letters_total", (const char *[]){"a\"b\\c\nd", NULL}), 1);
    char *text = render(m);
    assert_non_null(strstr(text, "sluice_dead_letters_total{reason=\"a\\\"b\\\\c\\nd\"} 1\n"));
    free(text);
    /* Not UTF-8 (a stray byte, a truncated sequence, an overlong form, a
     * surrogate): each bad byte becomes U+FFFD, good sequences stay. */
    const char *const *pages[] = {(const char *[]){"1", "/caf\xc3\xa9\xff/\xe2\x82", NULL},
                                  (const char *[]){"2", "\xc0\xaf\xed\xa0\x80\xf0\x9f\x98\x80", NULL}};
    assert_int_equal(sl_metrics_replace(m, "sluice_top_page_views", 2, pages, (double[]){2, 1}), 0);
    text = render(m);
    assert_non_null(strstr(text, "{rank=\"1\",page=\"/caf\xc3\xa9\xef\xbf\xbd/\xef\xbf\xbd\xef\xbf\xbd\"} 2\n"));
    assert_non_null(strstr(text, "{rank=\"2\",page=\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
                                 "\xf0\x9f\x98\x80\"} 1\n"));
    free(text);
    sl_metrics_destroy(m);
}

static void test_same_labels_same_handle(void **state) {
    sl_metrics *m = sl_metrics_new();
    sl_metric_handle *a = sl_metrics_get(m, "sluice_results_total", (const char *[]){"top_pages", NULL});
    sl_metric_handle *b = sl_metrics_get(m, "sluice_results_total", (const char *[]){"top_pages", NULL});
    sl_metric_handle *c = sl_metrics_get(m, "sluice_results_total", (const char *[]){"page_analytics", NULL});
    assert_non_null(a);
    assert_ptr_equal(a, b);
    assert_ptr_not_equal(a, c);
    sl_metric_add(a, 2);
    sl_metric_add(b, 3);
    assert_true(sl_metric_value(a) == 5.0);
    assert_true(sl_metric_value(c) == 0.0);
    char *text = render(m);
    /* Series render in creation order, each once. */
    const char *line = "sluice_results_total{type=\"top_pages\"} 5\n";
    char *first = strstr(text, line);
    char *second = strstr(text, "sluice_results_total{type=\"page_analytics\"} 0\n");
    assert_non_null(first);
    assert_non_null(second);
    assert_true(first < second);
    assert_null(strstr(first + strlen(line), "type=\"top_pages\""));
    free(text);
    sl_metrics_destroy(m);
}

static void get_unknown(void *arg) {
    sl_metrics *m = arg;
    assert_null(sl_metrics_get(m, "sluice_no_such_metric_total", NULL));
}

static void get_wrong_label_count(void *arg) {
    sl_metrics *m = arg;
    assert_null(sl_metrics_get(m, "sluice_events_in_total", (const char *[]){"only_operator", NULL}));
    assert_null(sl_metrics_get(m, "sluice_checkpoint_size_bytes", (const char *[]){"extra", NULL}));
}

static void test_unknown_names_and_bad_labels_are_logged(void **state) {
    sl_metrics *m = sl_metrics_new();
    char *log = capture_stderr(get_unknown, m);
    assert_non_null(strstr(log, "unknown metric 'sluice_no_such_metric_total'"));
    free(log);
    log = capture_stderr(get_wrong_label_count, m);
    assert_non_null(strstr(log, "'sluice_events_in_total' takes 2 label value(s)"));
    assert_non_null(strstr(log, "'sluice_checkpoint_size_bytes' takes 0 label value(s)"));
    free(log);
    /* Nothing was registered by the failed lookups. */
    char *text = render(m);
    assert_null(strstr(text, "sluice_"));
    free(text);
    /* NULL handles and a NULL registry are harmless. */
    sl_metric_add(NULL, 1);
    sl_metric_set(NULL, 1.0);
    assert_null(sl_metrics_get(NULL, "sluice_events_in_total", NULL));
    sl_metrics_destroy(m);
}

static void set_counter(void *arg) {
    sl_metric_set(arg, 99.0);
    sl_metric_set(arg, 98.0);
}

static void test_gauges_set_and_add_counters_refuse_set(void **state) {
    sl_metrics *m = sl_metrics_new();
    sl_metric_handle *g = sl_metrics_get(m, "sluice_state_size_bytes", (const char *[]){"topn", NULL});
    sl_metric_set(g, 1000.0);
    sl_metric_add(g, 24);
    assert_true(sl_metric_value(g) == 1024.0);
    sl_metric_set(g, -2.5);
    assert_true(sl_metric_value(g) == -2.5);
    sl_metric_handle *c = sl_metrics_get(m, "sluice_generator_events_total", NULL);
    sl_metric_add(c, 10);
    char *log = capture_stderr(set_counter, c);
    assert_true(sl_metric_value(c) == 10.0);
    /* Logged once, not per call. */
    char *first = strstr(log, "is a counter");
    assert_non_null(first);
    assert_null(strstr(first + 1, "is a counter"));
    free(log);
    sl_metrics_destroy(m);
}

static void test_special_gauge_values(void **state) {
    sl_metrics *m = sl_metrics_new();
    sl_metric_set(sl_metrics_get(m, "sluice_watermark_delay_seconds", (const char *[]){"a", NULL}), 1.0 / 0.0);
    sl_metric_set(sl_metrics_get(m, "sluice_watermark_delay_seconds", (const char *[]){"b", NULL}), -1.0 / 0.0);
    sl_metric_set(sl_metrics_get(m, "sluice_watermark_delay_seconds", (const char *[]){"c", NULL}), 0.0 / 0.0);
    char *text = render(m);
    assert_non_null(strstr(text, "{input=\"a\"} +Inf\n"));
    assert_non_null(strstr(text, "{input=\"b\"} -Inf\n"));
    assert_non_null(strstr(text, "{input=\"c\"} NaN\n"));
    free(text);
    sl_metrics_destroy(m);
}

#define ADDS_PER_THREAD 1000000

/* sl_metrics_replace: the whole set of a gauge at once; a series left out of
 * the new set is gone, and the header goes with the last series. */
static void replace_bad(void *arg) {
    sl_metrics *m = arg;
    assert_int_equal(sl_metrics_replace(m, "sluice_events_in_total", 0, NULL, NULL), -1);   /* a counter */
    const char *const *one[] = {(const char *[]){"1", NULL}};
    assert_int_equal(sl_metrics_replace(m, "sluice_top_page_views", 1, one, (double[]){5}), -1);
}

static void test_replace_swaps_the_whole_set(void **state) {
    sl_metrics *m = sl_metrics_new();
    const char *const *first[] = {(const char *[]){"1", "/cart", NULL}, (const char *[]){"2", "/a\"b", NULL},
                                  (const char *[]){"3", "/", NULL}};
    assert_int_equal(sl_metrics_replace(m, "sluice_top_page_views", 3, first, (double[]){30, 20, 10}), 0);
    char *text = render(m);
    assert_non_null(strstr(text, "# TYPE sluice_top_page_views gauge\n"
                                 "sluice_top_page_views{rank=\"1\",page=\"/cart\"} 30\n"
                                 "sluice_top_page_views{rank=\"2\",page=\"/a\\\"b\"} 20\n"
                                 "sluice_top_page_views{rank=\"3\",page=\"/\"} 10\n"));
    free(text);
    const char *const *second[] = {(const char *[]){"1", "/", NULL}, (const char *[]){"2", "/home", NULL}};
    assert_int_equal(sl_metrics_replace(m, "sluice_top_page_views", 2, second, (double[]){7, 6}), 0);
    text = render(m);
    assert_non_null(strstr(text, "sluice_top_page_views{rank=\"1\",page=\"/\"} 7\n"
                                 "sluice_top_page_views{rank=\"2\",page=\"/home\"} 6\n"));
    assert_null(strstr(text, "/cart"));
    assert_null(strstr(text, "rank=\"3\""));
    assert_int_equal(strstr(strstr(text, "# TYPE sluice_top_page_views") + 1, "# TYPE sluice_top_page_views"), NULL);
    free(text);
    assert_int_equal(sl_metrics_replace(m, "sluice_top_page_views", 0, NULL, NULL), 0);
    text = render(m);
    assert_null(strstr(text, "sluice_top_page_views"));
    free(text);
    /* Two sets swapped together; an invalid set leaves every set as it was. */
    const char *const *none[] = {(const char *const[]){NULL}};
    sl_metrics_series_set sets[] = {{"sluice_top_page_views", 2, second, (double[]){7, 6}},
                                    {"sluice_latest_window_end_seconds", 1, none, (double[]){1767225900.5}}};
    assert_int_equal(sl_metrics_replace_sets(m, sets, 2), 0);
    sets[0].values = (double[]){1, 1};
    sets[1].name = "sluice_job_up";   /* has a label: the whole call fails */
    assert_int_equal(sl_metrics_replace_sets(m, sets, 2), -1);
    text = render(m);
    assert_non_null(strstr(text, "\nsluice_latest_window_end_seconds 1767225900.5\n"));
    assert_non_null(strstr(text, "sluice_top_page_views{rank=\"2\",page=\"/home\"} 6\n"));
    free(text);
    char *log = capture_stderr(replace_bad, m);
    assert_non_null(strstr(log, "cannot replace the series of 'sluice_events_in_total'"));
    assert_non_null(strstr(log, "'sluice_top_page_views' takes 2 label value(s), series 0 has 1"));
    free(log);
    assert_int_equal(sl_metrics_replace(NULL, "sluice_top_page_views", 0, NULL, NULL), 0);
    sl_metrics_destroy(m);
}

static void *add_many(void *arg) {
    for (int i = 0; i < ADDS_PER_THREAD; i++) sl_metric_add(arg, 1);
    return NULL;
}

static void test_concurrent_adds_are_exact(void **state) {
    sl_metrics *m = sl_metrics_new();
    sl_metric_handle *h = sl_metrics_get(m, "sluice_events_out_total", (const char *[]){"sink", "0", NULL});
    sl_metric_handle *g = sl_metrics_get(m, "sluice_state_size_bytes", (const char *[]){"window", NULL});
    pthread_t t[4];
    pthread_create(&t[0], NULL, add_many, h);
    pthread_create(&t[1], NULL, add_many, h);
    pthread_create(&t[2], NULL, add_many, g);
    pthread_create(&t[3], NULL, add_many, g);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    assert_true(sl_metric_value(h) == 2.0 * ADDS_PER_THREAD);
    assert_true(sl_metric_value(g) == 2.0 * ADDS_PER_THREAD);
    char *text = render(m);
    assert_non_null(strstr(text, "sluice_events_out_total{operator=\"sink\",subtask=\"0\"} 2000000\n"));
    free(text);
    sl_metrics_destroy(m);
}

static double sample_value(const char *text, const char *name) {
    char key[128];
    snprintf(key, sizeof(key), "\n%s ", name);
    const char *p = strstr(text, key);
    assert_non_null(p);
    return strtod(p + strlen(key), NULL);
}

static void test_process_metrics_from_proc(void **state) {
    sl_metrics *m = sl_metrics_new();
    char *text = render(m);
    assert_non_null(strstr(text, "# TYPE process_cpu_seconds_total counter\n"));
    assert_non_null(strstr(text, "# TYPE process_resident_memory_bytes gauge\n"));
    double rss = sample_value(text, "process_resident_memory_bytes");
    double start = sample_value(text, "process_start_time_seconds");
    double now = (double)time(NULL);
    assert_true(rss > 100000.0);
    assert_true(start > now - 600 && start <= now + 1);
    assert_true(sample_value(text, "process_open_fds") >= 3);
    assert_true(sample_value(text, "process_cpu_seconds_total") >= 0);
    free(text);
    sl_metrics_destroy(m);
}

static void test_describe_lists_catalog(void **state) {
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    sl_metrics_describe(out, false);
    fclose(out);
    size_t n;
    const sl_metric_def *cat = sl_metrics_catalog(&n);
    for (size_t i = 0; i < n; i++) assert_non_null(strstr(text, cat[i].name));
    assert_non_null(strstr(text, "sluice_kafka_consumer_lag"));
    assert_non_null(strstr(text, "(labels: topic, partition)"));
    assert_non_null(strstr(text, "process_resident_memory_bytes"));
    free(text);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalog_names_follow_conventions),
        cmocka_unit_test(test_render_help_type_and_labels),
        cmocka_unit_test(test_time_counters_render_seconds),
        cmocka_unit_test(test_label_values_are_escaped),
        cmocka_unit_test(test_same_labels_same_handle),
        cmocka_unit_test(test_unknown_names_and_bad_labels_are_logged),
        cmocka_unit_test(test_gauges_set_and_add_counters_refuse_set),
        cmocka_unit_test(test_special_gauge_values),
        cmocka_unit_test(test_replace_swaps_the_whole_set),
        cmocka_unit_test(test_concurrent_adds_are_exact),
        cmocka_unit_test(test_process_metrics_from_proc),
        cmocka_unit_test(test_describe_lists_catalog),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
