/* test_event_json.c -- JSON event encoding, decoding and validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "operators/event_json.h"
#include "operators/generator.h"

/* A wall clock pinned for the future-timestamp checks: 2026-01-01T00:00:00Z. */
#define NOW_MS 1767225600000LL

static sl_event_limits test_limits(void) {
    sl_event_limits lim;
    sl_event_limits_default(&lim);
    lim.now_ms = NOW_MS;
    return lim;
}

static const char *VALID =
    "{\"event_id\":\"0b6f5c1e-8d2a-4f3b-9c4d-5e6f7a8b9c0d\",\"user_id\":\"user-000001\","
    "\"session_id\":\"s-000001-00001\",\"event_type\":\"VIEW\",\"page\":\"/category/shoes\","
    "\"product_id\":null,\"timestamp\":1767225600000,\"ip\":\"81.2.3.4\","
    "\"user_agent\":\"Mozilla/5.0\",\"referrer\":null,\"session_duration\":0}";

static void test_encode_fixed_order_and_nulls(void **state) {
    (void)state;
    sl_event ev = {
        .timestamp_ms = 1767225600000LL,
        .event_id = sl_str_c("0b6f5c1e-8d2a-4f3b-9c4d-5e6f7a8b9c0d"),
        .user_id = sl_str_c("user-000001"),
        .session_id = sl_str_c("s-000001-00001"),
        .page = sl_str_c("/category/shoes"),
        .ip = sl_str_c("81.2.3.4"),
        .user_agent = sl_str_c("Mozilla/5.0"),
        .event_type = SL_EVENT_VIEW,
    };
    size_t need = sl_event_to_json(&ev, NULL, 0);
    assert_int_equal(need, strlen(VALID));
    char buf[1024];
    assert_int_equal(sl_event_to_json(&ev, buf, sizeof(buf)), need);
    assert_string_equal(buf, VALID);

    /* Too small a buffer: the same length is reported, nothing overflows. */
    char small[16];
    memset(small, 'x', sizeof(small));
    assert_int_equal(sl_event_to_json(&ev, small, sizeof(small)), need);
    assert_true(memchr(small, '\0', sizeof(small)) != NULL);
}

static void test_encode_escapes_strings(void **state) {
    (void)state;
    sl_event ev = {
        .timestamp_ms = 1767225600000LL,
        .event_id = sl_str_c("id"),
        .user_id = sl_str_c("u\"ser\\1"),
        .session_id = sl_str_c("s"),
        .page = sl_str_c("/search?q=a\nb\tc"),
        .referrer = sl_str_c("https://example.com/\x01"),
        .session_duration_ms = 42,
        .event_type = SL_EVENT_SEARCH,
    };
    char buf[1024];
    sl_event_to_json(&ev, buf, sizeof(buf));
    assert_non_null(strstr(buf, "\"user_id\":\"u\\\"ser\\\\1\""));
    assert_non_null(strstr(buf, "\"page\":\"/search?q=a\\u000ab\\u0009c\""));
    assert_non_null(strstr(buf, "\"referrer\":\"https://example.com/\\u0001\""));
    assert_non_null(strstr(buf, "\"ip\":null,\"user_agent\":null"));
    assert_non_null(strstr(buf, "\"event_type\":\"SEARCH\""));
    assert_non_null(strstr(buf, "\"session_duration\":42}"));

    /* And the escaped form decodes back to the same bytes. */
    sl_arena arena;
    sl_arena_init(&arena, 0);
    sl_event_limits lim = test_limits();
    sl_event back;
    char reason[256];
    assert_int_equal(sl_event_from_json(buf, strlen(buf), &lim, &back, &arena, reason, sizeof(reason)), SL_OK);
    assert_true(sl_str_eq(back.user_id, ev.user_id));
    assert_true(sl_str_eq(back.page, ev.page));
    assert_true(sl_str_eq(back.referrer, ev.referrer));
    assert_true(sl_str_is_null(back.ip));
    sl_arena_free(&arena);
}

static void assert_same_event(const sl_event *a, const sl_event *b) {
    assert_int_equal(a->timestamp_ms, b->timestamp_ms);
    assert_int_equal(a->session_duration_ms, b->session_duration_ms);
    assert_int_equal(a->event_type, b->event_type);
    const sl_str *fa[] = {&a->event_id, &a->user_id, &a->session_id, &a->page, &a->product_id,
                          &a->ip, &a->user_agent, &a->referrer};
    const sl_str *fb[] = {&b->event_id, &b->user_id, &b->session_id, &b->page, &b->product_id,
                          &b->ip, &b->user_agent, &b->referrer};
    for (size_t i = 0; i < sizeof(fa) / sizeof(fa[0]); i++) {
        assert_int_equal(sl_str_is_null(*fa[i]), sl_str_is_null(*fb[i]));
        assert_true(sl_str_eq(*fa[i], *fb[i]));
    }
    assert_int_equal(a->user_hash, b->user_hash);
    assert_int_equal(a->session_hash, b->session_hash);
    assert_int_equal(a->page_hash, b->page_hash);
}

