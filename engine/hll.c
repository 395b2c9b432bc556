/* hll.c -- HyperLogLog distinct counting with an exact small-set mode. */
#include "engine/hll.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HLL_M (1u << SL_HLL_PRECISION)           /* registers */
#define HLL_Q (64 - SL_HLL_PRECISION)            /* hash bits left for the rank */
#define HLL_MAX_RANK (HLL_Q + 1)                 /* rank of an all-zero remainder */

/* Encoding: [version][mode] then, exact: u32 count + count sorted u64 hashes
 * (little-endian); dense: HLL_M register bytes. Sorting makes the encoding of
 * a set independent of insertion order, so equal sketches encode equally. */
#define HLL_VERSION 1
#define HLL_MODE_EXACT 0
#define HLL_MODE_DENSE 1
#define HLL_EXACT_HEADER 6
#define HLL_DENSE_BYTES (2 + HLL_M)
#define INLINE_SLOTS 8

struct sl_hll {
    /* Exact mode: an open-addressing set of non-zero hashes (0 marks an empty
     * slot, so a zero hash is remembered by a flag instead). It grows by
     * doubling and is kept at most half full. */
    uint64_t *slots;
    uint32_t cap, used;
    bool has_zero;
    uint8_t *regs;    /* dense mode when non-NULL; slots is then NULL */
    /* The first INLINE_SLOTS slots live in the sketch itself: a window
     * operator keeps a sketch per page and pane, most of which see a few
     * users, so a separate allocation for them doubled the mallocs. */
    uint64_t inline_slots[INLINE_SLOTS];
};

sl_hll *sl_hll_new(void) { return calloc(1, sizeof(sl_hll)); }

static void release_slots(sl_hll *h) {
    if (h->slots != h->inline_slots) free(h->slots);
    h->slots = NULL;
}

void sl_hll_free(sl_hll *h) {
    if (!h) return;
    release_slots(h);
    free(h->regs);
    free(h);
}

void sl_hll_clear(sl_hll *h) {
    free(h->regs);
    h->regs = NULL;
    if (h->slots) memset(h->slots, 0, h->cap * sizeof(uint64_t));
    h->used = 0;
    h->has_zero = false;
}

bool sl_hll_is_exact(const sl_hll *h) { return h->regs == NULL; }

bool sl_hll_foreach_exact(const sl_hll *h, void (*cb)(uint64_t hash, void *opaque), void *opaque) {
    if (h->regs) return false;
    for (uint32_t i = 0; i < h->cap; i++)
        if (h->slots[i]) cb(h->slots[i], opaque);
    if (h->has_zero) cb(0, opaque);
    return true;
}

static uint32_t exact_size(const sl_hll *h) { return h->used + (h->has_zero ? 1u : 0u); }

/* ---- dense registers ---- */

static void dense_add(uint8_t *regs, uint64_t hash) {
    uint32_t idx = (uint32_t)(hash >> HLL_Q);
    /* The guard bit caps the rank at HLL_MAX_RANK when the remainder is 0. */
    uint64_t rest = (hash << SL_HLL_PRECISION) | (1ull << (SL_HLL_PRECISION - 1));
    uint8_t rank = (uint8_t)(__builtin_clzll(rest) + 1);
    if (rank > regs[idx]) regs[idx] = rank;
}

/* Move every exact hash into freshly allocated registers. */
static void to_dense(sl_hll *h) {
    if (h->regs) return;
    h->regs = calloc(HLL_M, 1);
    if (!h->regs) abort();
    for (uint32_t i = 0; i < h->cap; i++)
        if (h->slots[i]) dense_add(h->regs, h->slots[i]);
    if (h->has_zero) dense_add(h->regs, 0);
    release_slots(h);
    h->cap = h->used = 0;
    h->has_zero = false;
}

/* ---- exact set ---- */

