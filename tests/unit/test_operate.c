/* test_operate.c -- operating pieces without a running job: Kafka lag from
 * librdkafka statistics, the latest-window results snapshot, savepoint copies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/batch.h"
#include "engine/checkpoint.h"
#include "engine/latest_results.h"
#include "engine/metrics.h"
#include "engine/record.h"
#include "engine/savepoint.h"

static void kafka_stats_set_lag_per_partition(void **state) {
    sl_metrics *m = sl_metrics_new();
    const char *stats = "{\"name\":\"c#1\",\"topics\":{\"clickstream-events\":{\"partitions\":{"
                        "\"0\":{\"consumer_lag\":120},\"1\":{\"consumer_lag\":-1},\"-1\":{\"consumer_lag\":7},"
                        "\"2\":{\"consumer_lag\":0}}}}}";
    assert_int_equal(sl_metrics_kafka_stats(m, stats, strlen(stats)), 2);
    sl_metric_handle *p0 = sl_metrics_get(m, "sluice_kafka_consumer_lag",
                                          (const char *const[]){"clickstream-events", "0", NULL});
    sl_metric_handle *p2 = sl_metrics_get(m, "sluice_kafka_consumer_lag",
                                          (const char *const[]){"clickstream-events", "2", NULL});
    assert_true(sl_metric_value(p0) == 120.0);
    assert_true(sl_metric_value(p2) == 0.0);
    const char *later = "{\"topics\":{\"clickstream-events\":{\"partitions\":{\"0\":{\"consumer_lag\":5}}}}}";
    assert_int_equal(sl_metrics_kafka_stats(m, later, strlen(later)), 1);
    assert_true(sl_metric_value(p0) == 5.0);
    /* the read position against the last stable offset wins over consumer_lag
     * (which counts from offsets sluice commits only at checkpoints) */
    const char *positions = "{\"topics\":{\"clickstream-events\":{\"partitions\":{\"0\":"
                            "{\"consumer_lag\":-1,\"ls_offset\":900,\"app_offset\":650}}}}}";
    assert_int_equal(sl_metrics_kafka_stats(m, positions, strlen(positions)), 1);
    assert_true(sl_metric_value(p0) == 250.0);
    assert_int_equal(sl_metrics_kafka_stats(m, "not json", 8), -1);
    sl_metrics_destroy(m);
}

static void add_stats(sl_batch *b, int64_t start, const char *page, uint64_t views) {
    sl_page_stats *s = sl_batch_push(b);
    s->window_start = start;
    s->window_end = start + 300000;
    s->page = sl_batch_copy_str(b, sl_str_c(page));
    s->view_count = views;
}

static void add_top(sl_batch *b, int64_t start, const char *page, uint64_t views) {
    sl_top_pages *t = sl_batch_push(b);
    sl_top_entry *e = sl_arena_alloc(&b->arena, sizeof(*e));
    *e = (sl_top_entry){sl_batch_copy_str(b, sl_str_c(page)), views, 1, false};
    *t = (sl_top_pages){start, start + 300000, 1, e};
}

