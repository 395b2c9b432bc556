/* result_json.c -- JSON lines for page analytics, Top-N, late events and dead letters. */
#include "operators/result_json.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "operators/event_decoder.h"
#include "operators/event_json.h"
#include "operators/number_text.h"

/* A bounded writer: keeps counting past the end so callers learn the size. */
typedef struct json_out {
    char *buf;
    size_t cap, len;
} json_out;

static void out_raw(json_out *o, const char *s, size_t n) {
    if (o->len + n < o->cap) {   /* room for the bytes and the NUL: the usual case */
        memcpy(o->buf + o->len, s, n);
        o->len += n;
        o->buf[o->len] = '\0';
        return;
    }
    for (size_t i = 0; i < n; i++, o->len++)
        if (o->len + 1 < o->cap) o->buf[o->len] = s[i];
    if (o->cap) o->buf[o->len < o->cap ? o->len : o->cap - 1] = '\0';
}

/* A string literal, its length counted by the compiler. */
#define OUT_LITERAL(o, literal) out_raw(o, literal, sizeof(literal) - 1)

/* Integers in decimal without printf (number_text.h). */
static void out_u64(json_out *o, uint64_t v) {
    char digits[SL_U64_TEXT_MAX];
    const char *p = sl_u64_text(v, digits);
    out_raw(o, p, (size_t)(digits + sizeof(digits) - p));
}

