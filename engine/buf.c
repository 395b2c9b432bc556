/* buf.c -- growable byte buffers for operator snapshots. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/operator.h"

void sl_buf_append(sl_buf *b, const void *data, size_t len) {
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + len) cap *= 2;
        uint8_t *p = realloc(b->data, cap);
        if (!p) {
            fprintf(stderr, "sluice: out of memory growing a snapshot buffer to %zu bytes\n", cap);
            abort();
        }
        b->data = p;
        b->cap = cap;
    }
    if (len) memcpy(b->data + b->len, data, len);
    b->len += len;
}

void sl_buf_append_u64(sl_buf *b, uint64_t v) {
    uint8_t le[8];
    for (int i = 0; i < 8; i++) le[i] = (uint8_t)(v >> (8 * i));
    sl_buf_append(b, le, 8);
}

void sl_buf_free(sl_buf *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

bool sl_buf_read(sl_buf_reader *r, void *out, size_t len) {
    if ((size_t)(r->end - r->p) < len) return false;
    memcpy(out, r->p, len);
    r->p += len;
    return true;
}

bool sl_buf_read_u64(sl_buf_reader *r, uint64_t *v) {
    uint8_t le[8];
    if (!sl_buf_read(r, le, 8)) return false;
    uint64_t x = 0;
    for (int i = 0; i < 8; i++) x |= (uint64_t)le[i] << (8 * i);
    *v = x;
    return true;
}
