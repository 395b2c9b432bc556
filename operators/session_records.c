/* session_records.c -- one session's events pane by pane (see the header). */
#include "operators/session_records.h"

#include <stdlib.h>
#include <string.h>

#define RECORD_BYTES (8 * 4 + 4 * 2)

static void records_init(void *v) {
    sl_session_records *s = v;
    memset(s, 0, sizeof(*s));
    s->agg_slot = UINT32_MAX;
    s->oldest = INT64_MAX;
    s->newest = INT64_MIN;
}

static void update_ends(sl_session_records *s) {
    s->oldest = s->head < s->n ? s->records[s->head].pane : INT64_MAX;
    s->newest = s->head < s->n ? s->records[s->n - 1].pane : INT64_MIN;
}

static void put_u64(uint8_t *p, uint64_t x) { memcpy(p, &x, 8); }
static void put_u32(uint8_t *p, uint32_t x) { memcpy(p, &x, 4); }

static size_t records_encode(const void *v, uint8_t *buf, size_t cap) {
    const sl_session_records *s = v;
    uint32_t n = s->n - s->head, n_pages = s->n_pages - s->page_head;
    size_t need = 8 + (size_t)n * RECORD_BYTES + 8 * (size_t)n_pages;
    if (need > cap) return need;
    put_u32(buf, n);
    put_u32(buf + 4, n_pages);
    uint8_t *p = buf + 8;
    for (uint32_t i = s->head; i < s->n; i++, p += RECORD_BYTES) {
        const sl_session_record *r = &s->records[i];
        put_u64(p, (uint64_t)r->pane);
        put_u64(p + 8, (uint64_t)r->min_ts);
        put_u64(p + 16, (uint64_t)r->max_ts);
        put_u64(p + 24, r->entry_page);
        put_u32(p + 32, r->events);
        put_u32(p + 36, r->n_pages);
    }
    memcpy(p, s->pages + s->page_head, 8 * (size_t)n_pages);
    return need;
}

static bool records_decode(void *v, const uint8_t *buf, size_t len) {
    sl_session_records *s = v;
    uint32_t n, n_pages;
    if (len < 8) return false;
    memcpy(&n, buf, 4);
    memcpy(&n_pages, buf + 4, 4);
    if (len != 8 + (size_t)n * RECORD_BYTES + 8 * (size_t)n_pages) return false;
    s->records = malloc((size_t)(n ? n : 1) * sizeof(sl_session_record));
    s->pages = malloc((size_t)(n_pages ? n_pages : 1) * 8);
    if (!s->records || !s->pages) abort();
    s->cap = s->n = n;
    s->cap_pages = s->n_pages = n_pages;
    s->agg_slot = UINT32_MAX;
    uint64_t counted = 0;
    const uint8_t *p = buf + 8;
    for (uint32_t i = 0; i < n; i++, p += RECORD_BYTES) {
        sl_session_record *r = &s->records[i];
        memcpy(&r->pane, p, 8);
        memcpy(&r->min_ts, p + 8, 8);
        memcpy(&r->max_ts, p + 16, 8);
        memcpy(&r->entry_page, p + 24, 8);
        memcpy(&r->events, p + 32, 4);
        memcpy(&r->n_pages, p + 36, 4);
        counted += r->n_pages;
        if (i && r->pane <= s->records[i - 1].pane) return false;
    }
    memcpy(s->pages, p, 8 * (size_t)n_pages);
    update_ends(s);
    return counted == n_pages;
}

static void records_destroy(void *v) {
    sl_session_records *s = v;
    free(s->records);
    free(s->pages);
}

const sl_state_value_ops SL_SESSION_RECORDS_OPS = {
    sizeof(sl_session_records), records_init, records_encode, records_decode, records_destroy,
};

void sl_session_records_drop_before(sl_session_records *s, int64_t from) {
    if (s->oldest >= from) return;
    while (s->head < s->n && s->records[s->head].pane < from) s->page_head += s->records[s->head++].n_pages;
    /* The newest record stays unless none is left: not read again here
     * (with many panes per window, a session that only loses panes has
     * its newest record far out of the CPU caches). */
    if (s->head < s->n) s->oldest = s->records[s->head].pane;
    else update_ends(s);
}

/* Room for one more record: move the live records to the front when the
 * dropped ones are many, else grow. */
static void reserve_record(sl_session_records *s) {
    if (s->n < s->cap) return;
    if (s->head > s->n / 2) {
        memmove(s->records, s->records + s->head, (s->n - s->head) * sizeof(sl_session_record));
        s->n -= s->head;
        s->head = 0;
        return;
    }
    s->cap = s->cap ? 2 * s->cap : 8;
    s->records = realloc(s->records, s->cap * sizeof(sl_session_record));
    if (!s->records) abort();
}

/* The same for the page log (record indexes stay valid); returns how far
 * the pages moved towards the front, so a page offset can follow. */
static uint32_t reserve_page(sl_session_records *s) {
    if (s->n_pages < s->cap_pages) return 0;
    if (s->page_head > s->n_pages / 2) {
        uint32_t moved = s->page_head;
        memmove(s->pages, s->pages + moved, (s->n_pages - moved) * 8);
        s->n_pages -= moved;
        s->page_head = 0;
        return moved;
    }
    s->cap_pages = s->cap_pages ? 2 * s->cap_pages : 16;
    s->pages = realloc(s->pages, s->cap_pages * 8);
    if (!s->pages) abort();
    return 0;
}

/* The first index from the newest backwards whose record is not newer than pane. */
static uint32_t after_not_newer(const sl_session_records *s, int64_t pane) {
    uint32_t i = s->n;
    while (i > s->head && s->records[i - 1].pane > pane) i--;
    return i;
}

uint32_t sl_session_records_find_or_add(sl_session_records *s, int64_t pane) {
    uint32_t i = after_not_newer(s, pane);
    if (i > s->head && s->records[i - 1].pane == pane) return i - 1;
    reserve_record(s);
    i = after_not_newer(s, pane);   /* after reserve_record: the records may have moved */
    memmove(&s->records[i + 1], &s->records[i], (s->n - i) * sizeof(sl_session_record));
    s->records[i] = (sl_session_record){.pane = pane, .min_ts = INT64_MAX, .max_ts = INT64_MIN};
    s->n++;
    /* The ends move only to take the new record in: not read from the
     * records (with many panes per window the oldest, at the other end of
     * the array, is out of the CPU caches by now). */
    if (pane < s->oldest) s->oldest = pane;
    if (pane > s->newest) s->newest = pane;
    return i;
}

uint32_t sl_session_records_pages_of(const sl_session_records *s, uint32_t i) {
    uint32_t off = s->n_pages;
    for (uint32_t k = s->n; k > i; k--) off -= s->records[k - 1].n_pages;
    return off;
}

void sl_session_records_add_page(sl_session_records *s, uint32_t i, uint64_t page) {
    uint32_t off = sl_session_records_pages_of(s, i), n = s->records[i].n_pages;
    for (uint32_t k = 0; k < n; k++)
        if (s->pages[off + k] == page) return;
    off -= reserve_page(s);
    memmove(&s->pages[off + n + 1], &s->pages[off + n], (s->n_pages - off - n) * 8);
    s->pages[off + n] = page;
    s->n_pages++;
    s->records[i].n_pages++;
}
