/* test_http.c -- the embedded HTTP endpoint, fetched with libcurl over loopback. */
#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "engine/http.h"

typedef struct reply {
    long status;
    char *body;
    size_t len;
    char content_type[128];
    char allow[128];
} reply;

static size_t on_data(char *data, size_t size, size_t n, void *opaque) {
    reply *r = opaque;
    char *grown = realloc(r->body, r->len + size * n + 1);
    assert_non_null(grown);
    memcpy(grown + r->len, data, size * n);
    r->body = grown;
    r->len += size * n;
    r->body[r->len] = '\0';
    return size * n;
}

static size_t on_header(char *data, size_t size, size_t n, void *opaque) {
    reply *r = opaque;
    size_t len = size * n;
    if (len > 6 && !strncasecmp(data, "Allow:", 6)) {
        const char *v = data + 6;
        while (v < data + len && *v == ' ') v++;
        size_t vlen = (size_t)(data + len - v);
        while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n')) vlen--;
        snprintf(r->allow, sizeof(r->allow), "%.*s", (int)vlen, v);
    }
    return len;
}

/* method + path against the server; body NULL for none. */
static reply fetch(sl_http_server *srv, const char *method, const char *path, const char *body) {
    reply r = {0};
    char url[256];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", sl_http_port(srv), path);
    CURL *c = curl_easy_init();
    assert_non_null(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (body) curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) fail_msg("GET %s failed: %s", url, curl_easy_strerror(rc));
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    char *ct = NULL;
    curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
    snprintf(r.content_type, sizeof(r.content_type), "%s", ct ? ct : "");
    curl_easy_cleanup(c);
    if (!r.body) r.body = calloc(1, 1);
    return r;
}

/* The JSON reply's string field `key` (asserts the body is a JSON object). */
static char *json_field(const reply *r, const char *key) {
    json_error_t err;
    json_t *doc = json_loads(r->body, 0, &err);
    if (!doc) fail_msg("reply is not JSON: %s (%s)", r->body, err.text);
    const char *v = json_string_value(json_object_get(doc, key));
    char *copy = v ? strdup(v) : NULL;
    json_decref(doc);
    return copy;
}

static int setup(void **state) {
    sl_metrics *m = sl_metrics_new();
    char err[256];
    sl_http_server *srv = sl_http_start("127.0.0.1", 0, m, err, sizeof(err));
    if (!srv) fail_msg("%s", err);
    assert_true(sl_http_port(srv) > 0);
    void **pair = calloc(2, sizeof(void *));
    pair[0] = srv;
    pair[1] = m;
    *state = pair;
    return 0;
}

static int teardown(void **state) {
    void **pair = *state;
    sl_http_stop(pair[0]);
    sl_metrics_destroy(pair[1]);
    free(pair);
    return 0;
}

#define SERVER(state) ((sl_http_server *)((void **)*(state))[0])
#define METRICS(state) ((sl_metrics *)((void **)*(state))[1])

static void test_healthz(void **state) {
    reply r = fetch(SERVER(state), "GET", "/healthz", NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "application/json");
    assert_string_equal(r.body, "{\"status\":\"ok\"}");
    free(r.body);
}

/* GET /readyz answers `status` with `key` equal to `want` in its JSON. */
static void expect_readyz(sl_http_server *srv, long status, const char *key, const char *want) {
    reply r = fetch(srv, "GET", "/readyz", NULL);
    assert_int_equal(r.status, status);
    char *got = json_field(&r, key);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
    free(r.body);
}

static void test_readyz_toggles(void **state) {
    sl_http_server *srv = SERVER(state);
    expect_readyz(srv, 503, "reason", "starting");   /* not ready until the engine says so */
    sl_http_set_ready(srv, false, "restoring checkpoint 7");
    expect_readyz(srv, 503, "reason", "restoring checkpoint 7");
    sl_http_set_ready(srv, true, NULL);
    expect_readyz(srv, 200, "status", "ready");
    sl_http_set_ready(srv, false, "draining");
    expect_readyz(srv, 503, "status", "not ready");
}

