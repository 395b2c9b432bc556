/* prefetch.h -- helpers that start loading memory a loop will need soon.
 *
 * GCC 12's mod-ref analysis takes a function whose only effect is
 * __builtin_prefetch for one with no effect at all and deletes its calls
 * (seen here: a static helper's prefetches were missing from the binary).
 * So a helper that only prefetches is either always inlined into its
 * caller (SL_PREFETCH_INLINE) or, when defined in another file, kept out
 * of interprocedural analysis (SL_PREFETCH_EXTERN). */
#ifndef SL_PREFETCH_H
#define SL_PREFETCH_H

#include <stddef.h>

#define SL_PREFETCH_INLINE static inline __attribute__((always_inline))
#define SL_PREFETCH_EXTERN __attribute__((noipa))

/* Every cache line of [p, p + bytes). */
SL_PREFETCH_INLINE void sl_prefetch_lines(const void *p, size_t bytes) {
    if (!bytes) return;
    const char *c = p, *last = c + bytes - 1;
    for (; c < last; c += 64) __builtin_prefetch(c);
    __builtin_prefetch(last);
}

#endif
