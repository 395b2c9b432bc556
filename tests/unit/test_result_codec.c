/* test_result_codec.c -- Avro results read back as JSON lines (result_decoder) and events written by format (event_encoder). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "engine/arena.h"
#include "operators/event_decoder.h"
#include "operators/event_encoder.h"
#include "operators/event_json.h"
#include "operators/result_decoder.h"
#include "operators/result_encoder.h"

#define TS 1767225600000LL   /* 2026-01-01 */

static sl_event sample_event(void) {
    sl_event ev = {.timestamp_ms = TS, .event_id = sl_str_c("e1"), .user_id = sl_str_c("u1"),
                   .session_id = sl_str_c("s1"), .page = sl_str_c("/a"), .ip = sl_str_c("10.0.0.1"),
                   .user_agent = sl_str_c("ua"), .event_type = SL_EVENT_CLICK};
    return ev;
}

static sl_result_encoder *encoder(const char *format) {
    char err[256];
    sl_conf *c = sl_conf_new();
    assert_int_equal(sl_conf_set(c, "sink.format", format, err, sizeof(err)), SL_OK);
    sl_result_encoder *enc;
    assert_int_equal(sl_result_encoder_new(c, &enc, err, sizeof(err)), SL_OK);
    sl_conf_destroy(c);
    return enc;
}

/* The same JSON value, numbers compared by value (jansson writes 0.5 and 2.0
 * where result_json writes 0.5 and 2). */
static void assert_same_json(json_t *a, json_t *b) {
    if (json_is_number(a) && json_is_number(b)) {
        assert_true(json_number_value(a) == json_number_value(b));
        return;
    }
    assert_int_equal(json_typeof(a), json_typeof(b));
    if (json_is_object(a)) {
        assert_int_equal(json_object_size(a), json_object_size(b));
        const char *k;
        json_t *v;
        json_object_foreach(a, k, v) {
            json_t *w = json_object_get(b, k);
            if (!w) fail_msg("field '%s' missing", k);
            assert_same_json(v, w);
        }
    } else if (json_is_array(a)) {
        assert_int_equal(json_array_size(a), json_array_size(b));
        for (size_t i = 0; i < json_array_size(a); i++) assert_same_json(json_array_get(a, i), json_array_get(b, i));
    } else {
        assert_true(json_equal(a, b));
    }
}

/* Avro value of `record` read back == the JSON sink's line for it. */
static void round_trip(sl_result_decoder *dec, sl_batch_kind kind, const void *record, const char *wm) {
    sl_result_encoder *json_enc = encoder("json"), *avro_enc = encoder("avro");
    char err[256];
    const uint8_t *avro, *json;
    size_t avro_len, json_len, line_len;
    assert_int_equal(sl_result_encoder_encode(avro_enc, kind, record, &avro, &avro_len, err, sizeof(err)), SL_OK);
    assert_int_equal(sl_result_encoder_encode(json_enc, kind, record, &json, &json_len, err, sizeof(err)), SL_OK);
    const char *line;
    assert_int_equal(sl_result_decoder_to_json(dec, avro, avro_len, wm, wm ? strlen(wm) : 0, &line, &line_len, err,
                                               sizeof(err)), SL_OK);
    json_t *a = json_loadb(line, line_len, 0, NULL), *b = json_loadb((const char *)json, json_len, 0, NULL);
    assert_non_null(a);
    assert_non_null(b);
    assert_same_json(a, b);
    json_decref(a);
    json_decref(b);
    sl_result_encoder_free(json_enc);
    sl_result_encoder_free(avro_enc);
}

static void test_avro_results_read_back_as_json_lines(void **state) {
    sl_result_decoder *dec = sl_result_decoder_new(NULL);
    sl_page_stats ps = {.window_start = TS, .window_end = TS + 300000, .page = sl_str_c("/p\"q"), .view_count = 7,
                        .unique_users = 5, .click_count = 3, .cart_count = 2, .conversion_count = 1,
                        .engagement_rate = 3.0 / 7, .bounce_rate = 0.0, .avg_session_duration = 1234.5};
    round_trip(dec, SL_BATCH_PAGE_STATS, &ps, NULL);
    sl_top_entry entries[2] = {{sl_str_c("/a"), 9, 1, true}, {sl_str_c("/b"), 4, 2, false}};
    sl_top_pages tp = {TS, TS + 300000, 2, entries};
    round_trip(dec, SL_BATCH_TOP_PAGES, &tp, NULL);
    /* A late event's Avro value is its ClickstreamEvent; the watermark comes from the header. */
    sl_late_event late = {sample_event(), TS + 99};
    round_trip(dec, SL_BATCH_LATE_EVENTS, &late, "1767225600099");
    sl_result_decoder_free(dec);
}

