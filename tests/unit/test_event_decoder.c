/* test_event_decoder.c -- event decoder (json|avro), dead-letter kinds and envelope, framed record reader, result encoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

#include "avro/avro_serde.h"
#include "engine/metrics.h"
#include "operators/event_decoder.h"
#include "operators/record_reader.h"
#include "operators/result_encoder.h"
#include "operators/result_json.h"

#define TS 1767225600000LL   /* 2026-01-01 */
#define GOOD "{\"event_id\":\"e1\",\"user_id\":\"u1\",\"session_id\":\"s1\",\"event_type\":\"VIEW\",\"page\":\"/a\"," \
             "\"product_id\":null,\"timestamp\":1767225600000,\"ip\":\"10.0.0.1\",\"user_agent\":\"ua\"," \
             "\"referrer\":null,\"session_duration\":0}"

static sl_conf *conf_with(const char *format) {
    sl_conf *c = sl_conf_new();
    char err[256];
    assert_int_equal(sl_conf_set(c, "source.format", format, err, sizeof(err)), SL_OK);
    assert_int_equal(sl_conf_set(c, "source.max_record_bytes", "2000", err, sizeof(err)), SL_OK);
    return c;
}

static sl_event good_event(void) {
    sl_event ev = {.timestamp_ms = TS, .event_id = sl_str_c("e1"), .user_id = sl_str_c("u1"),
                   .session_id = sl_str_c("s1"), .page = sl_str_c("/a"), .ip = sl_str_c("10.0.0.1"),
                   .user_agent = sl_str_c("ua"), .event_type = SL_EVENT_CLICK};
    return ev;
}

/* Decode and expect failure of `kind` with `needle` in the reason. */
static void expect_dead(sl_event_decoder *dec, const void *data, size_t len, sl_dead_reason kind, const char *needle) {
    sl_arena arena;
    sl_arena_init(&arena, 4096);
    sl_event ev;
    assert_int_not_equal(sl_event_decoder_decode(dec, data, len, &ev, &arena), SL_OK);
    if (!strstr(sl_event_decoder_reason(dec), needle) || sl_event_decoder_reason_kind(dec) != kind)
        fail_msg("reason '%s' (kind %s), expected '%s' (kind %s)", sl_event_decoder_reason(dec),
                 sl_dead_reason_label(sl_event_decoder_reason_kind(dec)), needle, sl_dead_reason_label(kind));
    sl_arena_free(&arena);
}

/* GOOD with its first `from` replaced by `to`. */
static const char *mutate(char *line, size_t cap, const char *from, const char *to) {
    const char *at = strstr(GOOD, from);
    assert_non_null(at);
    snprintf(line, cap, "%.*s%s%s", (int)(at - GOOD), GOOD, to, at + strlen(from));
    return line;
}

