/* session_window_agg.c -- running per-session window aggregates and per-page sums (see the header). */
#include "operators/session_window_agg.h"

#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "engine/hash_index.h"
#include "engine/prefetch.h"

/* Where a session's oldest pane in the window starts it. */
typedef struct session_start {
    int64_t pane, min_ts;
    uint32_t entry_page;              /* page number */
} session_start;

/* The pages a session's panes in the window visited, each with the number
 * of those panes. With many panes per window nearly every session's
 * aggregate is out of the CPU caches when its panes enter and leave, and
 * memory traffic, not work, is the cost: so the set is two small dense
 * arrays in one block -- page numbers (what a duration change walks) and
 * their pane counts -- searched linearly, with no hash slots to load. A
 * search costs O(pages of the session), as the duration change that
 * usually follows it does anyway. */
typedef struct page_counts {
    uint32_t *ids;                    /* [cap] page numbers, then [cap] pane counts */
    uint32_t n, cap;
} page_counts;

static uint32_t *pane_counts(const page_counts *c) { return c->ids + c->cap; }

/* A session's panes in the window are not kept here (the caller holds
 * them, and names the new oldest when one leaves): only their two ends. */
typedef struct session {
    uint64_t hash;
    uint32_t n;                       /* its panes in the window */
    session_start oldest;
    int64_t newest_max_ts;
    page_counts pages;
    uint64_t events;
} session;

/* What a session adds to the page sums: its duration to each of its pages,
 * one entry (and perhaps a bounce) to its entry page. */
typedef struct contribution {
    bool on;
    int64_t duration;
    uint32_t entry_page;
    bool bounced;
} contribution;

#define PAGE_CACHE_SLOTS 1024   /* a power of two */

struct sl_session_agg {
    sl_hash_index session_index;      /* session hash -> sessions[] */
    session *sessions;
    uint32_t n_sessions, cap_sessions, live;
    sl_hash_index page_index;         /* page hash -> page number */
    /* A direct-mapped cache in front of page_index: a site has few pages
     * and every pane entering or leaving looks up each of its pages, so
     * nearly every lookup is answered by one compare. Page number + 1; 0: empty. */
    uint32_t recent_pages[PAGE_CACHE_SLOTS];
    uint64_t *page_hashes;
    int64_t *on_page, *duration, *entries, *bounced;   /* per page number */
    uint32_t n_pages, cap_pages;
    struct {                          /* the session between begin and end */
        uint64_t hash;
        uint32_t *slot;
        uint32_t index;               /* in sessions[]; UINT32_MAX: not there (yet) */
        contribution old;             /* what it added to the page sums at the begin */
    } changing;
};

sl_session_agg *sl_session_agg_new(void) {
    sl_session_agg *a = calloc(1, sizeof(*a));
    if (!a) abort();
    sl_hash_index_init(&a->session_index);
    sl_hash_index_init(&a->page_index);
    return a;
}

static void session_free(session *s) {
    free(s->pages.ids);
}