/* Hashes are already well mixed: the low bits pick the slot directly. */
static bool slots_insert(uint64_t *slots, uint32_t cap, uint64_t hash) {
    for (uint32_t i = (uint32_t)hash & (cap - 1);; i = (i + 1) & (cap - 1)) {
        if (slots[i] == hash) return false;
        if (slots[i] == 0) {
            slots[i] = hash;
            return true;
        }
    }
}

static void exact_grow(sl_hll *h) {
    if (!h->cap) {
        memset(h->inline_slots, 0, sizeof(h->inline_slots));
        h->slots = h->inline_slots;
        h->cap = INLINE_SLOTS;
        return;
    }
    uint32_t cap = h->cap * 2;
    uint64_t *slots = calloc(cap, sizeof(uint64_t));
    if (!slots) abort();
    for (uint32_t i = 0; i < h->cap; i++)
        if (h->slots[i]) slots_insert(slots, cap, h->slots[i]);
    release_slots(h);
    h->slots = slots;
    h->cap = cap;
}

static bool exact_contains(const sl_hll *h, uint64_t hash) {
    if (hash == 0) return h->has_zero;
    if (!h->cap) return false;
    for (uint32_t i = (uint32_t)hash & (h->cap - 1);; i = (i + 1) & (h->cap - 1)) {
        if (h->slots[i] == hash) return true;
        if (h->slots[i] == 0) return false;
    }
}

static void exact_add(sl_hll *h, uint64_t hash) {
    if (exact_contains(h, hash)) return;
    if (exact_size(h) == SL_HLL_EXACT_LIMIT) {   /* one more would overflow the limit */
        to_dense(h);
        dense_add(h->regs, hash);
        return;
    }
    if (hash == 0) {
        h->has_zero = true;
        return;
    }
    /* At most 3/4 full: more sketches stay in their inline slots (a pane
     * brings few users per page), and linear probes are still short. */
    if (4 * (h->used + 1) > 3 * h->cap) exact_grow(h);
    slots_insert(h->slots, h->cap, hash);
    h->used++;
}

void sl_hll_add(sl_hll *h, uint64_t hash) {
    if (h->regs) dense_add(h->regs, hash);
    else exact_add(h, hash);
}

void sl_hll_merge(sl_hll *into, const sl_hll *from) {
    if (into == from) return;
    if (!from->regs) {
        for (uint32_t i = 0; i < from->cap; i++)
            if (from->slots[i]) sl_hll_add(into, from->slots[i]);
        if (from->has_zero) sl_hll_add(into, 0);
        return;
    }
    to_dense(into);
    for (uint32_t i = 0; i < HLL_M; i++)
        if (from->regs[i] > into->regs[i]) into->regs[i] = from->regs[i];
}

/* ---- estimation ----
 * Small range: linear counting over the empty registers, m·ln(m/V), which is
 * more accurate than HyperLogLog while the sketch is lightly loaded. Above
 * that, the raw HyperLogLog estimate α·m²/Σ2^-M is biased upward up to ~5m;
 * instead of empirical bias tables we use Ertl's improved estimator ("New
 * cardinality estimation algorithms for HyperLogLog sketches", 2017), whose
 * σ and τ terms account for empty and saturated registers analytically and
 * leave no bias to correct over the whole range. */

static double ertl_sigma(double x) {
    if (x == 1.0) return INFINITY;
    double y = 1.0, z = x, prev;
    do {
        x *= x;
        prev = z;
        z += x * y;
        y += y;
    } while (z != prev);
    return z;
}

static double ertl_tau(double x) {
    if (x == 0.0 || x == 1.0) return 0.0;
    double y = 1.0, z = 1.0 - x, prev;
    do {
        x = sqrt(x);
        prev = z;
        y *= 0.5;
        z -= (1.0 - x) * (1.0 - x) * y;
    } while (z != prev);
    return z / 3.0;
}

