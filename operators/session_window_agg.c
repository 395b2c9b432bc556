/* session_window_agg.c -- running per-session window aggregates and per-page sums (see the header). */
#include "operators/session_window_agg.h"

#include <stdlib.h>
#include <string.h>

#include "engine/hash_index.h"

/* What a session keeps of one of its panes in the window. */
typedef struct pane_summary {
    int64_t pane, min_ts, max_ts;
    uint32_t entry_page;              /* page number */
    uint32_t events;
} pane_summary;

typedef struct page_count {
    uint32_t page;                    /* page number */
    uint32_t panes;                   /* the session's panes in the window that visited it */
} page_count;

typedef struct session {
    uint64_t hash;
    pane_summary *ring;               /* oldest at head; cap is a power of two */
    uint32_t head, n, cap;
    page_count *pages;
    uint32_t n_pages, cap_pages;
    uint64_t events;
} session;

struct sl_session_agg {
    sl_hash_index session_index;      /* session hash -> sessions[] */
    session *sessions;
    uint32_t n_sessions, cap_sessions, live;
    sl_hash_index page_index;         /* page hash -> page number */
    uint64_t *page_hashes;
    int64_t *on_page, *duration, *entries, *bounced;   /* per page number */
    uint32_t n_pages, cap_pages;
};

sl_session_agg *sl_session_agg_new(void) {
    sl_session_agg *a = calloc(1, sizeof(*a));
    if (!a) abort();
    sl_hash_index_init(&a->session_index);
    sl_hash_index_init(&a->page_index);
    return a;
}

static void free_sessions(sl_session_agg *a) {
    for (uint32_t i = 0; i < a->n_sessions; i++) {
        free(a->sessions[i].ring);
        free(a->sessions[i].pages);
    }
    a->n_sessions = a->live = 0;
    sl_hash_index_clear(&a->session_index);
}

void sl_session_agg_free(sl_session_agg *a) {
    if (!a) return;
    free_sessions(a);
    free(a->sessions);
    sl_hash_index_free(&a->session_index);
    sl_hash_index_free(&a->page_index);
    free(a->page_hashes);
    free(a->on_page);
    free(a->duration);
    free(a->entries);
    free(a->bounced);
    free(a);
}

void sl_session_agg_clear(sl_session_agg *a) {
    free_sessions(a);
    size_t n = a->n_pages * sizeof(int64_t);
    if (!n) return;
    memset(a->on_page, 0, n);
    memset(a->duration, 0, n);
    memset(a->entries, 0, n);
    memset(a->bounced, 0, n);
}

static void *grow(void *p, uint32_t cap, size_t size) {
    void *q = realloc(p, (size_t)cap * size);
    if (!q) abort();
    return q;
}

static uint32_t page_number(sl_session_agg *a, uint64_t hash) {
    bool inserted;
    uint32_t i = sl_hash_index_upsert(&a->page_index, hash, &inserted);
    if (!inserted) return i;
    if (i == a->cap_pages) {
        a->cap_pages = a->cap_pages ? 2 * a->cap_pages : 128;
        a->page_hashes = grow(a->page_hashes, a->cap_pages, sizeof(uint64_t));
        a->on_page = grow(a->on_page, a->cap_pages, sizeof(int64_t));
        a->duration = grow(a->duration, a->cap_pages, sizeof(int64_t));
        a->entries = grow(a->entries, a->cap_pages, sizeof(int64_t));
        a->bounced = grow(a->bounced, a->cap_pages, sizeof(int64_t));
    }
    a->page_hashes[i] = hash;
    a->on_page[i] = a->duration[i] = a->entries[i] = a->bounced[i] = 0;
    a->n_pages = i + 1;
    return i;
}

/* Add (sign 1) or take out (sign -1) what session s adds to the page sums. */
static void contribute(sl_session_agg *a, const session *s, int64_t sign) {
    if (!s->n) return;
    const pane_summary *oldest = &s->ring[s->head];
    const pane_summary *newest = &s->ring[(s->head + s->n - 1) & (s->cap - 1)];
    int64_t duration = newest->max_ts - oldest->min_ts;
    for (uint32_t k = 0; k < s->n_pages; k++) {
        a->on_page[s->pages[k].page] += sign;
        a->duration[s->pages[k].page] += sign * duration;
    }
    a->entries[oldest->entry_page] += sign;
    if (s->events == 1) a->bounced[oldest->entry_page] += sign;
}