static void test_round_trip_generated(void **state) {
    (void)state;
    sl_gen_conf gc;
    sl_gen_conf_default(&gc);
    gc.events = 20000;
    sl_gen *g = sl_gen_new(&gc);
    assert_non_null(g);
    sl_arena arena;
    sl_arena_init(&arena, 0);
    sl_event_limits lim = test_limits();
    sl_event ev, back;
    char buf[2048], again[2048], reason[256];
    uint64_t n = 0, with_product = 0, with_referrer = 0;
    while (sl_gen_next(g, &ev, &arena)) {
        size_t len = sl_event_to_json(&ev, buf, sizeof(buf));
        assert_true(len < sizeof(buf));
        sl_err err = sl_event_from_json(buf, len, &lim, &back, &arena, reason, sizeof(reason));
        if (err) fail_msg("event %llu did not decode: %s\n%s", (unsigned long long)n, reason, buf);
        assert_same_event(&ev, &back);
        assert_int_equal(sl_event_to_json(&back, again, sizeof(again)), len);
        assert_memory_equal(buf, again, len);
        with_product += !sl_str_is_null(ev.product_id);
        with_referrer += !sl_str_is_null(ev.referrer);
        n++;
        sl_arena_reset(&arena);
    }
    assert_int_equal(n, 20000);
    /* Nullable fields were exercised both ways. */
    assert_true(with_product > 0 && with_product < n);
    assert_true(with_referrer > 0 && with_referrer < n);
    sl_arena_free(&arena);
    sl_gen_free(g);
}

/* Decode `json` and expect SL_ERR_PARSE with `want` in the reason. */
static void expect_reject_lim(const char *json, const sl_event_limits *lim, const char *want) {
    sl_arena arena;
    sl_arena_init(&arena, 0);
    sl_event ev;
    char reason[512] = "";
    sl_err err = sl_event_from_json(json, strlen(json), lim, &ev, &arena, reason, sizeof(reason));
    if (err != SL_ERR_PARSE) fail_msg("expected SL_ERR_PARSE for %s, got %d", json, err);
    if (!strstr(reason, want)) fail_msg("reason \"%s\" lacks \"%s\" for input %s", reason, want, json);
    sl_arena_free(&arena);
}

static void expect_reject(const char *json, const char *want) {
    sl_event_limits lim = test_limits();
    expect_reject_lim(json, &lim, want);
}

/* VALID with the text `from` replaced by `to`. */
static char *valid_with(const char *from, const char *to) {
    static char out[2048];
    const char *at = strstr(VALID, from);
    assert_non_null(at);
    snprintf(out, sizeof(out), "%.*s%s%s", (int)(at - VALID), VALID, to, at + strlen(from));
    return out;
}

static void test_reject_reasons(void **state) {
    (void)state;
    expect_reject("{\"event_id\":", "not valid JSON: ");
    expect_reject("{\"event_id\":", " at column ");
    expect_reject("not json at all", "not valid JSON");
    expect_reject("[1,2,3]", "the record is an array, expected a JSON object");
    expect_reject(valid_with("\"page\":\"/category/shoes\",", ""), "missing required field 'page'");
    expect_reject(valid_with("\"user_id\":\"user-000001\",", ""), "missing required field 'user_id'");
    expect_reject(valid_with("\"timestamp\":1767225600000,", ""), "missing required field 'timestamp'");
    expect_reject(valid_with("\"timestamp\":1767225600000", "\"timestamp\":\"1767225600000\""),
                  "field 'timestamp' is a string, expected an integer (ms since epoch)");
    expect_reject(valid_with("\"timestamp\":1767225600000", "\"timestamp\":1.7672256e12"),
                  "field 'timestamp' is a real number, expected an integer");
    expect_reject(valid_with("\"page\":\"/category/shoes\"", "\"page\":null"),
                  "field 'page' is null, expected a string");
    expect_reject(valid_with("\"page\":\"/category/shoes\"", "\"page\":7"),
                  "field 'page' is an integer, expected a string");
    expect_reject(valid_with("\"referrer\":null", "\"referrer\":true"),
                  "field 'referrer' is a boolean, expected a string");
    expect_reject(valid_with("\"session_duration\":0", "\"session_duration\":\"0\""),
                  "field 'session_duration' is a string, expected an integer");
    expect_reject(valid_with("\"session_duration\":0", "\"session_duration\":-5"),
                  "session_duration -5 is negative");
    expect_reject(valid_with("\"VIEW\"", "\"LIKE\""),
                  "event_type 'LIKE' is not one of VIEW, CLICK, ADD_TO_CART, PURCHASE, SEARCH");
    expect_reject(valid_with("\"VIEW\"", "\"view\""), "event_type 'view' is not one of");
    expect_reject(valid_with("\"user_id\":\"user-000001\"", "\"user_id\":\"\""), "field 'user_id' is empty");
    expect_reject(valid_with("\"timestamp\":1767225600000", "\"timestamp\":946684799999"),
                  "timestamp 946684799999 is before the minimum 946684800000 (2000-01-01)");
    expect_reject(valid_with("\"timestamp\":1767225600000", "\"timestamp\":1767312000001"),
                  "timestamp 1767312000001 is more than 86400000 ms in the future");
    expect_reject(valid_with("\"ip\":\"81.2.3.4\"", "\"ip\":\"1\",\"ip\":\"2\""), "not valid JSON: duplicate");

    sl_event_limits lim = test_limits();
    lim.max_record_bytes = 100;
    char want[128];
    snprintf(want, sizeof(want), "record of %zu bytes exceeds the limit of 100 bytes", strlen(VALID));
    expect_reject_lim(VALID, &lim, want);
}