static void test_metrics_page(void **state) {
    sl_metric_handle *h = sl_metrics_get(METRICS(state), "sluice_window_firings_total", (const char *[]){"w\"1", NULL});
    sl_metric_add(h, 17);
    reply r = fetch(SERVER(state), "GET", "/metrics", NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
    assert_non_null(strstr(r.body, "# TYPE sluice_window_firings_total counter\n"));
    assert_non_null(strstr(r.body, "sluice_window_firings_total{operator=\"w\\\"1\"} 17\n"));
    assert_non_null(strstr(r.body, "process_resident_memory_bytes "));
    free(r.body);
    sl_metric_add(h, 1);
    r = fetch(SERVER(state), "GET", "/metrics", NULL);
    assert_non_null(strstr(r.body, "sluice_window_firings_total{operator=\"w\\\"1\"} 18\n"));
    free(r.body);
    r = fetch(SERVER(state), "POST", "/metrics", "{}");
    assert_int_equal(r.status, 405);
    free(r.body);
}

/* Echoes what it received so the test can check parameters and body. */
static int on_savepoint(const sl_http_request *req, json_t **body, void *opaque) {
    int *calls = opaque;
    (*calls)++;
    const char *id = sl_http_param(req, "id");
    json_t *target = req->json ? json_object_get(req->json, "target") : NULL;
    *body = json_pack("{s:s,s:s,s:s?,s:o}", "job", id ? id : "", "method", req->method,
                      "target", json_string_value(target), "missing_param",
                      sl_http_param(req, "nope") ? json_true() : json_false());
    return 202;
}

static void test_route_with_param_and_body(void **state) {
    sl_http_server *srv = SERVER(state);
    int calls = 0;
    char err[256];
    assert_int_equal(sl_http_route(srv, "POST", "/jobs/{id}/savepoint", on_savepoint, &calls, err, sizeof(err)), SL_OK);
    reply r = fetch(srv, "POST", "/jobs/clickstream-7/savepoint", "{\"target\": \"/tmp/sp\"}");
    assert_int_equal(r.status, 202);
    assert_int_equal(calls, 1);
    json_t *doc = json_loads(r.body, 0, NULL);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "job")), "clickstream-7");
    assert_string_equal(json_string_value(json_object_get(doc, "method")), "POST");
    assert_string_equal(json_string_value(json_object_get(doc, "target")), "/tmp/sp");
    assert_true(json_is_false(json_object_get(doc, "missing_param")));
    json_decref(doc);
    free(r.body);

    /* Registering the same method and pattern twice is refused. */
    assert_int_equal(sl_http_route(srv, "POST", "/jobs/{id}/savepoint", on_savepoint, &calls, err, sizeof(err)),
                     SL_ERR_INVALID_ARG);
    assert_non_null(strstr(err, "already registered"));
    assert_int_equal(sl_http_route(srv, "GET", "no-slash", on_savepoint, &calls, err, sizeof(err)), SL_ERR_INVALID_ARG);
}

static void test_errors_are_json(void **state) {
    sl_http_server *srv = SERVER(state);
    int calls = 0;
    char err[256];
    assert_int_equal(sl_http_route(srv, "POST", "/jobs/{id}/stop", on_savepoint, &calls, err, sizeof(err)), SL_OK);

    reply r = fetch(srv, "GET", "/no/such/path", NULL);
    assert_int_equal(r.status, 404);
    char *msg = json_field(&r, "error");
    assert_non_null(msg);
    assert_non_null(strstr(msg, "/no/such/path"));
    free(msg);
    free(r.body);

    r = fetch(srv, "GET", "/jobs/x/stop", NULL);
    assert_int_equal(r.status, 405);
    assert_string_equal(r.allow, "POST");
    msg = json_field(&r, "error");
    assert_non_null(strstr(msg, "GET is not allowed"));
    free(msg);
    free(r.body);

    r = fetch(srv, "POST", "/jobs/x/stop", "{\"target\": ");
    assert_int_equal(r.status, 400);
    msg = json_field(&r, "error");
    assert_non_null(strstr(msg, "not valid JSON"));
    free(msg);
    free(r.body);
    assert_int_equal(calls, 0);   /* the handler never saw the bad requests */

    r = fetch(srv, "DELETE", "/healthz", NULL);
    assert_int_equal(r.status, 405);
    free(r.body);
}

static void test_port_in_use_is_reported(void **state) {
    char err[256];
    sl_http_server *second = sl_http_start("127.0.0.1", sl_http_port(SERVER(state)), NULL, err, sizeof(err));
    assert_null(second);
    assert_non_null(strstr(err, "cannot listen on 127.0.0.1:"));
    assert_null(sl_http_start("not an address", 0, NULL, err, sizeof(err)));
    assert_non_null(strstr(err, "http.bind"));
    assert_null(sl_http_start("127.0.0.1", 70000, NULL, err, sizeof(err)));
    assert_non_null(strstr(err, "http.port"));
}

/* Scrapes from two threads while a third updates a counter. */
static void *scrape_loop(void *arg) {
    for (int i = 0; i < 20; i++) {
        reply r = fetch(arg, "GET", "/metrics", NULL);
        assert_int_equal(r.status, 200);
        free(r.body);
    }
    return NULL;
}

static void test_concurrent_scrapes(void **state) {
    sl_metric_handle *h = sl_metrics_get(METRICS(state), "sluice_source_records_total", (const char *[]){"gen", NULL});
    pthread_t t[2];
    for (int i = 0; i < 2; i++) pthread_create(&t[i], NULL, scrape_loop, SERVER(state));
    for (int i = 0; i < 100000; i++) sl_metric_add(h, 1);
    for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
    reply r = fetch(SERVER(state), "GET", "/metrics", NULL);
    assert_non_null(strstr(r.body, "sluice_source_records_total{source=\"gen\"} 100000\n"));
    free(r.body);
}

int main(void) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_healthz, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readyz_toggles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metrics_page, setup, teardown),
        cmocka_unit_test_setup_teardown(test_route_with_param_and_body, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors_are_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_port_in_use_is_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_scrapes, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