static void test_json_passes_and_garbage_fails(void **state) {
    sl_result_decoder *dec = sl_result_decoder_new(NULL);
    char reason[256];
    const char *line;
    size_t len;
    const char *json = "{\"type\":\"top_pages\"}";
    assert_int_equal(sl_result_decoder_to_json(dec, json, strlen(json), NULL, 0, &line, &len, reason, sizeof(reason)),
                     SL_OK);
    assert_ptr_equal(line, json);
    assert_int_equal(len, strlen(json));
    const uint8_t unknown[] = {0, 0, 0, 0, 99, 2, 'x'};
    assert_int_not_equal(sl_result_decoder_to_json(dec, unknown, sizeof(unknown), NULL, 0, &line, &len, reason,
                                                   sizeof(reason)), SL_OK);
    assert_non_null(strstr(reason, "unknown schema id 99"));
    const uint8_t cut[] = {0, 0, 0};
    assert_int_not_equal(sl_result_decoder_to_json(dec, cut, sizeof(cut), NULL, 0, &line, &len, reason, sizeof(reason)),
                         SL_OK);
    assert_non_null(strstr(reason, "truncated Confluent header"));
    sl_result_decoder_free(dec);
}

static void test_event_encoder_formats(void **state) {
    char err[256], buf[1024], json[1024];
    sl_event ev = sample_event();
    sl_event_encoder *je, *ae;
    sl_conf *c = sl_conf_new();
    assert_int_equal(sl_event_encoder_new(c, &je, err, sizeof(err)), SL_OK);
    assert_int_equal(sl_event_encoder_format(je), SL_EVENT_FORMAT_JSON);
    size_t n = sl_event_encoder_file_record(je, &ev, buf, sizeof(buf));
    size_t jn = sl_event_to_json(&ev, json, sizeof(json));
    assert_int_equal(n, jn + 1);
    assert_memory_equal(buf, json, jn);
    assert_int_equal(buf[jn], '\n');

    assert_int_equal(sl_conf_set(c, "source.format", "avro", err, sizeof(err)), SL_OK);
    assert_int_equal(sl_event_encoder_new(c, &ae, err, sizeof(err)), SL_OK);
    n = sl_event_encoder_file_record(ae, &ev, buf, sizeof(buf));
    size_t body = ((size_t)(uint8_t)buf[0] << 24) | ((size_t)(uint8_t)buf[1] << 16) | ((size_t)(uint8_t)buf[2] << 8) |
                  (uint8_t)buf[3];
    assert_int_equal(n, 4 + body);
    assert_int_equal(buf[4], 0);   /* magic */
    assert_int_equal(buf[8], 1);   /* ClickstreamEvent's id in the local registry */
    /* What the Avro source decodes is the event that was written. */
    sl_event_decoder *dec;
    assert_int_equal(sl_event_decoder_new(c, NULL, &dec, err, sizeof(err)), SL_OK);
    sl_event back;
    sl_arena arena;
    sl_arena_init(&arena, 0);
    assert_int_equal(sl_event_decoder_decode(dec, buf + 4, body, &back, &arena), SL_OK);
    assert_int_equal(sl_event_to_json(&back, buf, sizeof(buf)), jn);
    assert_memory_equal(buf, json, jn);
    /* A buffer too small reports the size needed. */
    assert_true(sl_event_encoder_record(ae, &ev, buf, 8) > 8);
    assert_true(sl_event_encoder_file_record(ae, &ev, buf, 10) > 10);
    ev.event_type = SL_EVENT_TYPE_COUNT;   /* not an EventType symbol */
    assert_int_equal(sl_event_encoder_record(ae, &ev, buf, sizeof(buf)), SIZE_MAX);

    assert_int_equal(sl_conf_set(c, "source.format", "xml", err, sizeof(err)), SL_OK);
    sl_event_encoder *none = NULL;
    assert_int_equal(sl_event_encoder_new(c, &none, err, sizeof(err)), SL_ERR_INVALID_ARG);
    assert_null(none);
    sl_arena_free(&arena);
    sl_event_decoder_free(dec);
    sl_event_encoder_free(ae);
    sl_event_encoder_free(je);
    sl_conf_destroy(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_avro_results_read_back_as_json_lines),
        cmocka_unit_test(test_json_passes_and_garbage_fails),
        cmocka_unit_test(test_event_encoder_formats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
