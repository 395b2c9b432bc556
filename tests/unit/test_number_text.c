/* test_number_text.c -- sl_u64_text and sl_double_text write exactly what snprintf writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "operators/number_text.h"

static uint64_t rng_state = 0x243f6a8885a308d3u;
static uint64_t next_random(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void assert_as_printf(double v) {
    char got[SL_DOUBLE_TEXT_MAX], want[SL_DOUBLE_TEXT_MAX];
    size_t n = sl_double_text(v, got);
    snprintf(want, sizeof(want), "%.17g", v);
    if (strcmp(got, want) != 0 || n != strlen(want)) fail_msg("%a: got '%s' (%zu), printf '%s'", v, got, n, want);
}

static void integers_of_every_length(void **state) {
    for (int i = 0; i < 1000000; i++) {
        uint64_t v = next_random() >> (next_random() % 64);   /* every digit count */
        if (i < 64) v = i < 32 ? (uint64_t)i : UINT64_MAX - (uint64_t)(i - 32);
        char digits[SL_U64_TEXT_MAX], want[32];
        const char *p = sl_u64_text(v, digits);
        snprintf(want, sizeof(want), "%" PRIu64, v);
        assert_int_equal((size_t)(digits + sizeof(digits) - p), strlen(want));
        assert_memory_equal(p, want, strlen(want));
    }
}

static void the_values_results_hold(void **state) {
    /* rates and means: a / b as the window operators divide */
    for (int i = 0; i < 2000000; i++) {
        uint64_t r = next_random();
        double a = (double)(r % 2000001), b = (double)(1 + (r >> 21) % 1000000);
        assert_as_printf(a / b);
        assert_as_printf(-a / b);
    }
}

static void every_magnitude_in_and_around_the_fast_range(void **state) {
    /* random bit patterns with exponents from 1e-7 to 1e20 */
    for (int i = 0; i < 2000000; i++) {
        uint64_t r = next_random();
        uint64_t exponent = 1023 - 24 + (r >> 52) % 92;
        uint64_t bits = (exponent << 52) | (next_random() & ((1ull << 52) - 1)) | (r & (1ull << 63));
        double v;
        memcpy(&v, &bits, 8);
        assert_as_printf(v);
    }
}

static void edges_powers_of_ten_and_ties(void **state) {
    /* both sides of every power of ten the fast range meets, where the
     * exponent guess is off and where 17 digits round up to a new power */
    for (int j = -6; j <= 18; j++) {
        double p = pow(10, j), below = p, above = p;
        assert_as_printf(p);
        for (int i = 0; i < 64; i++) {
            below = nextafter(below, 0);
            above = nextafter(above, INFINITY);
            assert_as_printf(below);
            assert_as_printf(above);
        }
        assert_as_printf(p * (1 - 5e-18));
        assert_as_printf(p * 0.99999999999999995);
    }
    /* dyadic fractions: exact halves at the 17th digit are ties */
    for (int k = 1; k <= 60; k++)
        for (uint64_t odd = 1; odd < 4000; odd += 2) assert_as_printf((double)odd / (double)(1ull << k));
    const double specials[] = {0.0, -0.0, 1.0, 0.1, 0.2, 0.3, 1.0 / 3, 2.0 / 3, 123456.789, 9007199254740993.0,
                               1e-4, 9.9999999999999995e-5, 1e17, 99999999999999984.0, 5e-324, 1.7976931348623157e308,
                               NAN, -NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof(specials) / sizeof(*specials); i++) assert_as_printf(specials[i]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(integers_of_every_length),
        cmocka_unit_test(the_values_results_hold),
        cmocka_unit_test(every_magnitude_in_and_around_the_fast_range),
        cmocka_unit_test(edges_powers_of_ten_and_ties),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
