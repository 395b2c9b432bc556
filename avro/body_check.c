/* body_check.c -- bounds-check an Avro binary body against its writer schema.
 *
 * avro-c believes the lengths and counts it reads: a garbage string length
 * makes it malloc gigabytes, a garbage block count makes it loop. Walking the
 * bytes first, without allocating, turns every such input into a precise
 * "truncated" or "corrupt" reason before avro-c sees it. */
#include <inttypes.h>
#include <stdio.h>

#include "avro/body_walk.h"

#define CHECK_MAX_DEPTH 64           /* recursive schemas cannot recurse forever */
#define CHECK_MAX_EMPTY_ITEMS 65536  /* block items that may take no bytes (null) */

typedef sl_avro_cursor cursor;

static size_t left(const cursor *c) { return (size_t)(c->end - c->p); }

static sl_err truncated(cursor *c, const char *what, uint64_t need) {
    return sl_errf(SL_ERR_CORRUPT, c->reason, c->reason_size,
                   "truncated Avro body: field '%s' needs %" PRIu64 " more byte(s) for %s, "
                   "%zu remain (record cut short?)", c->field, need, what, left(c));
}

static sl_err corrupt(cursor *c, const char *what, int64_t value) {
    return sl_errf(SL_ERR_CORRUPT, c->reason, c->reason_size,
                   "corrupt Avro body: field '%s' has %s %" PRId64
                   " (bytes not written with this schema id?)", c->field, what, value);
}

sl_err sl_avro_walk_varint(cursor *c, int max_bytes, int64_t *out) {
    uint64_t v = 0;
    for (int i = 0; i < max_bytes; i++) {
        if (c->p == c->end) return truncated(c, "a varint", 1);
        uint8_t b = *c->p++;
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *out = (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
            return SL_OK;
        }
    }
    return corrupt(c, "a varint longer than the bytes allowed, byte count", max_bytes);
}

static sl_err skip(cursor *c, uint64_t n, const char *what) {
    if (n > left(c)) return truncated(c, what, n - left(c));
    c->p += n;
    return SL_OK;
}

sl_err sl_avro_walk_length_prefixed(cursor *c, const char *what, const uint8_t **bytes, size_t *len) {
    int64_t n;
    sl_err err = sl_avro_walk_varint(c, 10, &n);
    if (err) return err;
    if (n < 0) return corrupt(c, "a negative length", n);
    *bytes = c->p;
    *len = (size_t)n;
    return skip(c, (uint64_t)n, what);
}

static sl_err check_length_prefixed(cursor *c, const char *what) {
    const uint8_t *bytes;
    size_t len;
    return sl_avro_walk_length_prefixed(c, what, &bytes, &len);
}

sl_err sl_avro_walk_index(cursor *c, int max_bytes, int64_t count, const char *what, int64_t *out) {
    sl_err err = sl_avro_walk_varint(c, max_bytes, out);
    if (err) return err;
    if (*out < 0 || *out >= count) return corrupt(c, what, *out);
    return SL_OK;
}

/* Arrays and maps: blocks of items until a zero count; a negative count is
 * followed by the block's byte size, which we do not need. */
static sl_err check_blocks(cursor *c, avro_schema_t items, bool is_map, int depth) {
    for (;;) {
        int64_t count;
        sl_err err = sl_avro_walk_varint(c, 10, &count);
        if (err) return err;
        if (count == 0) return SL_OK;
        if (count < 0) {
            if (count == INT64_MIN) return corrupt(c, "a block count", count);
            count = -count;
            int64_t block_bytes;
            if ((err = sl_avro_walk_varint(c, 10, &block_bytes))) return err;
        }
        if ((uint64_t)count > left(c) && count > CHECK_MAX_EMPTY_ITEMS)
            return corrupt(c, "an impossible block count", count);
        for (int64_t i = 0; i < count; i++) {
            if (is_map && (err = check_length_prefixed(c, "a map key"))) return err;
            if ((err = sl_avro_walk_value(c, items, depth + 1))) return err;
        }
    }
}

static sl_err check_record(cursor *c, avro_schema_t s, int depth) {
    const char *outer = c->field;
    size_t n = avro_schema_record_size(s);
    for (size_t i = 0; i < n; i++) {
        c->field = avro_schema_record_field_name(s, (int)i);
        sl_err err = sl_avro_walk_value(c, avro_schema_record_field_get_by_index(s, (int)i), depth + 1);
        if (err) return err;
    }
    c->field = outer;
    return SL_OK;
}

sl_err sl_avro_walk_value(cursor *c, avro_schema_t s, int depth) {
    if (depth > CHECK_MAX_DEPTH) return corrupt(c, "nesting deeper than", CHECK_MAX_DEPTH);
    int64_t v;
    sl_err err;
    switch (avro_typeof(s)) {
    case AVRO_NULL: return SL_OK;
    case AVRO_BOOLEAN:
        if (c->p == c->end) return truncated(c, "a boolean", 1);
        v = *c->p++;
        return v > 1 ? corrupt(c, "a boolean byte", v) : SL_OK;
    case AVRO_INT32: return sl_avro_walk_varint(c, 5, &v);
    case AVRO_INT64: return sl_avro_walk_varint(c, 10, &v);
    case AVRO_FLOAT: return skip(c, 4, "a float");
    case AVRO_DOUBLE: return skip(c, 8, "a double");
    case AVRO_STRING: return check_length_prefixed(c, "a string");
    case AVRO_BYTES: return check_length_prefixed(c, "bytes");
    case AVRO_FIXED: return skip(c, (uint64_t)avro_schema_fixed_size(s), "a fixed");
    case AVRO_ENUM:
        return sl_avro_walk_index(c, 5, avro_schema_enum_number_of_symbols(s), "enum symbol index", &v);
    case AVRO_UNION:
        if ((err = sl_avro_walk_index(c, 10, (int64_t)avro_schema_union_size(s), "union branch index", &v)))
            return err;
        return sl_avro_walk_value(c, avro_schema_union_branch(s, (int)v), depth + 1);
    case AVRO_ARRAY: return check_blocks(c, avro_schema_array_items(s), false, depth);
    case AVRO_MAP: return check_blocks(c, avro_schema_map_values(s), true, depth);
    case AVRO_RECORD: return check_record(c, s, depth);
    case AVRO_LINK: return sl_avro_walk_value(c, avro_schema_link_target(s), depth + 1);
    default: return corrupt(c, "an Avro type sluice cannot check, type code", avro_typeof(s));
    }
}

sl_err sl_avro_walk_end(const cursor *c, avro_schema_t writer) {
    if (c->p == c->end) return SL_OK;
    return sl_errf(SL_ERR_CORRUPT, c->reason, c->reason_size,
                   "corrupt Avro body: %zu byte(s) left over after the %s record "
                   "(bytes not written with this schema id?)", left(c), avro_schema_name(writer));
}

sl_err sl_avro_body_check(avro_schema_t writer, const uint8_t *body, size_t len,
                          char *reason, size_t reason_size) {
    cursor c = {body, body + len, "(record)", reason, reason_size};
    sl_err err = sl_avro_walk_value(&c, writer, 0);
    return err ? err : sl_avro_walk_end(&c, writer);
}
