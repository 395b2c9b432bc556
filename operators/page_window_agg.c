/* page_window_agg.c -- running per-page window counts and distinct users (see the header). */
#include "operators/page_window_agg.h"

#include <stdlib.h>
#include <string.h>

#include "engine/hash_index.h"

/* A counted multiset of user hashes: linear probing, 0 marks an empty slot
 * (a zero hash is counted on the side), backward-shift deletion. A hash and
 * its count share a slot: with many panes per window the sets of the pages
 * outgrow the CPU caches, and an add or remove then misses once, not twice. */
typedef struct user_slot {
    uint64_t key;
    uint32_t panes;
} user_slot;

typedef struct user_multiset {
    user_slot *slots;
    uint32_t cap, used;
    uint32_t zero_panes;
} user_multiset;

static uint32_t home_slot(const user_multiset *s, uint64_t hash) { return (uint32_t)hash & (s->cap - 1); }

typedef struct page_entry {
    uint64_t page_hash;
    uint32_t panes;              /* panes in the window with a value for the page */
    uint32_t dense_panes;        /* ... whose user sketch is not exact */
    int64_t counts[SL_PAGE_AGG_COUNTS];
    user_multiset users;
} page_entry;

/* One user entering or leaving one page's multiset, not yet counted. */
typedef struct user_move {
    uint32_t page;               /* index in pages[] */
    bool enters;
    uint64_t hash;
} user_move;

/* Moves wait in a queue of this many before they are counted (see queue_move). */
#define USER_MOVES 256

struct sl_page_agg {
    sl_hash_index index;         /* page hash -> pages[] */
    page_entry *pages;
    uint32_t n_pages, cap_pages;
    sl_hll *scratch;             /* for estimates above the exact limit */
    user_move moves[USER_MOVES];
    uint32_t n_moves;
};

sl_page_agg *sl_page_agg_new(void) {
    sl_page_agg *a = calloc(1, sizeof(*a));
    if (!a) abort();
    sl_hash_index_init(&a->index);
    a->scratch = sl_hll_new();
    return a;
}

void sl_page_agg_free(sl_page_agg *a) {
    if (!a) return;
    for (uint32_t i = 0; i < a->n_pages; i++) {
        free(a->pages[i].users.slots);
    }
    free(a->pages);
    sl_hash_index_free(&a->index);
    sl_hll_free(a->scratch);
    free(a);
}

/* ---- the multiset ---- */

/* The slot that holds hash, or the empty slot where it would go (cap > 0). */
static uint32_t multiset_slot(const user_multiset *s, uint64_t hash) {
    uint32_t i = home_slot(s, hash);
    while (s->slots[i].key && s->slots[i].key != hash) i = (i + 1) & (s->cap - 1);
    return i;
}

static void multiset_grow(user_multiset *s) {
    user_multiset grown = *s;
    grown.cap = s->cap ? 2 * s->cap : 64;
    grown.slots = calloc(grown.cap, sizeof(user_slot));
    if (!grown.slots) abort();
    for (uint32_t i = 0; i < s->cap; i++)
        if (s->slots[i].key) grown.slots[multiset_slot(&grown, s->slots[i].key)] = s->slots[i];
    free(s->slots);
    *s = grown;
}

static void multiset_add(user_multiset *s, uint64_t hash) {
    if (!hash) {
        s->zero_panes++;
        return;
    }
    if (2 * (s->used + 1) > s->cap) multiset_grow(s);
    uint32_t i = multiset_slot(s, hash);
    if (!s->slots[i].key) {
        s->slots[i].key = hash;
        s->used++;
    }
    s->slots[i].panes++;
}

/* Close the gap at slot i: move back every later entry of the probe run
 * whose home slot does not lie cyclically in (i, j]. */
static void multiset_delete_at(user_multiset *s, uint32_t i) {
    uint32_t mask = s->cap - 1;
    for (uint32_t j = (i + 1) & mask; s->slots[j].key; j = (j + 1) & mask) {
        uint32_t home = home_slot(s, s->slots[j].key);
        bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
        if (stays) continue;
        s->slots[i] = s->slots[j];
        i = j;
    }
    s->slots[i] = (user_slot){0};
    s->used--;
}

static void multiset_remove(user_multiset *s, uint64_t hash) {
    if (!hash) {
        if (s->zero_panes) s->zero_panes--;
        return;
    }
    if (!s->cap) return;
    uint32_t i = multiset_slot(s, hash);
    if (s->slots[i].key && --s->slots[i].panes == 0) multiset_delete_at(s, i);
}

