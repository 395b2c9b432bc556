/* test_result_json.c -- result and dead-letter lines are always valid JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <jansson.h>
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

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(malformed_utf8_becomes_replacement_characters),
        cmocka_unit_test(fuzzer_reproducer_dead_letter_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
