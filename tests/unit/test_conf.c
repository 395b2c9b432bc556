/* test_conf.c -- configuration keys, typed getters and YAML job files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/conf.h"

static char *write_temp(const char *text) {
    static char path[64];
    snprintf(path, sizeof(path), "/tmp/sluice-conf-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void defaults_overrides_and_unknown_keys(void **state) {
    char err[256];
    sl_conf *c = sl_conf_new();
    assert_string_equal(sl_conf_get(c, "window.size_ms"), "300000");
    assert_int_equal(sl_conf_set(c, "window.size_ms", "60000", err, sizeof(err)), SL_OK);
    int64_t v;
    assert_int_equal(sl_conf_get_int(c, "window.size_ms", &v, err, sizeof(err)), SL_OK);
    assert_int_equal(v, 60000);
    assert_int_equal(sl_conf_set(c, "window.sise_ms", "1", err, sizeof(err)), SL_ERR_UNKNOWN_KEY);
    assert_non_null(strstr(err, "window.sise_ms"));
    assert_int_equal(sl_conf_set_pair(c, "kafka.security.protocol=SASL_SSL", err, sizeof(err)), SL_OK);
    assert_int_equal(sl_conf_set_pair(c, "no-equals-sign", err, sizeof(err)), SL_ERR_INVALID_ARG);
    assert_int_equal(sl_conf_set(c, "window.slide_ms", "ten", err, sizeof(err)), SL_OK);
    assert_int_equal(sl_conf_get_int(c, "window.slide_ms", &v, err, sizeof(err)), SL_ERR_INVALID_ARG);
    assert_non_null(strstr(err, "'ten' is not a whole number"));
    sl_conf_destroy(c);
}

/* Spans of time and event times are held to ranges, so no job file can make
 * the engine's arithmetic on them overflow (a window's end plus a lateness
 * of INT64_MAX used to be undefined behaviour). */
static void whole_numbers_are_held_to_their_ranges(void **state) {
    char err[256];
    int64_t v = 7;
    sl_conf *c = sl_conf_new();
    const struct {
        const char *key, *value, *expect;
    } refused[] = {
        {"window.allowed_lateness_ms", "9223372036854775807", "window.allowed_lateness_ms: 9223372036854775807 is outside 0..3155760000000 (ms, at most 100 years)"},
        {"window.size_ms", "0", "window.size_ms: 0 is outside 1..3155760000000"},
        {"checkpoint.interval_ms", "-1", "checkpoint.interval_ms: -1 is outside 0..3155760000000"},
        {"source.min_timestamp_ms", "-9223372036854775808", "(ms since the epoch, years 1 to 9999)"},
        {"generator.start_ms", "253402300800000", "is outside -62135596800000..253402300799999"},
        {"topn.n", "4294967296", "topn.n: 4294967296 is outside 1..10000"},
        {"workers", "129", "workers: 129 is outside 0..128"},
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        assert_int_equal(sl_conf_set(c, refused[i].key, refused[i].value, err, sizeof(err)), SL_OK);
        assert_int_equal(sl_conf_get_int(c, refused[i].key, &v, err, sizeof(err)), SL_ERR_INVALID_ARG);
        if (!strstr(err, refused[i].expect)) fail_msg("%s=%s: '%s'", refused[i].key, refused[i].value, err);
    }
    assert_int_equal(v, 7);   /* untouched */
    /* Both ends of a range are in it; keys without one take any whole number. */
    assert_int_equal(sl_conf_set(c, "checkpoint.lock_wait_ms", "-1", err, sizeof(err)), SL_OK);
    assert_int_equal(sl_conf_get_int(c, "checkpoint.lock_wait_ms", &v, err, sizeof(err)), SL_OK);
    assert_int_equal(v, -1);
    assert_int_equal(sl_conf_set(c, "window.size_ms", "3155760000000", err, sizeof(err)), SL_OK);
    assert_int_equal(sl_conf_get_int(c, "window.size_ms", &v, err, sizeof(err)), SL_OK);
    assert_int_equal(sl_conf_set(c, "generator.seed", "-9223372036854775808", err, sizeof(err)), SL_OK);
    assert_int_equal(sl_conf_get_int(c, "generator.seed", &v, err, sizeof(err)), SL_OK);
    sl_conf_destroy(c);
}

static void yaml_maps_flatten_to_dotted_keys(void **state) {
    char err[256];
    sl_conf *c = sl_conf_new();
    const char *path = write_temp("job:\n  name: demo\nwindow:\n  size_ms: 60000\n  slide_ms: 5000\n"
                                  "kafka:\n  security.protocol: SSL\ntopn:\n  n: 3\n");
    assert_int_equal(sl_conf_load_yaml(c, path, err, sizeof(err)), SL_OK);
    unlink(path);
    assert_string_equal(sl_conf_get(c, "job.name"), "demo");
    assert_string_equal(sl_conf_get(c, "window.slide_ms"), "5000");
    assert_string_equal(sl_conf_get(c, "kafka.security.protocol"), "SSL");
    assert_string_equal(sl_conf_get(c, "topn.n"), "3");
    sl_conf_destroy(c);
}

static void yaml_errors_name_file_line_and_problem(void **state) {
    char err[512];
    const struct {
        const char *text, *expect;
    } cases[] = {
        {"window:\n  size_ms: [1, 2]\n", "lists are not allowed"},
        {"window:\n  sise_ms: 1\n", "unknown configuration key 'window.sise_ms'"},
        {"window:\n  size_ms: 1\n bad indent: x\n", "malformed YAML"},
        {"just a string\n", "must be a map"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sl_conf *c = sl_conf_new();
        const char *path = write_temp(cases[i].text);
        assert_int_not_equal(sl_conf_load_yaml(c, path, err, sizeof(err)), SL_OK);
        if (!strstr(err, cases[i].expect)) fail_msg("case %zu: '%s' lacks '%s'", i, err, cases[i].expect);
        assert_non_null(strstr(err, path));          /* names the file */
        unlink(path);
        sl_conf_destroy(c);
    }
    sl_conf *c = sl_conf_new();
    assert_int_equal(sl_conf_load_yaml(c, "/nonexistent/job.yaml", err, sizeof(err)), SL_ERR_IO);
    assert_non_null(strstr(err, "/nonexistent/job.yaml"));
    sl_conf_destroy(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_overrides_and_unknown_keys),
        cmocka_unit_test(whole_numbers_are_held_to_their_ranges),
        cmocka_unit_test(yaml_maps_flatten_to_dotted_keys),
        cmocka_unit_test(yaml_errors_name_file_line_and_problem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
