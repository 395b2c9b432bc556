/* exchange_record.c -- encoding and checked decoding of scale-out exchange records. */
#include "operators/exchange_record.h"

#include "operators/event_json.h"

#include <stdio.h>
#include <string.h>

#define EXCHANGE_MAGIC 0xE5
#define EXCHANGE_VERSION 1
#define NULL_LEN 0xffffffffu

static void put_u8(sl_buf *b, uint8_t v) { sl_buf_append(b, &v, 1); }
static void put_i32(sl_buf *b, int32_t v) {
    uint8_t x[4];
    for (int i = 0; i < 4; i++) x[i] = (uint8_t)((uint32_t)v >> (8 * i));
    sl_buf_append(b, x, 4);
}
static void put_i64(sl_buf *b, int64_t v) {
    uint8_t x[8];
    for (int i = 0; i < 8; i++) x[i] = (uint8_t)((uint64_t)v >> (8 * i));
    sl_buf_append(b, x, 8);
}
static void put_str(sl_buf *b, sl_str s) {
    if (sl_str_is_null(s)) {
        put_i32(b, (int32_t)NULL_LEN);
        return;
    }
    put_i32(b, (int32_t)s.len);
    sl_buf_append(b, s.ptr, s.len);
}

static void put_header(sl_buf *b, sl_exchange_kind kind, int32_t partition, int64_t offset) {
    b->len = 0;
    put_u8(b, EXCHANGE_MAGIC);
    put_u8(b, EXCHANGE_VERSION);
    put_u8(b, (uint8_t)kind);
    put_i32(b, partition);
    put_i64(b, offset);
}

void sl_exchange_encode_event(sl_buf *out, int32_t partition, int64_t offset, const sl_event *ev) {
    put_header(out, SL_EXCHANGE_EVENT, partition, offset);
    put_i64(out, ev->timestamp_ms);
    put_i64(out, ev->session_duration_ms);
    put_u8(out, (uint8_t)ev->event_type);
    const sl_str strings[] = {ev->event_id, ev->user_id, ev->session_id, ev->page,
                              ev->product_id, ev->ip, ev->user_agent, ev->referrer};
    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) put_str(out, strings[i]);
}

void sl_exchange_encode_dead_letter(sl_buf *out, int32_t partition, int64_t offset, const sl_dead_letter *d) {
    put_header(out, SL_EXCHANGE_DEAD_LETTER, partition, offset);
    put_i64(out, d->time_ms);
    put_str(out, d->reason);
    put_str(out, d->source);
    put_str(out, d->payload);
}

void sl_exchange_encode_end(sl_buf *out, int32_t partition, int64_t end_offset, int32_t partition_count) {
    put_header(out, SL_EXCHANGE_END, partition, end_offset);
    put_i32(out, partition_count);
}

void sl_exchange_encode_idle(sl_buf *out, int32_t partition, int64_t position) {
    put_header(out, SL_EXCHANGE_IDLE, partition, position);
}

/* ---- decoding: a cursor that refuses to read past the end ---- */

typedef struct cursor {
    const uint8_t *p, *end;
    bool ok;
} cursor;

static uint64_t get_le(cursor *c, int bytes) {
    if (!c->ok || c->end - c->p < bytes) {
        c->ok = false;
        return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++) v |= (uint64_t)c->p[i] << (8 * i);
    c->p += bytes;
    return v;
}

static sl_str get_str(cursor *c) {
    uint32_t len = (uint32_t)get_le(c, 4);
    if (!c->ok || len == NULL_LEN) return SL_STR_NULL;
    if ((size_t)(c->end - c->p) < len) {
        c->ok = false;
        return SL_STR_NULL;
    }
    sl_str s = {(const char *)c->p, len};
    c->p += len;
    return s;
}

static sl_err decode_event(cursor *c, sl_event *ev, char *reason, size_t reason_size) {
    memset(ev, 0, sizeof(*ev));
    ev->timestamp_ms = (int64_t)get_le(c, 8);
    ev->session_duration_ms = (int64_t)get_le(c, 8);
    uint8_t type = (uint8_t)get_le(c, 1);
    sl_str *fields[] = {&ev->event_id, &ev->user_id, &ev->session_id, &ev->page,
                        &ev->product_id, &ev->ip, &ev->user_agent, &ev->referrer};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) *fields[i] = get_str(c);
    ev->event_type = (sl_event_type)type;
    if (!c->ok) return SL_OK;   /* reported as truncated */
    /* The forwarding process validated the event against the job's limits;
     * a record that fails the engine's own bounds was damaged or written by
     * something else. (No wall-clock limit here: the two processes' clocks
     * differ.) */
    static const sl_event_limits engine_bounds = {
        .min_timestamp_ms = SL_EVENT_TIME_MIN_MS,
        .max_future_ms = INT64_MAX,
        .now_ms = 1,   /* any: with no limit on the future the clock need not be read */
    };
    char why[200];
    if (sl_event_validate(ev, &engine_bounds, why, sizeof(why)) != SL_OK)
        return sl_errf(SL_ERR_PARSE, reason, reason_size, "exchange record: %s", why);
    return SL_OK;
}

sl_err sl_exchange_decode(const void *data, size_t len, sl_exchange_record *rec, char *reason, size_t reason_size) {
    cursor c = {data, (const uint8_t *)data + len, true};
    uint8_t magic = (uint8_t)get_le(&c, 1), version = (uint8_t)get_le(&c, 1), kind = (uint8_t)get_le(&c, 1);
    if (c.ok && (magic != EXCHANGE_MAGIC || version != EXCHANGE_VERSION))
        return sl_errf(SL_ERR_PARSE, reason, reason_size,
                       "exchange record: magic/version 0x%02x/%u is not sluice's exchange format 0x%02x/%u (is "
                       "another producer writing to the exchange topic?)", magic, version, EXCHANGE_MAGIC,
                       EXCHANGE_VERSION);
    rec->kind = (sl_exchange_kind)kind;
    rec->partition = (int32_t)get_le(&c, 4);
    rec->offset = (int64_t)get_le(&c, 8);
    sl_err err = SL_OK;
    switch (kind) {
    case SL_EXCHANGE_EVENT:
        err = decode_event(&c, &rec->event, reason, reason_size);
        break;
    case SL_EXCHANGE_DEAD_LETTER:
        memset(&rec->dead, 0, sizeof(rec->dead));
        rec->dead.time_ms = (int64_t)get_le(&c, 8);
        rec->dead.reason = get_str(&c);
        rec->dead.source = get_str(&c);
        rec->dead.payload = get_str(&c);
        rec->dead.partition = rec->partition;
        rec->dead.offset = rec->offset;
        break;
    case SL_EXCHANGE_END:
        rec->partition_count = (int32_t)get_le(&c, 4);
        break;
    case SL_EXCHANGE_IDLE:
        break;
    default:
        if (c.ok)
            return sl_errf(SL_ERR_PARSE, reason, reason_size, "exchange record: unknown kind %u", (unsigned)kind);
    }
    if (err) return err;
    if (!c.ok)
        return sl_errf(SL_ERR_PARSE, reason, reason_size, "exchange record: truncated (%zu bytes)", len);
    if (c.p != c.end)
        return sl_errf(SL_ERR_PARSE, reason, reason_size, "exchange record: %zu bytes left over after the record",
                       (size_t)(c.end - c.p));
    if (rec->partition < 0 || rec->offset < 0)
        return sl_errf(SL_ERR_PARSE, reason, reason_size, "exchange record: negative source partition or offset");
    return SL_OK;
}