static void count_page(session *s, uint32_t page, int delta) {
    for (uint32_t k = 0; k < s->n_pages; k++)
        if (s->pages[k].page == page) {
            s->pages[k].panes += (uint32_t)delta;
            if (s->pages[k].panes == 0) s->pages[k] = s->pages[--s->n_pages];
            return;
        }
    if (delta < 0) return;   /* not counted: nothing to take out */
    if (s->n_pages == s->cap_pages) {
        s->cap_pages = s->cap_pages ? 2 * s->cap_pages : 8;
        s->pages = grow(s->pages, s->cap_pages, sizeof(page_count));
    }
    s->pages[s->n_pages++] = (page_count){page, 1};
}

static session *session_for(sl_session_agg *a, uint64_t hash) {
    bool inserted;
    uint32_t i = sl_hash_index_upsert(&a->session_index, hash, &inserted);
    if (inserted) {
        if (i == a->cap_sessions) {
            a->cap_sessions = a->cap_sessions ? 2 * a->cap_sessions : 1024;
            a->sessions = grow(a->sessions, a->cap_sessions, sizeof(session));
        }
        a->sessions[i] = (session){.hash = hash};
        a->n_sessions = i + 1;
    }
    session *s = &a->sessions[i];
    if (!s->n) a->live++;
    return s;
}

/* Sessions that left the window stay in the index until they outnumber the
 * live ones; then the index is rebuilt (amortized O(1) per session). */
static void compact(sl_session_agg *a) {
    if (a->n_sessions - a->live <= 4096 || a->n_sessions - a->live <= a->live) return;
    sl_hash_index_clear(&a->session_index);
    uint32_t kept = 0;
    for (uint32_t i = 0; i < a->n_sessions; i++) {
        session *s = &a->sessions[i];
        if (!s->n) {
            free(s->ring);
            free(s->pages);
            continue;
        }
        bool inserted;
        sl_hash_index_upsert(&a->session_index, s->hash, &inserted);
        a->sessions[kept++] = *s;
    }
    a->n_sessions = kept;
}

void sl_session_agg_enter(sl_session_agg *a, uint64_t session_hash, const sl_session_pane_entry *e) {
    uint32_t entry = page_number(a, e->entry_page);
    session *s = session_for(a, session_hash);
    contribute(a, s, -1);
    if (s->n == s->cap) {
        /* Unroll the ring into a twice larger one, oldest first. */
        uint32_t cap = s->cap ? 2 * s->cap : 8;
        pane_summary *ring = grow(NULL, cap, sizeof(pane_summary));
        for (uint32_t k = 0; k < s->n; k++) ring[k] = s->ring[(s->head + k) & (s->cap - 1)];
        free(s->ring);
        s->ring = ring;
        s->head = 0;
        s->cap = cap;
    }
    s->ring[(s->head + s->n) & (s->cap - 1)] = (pane_summary){e->pane, e->min_ts, e->max_ts, entry, e->events};
    s->n++;
    s->events += e->events;
    for (uint32_t k = 0; k < e->n_pages; k++) count_page(s, page_number(a, e->pages[k]), 1);
    contribute(a, s, 1);
}

void sl_session_agg_leave(sl_session_agg *a, uint64_t session_hash, const sl_session_pane_entry *e) {
    uint32_t i = sl_hash_index_find(&a->session_index, session_hash);
    if (i == UINT32_MAX) return;
    session *s = &a->sessions[i];
    if (!s->n || s->ring[s->head].pane != e->pane) return;   /* this pane never entered for it */
    contribute(a, s, -1);
    s->head = (s->head + 1) & (s->cap - 1);
    s->n--;
    s->events -= e->events;
    for (uint32_t k = 0; k < e->n_pages; k++) count_page(s, page_number(a, e->pages[k]), -1);
    contribute(a, s, 1);
    if (!s->n) {
        a->live--;
        compact(a);
    }
}

void sl_session_agg_foreach_page(const sl_session_agg *a,
                                 void (*cb)(const sl_session_page_sums *sums, void *opaque), void *opaque) {
    for (uint32_t p = 0; p < a->n_pages; p++) {
        if (a->on_page[p] <= 0) continue;
        sl_session_page_sums sums = {a->page_hashes[p], (uint64_t)a->on_page[p], a->duration[p],
                                     (uint64_t)a->entries[p], (uint64_t)a->bounced[p]};
        cb(&sums, opaque);
    }
}
