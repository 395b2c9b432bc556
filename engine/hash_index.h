/* hash_index.h -- open-addressing map from a 64-bit key hash to a dense index.
 *
 * Operators keep their per-fire accumulators in plain arrays and use this to
 * find the slot of a key; clearing it between firings keeps the memory, so a
 * steady-state firing allocates nothing. */
#ifndef SL_HASH_INDEX_H
#define SL_HASH_INDEX_H

#include <stdbool.h>
#include <stdint.h>

typedef struct sl_hash_index {
    uint64_t *keys;
    uint32_t *values;     /* dense index + 1; 0 = empty slot */
    uint32_t cap, count;  /* cap is a power of two */
} sl_hash_index;

void sl_hash_index_init(sl_hash_index *h);
void sl_hash_index_free(sl_hash_index *h);
void sl_hash_index_clear(sl_hash_index *h);
/* The index of key; when absent, it becomes `count` (the next dense index)
 * and *inserted is set. */
uint32_t sl_hash_index_upsert(sl_hash_index *h, uint64_t key, bool *inserted);
/* The index of key, or UINT32_MAX. */
uint32_t sl_hash_index_find(const sl_hash_index *h, uint64_t key);
/* Should a dense array indexed here drop its dead entries (entries no
 * longer in use that keep their index and place, in case they come back)
 * and rebuild the index over the rest? Once the dead outnumber both 4,096
 * and the live: amortized O(1) per entry, and small tables never rebuild. */
static inline bool sl_hash_index_rebuild_due(uint32_t entries, uint32_t live) {
    uint32_t dead = entries - live;
    return dead > 4096 && dead > live;
}
/* Start loading the slot where key's search begins (for a find or upsert
 * soon after: a loop over many keys hides the cache misses this way). */
void sl_hash_index_prefetch(const sl_hash_index *h, uint64_t key);

#endif
