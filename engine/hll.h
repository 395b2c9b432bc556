/* hll.h -- mergeable distinct counting (HyperLogLog with an exact small-set mode).
 *
 * Below SL_HLL_EXACT_LIMIT distinct hashes the sketch keeps the hashes
 * themselves and counts exactly; past it, it converts to a dense HyperLogLog
 * of 2^SL_HLL_PRECISION registers (standard error 1.04/sqrt(m) ≈ 0.8 %) with
 * the usual small- and large-range corrections. Merge is exact-set union or
 * register max, so per-slice sketches combine into a window's count. */
#ifndef SL_HLL_H
#define SL_HLL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SL_HLL_PRECISION 14
#define SL_HLL_EXACT_LIMIT 2048

typedef struct sl_hll sl_hll;   /* opaque; owns its memory */

/* The dense sketch's registers, for code that keeps registers of its own
 * (engine/hll_window.h): a hash goes to register sl_hll_register_of(hash)
 * and offers it sl_hll_rank_of(hash), 1..SL_HLL_MAX_RANK; a register holds
 * the highest rank offered, 0 when none. */
#define SL_HLL_REGISTERS (1u << SL_HLL_PRECISION)
#define SL_HLL_MAX_RANK (64 - SL_HLL_PRECISION + 1)

static inline uint32_t sl_hll_register_of(uint64_t hash) { return (uint32_t)(hash >> (64 - SL_HLL_PRECISION)); }

static inline uint8_t sl_hll_rank_of(uint64_t hash) {
    /* The guard bit caps the rank at SL_HLL_MAX_RANK when the rest is 0. */
    uint64_t rest = (hash << SL_HLL_PRECISION) | (1ull << (SL_HLL_PRECISION - 1));
    return (uint8_t)(__builtin_clzll(rest) + 1);
}

/* The estimate of registers of which hist[r] hold rank r (r = 0..SL_HLL_MAX_RANK):
 * what sl_hll_count gives for a dense sketch with those registers. */
uint64_t sl_hll_estimate(const uint32_t hist[SL_HLL_MAX_RANK + 1]);

sl_hll *sl_hll_new(void);
void sl_hll_free(sl_hll *h);
void sl_hll_clear(sl_hll *h);
void sl_hll_add(sl_hll *h, uint64_t hash);         /* hash: a well-mixed 64-bit hash (XXH3) */
void sl_hll_merge(sl_hll *into, const sl_hll *from);
uint64_t sl_hll_count(const sl_hll *h);
bool sl_hll_is_exact(const sl_hll *h);
/* Visit every hash of an exact sketch (unspecified order) and return true;
 * a dense sketch has no hashes left: return false without visiting. */
bool sl_hll_foreach_exact(const sl_hll *h, void (*cb)(uint64_t hash, void *opaque), void *opaque);
/* Serialization for state/checkpoints: returns bytes needed (write nothing
 * when cap is too small); decode returns NULL on corrupt input. */
size_t sl_hll_encode(const sl_hll *h, uint8_t *buf, size_t cap);
sl_hll *sl_hll_decode(const uint8_t *buf, size_t len);

#endif
