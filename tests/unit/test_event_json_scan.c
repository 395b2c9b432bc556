/* test_event_json_scan.c -- the fast JSON event scanner: what it takes, what it declines, and that
 * sl_event_from_json gives exactly what the jansson-only path gives, on mutated events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "operators/event_json_scan.h"
#include "operators/generator.h"
#include "tests/fuzz/fuzz_json_scan.h"

static const char *VALID =
    "{\"event_id\":\"0b6f5c1e-8d2a-4f3b-9c4d-5e6f7a8b9c0d\",\"user_id\":\"user-000001\","
    "\"session_id\":\"s-000001-00001\",\"event_type\":\"VIEW\",\"page\":\"/category/shoes\","
    "\"product_id\":null,\"timestamp\":1767225600000,\"ip\":\"81.2.3.4\","
    "\"user_agent\":\"Mozilla/5.0\",\"referrer\":null,\"session_duration\":0}";

static bool scans(const char *json) {
    sl_arena arena;
    sl_arena_init(&arena, 0);
    sl_event ev;
    bool ok = sl_event_json_scan(json, strlen(json), &ev, &arena);
    sl_arena_free(&arena);
    return ok;
}

static bool agrees(const char *json) { return sl_fuzz_json_scan_agrees((const uint8_t *)json, strlen(json)); }

/* VALID with the text `from` replaced by `to`, in one of 64 buffers used in turn
 * (so a test's list of variants holds distinct strings). */
static const char *valid_with(const char *from, const char *to) {
    static char out[64][1024];
    static unsigned next;
    char *buf = out[next++ % 64];
    const char *at = strstr(VALID, from);
    assert_non_null(at);
    snprintf(buf, sizeof(out[0]), "%.*s%s%s", (int)(at - VALID), VALID, to, at + strlen(from));
    return buf;
}

static void test_takes_well_formed_events(void **state) {
    (void)state;
    const char *taken[] = {
        VALID,
        valid_with("{", " \r\n\t{ "),
        valid_with("\"page\":", "\"page\" :\t"),
        valid_with("\"session_duration\":0}", "\"session_duration\":0 }\n"),
        valid_with("\"product_id\":null,", ""),
        valid_with("\"timestamp\":1767225600000,\"ip\":\"81.2.3.4\"", "\"ip\":\"\",\"timestamp\":1767225600000"),
        valid_with("\"session_duration\":0", "\"session_duration\":-0"),
        valid_with("\"user_id\":\"user-000001\"", "\"user_id\":\"\""),   /* taken, then rejected by validation */
        valid_with("\"timestamp\":1767225600000", "\"timestamp\":999999999999999999"),
    };
    for (size_t i = 0; i < sizeof(taken) / sizeof(taken[0]); i++) {
        if (!scans(taken[i])) fail_msg("declined %s", taken[i]);
        if (!agrees(taken[i])) fail_msg("paths differ on %s", taken[i]);
    }
    sl_arena arena;
    sl_arena_init(&arena, 0);
    sl_event ev;
    assert_true(sl_event_json_scan(VALID, strlen(VALID), &ev, &arena));
    assert_int_equal(ev.event_type, SL_EVENT_VIEW);
    assert_int_equal(ev.timestamp_ms, 1767225600000LL);
    assert_true(sl_str_eq(ev.page, sl_str_c("/category/shoes")));
    assert_true(sl_str_is_null(ev.product_id) && sl_str_is_null(ev.referrer));
    assert_true(sl_str_eq(ev.user_agent, sl_str_c("Mozilla/5.0")));
    sl_arena_free(&arena);
}

