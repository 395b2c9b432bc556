/* event_json_scan.c -- a fast scanner for well-formed clickstream event lines (see the header). */
#include "operators/event_json_scan.h"

#include <stdint.h>
#include <string.h>

enum {
    F_EVENT_ID, F_USER_ID, F_SESSION_ID, F_EVENT_TYPE, F_PAGE, F_PRODUCT_ID,
    F_TIMESTAMP, F_IP, F_USER_AGENT, F_REFERRER, F_SESSION_DURATION, F_COUNT
};

/* The schema as the jansson path reads it (operators/event_json.c, decode_fields). */
static const struct {
    const char *name;
    uint32_t len;
    bool required, integer;
} FIELDS[F_COUNT] = {
    [F_EVENT_ID] = {"event_id", 8, true, false},         [F_USER_ID] = {"user_id", 7, true, false},
    [F_SESSION_ID] = {"session_id", 10, true, false},    [F_EVENT_TYPE] = {"event_type", 10, true, false},
    [F_PAGE] = {"page", 4, true, false},                 [F_PRODUCT_ID] = {"product_id", 10, false, false},
    [F_TIMESTAMP] = {"timestamp", 9, true, true},        [F_IP] = {"ip", 2, false, false},
    [F_USER_AGENT] = {"user_agent", 10, false, false},   [F_REFERRER] = {"referrer", 8, false, false},
    [F_SESSION_DURATION] = {"session_duration", 16, false, true},
};

typedef enum { V_ABSENT = 0, V_NULL, V_STRING, V_INTEGER } value_kind;

typedef struct value {
    value_kind kind;
    uint32_t len;
    const char *ptr;
    int64_t number;
} value;

typedef struct scanner {
    const char *p, *end;
} scanner;

static void skip_ws(scanner *s) {
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r')) s->p++;
}

/* Is the next byte c? Consumes it if so. */
static bool take(scanner *s, char c) {
    if (s->p >= s->end || *s->p != c) return false;
    s->p++;
    return true;
}

/* A string after its opening quote: printable ASCII, no escapes. */
static bool scan_string(scanner *s, const char **ptr, uint32_t *len) {
    const char *start = s->p;
    for (; s->p < s->end; s->p++) {
        unsigned char c = (unsigned char)*s->p;
        if (c == '"') {
            *ptr = start;
            *len = (uint32_t)(s->p - start);
            s->p++;
            return true;
        }
        if (c < 0x20 || c == '\\' || c >= 0x80) return false;
    }
    return false;
}

/* -?(0|[1-9][0-9]*) with at most 18 digits (no overflow); a fraction or an
 * exponent is declined by the caller, which expects ',' or '}' next. */
static bool scan_integer(scanner *s, int64_t *out) {
    bool negative = take(s, '-');
    const char *digits = s->p;
    int64_t v = 0;
    while (s->p < s->end && *s->p >= '0' && *s->p <= '9') v = v * 10 + (*s->p++ - '0');
    size_t n = (size_t)(s->p - digits);
    if (n == 0 || n > 18 || (n > 1 && digits[0] == '0')) return false;
    *out = negative ? -v : v;
    return true;
}

static bool scan_value(scanner *s, value *v) {
    if (take(s, '"')) {
        v->kind = V_STRING;
        return scan_string(s, &v->ptr, &v->len);
    }
    if (s->end - s->p >= 4 && !memcmp(s->p, "null", 4)) {
        s->p += 4;
        v->kind = V_NULL;
        return true;
    }
    v->kind = V_INTEGER;
    return scan_integer(s, &v->number);
}

static int field_of(const char *key, uint32_t len) {
    for (int f = 0; f < F_COUNT; f++)
        if (FIELDS[f].len == len && !memcmp(FIELDS[f].name, key, len)) return f;
    return -1;
}

/* One object of known fields, each at most once, then only whitespace. */
static bool scan_object(scanner *s, value values[F_COUNT]) {
    skip_ws(s);
    if (!take(s, '{')) return false;
    do {
        skip_ws(s);
        const char *key;
        uint32_t key_len;
        if (!take(s, '"') || !scan_string(s, &key, &key_len)) return false;
        int f = field_of(key, key_len);
        if (f < 0 || values[f].kind != V_ABSENT) return false;
        skip_ws(s);
        if (!take(s, ':')) return false;
        skip_ws(s);
        if (!scan_value(s, &values[f])) return false;
        skip_ws(s);
    } while (take(s, ','));
    if (!take(s, '}')) return false;
    skip_ws(s);
    return s->p == s->end;
}

/* The field as the jansson path would read it; false where that path fails. */
static bool string_field(const value values[F_COUNT], int f, sl_str *out, sl_arena *arena) {
    const value *v = &values[f];
    if (v->kind == V_ABSENT || v->kind == V_NULL) {
        *out = SL_STR_NULL;
        return !FIELDS[f].required;
    }
    if (v->kind != V_STRING) return false;
    *out = (sl_str){sl_arena_strndup(arena, v->ptr, v->len), v->len};
    return true;
}

static bool integer_field(const value values[F_COUNT], int f, int64_t *out) {
    const value *v = &values[f];
    *out = v->kind == V_INTEGER ? v->number : 0;
    return v->kind == V_INTEGER || (!FIELDS[f].required && (v->kind == V_ABSENT || v->kind == V_NULL));
}

bool sl_event_json_scan(const char *line, size_t len, sl_event *ev, sl_arena *arena) {
    value values[F_COUNT] = {0};
    scanner s = {line, line + len};
    if (!scan_object(&s, values)) return false;
    const value *type = &values[F_EVENT_TYPE];
    memset(ev, 0, sizeof(*ev));
    return type->kind == V_STRING && sl_event_type_parse(type->ptr, type->len, &ev->event_type) &&
           integer_field(values, F_TIMESTAMP, &ev->timestamp_ms) &&
           integer_field(values, F_SESSION_DURATION, &ev->session_duration_ms) &&
           string_field(values, F_EVENT_ID, &ev->event_id, arena) &&
           string_field(values, F_USER_ID, &ev->user_id, arena) &&
           string_field(values, F_SESSION_ID, &ev->session_id, arena) &&
           string_field(values, F_PAGE, &ev->page, arena) &&
           string_field(values, F_PRODUCT_ID, &ev->product_id, arena) &&
           string_field(values, F_IP, &ev->ip, arena) &&
           string_field(values, F_USER_AGENT, &ev->user_agent, arena) &&
           string_field(values, F_REFERRER, &ev->referrer, arena);
}