static void test_json_kinds(void **state) {
    sl_conf *c = conf_with("json");
    sl_event_decoder *dec;
    char err[256];
    assert_int_equal(sl_event_decoder_new(c, NULL, &dec, err, sizeof(err)), SL_OK);
    sl_event_decoder_set_now(dec, TS);
    sl_arena arena;
    sl_arena_init(&arena, 4096);
    sl_event ev;
    assert_int_equal(sl_event_decoder_decode(dec, GOOD, strlen(GOOD), &ev, &arena), SL_OK);
    assert_true(sl_str_eq(ev.page, sl_str_c("/a")));
    assert_int_equal(ev.page_hash, sl_str_hash(sl_str_c("/a")));
    sl_arena_free(&arena);

    char big[2100];
    memset(big, ' ', sizeof(big));
    expect_dead(dec, big, sizeof(big), SL_DEAD_OVERSIZED, "exceeds source.max_record_bytes (2000)");
    expect_dead(dec, "{nope", 5, SL_DEAD_NOT_JSON, "not valid JSON");
    expect_dead(dec, "\"\xff\"", 3, SL_DEAD_NOT_JSON, "not valid JSON");
    expect_dead(dec, "[1,2]", 5, SL_DEAD_WRONG_TYPE, "expected a JSON object");
    expect_dead(dec, "{\"event_id\":\"e\"}", 16, SL_DEAD_MISSING_FIELD, "missing required field 'user_id'");
    char line[600];
#define MUTATE(from, to) mutate(line, sizeof(line), from, to)
    const char *s = MUTATE("\"timestamp\":1767225600000", "\"timestamp\":\"1767225600\"");
    expect_dead(dec, s, strlen(s), SL_DEAD_WRONG_TYPE, "field 'timestamp' is a string");
    s = MUTATE("\"VIEW\"", "\"BUY!\"");
    expect_dead(dec, s, strlen(s), SL_DEAD_BAD_EVENT_TYPE, "event_type 'BUY!'");
    s = MUTATE("\"timestamp\":1767225600000,", "");
    expect_dead(dec, s, strlen(s), SL_DEAD_MISSING_FIELD, "missing required field 'timestamp'");
    s = MUTATE("\"user_agent\":\"ua\"", "\"user_agent\":7");
    expect_dead(dec, s, strlen(s), SL_DEAD_WRONG_TYPE, "field 'user_agent' is an integer, expected a string");
    s = MUTATE("1767225600000", "946684799999");
    expect_dead(dec, s, strlen(s), SL_DEAD_BAD_TIMESTAMP, "before the minimum");
    s = MUTATE("1767225600000", "1767312000001");   /* a day and 1 ms ahead of "now" */
    expect_dead(dec, s, strlen(s), SL_DEAD_BAD_TIMESTAMP, "in the future");
    s = MUTATE("\"page\":\"/a\"", "\"page\":\"\"");
    expect_dead(dec, s, strlen(s), SL_DEAD_INVALID_VALUE, "field 'page' is empty");
    s = MUTATE("\"session_duration\":0", "\"session_duration\":-5");
    expect_dead(dec, s, strlen(s), SL_DEAD_INVALID_VALUE, "session_duration -5 is negative");
#undef MUTATE
    sl_event_decoder_free(dec);
    sl_conf_destroy(c);
}

static size_t encode(sl_avro_encoder *enc, const sl_event *ev, uint8_t *buf, size_t cap) {
    size_t len;
    char err[256];
    assert_int_equal(sl_avro_encode_event(enc, ev, buf, cap, &len, err, sizeof(err)), SL_OK);
    return len;
}

static void test_avro_kinds(void **state) {
    sl_conf *c = conf_with("avro");
    sl_event_decoder *dec;
    sl_avro_registry *reg;
    sl_avro_encoder *enc;
    char err[256];
    assert_int_equal(sl_event_decoder_new(c, NULL, &dec, err, sizeof(err)), SL_OK);
    assert_int_equal(sl_event_decoder_format(dec), SL_EVENT_FORMAT_AVRO);
    sl_event_decoder_set_now(dec, TS);
    assert_int_equal(sl_avro_registry_open(NULL, &reg, err, sizeof(err)), SL_OK);
    assert_int_equal(sl_avro_encoder_new(reg, "ClickstreamEvent", &enc, err, sizeof(err)), SL_OK);
    uint8_t buf[512];
    sl_event ev = good_event(), out;
    size_t len = encode(enc, &ev, buf, sizeof(buf));
    sl_arena arena;
    sl_arena_init(&arena, 4096);
    for (int i = 0; i < 3; i++) {   /* the decoder's values are reused record after record */
        assert_int_equal(sl_event_decoder_decode(dec, buf, len, &out, &arena), SL_OK);
        assert_true(sl_str_eq(out.event_id, sl_str_c("e1")));
        assert_int_equal(out.event_type, SL_EVENT_CLICK);
    }
    sl_arena_free(&arena);

    expect_dead(dec, GOOD, strlen(GOOD), SL_DEAD_WRONG_MAGIC, "wrong magic byte 0x7b");
    expect_dead(dec, buf, 3, SL_DEAD_CORRUPT_AVRO, "truncated Confluent header");
    expect_dead(dec, buf, len - 2, SL_DEAD_CORRUPT_AVRO, "truncated Avro body");
    uint8_t copy[512];
    memcpy(copy, buf, len);
    copy[4] = 99;
    expect_dead(dec, copy, len, SL_DEAD_UNKNOWN_SCHEMA, "unknown schema id 99");
    copy[4] = 2;   /* PageAnalytics: a known id, but not an event */
    expect_dead(dec, copy, len, SL_DEAD_UNKNOWN_SCHEMA, "cannot be read as ClickstreamEvent");
    memcpy(copy, buf, len);
    copy[len] = 0;
    expect_dead(dec, copy, len + 1, SL_DEAD_CORRUPT_AVRO, "left over");
    ev.timestamp_ms = 946684799999;
    len = encode(enc, &ev, buf, sizeof(buf));
    expect_dead(dec, buf, len, SL_DEAD_BAD_TIMESTAMP, "before the minimum 946684800000");
    ev = good_event();
    ev.user_id = sl_str_c("");
    len = encode(enc, &ev, buf, sizeof(buf));
    expect_dead(dec, buf, len, SL_DEAD_INVALID_VALUE, "field 'user_id' is empty");
    uint8_t huge[2100] = {0, 0, 0, 0, 1};
    expect_dead(dec, huge, sizeof(huge), SL_DEAD_OVERSIZED, "exceeds");

    sl_avro_encoder_free(enc);
    sl_avro_registry_close(reg);
    sl_event_decoder_free(dec);
    sl_conf_destroy(c);
}

