/* keygroup.h -- key groups: the unit in which keyed state moves between workers.
 *
 * As in Flink, every key hashes to one of SL_MAX_KEY_GROUPS key groups, and a
 * stage of parallelism p owns contiguous ranges of them. Exchanges route by
 * the same function, so the worker that receives a key owns its state, and a
 * restore at a different parallelism just re-splits the ranges. */
#ifndef SL_KEYGROUP_H
#define SL_KEYGROUP_H

#include <stdint.h>

#define SL_MAX_KEY_GROUPS 128

static inline uint32_t sl_key_group(uint64_t key_hash) {
    /* Mix once more so that key groups do not depend on the low bits alone. */
    key_hash ^= key_hash >> 33;
    key_hash *= 0xff51afd7ed558ccdULL;
    key_hash ^= key_hash >> 33;
    return (uint32_t)(key_hash % SL_MAX_KEY_GROUPS);
}

static inline uint32_t sl_key_group_subtask(uint32_t key_group, uint32_t parallelism) {
    return key_group * parallelism / SL_MAX_KEY_GROUPS;
}

/* First key group owned by subtask (the range is [first(s), first(s+1))). */
static inline uint32_t sl_key_group_first(uint32_t subtask, uint32_t parallelism) {
    return (subtask * SL_MAX_KEY_GROUPS + parallelism - 1) / parallelism;
}

#endif
