/* state_key_list.c -- a growable list of keyed-state keys (see the header). */
#include "operators/state_key_list.h"

#include <stdlib.h>
#include <string.h>

void sl_key_list_add(sl_key_list *l, uint64_t hash, const void *key, size_t key_len) {
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->items = realloc(l->items, l->cap * sizeof(sl_key_list_item));
        if (!l->items) abort();
    }
    if (l->len + key_len > l->cap_bytes) {
        while (l->len + key_len > l->cap_bytes) l->cap_bytes = l->cap_bytes ? 2 * l->cap_bytes : 1024;
        l->bytes = realloc(l->bytes, l->cap_bytes);
        if (!l->bytes) abort();
    }
    memcpy(l->bytes + l->len, key, key_len);
    l->items[l->n++] = (sl_key_list_item){hash, l->len, (uint32_t)key_len};
    l->len += (uint32_t)key_len;
}

void sl_key_list_clear(sl_key_list *l) { l->n = l->len = 0; }

void sl_key_list_free(sl_key_list *l) {
    free(l->items);
    free(l->bytes);
    *l = (sl_key_list){0};
}
