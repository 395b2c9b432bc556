/* cmd_verify_strings.c -- interning for the oracle: equal bytes, same dense id. */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "cli/cmd_verify.h"

void sl_verify_strings_init(sl_verify_strings *s) {
    memset(s, 0, sizeof(*s));
    sl_arena_init(&s->arena, 1 << 20);
}

void sl_verify_strings_free(sl_verify_strings *s) {
    sl_arena_free(&s->arena);
    free(s->ptr);
    free(s->len);
    free(s->slots);
    memset(s, 0, sizeof(*s));
}

static bool same(const sl_verify_strings *s, uint32_t id, const char *p, size_t n) {
    return s->len[id] == n && memcmp(s->ptr[id], p, n) == 0;
}

/* Slot holding string (p, n), or the empty slot where it belongs. */
static uint32_t *slot_of(const sl_verify_strings *s, const char *p, size_t n) {
    uint32_t mask = s->slot_cap - 1;
    for (uint32_t i = (uint32_t)XXH3_64bits(p, n) & mask;; i = (i + 1) & mask)
        if (!s->slots[i] || same(s, s->slots[i] - 1, p, n)) return &s->slots[i];
}

static void grow_slots(sl_verify_strings *s) {
    free(s->slots);
    s->slot_cap = s->slot_cap ? s->slot_cap * 2 : 1024;
    s->slots = calloc(s->slot_cap, sizeof(uint32_t));
    if (!s->slots) abort();
    for (uint32_t id = 0; id < s->count; id++) *slot_of(s, s->ptr[id], s->len[id]) = id + 1;
}

bool sl_verify_strings_find(const sl_verify_strings *s, const char *p, size_t n, uint32_t *id) {
    if (!s->slot_cap) return false;
    uint32_t slot = *slot_of(s, p, n);
    if (!slot) return false;
    *id = slot - 1;
    return true;
}

uint32_t sl_verify_strings_intern(sl_verify_strings *s, const char *p, size_t n) {
    uint32_t id;
    if (sl_verify_strings_find(s, p, n, &id)) return id;
    if (2 * (s->count + 1) > s->slot_cap) grow_slots(s);
    if (s->count == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 256;
        s->ptr = realloc(s->ptr, s->cap * sizeof(*s->ptr));
        s->len = realloc(s->len, s->cap * sizeof(*s->len));
        if (!s->ptr || !s->len) abort();
    }
    id = s->count++;
    s->ptr[id] = sl_arena_strndup(&s->arena, p, n);
    s->len[id] = (uint32_t)n;
    *slot_of(s, p, n) = id + 1;
    return id;
}

/* qsort has no context argument: the table being ranked is passed here. */
static const sl_verify_strings *ranking;

static int cmp_bytes(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    uint32_t n = ranking->len[x] < ranking->len[y] ? ranking->len[x] : ranking->len[y];
    int c = memcmp(ranking->ptr[x], ranking->ptr[y], n);
    if (c) return c;
    return ranking->len[x] < ranking->len[y] ? -1 : ranking->len[x] > ranking->len[y];
}

uint32_t *sl_verify_strings_ranks(const sl_verify_strings *s) {
    uint32_t *order = malloc((s->count + 1) * sizeof(uint32_t));
    uint32_t *rank = malloc((s->count + 1) * sizeof(uint32_t));
    if (!order || !rank) abort();
    for (uint32_t i = 0; i < s->count; i++) order[i] = i;
    ranking = s;
    qsort(order, s->count, sizeof(uint32_t), cmp_bytes);
    ranking = NULL;
    for (uint32_t i = 0; i < s->count; i++) rank[order[i]] = i;
    free(order);
    return rank;
}