static void test_bad_configuration(void **state) {
    char err[256];
    sl_event_decoder *dec = NULL;
    sl_conf *c = conf_with("protobuf");
    assert_int_equal(sl_event_decoder_new(c, NULL, &dec, err, sizeof(err)), SL_ERR_INVALID_ARG);
    assert_non_null(strstr(err, "source.format: 'protobuf'"));
    sl_conf_destroy(c);
    c = conf_with("json");
    assert_int_equal(sl_conf_set(c, "source.max_record_bytes", "0", err, sizeof(err)), SL_OK);
    assert_int_equal(sl_event_decoder_new(c, NULL, &dec, err, sizeof(err)), SL_ERR_INVALID_ARG);
    assert_non_null(strstr(err, "source.max_record_bytes"));
    sl_conf_destroy(c);
}

static void test_dead_letter_counted(void **state) {
    sl_metrics *m = sl_metrics_new();
    sl_event_decoder *dec;
    char err[256];
    assert_int_equal(sl_event_decoder_new(NULL, m, &dec, err, sizeof(err)), SL_OK);
    sl_batch *dead = sl_batch_new(4);
    sl_batch_reset(dead, SL_BATCH_DEAD_LETTERS);
    sl_event ev;
    for (int i = 0; i < 2; i++) {
        assert_int_not_equal(sl_event_decoder_decode(dec, "{x", 2, &ev, &dead->arena), SL_OK);
        sl_event_decoder_dead_letter(dec, dead, (sl_str){"{x", 2}, sl_str_c("in.jsonl"), -1, 10 * i);
    }
    sl_event_decoder_reject(dec, SL_DEAD_OVERSIZED, "record of 9 bytes exceeds the limit");
    sl_dead_letter *d = sl_event_decoder_dead_letter(dec, dead, SL_STR_NULL, sl_str_c("t"), 3, 77);
    assert_int_equal(dead->count, 3);
    assert_int_equal(d->partition, 3);
    assert_int_equal(d->offset, 77);
    assert_int_equal(d->payload.len, 0);
    assert_true(d->time_ms > TS - 86400000LL * 365);
    d = SL_BATCH_ITEMS(dead, sl_dead_letter);
    assert_int_equal(d[1].offset, 10);
    assert_true(sl_str_eq(d[1].source, sl_str_c("in.jsonl")));
    assert_true(sl_str_eq(d[1].payload, sl_str_c("{x")));
    assert_non_null(strstr(d[1].reason.ptr, "not valid JSON"));
    assert_true(sl_metric_value(sl_metrics_get(m, "sluice_dead_letters_total", (const char *[]){"not_json", NULL})) == 2);
    assert_true(sl_metric_value(sl_metrics_get(m, "sluice_dead_letters_total", (const char *[]){"oversized", NULL})) == 1);
    assert_true(sl_metric_value(sl_metrics_get(m, "sluice_dead_letters_total", (const char *[]){"wrong_magic", NULL})) == 0);
    sl_batch_free(dead);
    sl_event_decoder_free(dec);
    sl_metrics_destroy(m);
}

static void test_classify_labels(void **state) {
    for (int k = 0; k < SL_DEAD_REASON_COUNT; k++) assert_non_null(sl_dead_reason_label((sl_dead_reason)k));
    assert_string_equal(sl_dead_reason_label(sl_dead_reason_classify(sl_str_c("no idea"))), "invalid_value");
    assert_string_equal(sl_dead_reason_label(sl_dead_reason_classify(SL_STR_NULL)), "invalid_value");
    assert_int_equal(sl_dead_reason_classify(sl_str_c("truncated length prefix at the end of the file")),
                     SL_DEAD_CORRUPT_AVRO);
    assert_int_equal(sl_dead_reason_classify(sl_str_c("Schema Registry GET http://x answered HTTP 500")),
                     SL_DEAD_UNKNOWN_SCHEMA);
}

