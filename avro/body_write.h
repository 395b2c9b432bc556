/* body_write.h -- an Avro binary body written field by field (internal to avro/).
 *
 * avro-c's generic values cost a lookup by name per field and a copy per
 * string, several times the bytes' own cost; a result per page per window
 * makes that a sink's main work. A record whose schema is a flat list of
 * known fields (sl_avro_encoder_layout_is) is written straight into the
 * caller's buffer instead. Like the JSON writer, it keeps counting past the
 * end, so a caller with too small a buffer learns the size it needs. */
#ifndef SL_AVRO_BODY_WRITE_H
#define SL_AVRO_BODY_WRITE_H

#include <string.h>

#include "avro/avro_serde.h"

typedef struct sl_avro_body {
    uint8_t *buf;
    size_t cap, len;
} sl_avro_body;

/* A record of the encoder's schema into buf: its wire header (when cap
 * has room for it), then the fields the caller writes, then the end, which
 * sets *len to the record's size and, when that is more than cap, fails as
 * sl_avro_encoder_write does (SL_ERR_INVALID_ARG, *len the size needed). */
sl_avro_body sl_avro_body_begin(const sl_avro_encoder *enc, uint8_t *buf, size_t cap);
sl_err sl_avro_body_end(const sl_avro_encoder *enc, const sl_avro_body *b, size_t *len, char *errstr,
                        size_t errstr_size);

static inline void sl_avro_body_bytes(sl_avro_body *b, const void *p, size_t n) {
    if (n && b->len + n <= b->cap) memcpy(b->buf + b->len, p, n);   /* an empty string may have no bytes at all */
    b->len += n;
}

/* long and int: zig-zag, then 7 bits per byte, low bits first. */
static inline void sl_avro_body_long(sl_avro_body *b, int64_t v) {
    uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    uint8_t out[10];
    size_t n = 0;
    while (z > 0x7f) {
        out[n++] = (uint8_t)(z | 0x80);
        z >>= 7;
    }
    out[n++] = (uint8_t)z;
    sl_avro_body_bytes(b, out, n);
}

/* double: the IEEE 754 bits, little-endian. */
static inline void sl_avro_body_double(sl_avro_body *b, double v) {
    uint64_t bits;
    memcpy(&bits, &v, 8);
    uint8_t out[8];
    for (int i = 0; i < 8; i++) out[i] = (uint8_t)(bits >> (8 * i));
    sl_avro_body_bytes(b, out, 8);
}

/* string and bytes: the length as a long, then the bytes. */
static inline void sl_avro_body_string(sl_avro_body *b, sl_str s) {
    sl_avro_body_long(b, (int64_t)s.len);
    sl_avro_body_bytes(b, s.ptr, s.len);
}

#endif
