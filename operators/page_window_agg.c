/* page_window_agg.c -- running per-page window counts and distinct users (see the header). */
#include "operators/page_window_agg.h"

#include <stdlib.h>
#include <string.h>

#include "engine/hash_index.h"

/* One pane of the window as a page holds it: what its leave takes out. */
typedef struct pane_part {
    int64_t pane;
    uint64_t counts[SL_PAGE_AGG_COUNTS];
    bool dense;                  /* its sketch could not name its users */
} pane_part;

/* A page's panes in the window, oldest first, in a ring. A pane is named
 * by its sequence number (the how-manyth pane of the page it is; 32 bits,
 * wrapping), which a user keeps for its latest pane: the window holds the
 * sequence numbers [oldest, next). */
typedef struct pane_ring {
    pane_part *parts;            /* [cap], cap a power of two; a pane at seq & (cap - 1) */
    /* [cap] users of the page whose latest pane each pane is: apart from
     * the parts, since a user seen again counts down its previous latest
     * pane, anywhere in the window, and a whole page's counters then take
     * a few cache lines instead of one per pane. */
    uint32_t *latest_users;
    uint32_t cap, oldest, next;
} pane_ring;

static uint32_t ring_panes(const pane_ring *r) { return r->next - r->oldest; }
static bool ring_holds(const pane_ring *r, uint32_t seq) { return seq - r->oldest < ring_panes(r); }
static uint32_t ring_slot(const pane_ring *r, uint32_t seq) { return seq & (r->cap - 1); }
static pane_part *ring_at(const pane_ring *r, uint32_t seq) { return &r->parts[ring_slot(r, seq)]; }
static uint32_t *latest_users(const pane_ring *r, uint32_t seq) { return &r->latest_users[ring_slot(r, seq)]; }

/* The page's users, each with the sequence number of its latest pane:
 * linear probing, 0 marks an empty slot (a zero hash is kept on the side).
 * A user whose latest pane left is not removed (it may come back, and a
 * removal would probe a set that is out of the CPU caches by then): its
 * slot is simply out of the window, and is dropped when the set is
 * rebuilt to make room (user_set_rebuild). */
typedef struct user_slot {
    uint64_t key;
    uint32_t latest;
} user_slot;

typedef struct user_set {
    user_slot *slots;
    uint32_t cap, used;          /* used: slots with a key, in the window or not */
    bool zero_seen;
    uint32_t zero_latest;
} user_set;

static uint32_t home_slot(const user_set *s, uint64_t hash) { return (uint32_t)hash & (s->cap - 1); }

typedef struct page_entry {
    uint64_t page_hash;
    uint32_t dense_panes;        /* panes in the window whose sketch is not exact */
    uint64_t users;              /* distinct users in the window's exact panes */
    int64_t counts[SL_PAGE_AGG_COUNTS];
    pane_ring panes;
    user_set user_set;
} page_entry;

/* One user of a page's entering pane, not yet counted. */
typedef struct user_move {
    uint32_t page;               /* index in pages[] */
    uint32_t seq;                /* the pane's sequence number in the page's ring */
    uint64_t hash;
} user_move;

/* Moves wait in a queue of this many before they are counted (see queue_move). */
#define USER_MOVES 256

struct sl_page_agg {
    sl_hash_index index;         /* page hash -> pages[] */
    page_entry *pages;
    uint32_t n_pages, cap_pages;
    user_slot *kept;             /* scratch for rebuilding a user set */
    uint32_t kept_cap;
    user_move moves[USER_MOVES];
    uint32_t n_moves;
};

sl_page_agg *sl_page_agg_new(void) {
    sl_page_agg *a = calloc(1, sizeof(*a));
    if (!a) abort();
    sl_hash_index_init(&a->index);
    return a;
}

static void page_entry_free(page_entry *p) {
    free(p->user_set.slots);
    free(p->panes.parts);
    free(p->panes.latest_users);
}

void sl_page_agg_free(sl_page_agg *a) {
    if (!a) return;
    for (uint32_t i = 0; i < a->n_pages; i++) page_entry_free(&a->pages[i]);
    free(a->pages);
    sl_hash_index_free(&a->index);
    free(a->kept);
    free(a);
}

