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
        cmocka_unit_test(yaml_maps_flatten_to_dotted_keys),
        cmocka_unit_test(yaml_errors_name_file_line_and_problem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