static void out_i64(json_out *o, int64_t v) {
    if (v < 0) OUT_LITERAL(o, "-");
    out_u64(o, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
}

static void out_fmt(json_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_fmt(json_out *o, const char *fmt, ...) {
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    out_raw(o, tmp, (size_t)n);
}

/* Length of the well-formed UTF-8 sequence at p (at most n bytes), 0 if none:
 * no overlongs, no surrogates, nothing above U+10FFFF. */
static uint32_t utf8_sequence(const unsigned char *p, uint32_t n) {
    uint32_t len = p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC2 ? 2 : 0;
    if (len == 0 || len > n || p[0] > 0xF4) return 0;
    for (uint32_t k = 1; k < len; k++)
        if ((p[k] & 0xC0) != 0x80) return 0;
    if (len == 3 && ((p[0] == 0xE0 && p[1] < 0xA0) || (p[0] == 0xED && p[1] >= 0xA0))) return 0;
    if (len == 4 && ((p[0] == 0xF0 && p[1] < 0x90) || (p[0] == 0xF4 && p[1] >= 0x90))) return 0;
    return len;
}

/* A JSON string literal. Bytes that are not well-formed UTF-8 (a reason
 * sentence quoting a cut-off fragment of bad input, say) become U+FFFD, so
 * the line is always valid JSON. */
static void out_str(json_out *o, sl_str s) {
    if (!s.ptr) {
        OUT_LITERAL(o, "null");
        return;
    }
    const unsigned char *p = (const unsigned char *)s.ptr;
    OUT_LITERAL(o, "\"");
    for (uint32_t i = 0; i < s.len;) {
        unsigned char c = p[i];
        uint32_t run = i;   /* printable ASCII that needs no escape goes out in one piece */
        while (run < s.len && p[run] >= 0x20 && p[run] < 0x80 && p[run] != '"' && p[run] != '\\') run++;
        if (run > i) {
            out_raw(o, (const char *)p + i, run - i);
            i = run;
        } else if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            out_raw(o, esc, 2);
            i++;
        } else if (c < 0x20) {
            out_fmt(o, "\\u%04x", c);
            i++;
        } else {
            uint32_t len = utf8_sequence(p + i, s.len - i);
            if (len) out_raw(o, (const char *)p + i, len);
            else OUT_LITERAL(o, "\\ufffd");
            i += len ? len : 1;
        }
    }
    OUT_LITERAL(o, "\"");
}

size_t sl_json_quote(sl_str s, char *buf, size_t cap) {
    json_out o = {buf, cap, 0};
    out_str(&o, s);
    return o.len;
}

/* %.17g round-trips every double; integers print without a fraction. */
static void out_double(json_out *o, double v) {
    char text[SL_DOUBLE_TEXT_MAX];
    out_raw(o, text, sl_double_text(v, text));
}

/* An unsigned field after its literal ,"name": */
#define OUT_FIELD_U64(o, literal, v) (OUT_LITERAL(o, literal), out_u64(o, v))

static void out_window(json_out *o, const char *type, int64_t start, int64_t end) {
    OUT_LITERAL(o, "{\"type\":\"");
    out_raw(o, type, strlen(type));
    OUT_LITERAL(o, "\",\"window_start\":");
    out_i64(o, start);
    OUT_LITERAL(o, ",\"window_end\":");
    out_i64(o, end);
}

size_t sl_page_stats_to_json(const sl_page_stats *s, char *buf, size_t cap) {
    json_out o = {buf, cap, 0};
    out_window(&o, "page_analytics", s->window_start, s->window_end);
    OUT_LITERAL(&o, ",\"page\":");
    out_str(&o, s->page);
    OUT_FIELD_U64(&o, ",\"view_count\":", s->view_count);
    OUT_FIELD_U64(&o, ",\"unique_users\":", s->unique_users);
    OUT_FIELD_U64(&o, ",\"click_count\":", s->click_count);
    OUT_FIELD_U64(&o, ",\"cart_count\":", s->cart_count);
    OUT_FIELD_U64(&o, ",\"conversion_count\":", s->conversion_count);
    OUT_LITERAL(&o, ",\"engagement_rate\":");
    out_double(&o, s->engagement_rate);
    OUT_LITERAL(&o, ",\"bounce_rate\":");
    out_double(&o, s->bounce_rate);
    OUT_LITERAL(&o, ",\"avg_session_duration\":");
    out_double(&o, s->avg_session_duration);
    OUT_LITERAL(&o, "}");
    return o.len;
}

size_t sl_top_pages_to_json(const sl_top_pages *t, char *buf, size_t cap) {
    json_out o = {buf, cap, 0};
    out_window(&o, "top_pages", t->window_start, t->window_end);
    OUT_LITERAL(&o, ",\"pages\":[");
    for (uint32_t i = 0; i < t->count; i++) {
        const sl_top_entry *e = &t->entries[i];
        if (i) OUT_LITERAL(&o, ",");
        OUT_LITERAL(&o, "{\"page\":");
        out_str(&o, e->page);
        OUT_FIELD_U64(&o, ",\"view_count\":", e->view_count);
        OUT_FIELD_U64(&o, ",\"rank\":", e->rank);
        if (e->trending) OUT_LITERAL(&o, ",\"trending\":true}");
        else OUT_LITERAL(&o, ",\"trending\":false}");
    }
    OUT_LITERAL(&o, "]}");
    return o.len;
}

size_t sl_late_event_to_json(const sl_late_event *l, char *buf, size_t cap) {
    json_out o = {buf, cap, 0};
    out_fmt(&o, "{\"type\":\"late_event\",\"watermark\":%" PRId64 ",\"event\":", l->watermark);
    size_t room = o.len < cap ? cap - o.len : 0;
    size_t n = sl_event_to_json(&l->event, room ? buf + o.len : NULL, room);
    o.len += n;
    OUT_LITERAL(&o, "}");
    return o.len;
}

/* Whether s is UTF-8 text a JSON string can carry and a JSON reader gives
 * back byte for byte (no NUL: most readers refuse \u0000). */
static bool is_json_text(sl_str s) {
    const unsigned char *p = (const unsigned char *)s.ptr, *end = p + s.len;
    while (p < end) {
        unsigned c = *p++;
        int more = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : -1;
        if (c == 0 || more < 0 || (c & 0xfe) == 0xc0 || end - p < more) return false;
        unsigned cp = c & (0x7f >> more);
        for (int i = 0; i < more; i++, p++) {
            if ((*p & 0xc0) != 0x80) return false;
            cp = cp << 6 | (*p & 0x3f);
        }
        if ((more == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (more == 3 && (cp < 0x10000 || cp > 0x10ffff)))
            return false;
    }
    return true;
}

static void out_hex(json_out *o, sl_str s) {
    static const char digits[] = "0123456789abcdef";
    OUT_LITERAL(o, "\"");
    for (uint32_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        char pair[2] = {digits[c >> 4], digits[c & 15]};
        out_raw(o, pair, 2);
    }
    OUT_LITERAL(o, "\"");
}

size_t sl_dead_letter_to_json(const sl_dead_letter *d, char *buf, size_t cap) {
    json_out o = {buf, cap, 0};
    OUT_LITERAL(&o, "{\"type\":\"dead_letter\",\"kind\":\"");
    const char *kind = sl_dead_reason_label(sl_dead_reason_classify(d->reason));
    out_raw(&o, kind, strlen(kind));
    OUT_LITERAL(&o, "\",\"reason\":");
    out_str(&o, d->reason);
    OUT_LITERAL(&o, ",\"source\":");
    out_str(&o, d->source);
    out_fmt(&o, ",\"partition\":%d,\"offset\":%" PRId64 ",\"time\":%" PRId64, d->partition, d->offset, d->time_ms);
    /* Binary payloads (Avro, bytes that are not UTF-8) as hex, the framing
     * `sluice avro decode` reads; text as a JSON string. */
    if (is_json_text(d->payload)) {
        OUT_LITERAL(&o, ",\"payload\":");
        out_str(&o, d->payload);
    } else {
        OUT_LITERAL(&o, ",\"payload_hex\":");
        out_hex(&o, d->payload);
    }
    OUT_LITERAL(&o, "}");
    return o.len;
}

size_t sl_record_to_json(sl_batch_kind kind, const void *record, char *buf, size_t cap) {
    switch (kind) {
    case SL_BATCH_PAGE_STATS: return sl_page_stats_to_json(record, buf, cap);
    case SL_BATCH_TOP_PAGES: return sl_top_pages_to_json(record, buf, cap);
    case SL_BATCH_LATE_EVENTS: return sl_late_event_to_json(record, buf, cap);
    case SL_BATCH_DEAD_LETTERS: return sl_dead_letter_to_json(record, buf, cap);
    case SL_BATCH_EVENTS: return sl_event_to_json(record, buf, cap);
    default: return 0;
    }
}

const char *sl_json_line_of(sl_json_line *line, sl_batch_kind kind, const void *record, size_t *len) {
    *len = sl_record_to_json(kind, record, line->text, line->cap);
    if (*len >= line->cap) {
        line->cap = *len + 1 > 4096 ? *len + 1 : 4096;
        line->text = realloc(line->text, line->cap);
        sl_record_to_json(kind, record, line->text, line->cap);
    }
    return line->text;
}

void sl_json_line_free(sl_json_line *line) {
    free(line->text);
    line->text = NULL;
    line->cap = 0;
}