/* ---- a page's panes ---- */

static uint32_t ring_push(pane_ring *r, int64_t pane, const uint64_t counts[SL_PAGE_AGG_COUNTS]) {
    if (ring_panes(r) == r->cap) {
        pane_ring grown = *r;
        grown.cap = r->cap ? 2 * r->cap : 8;
        grown.parts = malloc(grown.cap * sizeof(pane_part));
        grown.latest_users = malloc(grown.cap * sizeof(uint32_t));
        if (!grown.parts || !grown.latest_users) abort();
        for (uint32_t seq = r->oldest; seq != r->next; seq++) {
            *ring_at(&grown, seq) = *ring_at(r, seq);
            *latest_users(&grown, seq) = *latest_users(r, seq);
        }
        free(r->parts);
        free(r->latest_users);
        *r = grown;
    }
    pane_part *p = ring_at(r, r->next);
    *p = (pane_part){.pane = pane};
    memcpy(p->counts, counts, sizeof(p->counts));
    *latest_users(r, r->next) = 0;
    return r->next++;
}

/* ---- a page's users ---- */

/* The slot that holds hash, or the empty slot where it would go (cap > 0). */
static uint32_t user_slot_of(const user_set *s, uint64_t hash) {
    uint32_t i = home_slot(s, hash);
    while (s->slots[i].key && s->slots[i].key != hash) i = (i + 1) & (s->cap - 1);
    return i;
}

/* Make room for one more user: the users in the window are taken out
 * (into `kept`, the caller's scratch) and put back into the same slots,
 * cleared -- or into a larger table when they would fill more than a
 * quarter of it. The slots of users gone are dropped. Reusing the table
 * keeps it in the CPU caches; a new one would start cold. */
static void user_set_rebuild(user_set *s, const pane_ring *r, user_slot **kept, uint32_t *kept_cap) {
    uint32_t live = 0;
    for (uint32_t i = 0; i < s->cap; i++) {
        if (!s->slots[i].key || !ring_holds(r, s->slots[i].latest)) continue;
        if (live == *kept_cap) {
            *kept_cap = *kept_cap ? 2 * *kept_cap : 256;
            *kept = realloc(*kept, *kept_cap * sizeof(user_slot));
            if (!*kept) abort();
        }
        (*kept)[live++] = s->slots[i];
    }
    uint32_t cap = 64;
    while (cap < 4 * (live + 1)) cap *= 2;
    if (cap > s->cap) {
        free(s->slots);
        s->slots = malloc(cap * sizeof(user_slot));
        if (!s->slots) abort();
        s->cap = cap;
    }
    memset(s->slots, 0, s->cap * sizeof(user_slot));
    for (uint32_t i = 0; i < live; i++) s->slots[user_slot_of(s, (*kept)[i].key)] = (*kept)[i];
    s->used = live;
}

/* The user's latest pane of page p becomes pane `seq`, the newest. */
static void user_seen(sl_page_agg *a, page_entry *p, uint64_t hash, uint32_t seq) {
    user_set *s = &p->user_set;
    bool seen;
    uint32_t *latest;
    if (!hash) {
        seen = s->zero_seen;
        s->zero_seen = true;
        latest = &s->zero_latest;
    } else {
        if (2 * (s->used + 1) > s->cap) user_set_rebuild(s, &p->panes, &a->kept, &a->kept_cap);
        user_slot *slot = &s->slots[user_slot_of(s, hash)];
        seen = slot->key != 0;
        if (!seen) {
            slot->key = hash;
            s->used++;
        }
        latest = &slot->latest;
    }
    if (seen && ring_holds(&p->panes, *latest)) (*latest_users(&p->panes, *latest))--;
    else p->users++;
    *latest = seq;
    (*latest_users(&p->panes, seq))++;
}

/* ---- moving users in batches ----
 *
 * With many panes per window the pages' user sets outgrow the CPU caches
 * and nearly every lookup misses, while a pane brings only a few users per
 * page. So the users of every page of a pane queue up, each one's slot is
 * prefetched as it joins, and they are counted a whole queue at a time:
 * the misses overlap instead of following one another. Moves are counted
 * in the order they came, and before anything reads a set or a pane leaves. */

