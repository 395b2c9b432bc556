/* hll_window.c -- HyperLogLog registers that follow a sliding window (see the header). */
#include "engine/hll_window.h"

#include <stdbool.h>
#include <stdlib.h>

_Static_assert(SL_HLL_REGISTERS <= 65536, "a register number fits in 16 bits");

/* The registers a pane holds. A register that moved on to a newer pane
 * (or fell) stays listed here; the leave skips it. */
typedef struct held_list {
    uint16_t *regs;
    uint32_t n, cap;
} held_list;

struct sl_hll_window {
    uint8_t rank[SL_HLL_REGISTERS];
    uint32_t holder[SL_HLL_REGISTERS];    /* the pane holding each non-zero register */
    uint32_t hist[SL_HLL_MAX_RANK + 1];   /* registers per rank */
    /* Panes [oldest, oldest + cap) in a ring, pane p at p & (cap - 1). */
    held_list *panes;
    uint32_t cap, oldest;
};

static bool newer(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }

static held_list *list_of(const sl_hll_window *w, uint32_t pane) { return &w->panes[pane & (w->cap - 1)]; }

sl_hll_window *sl_hll_window_new(uint32_t oldest) {
    sl_hll_window *w = calloc(1, sizeof(*w));
    if (!w) abort();
    w->hist[0] = SL_HLL_REGISTERS;
    w->oldest = oldest;
    return w;
}

void sl_hll_window_free(sl_hll_window *w) {
    if (!w) return;
    for (uint32_t i = 0; i < w->cap; i++) free(w->panes[i].regs);
    free(w->panes);
    free(w);
}

/* Room in the ring for `pane`. */
static void reserve_pane(sl_hll_window *w, uint32_t pane) {
    if (pane - w->oldest < w->cap) return;
    uint32_t cap = w->cap ? w->cap : 8;
    while (pane - w->oldest >= cap) cap *= 2;
    held_list *panes = calloc(cap, sizeof(held_list));
    if (!panes) abort();
    for (uint32_t k = 0; k < w->cap; k++) panes[(w->oldest + k) & (cap - 1)] = *list_of(w, w->oldest + k);
    free(w->panes);
    w->panes = panes;
    w->cap = cap;
}

/* Pane `pane` now holds register reg. */
static void hold(sl_hll_window *w, uint32_t reg, uint32_t pane) {
    w->holder[reg] = pane;
    held_list *l = list_of(w, pane);
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 8;
        l->regs = realloc(l->regs, l->cap * sizeof(uint16_t));
        if (!l->regs) abort();
    }
    l->regs[l->n++] = (uint16_t)reg;
}

static void set_rank(sl_hll_window *w, uint32_t reg, uint8_t rank) {
    w->hist[w->rank[reg]]--;
    w->hist[rank]++;
    w->rank[reg] = rank;
}

void sl_hll_window_seen(sl_hll_window *w, uint64_t hash, uint32_t pane) {
    uint32_t reg = sl_hll_register_of(hash);
    uint8_t rank = sl_hll_rank_of(hash), had = w->rank[reg];
    if (rank < had) return;
    bool already_held = had && w->holder[reg] == pane;   /* listed under this pane */
    if (rank == had && !newer(pane, w->holder[reg])) return;
    if (rank > had) set_rank(w, reg, rank);
    if (already_held) return;
    reserve_pane(w, pane);
    hold(w, reg, pane);
}

void sl_hll_window_leave(sl_hll_window *w, uint32_t pane, sl_hll_window_rescan_fn rescan, void *opaque) {
    for (; !newer(w->oldest, pane); w->oldest++) {
        if (!w->cap) continue;
        /* A rescan lists a register under a newer pane, never this one:
         * the owner's latest panes are all in the window, newer than it.
         * Making room for that pane may move the ring: the list is found
         * again at each step. */
        for (uint32_t i = 0; i < list_of(w, w->oldest)->n; i++) {
            uint32_t reg = list_of(w, w->oldest)->regs[i];
            if (!w->rank[reg] || w->holder[reg] != w->oldest) continue;
            uint8_t rank;
            uint32_t latest;
            rescan(reg, &rank, &latest, opaque);
            set_rank(w, reg, rank);
            if (!rank) continue;
            reserve_pane(w, latest);
            hold(w, reg, latest);
        }
        list_of(w, w->oldest)->n = 0;
    }
}

uint64_t sl_hll_window_count(const sl_hll_window *w) { return sl_hll_estimate(w->hist); }

uint8_t sl_hll_window_register(const sl_hll_window *w, uint32_t reg) { return w->rank[reg]; }
