/* page_dictionary.c -- open-addressing map from page hash to page name, forgetting closed windows' pages. */
#include "operators/page_dictionary.h"

#include <stdlib.h>
#include <string.h>

typedef struct slot {
    uint64_t hash;
    char *name;          /* NULL: empty slot */
    uint32_t len;
    int64_t until;       /* needed until the window ending here is closed */
} slot;

#define MIN_CAP 256u     /* a power of two */

struct sl_page_dict {
    slot *slots;
    uint32_t cap, count;   /* cap is a power of two; count * 2 <= cap */
    int64_t earliest;      /* no page's until is earlier: nothing to forget before it */
    int64_t latest;        /* no page's until is later: past it, everything goes */
    uint32_t kept;         /* pages kept by the last pass over the table */
};

static slot *new_slots(uint32_t cap) {
    slot *s = calloc(cap, sizeof(slot));
    if (!s) abort();
    return s;
}

sl_page_dict *sl_page_dict_new(void) {
    sl_page_dict *d = calloc(1, sizeof(*d));
    if (!d) abort();
    d->cap = MIN_CAP;
    d->slots = new_slots(d->cap);
    d->earliest = INT64_MAX;
    d->latest = INT64_MIN;
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

/* Move the pages into a table of `cap` slots; with `forgetting`, those
 * needed only until `closed_upto` or earlier are freed instead. */
static void rehash(sl_page_dict *d, uint32_t cap, bool forgetting, int64_t closed_upto) {
    slot *old = d->slots;
    uint32_t old_cap = d->cap;
    d->cap = cap;
    d->slots = new_slots(cap);
    d->count = 0;
    d->earliest = INT64_MAX;
    d->latest = INT64_MIN;
    for (uint32_t i = 0; i < old_cap; i++) {
        if (!old[i].name) continue;
        if (forgetting && old[i].until <= closed_upto) {
            free(old[i].name);
            continue;
        }
        *find(d, old[i].hash) = old[i];
        d->count++;
        if (old[i].until < d->earliest) d->earliest = old[i].until;
        if (old[i].until > d->latest) d->latest = old[i].until;
    }
    free(old);
}

void sl_page_dict_add(sl_page_dict *d, uint64_t hash, sl_str page, int64_t until) {
    slot *s = find(d, hash);
    if (until > d->latest) d->latest = until;
    if (s->name) {   /* a known page's until only grows: `earliest` still holds */
        if (until > s->until) s->until = until;
        return;
    }
    if (until < d->earliest) d->earliest = until;
    s->hash = hash;
    s->len = page.len;
    s->until = until;
    s->name = malloc(page.len + 1);
    if (!s->name) abort();
    memcpy(s->name, page.ptr ? page.ptr : "", page.len);
    s->name[page.len] = '\0';
    if (++d->count * 2 > d->cap) rehash(d, d->cap * 2, false, 0);
}

sl_str sl_page_dict_get(const sl_page_dict *d, uint64_t hash) {
    const slot *s = find(d, hash);
    return s->name ? (sl_str){s->name, s->len} : (sl_str){"", 0};
}

/* A pass over the table costs O(pages), so it runs only when it pays:
 * once the pages have doubled since the last pass (amortized O(1) per page
 * added; the table holds at most about twice the most pages the open
 * windows ever named), or when every page can go (the input ended or went
 * quiet). The table shrinks with the pages (at most a quarter full after a
 * pass, not below MIN_CAP). */
void sl_page_dict_forget(sl_page_dict *d, int64_t closed_upto) {
    if (closed_upto == INT64_MIN || closed_upto < d->earliest) return;   /* INT64_MIN: nothing closed yet */
    if (d->count < 2 * (d->kept > MIN_CAP / 2 ? d->kept : MIN_CAP / 2) && closed_upto < d->latest) return;
    uint32_t kept = 0;
    for (uint32_t i = 0; i < d->cap; i++) kept += d->slots[i].name && d->slots[i].until > closed_upto;
    uint32_t cap = MIN_CAP;
    while (cap < 4 * (uint64_t)kept) cap *= 2;
    rehash(d, cap, true, closed_upto);
    d->kept = kept;
}

uint32_t sl_page_dict_count(const sl_page_dict *d) { return d->count; }

void sl_page_dict_keep_until(sl_page_dict *d, int64_t until) {
    for (uint32_t i = 0; i < d->cap; i++) d->slots[i].until = until;
    d->earliest = d->latest = until;
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
        sl_page_dict_add(d, hash, (sl_str){(const char *)in->p, (uint32_t)len}, INT64_MAX);
        in->p += len;
    }
    return true;
}
