/* gen_rng.h -- the generator's own PRNG (xoshiro256**, seeded by splitmix64).
 *
 * rand() is neither reproducible across libcs nor splittable; the generator
 * needs independent, seedable streams (journeys vs. delivery delays) so that
 * turning out-of-order delivery on does not change which events are made. */
#ifndef SL_GEN_RNG_H
#define SL_GEN_RNG_H

#include <math.h>
#include <stdint.h>

typedef struct sl_gen_rng {
    uint64_t s[4];
} sl_gen_rng;

static inline uint64_t sl_gen_splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* `stream` picks an independent sequence for the same seed. */
static inline void sl_gen_rng_seed(sl_gen_rng *r, uint64_t seed, uint64_t stream) {
    uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ULL);
    for (int i = 0; i < 4; i++) r->s[i] = sl_gen_splitmix64(&x);
}

static inline uint64_t sl_gen_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t sl_gen_rng_u64(sl_gen_rng *r) {
    uint64_t *s = r->s;
    uint64_t result = sl_gen_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = sl_gen_rotl(s[3], 45);
    return result;
}

/* Uniform in [0, 1) with 53 random bits. */
static inline double sl_gen_rng_unit(sl_gen_rng *r) {
    return (double)(sl_gen_rng_u64(r) >> 11) * 0x1.0p-53;
}

/* Uniform in [0, n) for n ≥ 1 (multiply-shift: no modulo bias worth noting
 * at the catalog sizes used here, and no rejection loop to keep it cheap). */
static inline uint32_t sl_gen_rng_below(sl_gen_rng *r, uint32_t n) {
    return (uint32_t)(((sl_gen_rng_u64(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform integer in [lo, hi]. */
static inline int64_t sl_gen_rng_range(sl_gen_rng *r, int64_t lo, int64_t hi) {
    return lo + (int64_t)(sl_gen_rng_unit(r) * (double)(hi - lo + 1));
}

/* Exponential with the given mean. */
static inline double sl_gen_rng_exp(sl_gen_rng *r, double mean) {
    return -mean * log1p(-sl_gen_rng_unit(r));
}

#endif
