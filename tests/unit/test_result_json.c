/* test_result_json.c -- result and dead-letter lines are always valid JSON, and say exactly what printf would. */
#include <inttypes.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "operators/event_decoder.h"
#include "operators/result_json.h"

static json_t *parse(const char *line, size_t n) {
    json_error_t err;
    json_t *doc = json_loadb(line, n, 0, &err);
    if (!doc) fail_msg("not valid JSON (%s): %.*s", err.text, (int)n, line);
    return doc;
}

static void malformed_utf8_becomes_replacement_characters(void **state) {
    /* a reason quoting a fragment cut inside a two-byte character, a lone
     * continuation byte, an overlong encoding and a surrogate */
    const char reason[] = "near '\xd3' \x9c \xc0\xaf \xed\xa0\x80 ok \xd3\x9c";
    sl_dead_letter d = {sl_str_c("{}"), sl_str_c(reason), sl_str_c("f"), -1, 0, 0};
    char line[1024];
    size_t n = sl_dead_letter_to_json(&d, line, sizeof(line));
    json_t *doc = parse(line, n);
    const char *r = json_string_value(json_object_get(doc, "reason"));
    assert_non_null(strstr(r, "\xd3\x9c"));                  /* the valid character survives */
    assert_non_null(strstr(r, "\xef\xbf\xbd"));               /* the rest became U+FFFD */
    json_decref(doc);
}

static void fuzzer_reproducer_dead_letter_round_trips(void **state) {
    /* found by tests/fuzz/fuzz_event_json: backslashes and a two-byte character
     * inside broken JSON, whose parse error quotes a cut-off fragment */
    const char input[] = "{\"event_id\":\"b8a2a0ef-f301-408b-a40c-4f0d99bb820e\",\"u\\\\\\\\\\\\\\\\\\\\\\"
                         "\xd3\x9co/\",\\\\\\\\\\\\\\\\\\\\\\\\\xd3\x9co/\",\"sesjion_duration\":0}";
    char err[512];
    sl_conf *conf = sl_conf_new();
    sl_event_decoder *dec;
    assert_int_equal(sl_event_decoder_new(conf, NULL, &dec, err, sizeof(err)), SL_OK);
    sl_arena arena;
    sl_arena_init(&arena, 4096);
    sl_event ev;
    size_t size = sizeof(input) - 1;
    assert_int_not_equal(sl_event_decoder_decode(dec, input, size, &ev, &arena), SL_OK);
    sl_dead_letter d = {{input, (uint32_t)size}, sl_str_c(sl_event_decoder_reason(dec)), sl_str_c("f"), -1, 0, 0};
    char line[4096];
    size_t n = sl_dead_letter_to_json(&d, line, sizeof(line));
    json_t *doc = parse(line, n);
    const char *payload = json_string_value(json_object_get(doc, "payload"));
    assert_non_null(payload);
    assert_memory_equal(payload, input, size);
    json_decref(doc);
    sl_arena_free(&arena);
    sl_event_decoder_free(dec);
    sl_conf_destroy(conf);
}

/* The line as printf writes it: %.17g for every double, decimal integers. */
static void printf_page_stats(const sl_page_stats *s, char *buf, size_t cap) {
    snprintf(buf, cap,
             "{\"type\":\"page_analytics\",\"window_start\":%" PRId64 ",\"window_end\":%" PRId64 ",\"page\":\"%.*s\","
             "\"view_count\":%" PRIu64 ",\"unique_users\":%" PRIu64 ",\"click_count\":%" PRIu64 ",\"cart_count\":%" PRIu64
             ",\"conversion_count\":%" PRIu64 ",\"engagement_rate\":%.17g,\"bounce_rate\":%.17g,"
             "\"avg_session_duration\":%.17g}",
             s->window_start, s->window_end, (int)s->page.len, s->page.ptr, s->view_count, s->unique_users,
             s->click_count, s->cart_count, s->conversion_count, s->engagement_rate, s->bounce_rate,
             s->avg_session_duration);
}

static void numbers_are_written_as_printf_writes_them(void **state) {
    /* whole numbers take a path without printf: they must print as %.17g does,
     * up to 2^53 and past it, negative, -0, and fractions beside them */
    const double doubles[] = {0.0, -0.0, 1.0, -1.0, 0.5, 1.0 / 3, 2.0 / 3, 76328.0, 1e15, 9007199254740991.0,
                              9007199254740992.0, 9007199254740994.0, 1e17, 1e300, -1e300, 5e-324, 0.1, 123456.789,
                              -42.0, 4.5e15 + 0.5};
    const uint64_t ints[] = {0, 1, 9, 10, 99, 100, 4294967295u, 4294967296u, 10000000000000000000u, UINT64_MAX};
    const int64_t times[] = {0, 1767225600000, -1, -1767225600000, INT64_MAX, INT64_MIN};
    size_t nd = sizeof(doubles) / sizeof(*doubles), ni = sizeof(ints) / sizeof(*ints);
    for (size_t k = 0; k < nd * ni; k++) {
        sl_page_stats s = {.window_start = times[k % 6], .window_end = times[(k + 1) % 6],
                           .page = sl_str_c("/product/p-042"), .view_count = ints[k % ni],
                           .unique_users = ints[(k + 1) % ni], .click_count = ints[(k + 3) % ni],
                           .cart_count = ints[(k + 5) % ni], .conversion_count = ints[(k + 7) % ni],
                           .engagement_rate = doubles[k % nd], .bounce_rate = doubles[(k / nd) % nd],
                           .avg_session_duration = doubles[(k + 7) % nd]};
        char got[1024], want[1024];
        size_t n = sl_page_stats_to_json(&s, got, sizeof(got));
        printf_page_stats(&s, want, sizeof(want));
        assert_string_equal(got, want);
        assert_int_equal(n, strlen(want));
    }
}

static void a_short_buffer_gets_a_prefix_and_the_length_needed(void **state) {
    sl_top_entry entries[] = {{sl_str_c("/home"), 1234, 1, true}, {sl_str_c("/cart \"x\""), 56, 2, false}};
    sl_top_pages t = {1767225600000, 1767225900000, 2, entries};
    char full[512];
    size_t need = sl_top_pages_to_json(&t, full, sizeof(full));
    assert_string_equal(full, "{\"type\":\"top_pages\",\"window_start\":1767225600000,\"window_end\":1767225900000,"
                              "\"pages\":[{\"page\":\"/home\",\"view_count\":1234,\"rank\":1,\"trending\":true},"
                              "{\"page\":\"/cart \\\"x\\\"\",\"view_count\":56,\"rank\":2,\"trending\":false}]}");
    for (size_t cap = 0; cap <= need + 1; cap++) {
        char buf[512];
        memset(buf, 'Z', sizeof(buf));
        assert_int_equal(sl_top_pages_to_json(&t, buf, cap), need);
        if (cap == 0) {
            assert_int_equal(buf[0], 'Z');   /* nothing written */
            continue;
        }
        size_t kept = cap - 1 < need ? cap - 1 : need;
        assert_memory_equal(buf, full, kept);
        assert_int_equal(buf[kept], '\0');
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(malformed_utf8_becomes_replacement_characters),
        cmocka_unit_test(fuzzer_reproducer_dead_letter_round_trips),
        cmocka_unit_test(numbers_are_written_as_printf_writes_them),
        cmocka_unit_test(a_short_buffer_gets_a_prefix_and_the_length_needed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
