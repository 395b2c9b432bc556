/* test_avro_serde.c -- Avro wire-format serde: round trips, failure kinds, garbage, evolution. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "avro/avro_serde.h"

typedef struct fixture {
    sl_avro_registry *reg;
    sl_avro_encoder *enc;
    sl_avro_decoder *dec;
    sl_arena arena;
    uint8_t buf[4096];
    size_t len;
    char err[512];
} fixture;

static int setup(void **state) {
    fixture *f = calloc(1, sizeof(*f));
    assert_int_equal(sl_avro_registry_open(NULL, &f->reg, f->err, sizeof(f->err)), SL_OK);
    assert_int_equal(sl_avro_encoder_new(f->reg, "ClickstreamEvent", &f->enc, f->err, sizeof(f->err)), SL_OK);
    assert_int_equal(sl_avro_decoder_new(f->reg, "ClickstreamEvent", &f->dec, f->err, sizeof(f->err)), SL_OK);
    sl_arena_init(&f->arena, 4096);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    sl_avro_decoder_free(f->dec);
    sl_avro_encoder_free(f->enc);
    sl_avro_registry_close(f->reg);
    sl_arena_free(&f->arena);
    free(f);
    return 0;
}

/* Strings deliberately not NUL-terminated: the encoder must not read past len. */
static const char STRINGS[] = "e-1u-7s-3/products/42p-42Mozilla/5.0https://example.com/10.0.0.1";

static sl_event sample_event(bool with_nulls) {
    sl_event ev = {
        .timestamp_ms = 1767225600123,
        .session_duration_ms = 45000,
        .event_id = {STRINGS, 3},
        .user_id = {STRINGS + 3, 3},
        .session_id = {STRINGS + 6, 3},
        .page = {STRINGS + 9, 13},
        .product_id = with_nulls ? SL_STR_NULL : (sl_str){STRINGS + 22, 4},
        .user_agent = {STRINGS + 26, 11},
        .referrer = with_nulls ? SL_STR_NULL : (sl_str){STRINGS + 37, 20},
        .ip = {STRINGS + 57, 8},
        .event_type = SL_EVENT_ADD_TO_CART,
    };
    return ev;
}

static void assert_str(sl_str got, sl_str want) {
    if (want.ptr == NULL) {
        assert_null(got.ptr);
        return;
    }
    assert_non_null(got.ptr);
    assert_int_equal(got.len, want.len);
    assert_memory_equal(got.ptr, want.ptr, want.len);
}

static void assert_event_equal(const sl_event *got, const sl_event *want) {
    assert_int_equal(got->timestamp_ms, want->timestamp_ms);
    assert_int_equal(got->session_duration_ms, want->session_duration_ms);
    assert_int_equal(got->event_type, want->event_type);
    assert_str(got->event_id, want->event_id);
    assert_str(got->user_id, want->user_id);
    assert_str(got->session_id, want->session_id);
    assert_str(got->page, want->page);
    assert_str(got->product_id, want->product_id);
    assert_str(got->ip, want->ip);
    assert_str(got->user_agent, want->user_agent);
    assert_str(got->referrer, want->referrer);
}

static void test_event_round_trip(void **state) {
    fixture *f = *state;
    for (int nulls = 0; nulls < 2; nulls++) {
        sl_event ev = sample_event(nulls), back;
        assert_int_equal(sl_avro_encode_event(f->enc, &ev, f->buf, sizeof(f->buf), &f->len,
                                              f->err, sizeof(f->err)), SL_OK);
        /* Confluent header: magic 0, id 1 (ClickstreamEvent in avro/registry.json), big-endian. */
        assert_int_equal(f->buf[0], 0);
        assert_int_equal(f->buf[1] | f->buf[2] | f->buf[3], 0);
        assert_int_equal(f->buf[4], 1);
        assert_int_equal(sl_avro_decode_event(f->dec, f->buf, f->len, &back, &f->arena,
                                              f->err, sizeof(f->err)), SL_OK);
        assert_event_equal(&back, &ev);
        assert_int_equal(back.page_hash, sl_str_hash(ev.page));
    }
}