static void test_accepts_edges(void **state) {
    (void)state;
    sl_arena arena;
    sl_arena_init(&arena, 0);
    sl_event_limits lim = test_limits();
    sl_event ev;
    char reason[256];
    /* Exactly at both timestamp limits, optional fields absent. */
    const char *edges[] = {
        "{\"event_id\":\"e\",\"user_id\":\"u\",\"session_id\":\"s\",\"event_type\":\"PURCHASE\","
        "\"page\":\"/checkout\",\"timestamp\":946684800000}",
        "{\"event_id\":\"e\",\"user_id\":\"u\",\"session_id\":\"s\",\"event_type\":\"CLICK\","
        "\"page\":\"/\",\"timestamp\":1767312000000,\"extra\":[1]}",
    };
    for (size_t i = 0; i < 2; i++) {
        sl_err err = sl_event_from_json(edges[i], strlen(edges[i]), &lim, &ev, &arena, reason, sizeof(reason));
        if (err) fail_msg("edge %zu rejected: %s", i, reason);
        assert_true(sl_str_is_null(ev.product_id));
        assert_true(sl_str_is_null(ev.ip));
        assert_true(sl_str_is_null(ev.user_agent));
        assert_true(sl_str_is_null(ev.referrer));
        assert_int_equal(ev.session_duration_ms, 0);
        assert_int_equal(ev.user_hash, sl_str_hash(sl_str_c("u")));
    }
    assert_int_equal(ev.event_type, SL_EVENT_CLICK);
    assert_int_equal(ev.timestamp_ms, 1767312000000LL);
    sl_arena_free(&arena);
}

static void test_validate_shared_checks(void **state) {
    (void)state;
    sl_event_limits lim = test_limits();
    sl_event ev = {
        .timestamp_ms = NOW_MS,
        .event_id = sl_str_c("e"), .user_id = sl_str_c("u"), .session_id = sl_str_c("s"), .page = sl_str_c("/"),
        .event_type = SL_EVENT_VIEW,
    };
    char reason[256];
    assert_int_equal(sl_event_validate(&ev, &lim, reason, sizeof(reason)), SL_OK);
    ev.event_type = SL_EVENT_TYPE_COUNT;
    assert_int_equal(sl_event_validate(&ev, &lim, reason, sizeof(reason)), SL_ERR_PARSE);
    assert_non_null(strstr(reason, "is not one of VIEW"));
    ev.event_type = SL_EVENT_VIEW;
    ev.session_id = SL_STR_NULL;
    assert_int_equal(sl_event_validate(&ev, &lim, reason, sizeof(reason)), SL_ERR_PARSE);
    assert_non_null(strstr(reason, "missing required field 'session_id'"));

    /* now_ms = 0 reads the wall clock: a 2026 timestamp is not in the far future
     * today, but one a year past the clock is. */
    ev.session_id = sl_str_c("s");
    sl_event_limits_default(&lim);
    assert_int_equal(lim.now_ms, 0);
    assert_int_equal(lim.min_timestamp_ms, 946684800000LL);
    assert_int_equal(lim.max_future_ms, 86400000LL);
    assert_int_equal(lim.max_record_bytes, 1024 * 1024);
    ev.timestamp_ms = (int64_t)time(NULL) * 1000;
    assert_int_equal(sl_event_validate(&ev, &lim, reason, sizeof(reason)), SL_OK);
    ev.timestamp_ms += 365LL * 86400000LL;
    assert_int_equal(sl_event_validate(&ev, &lim, reason, sizeof(reason)), SL_ERR_PARSE);
    assert_non_null(strstr(reason, "in the future"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_fixed_order_and_nulls),
        cmocka_unit_test(test_encode_escapes_strings),
        cmocka_unit_test(test_round_trip_generated),
        cmocka_unit_test(test_reject_reasons),
        cmocka_unit_test(test_accepts_edges),
        cmocka_unit_test(test_validate_shared_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
