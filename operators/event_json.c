/* event_json.c -- clickstream events as JSON lines, and event validation. */
#include "operators/event_json.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "operators/event_json_scan.h"
#include "operators/result_json.h"

#define MIN_TIMESTAMP_MS 946684800000LL   /* 2000-01-01T00:00:00Z */
#define MAX_FUTURE_MS 86400000LL          /* one day */
#define MAX_RECORD_BYTES (1024 * 1024)

/* ---- encoding ---- */

/* Appends to buf while there is room and counts the full length regardless,
 * so a (NULL, 0) call measures. */
typedef struct event_out {
    char *buf;
    size_t cap, len;
} event_out;

static void put_raw(event_out *o, const char *s, size_t n) {
    if (o->len + n < o->cap) memcpy(o->buf + o->len, s, n);
    o->len += n;
}

/* Generated and most real strings need no escaping: copy those in one go
 * and leave the escaping rules to sl_json_quote. */
static bool plain_json_text(sl_str s) {
    for (uint32_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (c < 0x20 || c == '"' || c == '\\') return false;
    }
    return true;
}

static void put_str(event_out *o, sl_str s) {
    if (s.ptr && plain_json_text(s)) {
        put_raw(o, "\"", 1);
        put_raw(o, s.ptr, s.len);
        put_raw(o, "\"", 1);
        return;
    }
    size_t room = o->len < o->cap ? o->cap - o->len : 0;
    o->len += sl_json_quote(s, room ? o->buf + o->len : NULL, room);
}

static void put_int(event_out *o, int64_t v) {
    char tmp[24];
    int n = snprintf(tmp, sizeof(tmp), "%" PRId64, v);
    put_raw(o, tmp, (size_t)n);
}

/* "key": prefix with the comma; string literals so sizeof gives the length. */
#define PUT_KEY(o, lit) put_raw((o), (lit), sizeof(lit) - 1)

size_t sl_event_to_json(const sl_event *ev, char *buf, size_t cap) {
    event_out o = {buf, cap, 0};
    PUT_KEY(&o, "{\"event_id\":");
    put_str(&o, ev->event_id);
    PUT_KEY(&o, ",\"user_id\":");
    put_str(&o, ev->user_id);
    PUT_KEY(&o, ",\"session_id\":");
    put_str(&o, ev->session_id);
    PUT_KEY(&o, ",\"event_type\":");
    put_str(&o, sl_str_c(sl_event_type_name(ev->event_type)));
    PUT_KEY(&o, ",\"page\":");
    put_str(&o, ev->page);
    PUT_KEY(&o, ",\"product_id\":");
    put_str(&o, ev->product_id);
    PUT_KEY(&o, ",\"timestamp\":");
    put_int(&o, ev->timestamp_ms);
    PUT_KEY(&o, ",\"ip\":");
    put_str(&o, ev->ip);
    PUT_KEY(&o, ",\"user_agent\":");
    put_str(&o, ev->user_agent);
    PUT_KEY(&o, ",\"referrer\":");
    put_str(&o, ev->referrer);
    PUT_KEY(&o, ",\"session_duration\":");
    put_int(&o, ev->session_duration_ms);
    PUT_KEY(&o, "}");
    if (o.cap) o.buf[o.len < o.cap ? o.len : o.cap - 1] = '\0';
    return o.len;
}

/* ---- limits and validation ---- */

void sl_event_limits_default(sl_event_limits *lim) {
    lim->min_timestamp_ms = MIN_TIMESTAMP_MS;
    lim->max_future_ms = MAX_FUTURE_MS;
    lim->now_ms = 0;
    lim->max_record_bytes = MAX_RECORD_BYTES;
}

static int64_t wall_clock_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "2000-01-01" for the minimum in messages. */
static void format_utc_date(int64_t ms, char *out, size_t size) {
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    if (gmtime_r(&secs, &tm)) strftime(out, size, "%Y-%m-%d", &tm);
    else snprintf(out, size, "?");
}

static sl_err check_required_str(sl_str s, const char *field, char *reason, size_t reason_size) {
    if (sl_str_is_null(s))
        return sl_errf(SL_ERR_PARSE, reason, reason_size, "missing required field '%s'", field);
    if (s.len == 0)
        return sl_errf(SL_ERR_PARSE, reason, reason_size, "field '%s' is empty, expected a non-empty string", field);
    return SL_OK;
}