/* Field `name` of a generic record as an sl_str (NULL for a null union branch). */
static sl_str generic_str(avro_value_t *rec, const char *name) {
    avro_value_t f, branch;
    assert_int_equal(avro_value_get_by_name(rec, name, &f, NULL), 0);
    if (avro_value_get_type(&f) == AVRO_UNION) {
        avro_value_get_current_branch(&f, &branch);
        if (avro_value_get_type(&branch) == AVRO_NULL) return SL_STR_NULL;
        f = branch;
    }
    const char *p;
    size_t size;
    assert_int_equal(avro_value_get_string(&f, &p, &size), 0);
    return (sl_str){p, (uint32_t)(size - 1)};
}

static int64_t generic_long(avro_value_t *rec, const char *name) {
    avro_value_t f;
    int64_t v;
    assert_int_equal(avro_value_get_by_name(rec, name, &f, NULL), 0);
    assert_int_equal(avro_value_get_long(&f, &v), 0);
    return v;
}

/* sl_avro_decode_event reads bodies of the job's own schema directly, not
 * through avro-c: for events of every kind (nulls, empty and multi-byte
 * strings, extreme longs, each event type) it must give what avro-c's
 * generic reading of the same bytes gives. */
static void test_direct_path_agrees_with_avro_c(void **state) {
    fixture *f = *state;
    sl_avro_decoder *generic;
    assert_int_equal(sl_avro_decoder_new(f->reg, NULL, &generic, f->err, sizeof(f->err)), SL_OK);
    static const char *texts[] = {"", "x", "/products/p-000042", "caf\xc3\xa9 \xe2\x82\xac", "a\0b",
                                  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120"};
    static const size_t text_lens[] = {0, 1, 18, 9, 3, 81};
    static const int64_t longs[] = {0, 1, -1, 63, 64, -65, INT32_MAX, (int64_t)INT32_MAX + 1, INT64_MAX, INT64_MIN};
    for (int i = 0; i < 600; i++) {
        sl_str t[8];
        for (int k = 0; k < 8; k++) t[k] = (sl_str){texts[(i + 3 * k) % 6], (uint32_t)text_lens[(i + 3 * k) % 6]};
        sl_event ev = {
            .timestamp_ms = longs[i % 10], .session_duration_ms = longs[(i / 10) % 10],
            .event_id = t[0], .user_id = t[1], .session_id = t[2], .page = t[3], .ip = t[4], .user_agent = t[5],
            .product_id = i % 2 ? SL_STR_NULL : t[6], .referrer = i % 3 ? t[7] : SL_STR_NULL,
            .event_type = (sl_event_type)(i % SL_EVENT_TYPE_COUNT),
        }, direct;
        assert_int_equal(sl_avro_encode_event(f->enc, &ev, f->buf, sizeof(f->buf), &f->len, f->err, sizeof(f->err)),
                         SL_OK);
        assert_int_equal(sl_avro_decode_event(f->dec, f->buf, f->len, &direct, &f->arena, f->err, sizeof(f->err)),
                         SL_OK);
        assert_event_equal(&direct, &ev);
        avro_value_t *rec;
        assert_int_equal(sl_avro_decoder_read(generic, f->buf, f->len, &rec, f->err, sizeof(f->err)), SL_OK);
        static const char *strings[] = {"event_id", "user_id", "session_id", "page", "product_id", "ip", "user_agent",
                                        "referrer"};
        const sl_str *got[] = {&direct.event_id, &direct.user_id, &direct.session_id, &direct.page,
                               &direct.product_id, &direct.ip, &direct.user_agent, &direct.referrer};
        for (int k = 0; k < 8; k++) assert_str(*got[k], generic_str(rec, strings[k]));
        assert_int_equal(direct.timestamp_ms, generic_long(rec, "timestamp"));
        assert_int_equal(direct.session_duration_ms, generic_long(rec, "session_duration"));
        avro_value_t type;
        int sym;
        avro_value_get_by_name(rec, "event_type", &type, NULL);
        avro_value_get_enum(&type, &sym);
        assert_string_equal(sl_event_type_name(direct.event_type), avro_schema_enum_get(avro_value_get_schema(&type), sym));
        assert_int_equal(direct.page_hash, sl_str_hash(ev.page));
    }
    sl_avro_decoder_free(generic);
}

static void test_buffer_too_small(void **state) {
    fixture *f = *state;
    sl_event ev = sample_event(false);
    size_t need = 0;
    assert_int_equal(sl_avro_encode_event(f->enc, &ev, f->buf, 10, &need, f->err, sizeof(f->err)),
                     SL_ERR_INVALID_ARG);
    assert_true(need > 10);
    assert_int_equal(sl_avro_encode_event(f->enc, &ev, f->buf, need, &f->len, f->err, sizeof(f->err)), SL_OK);
    assert_int_equal(f->len, need);
}

/* Decode a result record generically and return it as JSON text (caller frees). */
static char *decode_json(fixture *f, const char *record) {
    sl_avro_decoder *dec;
    avro_value_t *v;
    assert_int_equal(sl_avro_decoder_new(f->reg, record, &dec, f->err, sizeof(f->err)), SL_OK);
    sl_err err = sl_avro_decoder_read(dec, f->buf, f->len, &v, f->err, sizeof(f->err));
    if (err) fail_msg("decode %s: %s", record, f->err);
    char *json = sl_avro_value_to_json_text(v);
    sl_avro_decoder_free(dec);
    return json;
}

static sl_avro_encoder *encoder_for(fixture *f, const char *record) {
    sl_avro_encoder *enc;
    assert_int_equal(sl_avro_encoder_new(f->reg, record, &enc, f->err, sizeof(f->err)), SL_OK);
    return enc;
}

/* The record in f->buf, decoded with reader schema `record`, prints as want. */
static void assert_decodes_to(fixture *f, const char *record, const char *want) {
    char *json = decode_json(f, record);
    assert_string_equal(json, want);
    free(json);
}

static void test_page_stats_round_trip(void **state) {
    fixture *f = *state;
    sl_avro_encoder *enc = encoder_for(f, "PageAnalytics");
    sl_page_stats s = {.window_start = 1767225600000, .window_end = 1767225900000,
                       .page = sl_str_c("/cart"), .view_count = 120, .click_count = 30,
                       .cart_count = 9, .conversion_count = 2, .unique_users = 77,
                       .engagement_rate = 0.25, .bounce_rate = 0.1, .avg_session_duration = 61234.5};
    assert_int_equal(sl_avro_encode_page_stats(enc, &s, f->buf, sizeof(f->buf), &f->len,
                                               f->err, sizeof(f->err)), SL_OK);
    assert_int_equal(f->buf[4], 2);
    assert_decodes_to(f, "PageAnalytics",
        "{\"window_start\":1767225600000,\"window_end\":1767225900000,\"page\":\"/cart\","
        "\"view_count\":120,\"unique_users\":77,\"click_count\":30,\"cart_count\":9,"
        "\"conversion_count\":2,\"engagement_rate\":0.25,\"bounce_rate\":0.10000000000000001,"
        "\"avg_session_duration\":61234.5}");
    sl_avro_encoder_free(enc);
}

/* PageAnalytics bodies are written without avro-c: byte for byte what avro-c
 * writes from the same values (zig-zag lengths of every size, negative and
 * extreme longs, doubles with their bits), and a short buffer learns the size. */
static void test_page_stats_direct_body_is_avro_c_s(void **state) {
    fixture *f = *state;
    sl_avro_encoder *direct = encoder_for(f, "PageAnalytics"), *generic = encoder_for(f, "PageAnalytics");
    const int64_t longs[] = {0, 1, -1, 63, 64, -64, -65, 8191, 8192, 1767225600000, INT64_MAX, INT64_MIN};
    const double doubles[] = {0.0, -0.0, 1.0, 0.1, 61234.5, 1e300, -2.5e-310};
    char page[300];
    memset(page, 'p', sizeof(page));
    size_t nl = sizeof(longs) / sizeof(*longs), nd = sizeof(doubles) / sizeof(*doubles);
    for (size_t k = 0; k < 3 * nl * nd; k++) {
        sl_page_stats s = {.window_start = longs[k % nl], .window_end = longs[(k + 1) % nl],
                           .page = {page, (uint32_t)(k * 7 % sizeof(page))}, .view_count = (uint64_t)longs[(k + 2) % nl],
                           .unique_users = (uint64_t)longs[(k / nl) % nl], .click_count = (uint64_t)longs[(k + 4) % nl],
                           .cart_count = (uint64_t)longs[(k + 5) % nl], .conversion_count = (uint64_t)longs[(k + 6) % nl],
                           .engagement_rate = doubles[k % nd], .bounce_rate = doubles[(k / nd) % nd],
                           .avg_session_duration = doubles[(k + 3) % nd]};
        assert_int_equal(sl_avro_encode_page_stats(direct, &s, f->buf, sizeof(f->buf), &f->len, f->err,
                                                   sizeof(f->err)), SL_OK);
        uint8_t want[1024];
        size_t want_len;
        sl_avro_page_stats_fill(generic, &s);
        assert_int_equal(sl_avro_encoder_write(generic, want, sizeof(want), &want_len, f->err, sizeof(f->err)), SL_OK);
        assert_int_equal(f->len, want_len);
        assert_memory_equal(f->buf, want, want_len);
        size_t need = 0;
        assert_int_equal(sl_avro_encode_page_stats(direct, &s, f->buf, want_len - 1, &need, f->err, sizeof(f->err)),
                         SL_ERR_INVALID_ARG);
        assert_int_equal(need, want_len);
    }
    sl_avro_encoder_free(direct);
    sl_avro_encoder_free(generic);
}

static void test_top_pages_round_trip(void **state) {
    fixture *f = *state;
    sl_avro_encoder *enc = encoder_for(f, "TopPages");
    sl_top_entry e[3] = {{sl_str_c("/a"), 9, 1, true}, {sl_str_c("/b"), 5, 2, false},
                         {sl_str_c("/c"), 1, 3, false}};
    sl_top_pages t = {1000, 2000, 3, e};
    assert_int_equal(sl_avro_encode_top_pages(enc, &t, f->buf, sizeof(f->buf), &f->len,
                                              f->err, sizeof(f->err)), SL_OK);
    assert_decodes_to(f, "TopPages",
        "{\"window_start\":1000,\"window_end\":2000,\"pages\":["
        "{\"page\":\"/a\",\"view_count\":9,\"rank\":1,\"trending\":true},"
        "{\"page\":\"/b\",\"view_count\":5,\"rank\":2,\"trending\":false},"
        "{\"page\":\"/c\",\"view_count\":1,\"rank\":3,\"trending\":false}]}");
    /* The encoder's value is reused: the next window must not keep old entries. */
    t = (sl_top_pages){2000, 3000, 1, e + 1};
    assert_int_equal(sl_avro_encode_top_pages(enc, &t, f->buf, sizeof(f->buf), &f->len,
                                              f->err, sizeof(f->err)), SL_OK);
    assert_decodes_to(f, "TopPages", "{\"window_start\":2000,\"window_end\":3000,\"pages\":["
                              "{\"page\":\"/b\",\"view_count\":5,\"rank\":2,\"trending\":false}]}");
    sl_avro_encoder_free(enc);
}

static void test_dead_letter(void **state) {
    fixture *f = *state;
    sl_avro_encoder *enc = encoder_for(f, "DeadLetter");
    sl_dead_letter d = {sl_str_c("{\"x\":\xe9}"), sl_str_c("not valid JSON"), sl_str_c("clicks"),
                        3, 1234, 1767225600000};
    assert_int_equal(sl_avro_encode_dead_letter(enc, &d, sl_str_c("s-1"), f->buf, sizeof(f->buf),
                                                &f->len, f->err, sizeof(f->err)), SL_OK);
    assert_decodes_to(f, "DeadLetter", "{\"payload\":\"{\\\"x\\\":\xc3\xa9}\",\"reason\":\"not valid JSON\","
                              "\"source\":\"clicks\",\"partition\":3,\"offset\":1234,"
                              "\"time\":1767225600000,\"key\":\"s-1\"}");
    sl_avro_encoder_free(enc);
}

static void expect_failure(fixture *f, const uint8_t *data, size_t len, const char *reason_prefix) {
    sl_event ev;
    sl_err err = sl_avro_decode_event(f->dec, data, len, &ev, &f->arena, f->err, sizeof(f->err));
    assert_int_not_equal(err, SL_OK);
    if (strncmp(f->err, reason_prefix, strlen(reason_prefix)) != 0)
        fail_msg("reason '%s' does not start with '%s'", f->err, reason_prefix);
}

static void test_wrong_magic(void **state) {
    fixture *f = *state;
    const char *json = "{\"event_id\":\"e\"}";
    expect_failure(f, (const uint8_t *)json, strlen(json),
                   "wrong magic byte 0x7b (expected 0x00: not Confluent Avro; is this JSON?)");
}

static void test_unknown_id(void **state) {
    fixture *f = *state;
    sl_event ev = sample_event(false);
    assert_int_equal(sl_avro_encode_event(f->enc, &ev, f->buf, sizeof(f->buf), &f->len, f->err, sizeof(f->err)), SL_OK);
    sl_avro_wire_header_write(f->buf, 42);
    expect_failure(f, f->buf, f->len, "unknown schema id 42 (not in the registry");
}

static void test_truncated(void **state) {
    fixture *f = *state;
    sl_event ev = sample_event(false);
    assert_int_equal(sl_avro_encode_event(f->enc, &ev, f->buf, sizeof(f->buf), &f->len, f->err, sizeof(f->err)), SL_OK);
    expect_failure(f, f->buf, 3, "truncated Confluent header");
    for (size_t cut = SL_AVRO_WIRE_HEADER; cut < f->len; cut++)
        expect_failure(f, f->buf, cut, "truncated Avro body: field '");
    /* A string length far beyond the record: checked before avro-c mallocs it. */
    uint8_t huge[] = {0, 0, 0, 0, 1, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
    expect_failure(f, huge, sizeof(huge), "truncated Avro body: field 'event_id' needs");
}

static void test_corrupt(void **state) {
    fixture *f = *state;
    sl_event ev = sample_event(true);
    assert_int_equal(sl_avro_encode_event(f->enc, &ev, f->buf, sizeof(f->buf), &f->len, f->err, sizeof(f->err)), SL_OK);
    /* event_type follows three 3-byte strings (length byte + 3): offset 5 + 12. */
    assert_int_equal(f->buf[17], 2 * SL_EVENT_ADD_TO_CART);
    f->buf[17] = 2 * 9;
    expect_failure(f, f->buf, f->len, "corrupt Avro body: field 'event_type' has enum symbol index 9");
    f->buf[17] = 2 * SL_EVENT_ADD_TO_CART;
    f->buf[f->len] = 0;
    expect_failure(f, f->buf, f->len + 1, "corrupt Avro body: 1 byte(s) left over");
}

/* Random bytes must never crash or read out of bounds (run under ASan). */
static void test_random_garbage(void **state) {
    fixture *f = *state;
    sl_event ev = sample_event(false);
    uint8_t valid[512];
    size_t valid_len;
    assert_int_equal(sl_avro_encode_event(f->enc, &ev, valid, sizeof(valid), &valid_len, f->err, sizeof(f->err)), SL_OK);
    srand(12345);
    int accepted = 0;
    for (int i = 0; i < 30000; i++) {
        size_t len = (size_t)rand() % 96;
        bool mutate = i % 3 != 0;
        /* A valid header and a mutated valid body reach deeper code than pure noise. */
        if (mutate) len = valid_len < len + 5 ? valid_len : len + 5;
        uint8_t *buf = malloc(len ? len : 1);   /* exact size: ASan sees any overread */
        if (mutate) {
            memcpy(buf, valid, len);
            for (int m = 0; m < 1 + rand() % 4; m++)
                if (len > 5) buf[5 + (size_t)rand() % (len - 5)] = (uint8_t)rand();
        } else {
            for (size_t k = 0; k < len; k++) buf[k] = (uint8_t)rand();
        }
        sl_event out;
        f->err[0] = '\0';
        if (sl_avro_decode_event(f->dec, buf, len, &out, &f->arena, f->err, sizeof(f->err)) == SL_OK)
            accepted++;
        else
            assert_true(strlen(f->err) > 10);
        free(buf);
        if (i % 1000 == 0) sl_arena_reset(&f->arena);
    }
    /* Some single-byte mutations inside strings still decode; most inputs must not. */
    assert_true(accepted < 30000 / 2);
}

/* ---- evolution ---- */

/* ClickstreamEvent.avsc with `fields` edited: drop or add fields. */
static char *variant_schema(const char *drop1, const char *drop2, const char *extra_field) {
    const char *base = sl_avro_embedded_text("ClickstreamEvent.avsc");
    json_t *j = json_loads(base, 0, NULL);
    json_t *fields = json_object_get(j, "fields");
    for (size_t i = json_array_size(fields); i-- > 0;) {
        const char *name = json_string_value(json_object_get(json_array_get(fields, i), "name"));
        if ((drop1 && !strcmp(name, drop1)) || (drop2 && !strcmp(name, drop2)))
            json_array_remove(fields, i);
    }
    if (extra_field) json_array_append_new(fields, json_loads(extra_field, 0, NULL));
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return text;
}

/* Write a record given as JSON with an arbitrary writer schema and id. */
static void write_with(fixture *f, const char *schema_json, int32_t id, const char *record_json) {
    avro_schema_t schema;
    assert_int_equal(avro_schema_from_json_length(schema_json, strlen(schema_json), &schema), 0);
    avro_value_iface_t *iface = avro_generic_class_from_schema(schema);
    avro_value_t v;
    avro_generic_value_new(iface, &v);
    if (sl_avro_value_from_json_text(&v, record_json, strlen(record_json), f->err, sizeof(f->err)))
        fail_msg("record: %s", f->err);
    avro_writer_t w = avro_writer_memory((const char *)f->buf + 5, sizeof(f->buf) - 5);
    assert_int_equal(avro_value_write(w, &v), 0);
    f->len = 5 + (size_t)avro_writer_tell(w);
    sl_avro_wire_header_write(f->buf, id);
    avro_writer_free(w);
    avro_value_decref(&v);
    avro_value_iface_decref(iface);
    avro_schema_decref(schema);
}

static const char *OLD_RECORD =
    "{\"event_id\":\"e-9\",\"user_id\":\"u-1\",\"session_id\":\"s-1\",\"event_type\":\"CLICK\","
    "\"page\":\"/home\",\"product_id\":null,\"timestamp\":1767225600000,\"ip\":\"10.1.1.1\","
    "\"user_agent\":\"curl\"}";

static void test_evolution_older_writer(void **state) {
    fixture *f = *state;
    /* Version 0 had neither referrer nor session_duration; the reader gives both defaults. */
    char *v0 = variant_schema("referrer", "session_duration", NULL);
    assert_int_equal(sl_avro_registry_add(f->reg, 11, v0, f->err, sizeof(f->err)), SL_OK);
    write_with(f, v0, 11, OLD_RECORD);
    sl_event ev;
    for (int round = 0; round < 2; round++) {   /* the second read uses the cached resolver */
        if (sl_avro_decode_event(f->dec, f->buf, f->len, &ev, &f->arena, f->err, sizeof(f->err)))
            fail_msg("decode: %s", f->err);
        assert_int_equal(ev.event_type, SL_EVENT_CLICK);
        assert_str(ev.page, sl_str_c("/home"));
        assert_str(ev.user_agent, sl_str_c("curl"));
        assert_int_equal(ev.timestamp_ms, 1767225600000);
        assert_null(ev.referrer.ptr);                 /* default null */
        assert_int_equal(ev.session_duration_ms, 0);  /* default 0 */
    }
    /* Records of the current schema (id 1) still decode in full through the same decoder. */
    sl_event cur = sample_event(false), back;
    assert_int_equal(sl_avro_encode_event(f->enc, &cur, f->buf, sizeof(f->buf), &f->len, f->err, sizeof(f->err)), SL_OK);
    assert_int_equal(sl_avro_decode_event(f->dec, f->buf, f->len, &back, &f->arena, f->err, sizeof(f->err)), SL_OK);
    assert_event_equal(&back, &cur);
    free(v0);
}

static void test_evolution_newer_writer(void **state) {
    fixture *f = *state;
    /* A later version adds a field the job's reader does not know: it is skipped. */
    char *v2 = variant_schema(NULL, NULL,
        "{\"name\":\"country\",\"type\":\"string\",\"default\":\"\",\"doc\":\"ISO country.\"}");
    assert_int_equal(sl_avro_registry_add(f->reg, 12, v2, f->err, sizeof(f->err)), SL_OK);
    write_with(f, v2, 12,
        "{\"event_id\":\"e-10\",\"user_id\":\"u-2\",\"session_id\":\"s-2\",\"event_type\":\"PURCHASE\","
        "\"page\":\"/checkout\",\"product_id\":\"p-1\",\"timestamp\":1767225601000,\"ip\":\"10.1.1.2\","
        "\"user_agent\":\"ua\",\"referrer\":\"https://r/\",\"session_duration\":777,\"country\":\"FR\"}");
    sl_event ev;
    if (sl_avro_decode_event(f->dec, f->buf, f->len, &ev, &f->arena, f->err, sizeof(f->err)))
        fail_msg("decode: %s", f->err);
    assert_int_equal(ev.event_type, SL_EVENT_PURCHASE);
    assert_str(ev.product_id, sl_str_c("p-1"));
    assert_str(ev.referrer, sl_str_c("https://r/"));
    assert_str(ev.user_agent, sl_str_c("ua"));
    assert_int_equal(ev.session_duration_ms, 777);
    /* The direct path walks over the field it skips, with the same checks. */
    expect_failure(f, f->buf, f->len - 1, "truncated Avro body: field 'country' needs 1 more byte(s) for a string");
    free(v2);
}

static void test_evolution_missing_field_without_default(void **state) {
    fixture *f = *state;
    char *bad = variant_schema("page", NULL, NULL);
    assert_int_equal(sl_avro_registry_add(f->reg, 13, bad, f->err, sizeof(f->err)), SL_OK);
    write_with(f, bad, 13,
        "{\"event_id\":\"e\",\"user_id\":\"u\",\"session_id\":\"s\",\"event_type\":\"VIEW\","
        "\"product_id\":null,\"timestamp\":1767225600000,\"ip\":\"i\",\"user_agent\":\"a\","
        "\"referrer\":null,\"session_duration\":1}");
    expect_failure(f, f->buf, f->len,
                   "schema id 13 cannot be read as ClickstreamEvent: it lacks field 'page', which has no default");
    free(bad);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_event_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_direct_path_agrees_with_avro_c, setup, teardown),
        cmocka_unit_test_setup_teardown(test_buffer_too_small, setup, teardown),
        cmocka_unit_test_setup_teardown(test_page_stats_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_page_stats_direct_body_is_avro_c_s, setup, teardown),
        cmocka_unit_test_setup_teardown(test_top_pages_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dead_letter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_magic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_garbage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_evolution_older_writer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_evolution_newer_writer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_evolution_missing_field_without_default, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
