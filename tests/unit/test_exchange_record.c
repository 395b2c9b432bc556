/* test_exchange_record.c -- scale-out exchange records round-trip, and damaged ones are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "operators/exchange_record.h"

static sl_event sample_event(void) {
    sl_event ev = {.timestamp_ms = 1767225600123, .session_duration_ms = 4200, .event_id = sl_str_c("e-1"),
                   .user_id = sl_str_c("user-7"), .session_id = sl_str_c("s-7-1"), .page = sl_str_c("/cart"),
                   .product_id = SL_STR_NULL, .ip = sl_str_c("10.0.0.1"), .user_agent = sl_str_c("curl"),
                   .referrer = sl_str_c(""), .event_type = SL_EVENT_ADD_TO_CART};
    return ev;
}

static void event_round_trips_with_nulls_and_empty_strings(void **state) {
    sl_buf buf = {0};
    sl_event in = sample_event();
    sl_exchange_encode_event(&buf, 5, 123456789012LL, &in);
    sl_exchange_record rec;
    char reason[256];
    assert_int_equal(sl_exchange_decode(buf.data, buf.len, &rec, reason, sizeof(reason)), SL_OK);
    assert_int_equal(rec.kind, SL_EXCHANGE_EVENT);
    assert_int_equal(rec.partition, 5);
    assert_int_equal(rec.offset, 123456789012LL);
    assert_int_equal(rec.event.timestamp_ms, in.timestamp_ms);
    assert_int_equal(rec.event.session_duration_ms, 4200);
    assert_int_equal(rec.event.event_type, SL_EVENT_ADD_TO_CART);
    assert_true(sl_str_eq(rec.event.page, in.page));
    assert_true(sl_str_eq(rec.event.session_id, in.session_id));
    assert_true(sl_str_is_null(rec.event.product_id));
    assert_false(sl_str_is_null(rec.event.referrer));   /* empty is not null */
    assert_int_equal(rec.event.referrer.len, 0);
    sl_buf_free(&buf);
}

static void dead_letter_end_and_idle_round_trip(void **state) {
    sl_buf buf = {0};
    sl_exchange_record rec;
    char reason[256];
    sl_dead_letter d = {.payload = {"\x00\x01garbage", 9}, .reason = sl_str_c("not JSON"),
                        .source = sl_str_c("clickstream-events"), .partition = 2, .offset = 77, .time_ms = 99};
    sl_exchange_encode_dead_letter(&buf, 2, 77, &d);
    assert_int_equal(sl_exchange_decode(buf.data, buf.len, &rec, reason, sizeof(reason)), SL_OK);
    assert_int_equal(rec.kind, SL_EXCHANGE_DEAD_LETTER);
    assert_int_equal(rec.dead.payload.len, 9);
    assert_memory_equal(rec.dead.payload.ptr, d.payload.ptr, 9);
    assert_int_equal(rec.dead.offset, 77);
    assert_int_equal(rec.dead.time_ms, 99);

    sl_exchange_encode_end(&buf, 3, 1000, 6);
    assert_int_equal(sl_exchange_decode(buf.data, buf.len, &rec, reason, sizeof(reason)), SL_OK);
    assert_int_equal(rec.kind, SL_EXCHANGE_END);
    assert_int_equal(rec.offset, 1000);
    assert_int_equal(rec.partition_count, 6);

    sl_exchange_encode_idle(&buf, 4, 55);
    assert_int_equal(sl_exchange_decode(buf.data, buf.len, &rec, reason, sizeof(reason)), SL_OK);
    assert_int_equal(rec.kind, SL_EXCHANGE_IDLE);
    assert_int_equal(rec.partition, 4);
    sl_buf_free(&buf);
}

/* Every prefix of a valid record is refused, as is anything with bytes
 * after it: the exchange topic is read as untrusted input. */
static void truncated_or_padded_records_are_refused(void **state) {
    sl_buf buf = {0};
    sl_event in = sample_event();
    sl_exchange_encode_event(&buf, 1, 10, &in);
    sl_exchange_record rec;
    char reason[256];
    for (size_t len = 0; len < buf.len; len++)
        assert_int_equal(sl_exchange_decode(buf.data, len, &rec, reason, sizeof(reason)), SL_ERR_PARSE);
    sl_buf_append(&buf, "x", 1);
    assert_int_equal(sl_exchange_decode(buf.data, buf.len, &rec, reason, sizeof(reason)), SL_ERR_PARSE);
    assert_non_null(strstr(reason, "left over"));
    sl_buf_free(&buf);
}

static void foreign_or_damaged_records_name_the_problem(void **state) {
    sl_exchange_record rec;
    char reason[256];
    assert_int_equal(sl_exchange_decode("{\"event_id\":1}", 14, &rec, reason, sizeof(reason)), SL_ERR_PARSE);
    assert_non_null(strstr(reason, "not sluice's exchange format"));

    sl_buf buf = {0};
    sl_event in = sample_event();
    sl_exchange_encode_event(&buf, 1, 10, &in);
    buf.data[2] = 9;   /* kind */
    assert_int_equal(sl_exchange_decode(buf.data, buf.len, &rec, reason, sizeof(reason)), SL_ERR_PARSE);
    assert_non_null(strstr(reason, "unknown kind"));

    sl_exchange_encode_event(&buf, 1, 10, &in);
    buf.data[31] = (uint8_t)SL_EVENT_TYPE_COUNT;   /* event_type: after 15 header + 16 time bytes */
    assert_int_equal(sl_exchange_decode(buf.data, buf.len, &rec, reason, sizeof(reason)), SL_ERR_PARSE);
    assert_non_null(strstr(reason, "event_type"));

    in.page = SL_STR_NULL;   /* a required field */
    sl_exchange_encode_event(&buf, 1, 10, &in);
    assert_int_equal(sl_exchange_decode(buf.data, buf.len, &rec, reason, sizeof(reason)), SL_ERR_PARSE);

    /* Fields the forwarding process validated: out of bounds, the record was
     * damaged, and an event with them would overflow window arithmetic. */
    const struct {
        int64_t timestamp_ms, session_duration_ms;
        const char *user_id, *expect;
    } invalid[] = {
        {INT64_MAX, 0, "u", "past the year 9999"},
        {INT64_MIN, 0, "u", "before the minimum -62135596800000"},
        {1767225600123, -5, "u", "session_duration -5 is negative"},
        {1767225600123, 0, "", "field 'user_id' is empty"},
    };
    for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
        in = sample_event();
        in.timestamp_ms = invalid[i].timestamp_ms;
        in.session_duration_ms = invalid[i].session_duration_ms;
        in.user_id = sl_str_c(invalid[i].user_id);
        sl_exchange_encode_event(&buf, 1, 10, &in);
        assert_int_equal(sl_exchange_decode(buf.data, buf.len, &rec, reason, sizeof(reason)), SL_ERR_PARSE);
        if (!strstr(reason, invalid[i].expect) || strncmp(reason, "exchange record: ", 17))
            fail_msg("case %zu: '%s'", i, reason);
    }

    in = sample_event();
    sl_exchange_encode_event(&buf, -1, 10, &in);
    assert_int_equal(sl_exchange_decode(buf.data, buf.len, &rec, reason, sizeof(reason)), SL_ERR_PARSE);
    assert_non_null(strstr(reason, "negative"));
    sl_buf_free(&buf);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(event_round_trips_with_nulls_and_empty_strings),
        cmocka_unit_test(dead_letter_end_and_idle_round_trip),
        cmocka_unit_test(truncated_or_padded_records_are_refused),
        cmocka_unit_test(foreign_or_damaged_records_name_the_problem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
