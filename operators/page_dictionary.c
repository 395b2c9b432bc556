/* page_dictionary.c -- open-addressing map from page hash to page name. */
#include "operators/page_dictionary.h"

#include <stdlib.h>
#include <string.h>

typedef struct slot {
    uint64_t hash;
    char *name;          /* NULL: empty slot */
    uint32_t len;
} slot;

struct sl_page_dict {
    slot *slots;
    uint32_t cap, count;   /* cap is a power of two */
};

sl_page_dict *sl_page_dict_new(void) {
    sl_page_dict *d = calloc(1, sizeof(*d));
    d->cap = 256;
    d->slots = calloc(d->cap, sizeof(slot));
    return d;
}

void sl_page_dict_free(sl_page_dict *d) {
    if (!d) return;
    for (uint32_t i = 0; i < d->cap; i++) free(d->slots[i].name);
    free(d->slots);
    free(d);
}

static slot *find(const sl_page_dict *d, uint64_t hash) {
    uint32_t i = (uint32_t)hash & (d->cap - 1);
    while (d->slots[i].name && d->slots[i].hash != hash) i = (i + 1) & (d->cap - 1);
    return &d->slots[i];
}

static void grow(sl_page_dict *d) {
    slot *old = d->slots;
    uint32_t old_cap = d->cap;
    d->cap *= 2;
    d->slots = calloc(d->cap, sizeof(slot));
    for (uint32_t i = 0; i < old_cap; i++)
        if (old[i].name) *find(d, old[i].hash) = old[i];
    free(old);
}

void sl_page_dict_add(sl_page_dict *d, uint64_t hash, sl_str page) {
    slot *s = find(d, hash);
    if (s->name) return;
    s->hash = hash;
    s->len = page.len;
    s->name = malloc(page.len + 1);
    memcpy(s->name, page.ptr ? page.ptr : "", page.len);
    s->name[page.len] = '\0';
    if (++d->count * 2 > d->cap) grow(d);
}

sl_str sl_page_dict_get(const sl_page_dict *d, uint64_t hash) {
    const slot *s = find(d, hash);
    return s->name ? (sl_str){s->name, s->len} : (sl_str){"", 0};
}

void sl_page_dict_snapshot(const sl_page_dict *d, sl_buf *out) {
    sl_buf_append_u64(out, d->count);
    for (uint32_t i = 0; i < d->cap; i++) {
        if (!d->slots[i].name) continue;
        sl_buf_append_u64(out, d->slots[i].hash);
        sl_buf_append_u64(out, d->slots[i].len);
        sl_buf_append(out, d->slots[i].name, d->slots[i].len);
    }
}

bool sl_page_dict_restore(sl_page_dict *d, sl_buf_reader *in) {
    uint64_t n, hash, len;
    if (!sl_buf_read_u64(in, &n)) return false;
    for (uint64_t i = 0; i < n; i++) {
        if (!sl_buf_read_u64(in, &hash) || !sl_buf_read_u64(in, &len) || len > (uint64_t)(in->end - in->p))
            return false;
        sl_page_dict_add(d, hash, (sl_str){(const char *)in->p, (uint32_t)len});
        in->p += len;
    }
    return true;
}