static double dense_estimate(const uint8_t *regs) {
    uint32_t hist[HLL_MAX_RANK + 1] = {0};
    for (uint32_t i = 0; i < HLL_M; i++) hist[regs[i]]++;
    const double m = HLL_M;
    /* Linear counting is the better estimator below ~2.5m (its error there
     * stays under HyperLogLog's 1.04/sqrt(m)). */
    if (hist[0] > 0) {
        double lc = m * log(m / hist[0]);
        if (lc <= 2.5 * m) return lc;
    }
    double z = m * ertl_tau(1.0 - hist[HLL_Q + 1] / m);
    for (int k = HLL_Q; k >= 1; k--) z = 0.5 * (z + hist[k]);
    z += m * ertl_sigma(hist[0] / m);
    return m * m / (2.0 * log(2.0) * z);
}

uint64_t sl_hll_count(const sl_hll *h) {
    if (!h->regs) return exact_size(h);
    return (uint64_t)llround(dense_estimate(h->regs));
}

/* ---- serialization ---- */

static void put_u64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_u64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

size_t sl_hll_encode(const sl_hll *h, uint8_t *buf, size_t cap) {
    if (h->regs) {
        if (cap < HLL_DENSE_BYTES) return HLL_DENSE_BYTES;
        buf[0] = HLL_VERSION;
        buf[1] = HLL_MODE_DENSE;
        memcpy(buf + 2, h->regs, HLL_M);
        return HLL_DENSE_BYTES;
    }
    uint32_t n = exact_size(h);
    size_t need = HLL_EXACT_HEADER + (size_t)n * 8;
    if (cap < need) return need;
    buf[0] = HLL_VERSION;
    buf[1] = HLL_MODE_EXACT;
    for (int i = 0; i < 4; i++) buf[2 + i] = (uint8_t)(n >> (8 * i));
    /* Sorted so that equal sets encode to equal bytes. */
    uint64_t *vals = malloc((size_t)n * sizeof(uint64_t) + 1);
    if (!vals) abort();
    uint32_t k = 0;
    if (h->has_zero) vals[k++] = 0;
    for (uint32_t i = 0; i < h->cap; i++)
        if (h->slots[i]) vals[k++] = h->slots[i];
    qsort(vals, n, sizeof(uint64_t), cmp_u64);
    for (uint32_t i = 0; i < n; i++) put_u64(buf + HLL_EXACT_HEADER + 8 * (size_t)i, vals[i]);
    free(vals);
    return need;
}

static sl_hll *decode_exact(const uint8_t *buf, size_t len) {
    if (len < HLL_EXACT_HEADER) return NULL;
    uint32_t n = 0;
    for (int i = 0; i < 4; i++) n |= (uint32_t)buf[2 + i] << (8 * i);
    if (n > SL_HLL_EXACT_LIMIT || len != HLL_EXACT_HEADER + (size_t)n * 8) return NULL;
    sl_hll *h = sl_hll_new();
    if (!h) return NULL;
    uint64_t prev = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t v = get_u64(buf + HLL_EXACT_HEADER + 8 * (size_t)i);
        if (i > 0 && v <= prev) {   /* not strictly ascending: duplicates or tampering */
            sl_hll_free(h);
            return NULL;
        }
        exact_add(h, v);
        prev = v;
    }
    return h;
}

static sl_hll *decode_dense(const uint8_t *buf, size_t len) {
    if (len != HLL_DENSE_BYTES) return NULL;
    for (size_t i = 2; i < len; i++)
        if (buf[i] > HLL_MAX_RANK) return NULL;
    sl_hll *h = sl_hll_new();
    if (!h) return NULL;
    h->regs = malloc(HLL_M);
    if (!h->regs) {
        free(h);
        return NULL;
    }
    memcpy(h->regs, buf + 2, HLL_M);
    return h;
}

sl_hll *sl_hll_decode(const uint8_t *buf, size_t len) {
    if (!buf || len < 2 || buf[0] != HLL_VERSION) return NULL;
    if (buf[1] == HLL_MODE_EXACT) return decode_exact(buf, len);
    if (buf[1] == HLL_MODE_DENSE) return decode_dense(buf, len);
    return NULL;
}