static void free_sessions(sl_session_agg *a) {
    for (uint32_t i = 0; i < a->n_sessions; i++) session_free(&a->sessions[i]);
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

static uint32_t new_page_number(sl_session_agg *a, uint64_t hash, uint32_t *recent);

/* Every page of every pane that enters or leaves: the cache's answer
 * inline, the rest out of line. */
static inline uint32_t page_number(sl_session_agg *a, uint64_t hash) {
    uint32_t *recent = &a->recent_pages[(hash ^ hash >> 32) & (PAGE_CACHE_SLOTS - 1)];
    if (__builtin_expect(*recent && a->page_hashes[*recent - 1] == hash, 1)) return *recent - 1;
    return new_page_number(a, hash, recent);
}

/* The page's number from the index (a new one for a new page), cached in *recent. */
static __attribute__((noinline)) uint32_t new_page_number(sl_session_agg *a, uint64_t hash, uint32_t *recent) {
    bool inserted;
    uint32_t i = sl_hash_index_upsert(&a->page_index, hash, &inserted);
    *recent = i + 1;
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

/* ---- a session's page counts ---- */

/* Position of page in the set, or c->n. Sets hold a session's pages (41
 * distinct ones for a median session of the generator's), and every page
 * of every pane that enters or leaves is searched: four at a time where
 * the compiler has SSE2 (every x86-64). */
static inline uint32_t counts_find(const page_counts *c, uint32_t page) {
    uint32_t k = 0;
#ifdef __SSE2__
    __m128i needle = _mm_set1_epi32((int)page);
    for (; k + 4 <= c->n; k += 4) {
        __m128i ids = _mm_loadu_si128((const __m128i *)(c->ids + k));
        unsigned hit = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi32(ids, needle));
        if (hit) return k + (uint32_t)__builtin_ctz(hit) / 4;
    }
#endif
    while (k < c->n && c->ids[k] != page) k++;
    return k;
}

/* Position of page, appending it with a count of 0 when absent. */
static uint32_t counts_find_or_add(page_counts *c, uint32_t page) {
    uint32_t k = counts_find(c, page);
    if (k < c->n) return k;
    if (c->n == c->cap) {
        uint32_t old = c->cap;
        c->cap = c->cap ? 2 * c->cap : 8;
        c->ids = grow(c->ids, 2 * c->cap, sizeof(uint32_t));
        memmove(c->ids + c->cap, c->ids + old, old * sizeof(uint32_t));   /* the counts move up */
    }
    c->ids[c->n] = page;
    pane_counts(c)[c->n] = 0;
    return c->n++;
}

/* Take out the page at position k: the last one takes its place. */
static void counts_remove(page_counts *c, uint32_t k) {
    uint32_t last = --c->n;
    c->ids[k] = c->ids[last];
    pane_counts(c)[k] = pane_counts(c)[last];
}

/* ---- contributions ---- */

static contribution contribution_of(const session *s) {
    if (!s->n) return (contribution){0};
    return (contribution){true, s->newest_max_ts - s->oldest.min_ts, s->oldest.entry_page, s->events == 1};
}

/* One more (delta 1) or one fewer (-1) of the session's panes visits page.
 * A page that joins or leaves its set is counted with the session's
 * contribution from before the change (`old`); settle() then moves every
 * page of the set from the old duration to the new one. */
static void count_page(sl_session_agg *a, session *s, uint32_t page, int delta, const contribution *old) {
    page_counts *c = &s->pages;
    if (delta > 0) {
        uint32_t k = counts_find_or_add(c, page);
        if (pane_counts(c)[k]++) return;
        a->on_page[page]++;
        a->duration[page] += old->duration;
        return;
    }
    uint32_t k = counts_find(c, page);
    if (k == c->n) return;   /* not counted: nothing to take out */
    if (--pane_counts(c)[k]) return;
    a->on_page[page]--;
    a->duration[page] -= old->duration;
    counts_remove(c, k);
}

/* Replace the session's old contribution by its current one: the duration
 * change reaches each of its pages in one pass. */
static void settle(sl_session_agg *a, const session *s, const contribution *old) {
    contribution now = contribution_of(s);
    int64_t d = now.duration - old->duration;
    if (d) {
        int64_t *duration = a->duration;
        const uint32_t *ids = s->pages.ids;
        uint32_t k = 0, n = s->pages.n;
        for (; k + 4 <= n; k += 4) {   /* unrolled: the loop is a session's pages, 41 for a median one */
            duration[ids[k]] += d;
            duration[ids[k + 1]] += d;
            duration[ids[k + 2]] += d;
            duration[ids[k + 3]] += d;
        }
        for (; k < n; k++) duration[ids[k]] += d;
    }
    if (old->on) {
        a->entries[old->entry_page]--;
        if (old->bounced) a->bounced[old->entry_page]--;
    }
    if (now.on) {
        a->entries[now.entry_page]++;
        if (now.bounced) a->bounced[now.entry_page]++;
    }
}

/* ---- sessions ---- */

/* Does the hint name the session? */
static bool hint_right(const sl_session_agg *a, uint64_t hash, const uint32_t *slot) {
    return slot && *slot < a->n_sessions && a->sessions[*slot].hash == hash;
}

static void keep_hint(uint32_t *slot, uint32_t i) {
    if (slot) *slot = i;
}

/* Sessions that left the window stay in the index until they outnumber the
 * live ones; then the index is rebuilt (amortized O(1) per session). */
static void compact(sl_session_agg *a) {
    if (!sl_hash_index_rebuild_due(a->n_sessions, a->live)) return;
    sl_hash_index_clear(&a->session_index);
    uint32_t kept = 0;
    for (uint32_t i = 0; i < a->n_sessions; i++) {
        session *s = &a->sessions[i];
        if (!s->n) {
            session_free(s);
            continue;
        }
        bool inserted;
        sl_hash_index_upsert(&a->session_index, s->hash, &inserted);
        a->sessions[kept++] = *s;
    }
    a->n_sessions = kept;
}

void sl_session_agg_begin(sl_session_agg *a, uint64_t session_hash, uint32_t *slot) {
    uint32_t i = hint_right(a, session_hash, slot) ? *slot : sl_hash_index_find(&a->session_index, session_hash);
    if (i != UINT32_MAX) keep_hint(slot, i);
    a->changing.hash = session_hash;
    a->changing.slot = slot;
    a->changing.index = i;
    a->changing.old = i == UINT32_MAX ? (contribution){0} : contribution_of(&a->sessions[i]);
    if (a->changing.old.on) a->live--;   /* counted again at the end if it still is */
}

/* The changing session, added to the aggregates when it is new. */
static session *changing_session(sl_session_agg *a) {
    if (a->changing.index == UINT32_MAX) {
        bool inserted;
        uint32_t i = sl_hash_index_upsert(&a->session_index, a->changing.hash, &inserted);
        if (i == a->cap_sessions) {
            a->cap_sessions = a->cap_sessions ? 2 * a->cap_sessions : 1024;
            a->sessions = grow(a->sessions, a->cap_sessions, sizeof(session));
        }
        a->sessions[i] = (session){.hash = a->changing.hash};
        a->n_sessions = i + 1;
        a->changing.index = i;
        keep_hint(a->changing.slot, i);
    }
    return &a->sessions[a->changing.index];
}

void sl_session_agg_enter(sl_session_agg *a, const sl_session_pane_entry *e) {
    uint32_t entry = page_number(a, e->entry_page);
    session *s = changing_session(a);
    if (!s->n++) s->oldest = (session_start){e->pane, e->min_ts, entry};
    s->newest_max_ts = e->max_ts;
    s->events += e->events;
    for (uint32_t k = 0; k < e->n_pages; k++) count_page(a, s, page_number(a, e->pages[k]), 1, &a->changing.old);
}

void sl_session_agg_leave(sl_session_agg *a, const sl_session_pane_entry *e, const sl_session_pane_entry *next) {
    if (a->changing.index == UINT32_MAX) return;
    session *s = &a->sessions[a->changing.index];
    if (!s->n || s->oldest.pane != e->pane) return;   /* this pane never entered for it */
    if (--s->n && next) s->oldest = (session_start){next->pane, next->min_ts, page_number(a, next->entry_page)};
    s->events -= e->events;
    for (uint32_t k = 0; k < e->n_pages; k++) count_page(a, s, page_number(a, e->pages[k]), -1, &a->changing.old);
}

void sl_session_agg_end(sl_session_agg *a) {
    if (a->changing.index == UINT32_MAX) return;
    const session *s = &a->sessions[a->changing.index];
    settle(a, s, &a->changing.old);
    if (s->n) a->live++;
    else if (a->changing.old.on) compact(a);
}

/* ---- prefetching ---- */

SL_PREFETCH_EXTERN void sl_session_agg_prefetch_slot(const sl_session_agg *a, uint64_t session_hash, uint32_t slot) {
    if (slot < a->n_sessions) sl_prefetch_lines(&a->sessions[slot], sizeof(session));
    else sl_hash_index_prefetch(&a->session_index, session_hash);
}

void sl_session_agg_prefetch_session(const sl_session_agg *a, uint64_t session_hash, uint32_t *slot) {
    if (hint_right(a, session_hash, slot)) return;   /* loaded by the first step */
    *slot = sl_hash_index_find(&a->session_index, session_hash);
    if (*slot != UINT32_MAX) sl_prefetch_lines(&a->sessions[*slot], sizeof(session));
}

/* Searches and a duration change walk the page numbers; a count changes
 * one or two pane counts, found when they are. (A session that left in
 * between may have moved: then this only loads another's.) */
SL_PREFETCH_EXTERN void sl_session_agg_prefetch_pages(const sl_session_agg *a, uint32_t slot) {
    if (slot >= a->n_sessions) return;
    const session *s = &a->sessions[slot];
    sl_prefetch_lines(s->pages.ids, s->pages.n * sizeof(uint32_t));
}

/* Pages no session in the window touches keep their numbers until they
 * outnumber the pages in the window; then the pages in it are numbered
 * afresh (in the same order) and every session's page numbers follow. So a
 * firing's pass over the pages follows the pages of the window, not every
 * page ever seen -- a shop's catalog churns. Amortized O(1) per page: a
 * renumbering walks the sessions' page counts, and happens only after more
 * pages than there are in the window have left it. */
static void compact_pages(sl_session_agg *a, uint32_t in_window) {
    if (!sl_hash_index_rebuild_due(a->n_pages, in_window)) return;
    uint32_t *renumbered = grow(NULL, a->n_pages, sizeof(uint32_t));
    sl_hash_index_clear(&a->page_index);
    uint32_t kept = 0;
    for (uint32_t p = 0; p < a->n_pages; p++) {
        renumbered[p] = kept;
        if (a->on_page[p] <= 0) continue;
        bool inserted;
        sl_hash_index_upsert(&a->page_index, a->page_hashes[p], &inserted);   /* number `kept`, as below */
        a->page_hashes[kept] = a->page_hashes[p];
        a->on_page[kept] = a->on_page[p];
        a->duration[kept] = a->duration[p];
        a->entries[kept] = a->entries[p];
        a->bounced[kept] = a->bounced[p];
        kept++;
    }
    a->n_pages = kept;
    /* A session in the window touches only pages in it (its entry page among them). */
    for (uint32_t i = 0; i < a->n_sessions; i++) {
        session *s = &a->sessions[i];
        if (!s->n) continue;
        for (uint32_t k = 0; k < s->pages.n; k++) s->pages.ids[k] = renumbered[s->pages.ids[k]];
        s->oldest.entry_page = renumbered[s->oldest.entry_page];
    }
    memset(a->recent_pages, 0, sizeof(a->recent_pages));
    free(renumbered);
}

void sl_session_agg_foreach_page(sl_session_agg *a, void (*cb)(const sl_session_page_sums *sums, void *opaque),
                                 void *opaque) {
    uint32_t in_window = 0;
    for (uint32_t p = 0; p < a->n_pages; p++) {
        if (a->on_page[p] <= 0) continue;
        sl_session_page_sums sums = {a->page_hashes[p], (uint64_t)a->on_page[p], a->duration[p],
                                     (uint64_t)a->entries[p], (uint64_t)a->bounced[p]};
        cb(&sums, opaque);
        in_window++;
    }
    compact_pages(a, in_window);
}