static void count_moves(sl_page_agg *a) {
    for (uint32_t i = 0; i < a->n_moves; i++) {
        const user_move *mv = &a->moves[i];
        user_seen(a, &a->pages[mv->page], mv->hash, mv->seq);
    }
    a->n_moves = 0;
}

typedef struct move_batch {
    sl_page_agg *a;
    uint32_t page, seq;
} move_batch;

static void queue_move(uint64_t hash, void *opaque) {
    const move_batch *b = opaque;
    sl_page_agg *a = b->a;
    const user_set *s = &a->pages[b->page].user_set;
    if (s->cap) __builtin_prefetch(&s->slots[home_slot(s, hash)]);
    a->moves[a->n_moves++] = (user_move){b->page, b->seq, hash};
    if (a->n_moves == USER_MOVES) count_moves(a);
}

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

void sl_page_agg_enter(sl_page_agg *a, uint64_t page_hash, int64_t pane, const uint64_t counts[SL_PAGE_AGG_COUNTS],
                       const sl_hll *users) {
    page_entry *p = page_for(a, page_hash);
    uint32_t seq = ring_push(&p->panes, pane, counts);
    for (int t = 0; t < SL_PAGE_AGG_COUNTS; t++) p->counts[t] += (int64_t)counts[t];
    move_batch b = {a, (uint32_t)(p - a->pages), seq};
    if (!sl_hll_foreach_exact(users, queue_move, &b)) {   /* queues nothing when the sketch is not exact */
        ring_at(&p->panes, seq)->dense = true;
        p->dense_panes++;
    }
}

/* A page with no pane left in the window keeps its entry (and its
 * allocations, for when it comes back) until such pages outnumber those in
 * the window; then they go, and the index is rebuilt. So a leave's and a
 * firing's pass over the pages follows the pages of the window, not every
 * page ever seen -- a shop's catalog churns (amortized O(1) per page).
 * Runs with no user move queued: moves name pages by position. */
static void compact_pages(sl_page_agg *a, uint32_t in_window) {
    if (!sl_hash_index_rebuild_due(a->n_pages, in_window)) return;
    sl_hash_index_clear(&a->index);
    uint32_t kept = 0;
    for (uint32_t i = 0; i < a->n_pages; i++) {
        page_entry *p = &a->pages[i];
        if (!ring_panes(&p->panes)) {
            page_entry_free(p);
            continue;
        }
        bool inserted;
        sl_hash_index_upsert(&a->index, p->page_hash, &inserted);   /* position `kept`, as below */
        a->pages[kept++] = *p;
    }
    a->n_pages = kept;
}

void sl_page_agg_leave(sl_page_agg *a, int64_t pane) {
    count_moves(a);
    uint32_t in_window = 0;
    for (uint32_t i = 0; i < a->n_pages; i++) {
        page_entry *p = &a->pages[i];
        pane_ring *r = &p->panes;
        for (; ring_panes(r) && ring_at(r, r->oldest)->pane <= pane; r->oldest++) {
            const pane_part *part = ring_at(r, r->oldest);
            for (int t = 0; t < SL_PAGE_AGG_COUNTS; t++) p->counts[t] -= (int64_t)part->counts[t];
            p->users -= *latest_users(r, r->oldest);
            p->dense_panes -= part->dense;
        }
        in_window += ring_panes(r) != 0;
    }
    compact_pages(a, in_window);
}

void sl_page_agg_foreach(sl_page_agg *a, void (*cb)(const sl_page_window_sums *sums, void *opaque), void *opaque) {
    count_moves(a);
    for (uint32_t i = 0; i < a->n_pages; i++) {
        const page_entry *p = &a->pages[i];
        if (!ring_panes(&p->panes)) continue;
        sl_page_window_sums sums = {.page_hash = p->page_hash, .users_known = p->dense_panes == 0};
        for (int t = 0; t < SL_PAGE_AGG_COUNTS; t++) sums.counts[t] = (uint64_t)p->counts[t];
        if (sums.users_known) sums.unique_users = p->users;
        cb(&sums, opaque);
    }
}