/* ---- the dead-letter JSON envelope ---- */

static json_t *envelope(const sl_dead_letter *d) {
    char line[1024];
    size_t n = sl_dead_letter_to_json(d, line, sizeof(line));
    assert_true(n < sizeof(line));
    json_error_t jerr;
    json_t *j = json_loadb(line, n, 0, &jerr);
    if (!j) fail_msg("envelope is not JSON: %s: %s", jerr.text, line);
    return j;
}

static void test_envelope_payloads(void **state) {
    sl_dead_letter d = {sl_str_c("caf\xc3\xa9 \"x\""), sl_str_c("not valid JSON: x"), sl_str_c("f"), -1, 5, 6};
    json_t *j = envelope(&d);
    assert_string_equal(json_string_value(json_object_get(j, "payload")), "caf\xc3\xa9 \"x\"");
    assert_string_equal(json_string_value(json_object_get(j, "kind")), "not_json");
    assert_int_equal(json_integer_value(json_object_get(j, "offset")), 5);
    assert_null(json_object_get(j, "payload_hex"));
    json_decref(j);
    static const char *const binary[] = {"\x00\x00\x00\x00\x01\x02", "\xff{", "\xc3(", "\xed\xa0\x80", "\xc0\xaf"};
    static const size_t lens[] = {6, 2, 2, 3, 2};
    static const char *const hex[] = {"000000000102", "ff7b", "c328", "eda080", "c0af"};
    for (int i = 0; i < 5; i++) {
        d.payload = (sl_str){binary[i], (uint32_t)lens[i]};
        j = envelope(&d);
        assert_null(json_object_get(j, "payload"));
        assert_string_equal(json_string_value(json_object_get(j, "payload_hex")), hex[i]);
        json_decref(j);
    }
}

/* ---- framed record reader ---- */