/* ---- moving users in batches ----
 *
 * With many panes per window the pages' multisets outgrow the CPU caches
 * and nearly every add or remove misses, while a pane brings only a few
 * users per page. So the users of every page of a pane queue up, each
 * one's slot is prefetched as it joins, and they are counted a whole
 * queue at a time: the misses overlap instead of following one another.
 * Moves are counted in the order they came, and before anything reads a
 * multiset. */

static void count_moves(sl_page_agg *a) {
    for (uint32_t i = 0; i < a->n_moves; i++) {
        const user_move *mv = &a->moves[i];
        (mv->enters ? multiset_add : multiset_remove)(&a->pages[mv->page].users, mv->hash);
    }
    a->n_moves = 0;
}

typedef struct move_batch {
    sl_page_agg *a;
    uint32_t page;
    bool enters;
} move_batch;

static void queue_move(uint64_t hash, void *opaque) {
    const move_batch *b = opaque;
    sl_page_agg *a = b->a;
    const user_multiset *s = &a->pages[b->page].users;
    if (s->cap) __builtin_prefetch(&s->slots[home_slot(s, hash)]);
    a->moves[a->n_moves++] = (user_move){b->page, b->enters, hash};
    if (a->n_moves == USER_MOVES) count_moves(a);
}

/* Queue every user of a pane's sketch of page p; false (nothing queued)
 * when the sketch is not exact. */
static bool queue_users(sl_page_agg *a, const page_entry *p, const sl_hll *users, bool enters) {
    move_batch b = {a, (uint32_t)(p - a->pages), enters};
    return sl_hll_foreach_exact(users, queue_move, &b);
}

static uint64_t multiset_distinct(const user_multiset *s) { return s->used + (s->zero_panes ? 1u : 0u); }

/* ---- pages ---- */

static page_entry *page_for(sl_page_agg *a, uint64_t page_hash) {
    bool inserted;
    uint32_t i = sl_hash_index_upsert(&a->index, page_hash, &inserted);
    if (inserted) {
        if (i == a->cap_pages) {
            a->cap_pages = a->cap_pages ? 2 * a->cap_pages : 128;
            a->pages = realloc(a->pages, a->cap_pages * sizeof(page_entry));
            if (!a->pages) abort();
        }
        a->pages[i] = (page_entry){.page_hash = page_hash};
        a->n_pages = i + 1;
    }
    return &a->pages[i];
}

void sl_page_agg_enter(sl_page_agg *a, uint64_t page_hash, const uint64_t counts[SL_PAGE_AGG_COUNTS],
                       const sl_hll *users) {
    page_entry *p = page_for(a, page_hash);
    p->panes++;
    for (int t = 0; t < SL_PAGE_AGG_COUNTS; t++) p->counts[t] += (int64_t)counts[t];
    if (!queue_users(a, p, users, true)) p->dense_panes++;
}

void sl_page_agg_leave(sl_page_agg *a, uint64_t page_hash, const uint64_t counts[SL_PAGE_AGG_COUNTS],
                       const sl_hll *users) {
    uint32_t i = sl_hash_index_find(&a->index, page_hash);
    if (i == UINT32_MAX || !a->pages[i].panes) return;
    page_entry *p = &a->pages[i];
    p->panes--;
    for (int t = 0; t < SL_PAGE_AGG_COUNTS; t++) p->counts[t] -= (int64_t)counts[t];
    if (!queue_users(a, p, users, false)) p->dense_panes--;
}

/* What merging the panes' sketches would count: exact up to the limit, else
 * the estimate of a sketch of the same hashes. */
static uint64_t distinct_users(sl_page_agg *a, const user_multiset *s) {
    uint64_t n = multiset_distinct(s);
    if (n <= SL_HLL_EXACT_LIMIT) return n;
    sl_hll_clear(a->scratch);
    for (uint32_t i = 0; i < s->cap; i++)
        if (s->slots[i].key) sl_hll_add(a->scratch, s->slots[i].key);
    if (s->zero_panes) sl_hll_add(a->scratch, 0);
    return sl_hll_count(a->scratch);
}

void sl_page_agg_foreach(sl_page_agg *a, void (*cb)(const sl_page_window_sums *sums, void *opaque), void *opaque) {
    count_moves(a);
    for (uint32_t i = 0; i < a->n_pages; i++) {
        const page_entry *p = &a->pages[i];
        if (!p->panes) continue;
        sl_page_window_sums sums = {.page_hash = p->page_hash, .users_known = p->dense_panes == 0};
        for (int t = 0; t < SL_PAGE_AGG_COUNTS; t++) sums.counts[t] = (uint64_t)p->counts[t];
        if (sums.users_known) sums.unique_users = distinct_users(a, &p->users);
        cb(&sums, opaque);
    }
}
