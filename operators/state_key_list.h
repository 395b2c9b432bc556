/* state_key_list.h -- a growable list of keyed-state keys (hash and bytes), for visiting or removing them later.
 *
 * A visitor of sl_state_foreach_in_namespace must not change the state's
 * keys, and an operator that wants to reach a few keys later (the sessions
 * with events in one pane) needs their bytes for sl_state_get: this keeps
 * both in two arrays that are reused after sl_key_list_clear. */
#ifndef SL_STATE_KEY_LIST_H
#define SL_STATE_KEY_LIST_H

#include <stddef.h>
#include <stdint.h>

typedef struct sl_key_list_item {
    uint64_t hash;
    uint32_t off, len;                /* the key's bytes in the list's byte array */
} sl_key_list_item;

typedef struct sl_key_list {
    sl_key_list_item *items;
    uint32_t n, cap;
    char *bytes;
    uint32_t len, cap_bytes;
} sl_key_list;

void sl_key_list_add(sl_key_list *l, uint64_t hash, const void *key, size_t key_len);
static inline const void *sl_key_list_key(const sl_key_list *l, uint32_t i) { return l->bytes + l->items[i].off; }
/* Forget the keys, keep the memory. */
void sl_key_list_clear(sl_key_list *l);
void sl_key_list_free(sl_key_list *l);

#endif
