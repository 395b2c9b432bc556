/* test_top_pages_metrics.c -- sluice_top_page_views of a whole job: after two
 * tumbling windows, /metrics shows the second window's Top-N only (the pages
 * of the first one, which are not in the second, are gone). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/conf.h"
#include "engine/job.h"
#include "engine/metrics.h"
#include "jobs/clickstream_job.h"

#define BASE_MS 1767225600000LL   /* 2026-01-01, a multiple of the 10 s window */

static void write_event(FILE *f, int n, const char *page, long long ts) {
    fprintf(f,
            "{\"event_id\":\"e-%d\",\"user_id\":\"u-%d\",\"session_id\":\"s-%d\",\"event_type\":\"VIEW\","
            "\"page\":\"%s\",\"product_id\":null,\"timestamp\":%lld,\"ip\":\"10.0.0.1\",\"user_agent\":\"t\","
            "\"referrer\":null,\"session_duration\":0}\n",
            n, n, n, page, ts);
}

static char *render(sl_metrics *m) {
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    assert_int_equal(sl_metrics_render(m, out), 0);
    assert_int_equal(fclose(out), 0);
    return text;
}

static void set(sl_conf *conf, const char *key, const char *value) {
    char errstr[256];
    assert_int_equal(sl_conf_set(conf, key, value, errstr, sizeof(errstr)), SL_OK);
}

static void only_the_latest_windows_pages_are_exported(void **state) {
    char dir[] = "/tmp/sluice-top-metrics-XXXXXX", path[128], out[128], ckpt[128];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/events.jsonl", dir);
    snprintf(out, sizeof(out), "%s/results.jsonl", dir);
    snprintf(ckpt, sizeof(ckpt), "%s/ckpt", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    /* Window 1 [BASE, BASE+10s): /a 3 views, /b 1. Window 2: /c 2 views. */
    int n = 0;
    for (int i = 0; i < 3; i++) write_event(f, n++, "/a", BASE_MS + 1000 + i);
    write_event(f, n++, "/b", BASE_MS + 2000);
    for (int i = 0; i < 2; i++) write_event(f, n++, "/c", BASE_MS + 12000 + i);
    fclose(f);

    sl_conf *conf = sl_conf_new();
    set(conf, "source.type", "file");
    set(conf, "source.path", path);
    set(conf, "sink.type", "file");
    set(conf, "sink.path", out);
    set(conf, "checkpoint.dir", ckpt);
    set(conf, "state.backend", "memory");
    set(conf, "window.size_ms", "10000");
    set(conf, "window.slide_ms", "10000");
    set(conf, "topn.n", "2");
    set(conf, "parallelism", "1");
    char errstr[512];
    sl_job *job = sl_clickstream_job_build(conf, errstr, sizeof(errstr));
    assert_non_null(job);
    sl_metrics *m = sl_metrics_new();
    sl_job_set_metrics(job, m);
    assert_int_equal(sl_job_run(job, errstr, sizeof(errstr)), SL_OK);

    char *text = render(m);
    assert_non_null(strstr(text, "# TYPE sluice_top_page_views gauge\nsluice_top_page_views{rank=\"1\",page=\"/c\"} 2\n#"));
    assert_null(strstr(text, "page=\"/a\""));   /* window 1's pages left with window 1 */
    assert_null(strstr(text, "page=\"/b\""));
    assert_non_null(strstr(text, "\nsluice_latest_window_end_seconds 1767225620\n"));
    /* The first window did show /a and /b: its top_pages result has them. */
    free(text);
    f = fopen(out, "r");
    assert_non_null(f);
    char line[1024];
    bool first_window = false;
    while (fgets(line, sizeof(line), f))
        if (strstr(line, "\"type\":\"top_pages\"") && strstr(line, "\"window_end\":1767225610000"))
            first_window = strstr(line, "\"page\":\"/a\",\"view_count\":3") && strstr(line, "\"page\":\"/b\"");
    fclose(f);
    assert_true(first_window);

    sl_job_destroy(job);
    sl_metrics_destroy(m);
    sl_conf_destroy(conf);
    char cmd[200];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(only_the_latest_windows_pages_are_exported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