sl_err sl_event_validate(const sl_event *ev, const sl_event_limits *lim, char *reason, size_t reason_size) {
    sl_err err;
    if ((err = check_required_str(ev->event_id, "event_id", reason, reason_size)) ||
        (err = check_required_str(ev->user_id, "user_id", reason, reason_size)) ||
        (err = check_required_str(ev->session_id, "session_id", reason, reason_size)) ||
        (err = check_required_str(ev->page, "page", reason, reason_size)))
        return err;
    if ((unsigned)ev->event_type >= SL_EVENT_TYPE_COUNT)
        return sl_errf(SL_ERR_PARSE, reason, reason_size,
                       "event_type %d is not one of VIEW, CLICK, ADD_TO_CART, PURCHASE, SEARCH",
                       (int)ev->event_type);
    if (ev->timestamp_ms < lim->min_timestamp_ms) {
        char date[32];
        format_utc_date(lim->min_timestamp_ms, date, sizeof(date));
        return sl_errf(SL_ERR_PARSE, reason, reason_size, "timestamp %" PRId64 " is before the minimum %" PRId64 " (%s)",
                       ev->timestamp_ms, lim->min_timestamp_ms, date);
    }
    if (ev->timestamp_ms > SL_EVENT_TIME_MAX_MS)   /* only a limit of max_future_ms lets one this far through */
        return sl_errf(SL_ERR_PARSE, reason, reason_size,
                       "timestamp %" PRId64 " is past the year 9999, the last the engine's windows can hold",
                       ev->timestamp_ms);
    int64_t now = lim->now_ms ? lim->now_ms : wall_clock_ms();
    if (ev->timestamp_ms > now && ev->timestamp_ms - now > lim->max_future_ms)
        return sl_errf(SL_ERR_PARSE, reason, reason_size,
                       "timestamp %" PRId64 " is more than %" PRId64 " ms in the future (now is %" PRId64 ")",
                       ev->timestamp_ms, lim->max_future_ms, now);
    if (ev->session_duration_ms < 0)
        return sl_errf(SL_ERR_PARSE, reason, reason_size,
                       "session_duration %" PRId64 " is negative, expected ms since the session's first event",
                       ev->session_duration_ms);
    return SL_OK;
}

/* ---- decoding ---- */

static const char *json_kind(const json_t *v) {
    switch (json_typeof(v)) {
    case JSON_OBJECT:  return "an object";
    case JSON_ARRAY:   return "an array";
    case JSON_STRING:  return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL:    return "a real number";
    case JSON_TRUE:
    case JSON_FALSE:   return "a boolean";
    case JSON_NULL:    return "null";
    }
    return "an unknown value";
}

/* The value of `field`, or NULL when it is absent or null and optional. */
static sl_err field_value(const json_t *obj, const char *field, bool required, const json_t **out,
                          char *reason, size_t reason_size) {
    const json_t *v = json_object_get(obj, field);
    if (!v && required)
        return sl_errf(SL_ERR_PARSE, reason, reason_size, "missing required field '%s'", field);
    *out = v && !(json_is_null(v) && !required) ? v : NULL;
    return SL_OK;
}

/* A string field copied into the arena; SL_STR_NULL when absent/null and optional. */
static sl_err get_str(const json_t *obj, const char *field, bool required, sl_str *out, sl_arena *arena,
                      char *reason, size_t reason_size) {
    const json_t *v = NULL;
    *out = SL_STR_NULL;
    sl_err err = field_value(obj, field, required, &v, reason, reason_size);
    if (err || !v) return err;
    if (!json_is_string(v))
        return sl_errf(SL_ERR_PARSE, reason, reason_size, "field '%s' is %s, expected a string", field,
                       json_kind(v));
    size_t len = json_string_length(v);
    *out = (sl_str){sl_arena_strndup(arena, json_string_value(v), len), (uint32_t)len};
    return SL_OK;
}

/* An integer field; 0 when absent/null and optional. */
static sl_err get_int(const json_t *obj, const char *field, bool required, const char *meaning, int64_t *out,
                      char *reason, size_t reason_size) {
    const json_t *v = NULL;
    *out = 0;
    sl_err err = field_value(obj, field, required, &v, reason, reason_size);
    if (err || !v) return err;
    if (!json_is_integer(v))
        return sl_errf(SL_ERR_PARSE, reason, reason_size, "field '%s' is %s, expected an integer (%s)", field,
                       json_kind(v), meaning);
    *out = (int64_t)json_integer_value(v);
    return SL_OK;
}