/* Everything outside the subset goes to jansson, which then decides. */
static void test_declines_the_rest(void **state) {
    (void)state;
    const char *declined[] = {
        valid_with("Mozilla/5.0", "Mozilla\\/5.0"),                 /* escape */
        valid_with("Mozilla/5.0", "Mozilla/5.0 \xc3\xa9"),          /* non-ASCII */
        valid_with("Mozilla/5.0", "Moz\tilla"),                     /* control character */
        valid_with("\"referrer\":null", "\"referrer\":null,\"extra\":1"),   /* unknown key */
        valid_with("\"ip\":\"81.2.3.4\"", "\"ip\":\"1\",\"ip\":\"2\""),     /* duplicate key */
        valid_with("\"timestamp\":1767225600000", "\"timestamp\":1.7672256e12"),
        valid_with("\"timestamp\":1767225600000", "\"timestamp\":1767225600000e0"),
        valid_with("\"timestamp\":1767225600000", "\"timestamp\":01767225600000"),
        valid_with("\"timestamp\":1767225600000", "\"timestamp\":1000000000000000000"),   /* 19 digits */
        valid_with("\"timestamp\":1767225600000", "\"timestamp\":-"),
        valid_with("\"timestamp\":1767225600000", "\"timestamp\":\"1767225600000\""),
        valid_with("\"timestamp\":1767225600000,", ""),                 /* missing required */
        valid_with("\"page\":\"/category/shoes\"", "\"page\":null"),
        valid_with("\"page\":\"/category/shoes\"", "\"page\":7"),
        valid_with("\"referrer\":null", "\"referrer\":true"),
        valid_with("\"referrer\":null", "\"referrer\":nullx"),
        valid_with("\"referrer\":null", "\"referrer\":{}"),
        valid_with("\"VIEW\"", "\"view\""),
        valid_with("\"session_duration\":0}", "\"session_duration\":0}x"),
        valid_with("\"session_duration\":0}", "\"session_duration\":0,}"),
        valid_with(",\"user_id\"", ",,\"user_id\""),
        "[1,2,3]",
        "",
        "{}",
    };
    for (size_t i = 0; i < sizeof(declined) / sizeof(declined[0]); i++) {
        if (scans(declined[i])) fail_msg("took %s", declined[i]);
        if (!agrees(declined[i])) fail_msg("paths differ on %s", declined[i]);
    }
}

/* Deterministic mutations of generated events: replace, insert or delete
 * bytes (biased to JSON's own characters); both paths must agree on all. */
static void test_mutated_events_agree(void **state) {
    (void)state;
    static const char interesting[] = "{}[]:,\"\\ \t\n0123456789-+.eEnulltrfa\x01\x7f\xc3\xa9";
    sl_gen_conf gc;
    sl_gen_conf_default(&gc);
    gc.events = 3000;
    sl_gen *g = sl_gen_new(&gc);
    sl_arena arena;
    sl_arena_init(&arena, 0);
    sl_event ev;
    char line[2048];
    uint64_t rng = 0x9e3779b97f4a7c15ULL, n = 0, taken = 0;
    while (sl_gen_next(g, &ev, &arena)) {
        size_t len = sl_event_to_json(&ev, line, sizeof(line) - 8);
        assert_true(len < sizeof(line) - 8);
        taken += scans(line);
        for (int m = 0; m < 8; m++) {
            rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
            size_t at = (size_t)(rng >> 8) % len;
            char c = interesting[(rng >> 40) % (sizeof(interesting) - 1)];
            switch ((rng >> 60) % 3) {
            case 0: line[at] = c; break;
            case 1: memmove(line + at + 1, line + at, len - at); line[at] = c; len++; break;
            default: memmove(line + at, line + at + 1, len - at - 1); len--; break;
            }
            if (!sl_fuzz_json_scan_agrees((const uint8_t *)line, len))
                fail_msg("paths differ on mutation %llu: %.*s", (unsigned long long)n, (int)len, line);
            n++;
        }
        sl_arena_reset(&arena);
    }
    assert_int_equal(taken, 3000);   /* every generated event takes the fast path */
    sl_arena_free(&arena);
    sl_gen_free(g);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_takes_well_formed_events),
        cmocka_unit_test(test_declines_the_rest),
        cmocka_unit_test(test_mutated_events_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
