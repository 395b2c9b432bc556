/* page_records.c -- one page's counts and user sketches pane by pane (see the header). */
#include "operators/page_records.h"

#include <stdlib.h>
#include <string.h>

#define RECORD_HEAD (8 + 8 * SL_PAGE_AGG_COUNTS + 4)   /* pane, counts, sketch length */

static void records_init(void *v) { memset(v, 0, sizeof(sl_page_records)); }

static size_t records_encode(const void *v, uint8_t *buf, size_t cap) {
    const sl_page_records *r = v;
    size_t need = 4;
    for (uint32_t i = r->head; i < r->n; i++) need += RECORD_HEAD + sl_hll_encode(r->records[i].users, NULL, 0);
    if (need > cap) return need;
    uint32_t n = r->n - r->head;
    memcpy(buf, &n, 4);
    uint8_t *p = buf + 4;
    for (uint32_t i = r->head; i < r->n; i++) {
        const sl_page_record *rec = &r->records[i];
        uint32_t len = (uint32_t)sl_hll_encode(rec->users, NULL, 0);
        memcpy(p, &rec->pane, 8);
        memcpy(p + 8, rec->counts, 8 * SL_PAGE_AGG_COUNTS);
        memcpy(p + 8 + 8 * SL_PAGE_AGG_COUNTS, &len, 4);
        sl_hll_encode(rec->users, p + RECORD_HEAD, len);
        p += RECORD_HEAD + len;
    }
    return need;
}

static bool records_decode(void *v, const uint8_t *buf, size_t len) {
    sl_page_records *r = v;
    uint32_t n;
    if (len < 4) return false;
    memcpy(&n, buf, 4);
    if (n > len / RECORD_HEAD) return false;
    r->records = calloc(n ? n : 1, sizeof(sl_page_record));
    if (!r->records) abort();
    r->cap = n;
    const uint8_t *p = buf + 4, *end = buf + len;
    for (uint32_t i = 0; i < n; i++) {
        sl_page_record *rec = &r->records[i];
        uint32_t hll_len;
        if ((size_t)(end - p) < RECORD_HEAD) return false;
        memcpy(&rec->pane, p, 8);
        memcpy(rec->counts, p + 8, 8 * SL_PAGE_AGG_COUNTS);
        memcpy(&hll_len, p + 8 + 8 * SL_PAGE_AGG_COUNTS, 4);
        p += RECORD_HEAD;
        if ((size_t)(end - p) < hll_len || (i && rec->pane <= r->records[i - 1].pane)) return false;
        if (!(rec->users = sl_hll_decode(p, hll_len))) return false;
        r->n = i + 1;   /* destroyable as far as decoded */
        p += hll_len;
    }
    return p == end;
}

static void records_destroy(void *v) {
    sl_page_records *r = v;
    for (uint32_t i = r->head; i < r->n; i++) sl_hll_free(r->records[i].users);
    free(r->records);
}

const sl_state_value_ops SL_PAGE_RECORDS_OPS = {
    sizeof(sl_page_records), records_init, records_encode, records_decode, records_destroy,
};

void sl_page_records_drop_before(sl_page_records *r, int64_t from) {
    while (r->head < r->n && r->records[r->head].pane < from) sl_hll_free(r->records[r->head++].users);
}

/* Index of the first record newer than pane, searching from the newest. */
static uint32_t after_not_newer(const sl_page_records *r, int64_t pane) {
    uint32_t i = r->n;
    while (i > r->head && r->records[i - 1].pane > pane) i--;
    return i;
}

const sl_page_record *sl_page_records_find(const sl_page_records *r, int64_t pane) {
    if (r->head == r->n || pane < r->records[r->head].pane || pane > r->records[r->n - 1].pane) return NULL;
    /* Panes leave and are dropped at the oldest end and enter near the
     * newest: walk from the nearer end (each step of a binary search over a
     * long array of records would load another cache line). */
    uint32_t i;
    if (pane - r->records[r->head].pane <= r->records[r->n - 1].pane - pane)
        for (i = r->head; r->records[i].pane < pane; i++) continue;
    else
        for (i = r->n - 1; r->records[i].pane > pane; i--) continue;
    return r->records[i].pane == pane ? &r->records[i] : NULL;
}

sl_page_record *sl_page_records_get(sl_page_records *r, int64_t pane) {
    uint32_t i = after_not_newer(r, pane);
    if (i > r->head && r->records[i - 1].pane == pane) return &r->records[i - 1];
    if (r->n == r->cap) {
        if (r->head > r->n / 2) {   /* reuse the dropped front rather than grow */
            memmove(r->records, r->records + r->head, (r->n - r->head) * sizeof(sl_page_record));
            r->n -= r->head;
            r->head = 0;
        } else {
            r->cap = r->cap ? 2 * r->cap : 8;
            r->records = realloc(r->records, r->cap * sizeof(sl_page_record));
            if (!r->records) abort();
        }
        i = after_not_newer(r, pane);
    }
    memmove(&r->records[i + 1], &r->records[i], (r->n - i) * sizeof(sl_page_record));
    r->n++;
    r->records[i] = (sl_page_record){.pane = pane, .users = sl_hll_new()};
    return &r->records[i];
}