static sl_err decode_fields(const json_t *obj, sl_event *ev, sl_arena *arena, char *reason, size_t reason_size) {
    sl_str type;
    sl_err err;
    if ((err = get_str(obj, "event_id", true, &ev->event_id, arena, reason, reason_size)) ||
        (err = get_str(obj, "user_id", true, &ev->user_id, arena, reason, reason_size)) ||
        (err = get_str(obj, "session_id", true, &ev->session_id, arena, reason, reason_size)) ||
        (err = get_str(obj, "event_type", true, &type, arena, reason, reason_size)) ||
        (err = get_str(obj, "page", true, &ev->page, arena, reason, reason_size)) ||
        (err = get_int(obj, "timestamp", true, "ms since epoch", &ev->timestamp_ms, reason, reason_size)) ||
        (err = get_str(obj, "product_id", false, &ev->product_id, arena, reason, reason_size)) ||
        (err = get_str(obj, "ip", false, &ev->ip, arena, reason, reason_size)) ||
        (err = get_str(obj, "user_agent", false, &ev->user_agent, arena, reason, reason_size)) ||
        (err = get_str(obj, "referrer", false, &ev->referrer, arena, reason, reason_size)) ||
        (err = get_int(obj, "session_duration", false, "ms since the session's first event",
                       &ev->session_duration_ms, reason, reason_size)))
        return err;
    if (!sl_event_type_parse(type.ptr, type.len, &ev->event_type))
        return sl_errf(SL_ERR_PARSE, reason, reason_size,
                       "event_type '%.*s' is not one of VIEW, CLICK, ADD_TO_CART, PURCHASE, SEARCH",
                       type.len > 64 ? 64 : (int)type.len, type.ptr);
    return SL_OK;
}

/* What every path checks first: the size limit (lim NULL: the defaults). */
static sl_err check_size(size_t len, const sl_event_limits **lim, sl_event_limits *defaults, char *reason,
                         size_t reason_size) {
    if (!*lim) {
        sl_event_limits_default(defaults);
        *lim = defaults;
    }
    if (len > (*lim)->max_record_bytes)
        return sl_errf(SL_ERR_PARSE, reason, reason_size, "record of %zu bytes exceeds the limit of %zu bytes",
                       len, (*lim)->max_record_bytes);
    return SL_OK;
}

static sl_err validated(sl_event *ev, const sl_event_limits *lim, char *reason, size_t reason_size) {
    sl_err err = sl_event_validate(ev, lim, reason, reason_size);
    if (!err) sl_event_derive(ev);
    return err;
}

sl_err sl_event_from_json(const char *line, size_t len, const sl_event_limits *lim,
                          sl_event *ev, sl_arena *arena, char *reason, size_t reason_size) {
    sl_event_limits defaults;
    sl_err err = check_size(len, &lim, &defaults, reason, reason_size);
    if (err) return err;
    /* The scanner takes well-formed lines; everything else, every rejection
     * included, goes through jansson (operators/event_json_scan.h). */
    if (sl_event_json_scan(line, len, ev, arena)) return validated(ev, lim, reason, reason_size);
    return sl_event_from_json_tree(line, len, lim, ev, arena, reason, reason_size);
}

sl_err sl_event_from_json_tree(const char *line, size_t len, const sl_event_limits *lim,
                               sl_event *ev, sl_arena *arena, char *reason, size_t reason_size) {
    sl_event_limits defaults;
    sl_err err = check_size(len, &lim, &defaults, reason, reason_size);
    if (err) return err;
    json_error_t jerr;
    json_t *root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return sl_errf(SL_ERR_PARSE, reason, reason_size, "not valid JSON: %s at column %d", jerr.text,
                       jerr.column);
    memset(ev, 0, sizeof(*ev));
    err = json_is_object(root)
              ? decode_fields(root, ev, arena, reason, reason_size)
              : sl_errf(SL_ERR_PARSE, reason, reason_size, "the record is %s, expected a JSON object",
                        json_kind(root));
    json_decref(root);
    return err ? err : validated(ev, lim, reason, reason_size);
}