static char *temp_file(const void *data, size_t len) {
    char *path = strdup("/tmp/sluice-test-records-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
    return path;
}

static void test_reader_lines(void **state) {
    /* 10000 'x' is over the 5000-byte limit and over the first buffer fill size. */
    size_t big = 100000;
    char *text = malloc(big + 64);
    int n = sprintf(text, "ab\r\n\n\ncd\n");
    memset(text + n, 'x', big);
    n += (int)big;
    n += sprintf(text + n, "\nlast");
    char *path = temp_file(text, (size_t)n);
    char err[256];
    sl_record_reader *r = sl_record_reader_open(path, SL_FRAMING_LINES, 5000, err, sizeof(err));
    assert_non_null(r);
    sl_record rec;
    assert_int_equal(sl_record_reader_next(r, &rec, err, sizeof(err)), SL_RECORD_OK);
    assert_int_equal(rec.len, 2);
    assert_memory_equal(rec.data, "ab", 2);
    assert_int_equal(rec.offset, 0);
    assert_int_equal(sl_record_reader_next(r, &rec, err, sizeof(err)), SL_RECORD_OK);
    assert_memory_equal(rec.data, "cd", 2);
    assert_int_equal(rec.offset, 6);
    assert_int_equal(sl_record_reader_next(r, &rec, err, sizeof(err)), SL_RECORD_OVERSIZED);
    assert_int_equal(rec.offset, 9);
    assert_int_equal(rec.total_len, big);
    assert_int_equal(rec.len, SL_RECORD_KEEP_BYTES);
    assert_int_equal(rec.data[SL_RECORD_KEEP_BYTES - 1], 'x');
    int64_t after = sl_record_reader_offset(r);
    assert_int_equal(after, 9 + (int64_t)big + 1);
    assert_int_equal(sl_record_reader_next(r, &rec, err, sizeof(err)), SL_RECORD_OK);
    assert_memory_equal(rec.data, "last", 4);
    assert_int_equal(sl_record_reader_next(r, &rec, err, sizeof(err)), SL_RECORD_END);
    assert_int_equal(sl_record_reader_seek(r, 6, err, sizeof(err)), SL_OK);
    assert_int_equal(sl_record_reader_next(r, &rec, err, sizeof(err)), SL_RECORD_OK);
    assert_memory_equal(rec.data, "cd", 2);
    sl_record_reader_close(r);
    unlink(path);
    free(path);
    free(text);
}

static size_t put_frame(uint8_t *p, const void *data, uint32_t len, uint32_t declared) {
    p[0] = (uint8_t)(declared >> 24), p[1] = (uint8_t)(declared >> 16), p[2] = (uint8_t)(declared >> 8);
    p[3] = (uint8_t)declared;
    memcpy(p + 4, data, len);
    return 4 + len;
}

static void test_reader_length_framing(void **state) {
    static uint8_t file[40000];
    static uint8_t zeros[30000];
    size_t n = put_frame(file, "one", 3, 3);
    n += put_frame(file + n, zeros, sizeof(zeros), sizeof(zeros));   /* oversized: skipped */
    n += put_frame(file + n, "", 0, 0);
    n += put_frame(file + n, "two", 3, 3);
    n += put_frame(file + n, "cut", 3, 9);                          /* the file ends inside it */
    char *path = temp_file(file, n);
    char err[256];
    sl_record_reader *r = sl_record_reader_open(path, SL_FRAMING_LENGTH, 20000, err, sizeof(err));
    sl_record rec;
    assert_int_equal(sl_record_reader_next(r, &rec, err, sizeof(err)), SL_RECORD_OK);
    assert_int_equal(rec.len, 3);
    assert_memory_equal(rec.data, "one", 3);
    assert_int_equal(sl_record_reader_next(r, &rec, err, sizeof(err)), SL_RECORD_OVERSIZED);
    assert_int_equal(rec.offset, 7);
    assert_int_equal(rec.total_len, sizeof(zeros));
    assert_int_equal(rec.len, SL_RECORD_KEEP_BYTES);
    assert_int_equal(sl_record_reader_next(r, &rec, err, sizeof(err)), SL_RECORD_OK);
    assert_int_equal(rec.len, 0);
    assert_int_equal(sl_record_reader_next(r, &rec, err, sizeof(err)), SL_RECORD_OK);
    assert_memory_equal(rec.data, "two", 3);
    assert_int_equal(sl_record_reader_next(r, &rec, err, sizeof(err)), SL_RECORD_CUT);
    assert_int_equal(rec.total_len, 9);
    assert_int_equal(rec.len, 3);
    assert_int_equal(sl_record_reader_next(r, &rec, err, sizeof(err)), SL_RECORD_END);
    sl_record_reader_close(r);
    unlink(path);
    free(path);

    path = temp_file("\0\0", 2);   /* a cut length prefix */
    r = sl_record_reader_open(path, SL_FRAMING_LENGTH, 20000, err, sizeof(err));
    assert_int_equal(sl_record_reader_next(r, &rec, err, sizeof(err)), SL_RECORD_CUT);
    assert_int_equal(rec.len, 2);
    assert_int_equal(sl_record_reader_next(r, &rec, err, sizeof(err)), SL_RECORD_END);
    sl_record_reader_close(r);
    unlink(path);
    free(path);
    assert_null(sl_record_reader_open("/nonexistent/x", SL_FRAMING_LINES, 10, err, sizeof(err)));
    assert_non_null(strstr(err, "cannot open input '/nonexistent/x'"));
}

/* ---- result encoder ---- */

static void test_result_encoder(void **state) {
    char err[256];
    sl_result_encoder *json_enc, *avro_enc;
    sl_conf *c = sl_conf_new();
    assert_int_equal(sl_result_encoder_new(c, &json_enc, err, sizeof(err)), SL_OK);
    assert_int_equal(sl_conf_set(c, "sink.format", "avro", err, sizeof(err)), SL_OK);
    assert_int_equal(sl_result_encoder_new(c, &avro_enc, err, sizeof(err)), SL_OK);
    assert_true(sl_result_encoder_is_avro(avro_enc));
    assert_false(sl_result_encoder_is_avro(json_enc));

    sl_dead_letter d = {{"\x00\x01", 2}, sl_str_c("wrong magic byte 0x01"), sl_str_c("clickstream-events"), 4, 99, 123};
    const uint8_t *data;
    size_t len;
    assert_int_equal(sl_result_encoder_encode(json_enc, SL_BATCH_DEAD_LETTERS, &d, &data, &len, err, sizeof(err)), SL_OK);
    assert_non_null(strstr((const char *)data, "\"payload_hex\":\"0001\""));
    assert_int_equal(sl_result_encoder_encode(avro_enc, SL_BATCH_DEAD_LETTERS, &d, &data, &len, err, sizeof(err)), SL_OK);
    assert_int_equal(data[0], 0);
    assert_int_equal(data[4], 4);   /* DeadLetter's id in the local registry */
    sl_avro_registry *reg;
    sl_avro_decoder *dec;
    avro_value_t *v;
    assert_int_equal(sl_avro_registry_open(NULL, &reg, err, sizeof(err)), SL_OK);
    assert_int_equal(sl_avro_decoder_new(reg, NULL, &dec, err, sizeof(err)), SL_OK);
    assert_int_equal(sl_avro_decoder_read(dec, data, len, &v, err, sizeof(err)), SL_OK);
    char *text = sl_avro_value_to_json_text(v);
    assert_non_null(strstr(text, "\"offset\":99"));
    free(text);

    /* a Top-N record bigger than the initial buffer grows it */
    sl_top_entry entries[200];
    char pages[200][40];
    for (int i = 0; i < 200; i++) {
        snprintf(pages[i], sizeof(pages[i]), "/a/rather/long/page/name/number/%d", i);
        entries[i] = (sl_top_entry){sl_str_c(pages[i]), 1000u - (unsigned)i, (uint32_t)i + 1, i % 2};
    }
    sl_top_pages t = {TS, TS + 300000, 200, entries};
    assert_int_equal(sl_result_encoder_encode(avro_enc, SL_BATCH_TOP_PAGES, &t, &data, &len, err, sizeof(err)), SL_OK);
    assert_true(len > 4096);
    assert_int_equal(sl_avro_decoder_read(dec, data, len, &v, err, sizeof(err)), SL_OK);
    assert_int_equal(sl_result_encoder_encode(json_enc, SL_BATCH_TOP_PAGES, &t, &data, &len, err, sizeof(err)), SL_OK);
    assert_true(len > 4096 && strlen((const char *)data) == len);
    sl_late_event late = {good_event(), TS};
    assert_int_equal(sl_result_encoder_encode(avro_enc, SL_BATCH_LATE_EVENTS, &late, &data, &len, err, sizeof(err)), SL_OK);
    assert_int_equal(data[4], 1);   /* ClickstreamEvent */
    sl_event ev;
    assert_int_equal(sl_result_encoder_encode(json_enc, SL_BATCH_EVENTS, &ev, &data, &len, err, sizeof(err)),
                     SL_ERR_INVALID_ARG);

    sl_dead_letter_headers h;
    sl_dead_letter_headers_fill(&d, &h);
    assert_string_equal(h.h[0].name, "sluice.dlq.reason");
    assert_string_equal(h.h[2].name, "sluice.dlq.source");
    assert_string_equal(h.h[5].name, "sluice.dlq.time");
    assert_memory_equal(h.h[0].value, "wrong magic byte 0x01", h.h[0].len);
    assert_memory_equal(h.h[1].value, "wrong_magic", h.h[1].len);
    assert_memory_equal(h.h[2].value, "clickstream-events", h.h[2].len);
    assert_memory_equal(h.h[3].value, "4", h.h[3].len);
    assert_memory_equal(h.h[4].value, "99", h.h[4].len);
    assert_memory_equal(h.h[5].value, "123", h.h[5].len);

    assert_int_equal(sl_conf_set(c, "sink.format", "xml", err, sizeof(err)), SL_OK);
    sl_result_encoder *none = NULL;
    assert_int_equal(sl_result_encoder_new(c, &none, err, sizeof(err)), SL_ERR_INVALID_ARG);
    assert_null(none);
    sl_avro_decoder_free(dec);
    sl_avro_registry_close(reg);
    sl_result_encoder_free(avro_enc);
    sl_result_encoder_free(json_enc);
    sl_conf_destroy(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_kinds),
        cmocka_unit_test(test_avro_kinds),
        cmocka_unit_test(test_bad_configuration),
        cmocka_unit_test(test_dead_letter_counted),
        cmocka_unit_test(test_classify_labels),
        cmocka_unit_test(test_envelope_payloads),
        cmocka_unit_test(test_reader_lines),
        cmocka_unit_test(test_reader_length_framing),
        cmocka_unit_test(test_result_encoder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