static void latest_results_publish_on_top_n(void **state) {
    sl_batch_pool *pool = sl_batch_pool_new(16);
    sl_latest_results *r = sl_latest_results_new();
    assert_null(sl_latest_results_get(r));   /* nothing fired yet */

    sl_batch *stats = sl_batch_pool_get(pool, SL_BATCH_PAGE_STATS);
    add_stats(stats, 0, "/a", 3);
    add_stats(stats, 10000, "/b", 4);   /* the next window, not yet topped */
    add_stats(stats, 0, "/c", 1);
    sl_latest_results_feed(r, stats);
    assert_null(sl_latest_results_get(r));   /* page analytics alone publish nothing */

    sl_batch *top = sl_batch_pool_get(pool, SL_BATCH_TOP_PAGES);
    add_top(top, 0, "/a", 3);
    sl_latest_results_feed(r, top);
    json_t *doc = sl_latest_results_get(r);
    assert_non_null(doc);
    assert_int_equal(json_integer_value(json_object_get(doc, "window_start")), 0);
    json_t *pages = json_object_get(doc, "page_analytics");
    assert_int_equal(json_array_size(pages), 2);   /* /a and /c; /b belongs to window 10000 */
    assert_string_equal(json_string_value(json_object_get(json_array_get(pages, 1), "page")), "/c");
    json_t *first = json_array_get(json_object_get(json_object_get(doc, "top_pages"), "pages"), 0);
    assert_string_equal(json_string_value(json_object_get(first, "page")), "/a");
    json_decref(doc);

    sl_batch *top2 = sl_batch_pool_get(pool, SL_BATCH_TOP_PAGES);
    add_top(top2, 10000, "/b", 4);
    sl_latest_results_feed(r, top2);
    doc = sl_latest_results_get(r);
    assert_int_equal(json_integer_value(json_object_get(doc, "window_start")), 10000);
    assert_int_equal(json_array_size(json_object_get(doc, "page_analytics")), 1);
    json_decref(doc);

    sl_batch_release(stats);
    sl_batch_release(top);
    sl_batch_release(top2);
    sl_latest_results_free(r);
    sl_batch_pool_free(pool);
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void savepoint_copy_is_complete_and_refuses_overwrite(void **state) {
    char root[] = "/tmp/sluice-sp-test-XXXXXX";
    assert_non_null(mkdtemp(root));
    char chk[256], sub[300], file[400], dst[256], errstr[512];
    snprintf(chk, sizeof(chk), "%s/chk-3", root);
    snprintf(sub, sizeof(sub), "%s/state-1-0", chk);
    assert_int_equal(sl_mkdirs(sub, errstr, sizeof(errstr)), SL_OK);
    snprintf(file, sizeof(file), "%s/_metadata", chk);
    write_file(file, "{\"id\":3}\n");
    snprintf(file, sizeof(file), "%s/000001.sst", sub);
    write_file(file, "sst bytes");
    snprintf(dst, sizeof(dst), "%s/savepoints/sp-3", root);
    snprintf(file, sizeof(file), "%s/savepoints", root);
    assert_int_equal(sl_mkdirs(file, errstr, sizeof(errstr)), SL_OK);

    assert_int_equal(sl_savepoint_copy(chk, dst, errstr, sizeof(errstr)), SL_OK);
    sl_remove_tree(chk);   /* retention deletes the checkpoint: the savepoint stays whole */
    snprintf(file, sizeof(file), "%s/state-1-0/000001.sst", dst);
    FILE *f = fopen(file, "r");
    assert_non_null(f);
    char buf[32] = {0};
    assert_non_null(fgets(buf, sizeof(buf), f));
    fclose(f);
    assert_string_equal(buf, "sst bytes");
    snprintf(file, sizeof(file), "%s/_metadata", dst);
    assert_int_equal(access(file, R_OK), 0);
    snprintf(file, sizeof(file), "%s.tmp", dst);
    assert_int_not_equal(access(file, F_OK), 0);   /* no temporary left behind */

    /* Copying onto an existing savepoint fails and says so. */
    assert_int_equal(sl_savepoint_copy(dst, dst, errstr, sizeof(errstr)), SL_ERR_IO);
    assert_non_null(strstr(errstr, "already exists"));
    /* A missing source fails cleanly. */
    snprintf(file, sizeof(file), "%s/savepoints/sp-4", root);
    assert_int_equal(sl_savepoint_copy(chk, file, errstr, sizeof(errstr)), SL_ERR_IO);
    assert_int_not_equal(access(file, F_OK), 0);
    sl_remove_tree(root);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kafka_stats_set_lag_per_partition),
        cmocka_unit_test(latest_results_publish_on_top_n),
        cmocka_unit_test(savepoint_copy_is_complete_and_refuses_overwrite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
