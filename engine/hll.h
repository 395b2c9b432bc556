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
