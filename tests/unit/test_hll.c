/* test_hll.c -- HyperLogLog: exactness, accuracy, merge, serialization. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <xxhash.h>

#include "engine/hll.h"

/* The hash the engine feeds the sketch for user i: XXH3 of "user-<i>". */
static uint64_t user_hash(int i) {
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "user-%d", i);
    return XXH3_64bits(buf, (size_t)n);
}

static sl_hll *sketch_of_range(int from, int to) {
    sl_hll *h = sl_hll_new();
    for (int i = from; i < to; i++) sl_hll_add(h, user_hash(i));
    return h;
}

/* Owned copy of a sketch's encoding. */
static uint8_t *encode(const sl_hll *h, size_t *len) {
    *len = sl_hll_encode(h, NULL, 0);
    uint8_t *buf = malloc(*len);
    assert_int_equal(sl_hll_encode(h, buf, *len), *len);
    return buf;
}

static void assert_same_sketch(const sl_hll *a, const sl_hll *b) {
    assert_int_equal(sl_hll_count(a), sl_hll_count(b));
    assert_int_equal(sl_hll_is_exact(a), sl_hll_is_exact(b));
    size_t la, lb;
    uint8_t *ea = encode(a, &la), *eb = encode(b, &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(ea, eb, la);
    free(ea);
    free(eb);
}

static void assert_within_2_percent(uint64_t est, uint64_t truth) {
    double err = ((double)est - (double)truth) / (double)truth;
    if (err < -0.02 || err > 0.02)
        fail_msg("estimate %llu for %llu distinct is off by %.3f%%", (unsigned long long)est,
                 (unsigned long long)truth, 100 * err);
}

static void test_exact_below_limit(void **state) {
    (void)state;
    sl_hll *h = sl_hll_new();
    assert_int_equal(sl_hll_count(h), 0);
    for (int i = 0; i < SL_HLL_EXACT_LIMIT; i++) {
        sl_hll_add(h, user_hash(i));
        assert_int_equal(sl_hll_count(h), (uint64_t)i + 1);
    }
    assert_true(sl_hll_is_exact(h));
    sl_hll_add(h, user_hash(SL_HLL_EXACT_LIMIT));
    assert_false(sl_hll_is_exact(h));
    assert_within_2_percent(sl_hll_count(h), SL_HLL_EXACT_LIMIT + 1);
    sl_hll_clear(h);
    assert_true(sl_hll_is_exact(h));
    assert_int_equal(sl_hll_count(h), 0);
    sl_hll_add(h, 0);   /* the zero hash is a value like any other */
    sl_hll_add(h, 0);
    sl_hll_add(h, 1);
    assert_int_equal(sl_hll_count(h), 2);
    sl_hll_free(h);
}

static void check_accuracy(int n) {
    sl_hll *h = sketch_of_range(0, n);
    assert_false(sl_hll_is_exact(h));
    assert_within_2_percent(sl_hll_count(h), (uint64_t)n);
    sl_hll_free(h);
}

static void test_accuracy_known_sets(void **state) {
    (void)state;
    check_accuracy(3000);
    check_accuracy(10000);
    check_accuracy(100000);
    check_accuracy(1000000);
}

/* Every cardinality on the way, across the linear-counting / HyperLogLog
 * switch near 2.5 m = 40960, stays within 2 %. */
static void test_accuracy_along_the_way(void **state) {
    (void)state;
    sl_hll *h = sl_hll_new();
    int checked = 0;
    for (int i = 0; i < 200000; i++) {
        sl_hll_add(h, user_hash(i));
        if (i + 1 > SL_HLL_EXACT_LIMIT && (i + 1) % 499 == 0) {
            assert_within_2_percent(sl_hll_count(h), (uint64_t)i + 1);
            checked++;
        }
    }
    assert_true(checked > 390);
    sl_hll_free(h);
}

static void test_duplicates_do_not_count(void **state) {
    (void)state;
    int sizes[] = {50, 3000};   /* exact mode and dense mode */
    for (size_t s = 0; s < 2; s++) {
        sl_hll *once = sketch_of_range(0, sizes[s]);
        sl_hll *thrice = sketch_of_range(0, sizes[s]);
        for (int round = 0; round < 2; round++)
            for (int i = sizes[s] - 1; i >= 0; i--) sl_hll_add(thrice, user_hash(i));
        assert_same_sketch(once, thrice);
        sl_hll_free(once);
        sl_hll_free(thrice);
    }
}

/* Merge of [a0,a1) into [b0,b1) must equal the sketch of the union. */
static void check_merge(int a0, int a1, int b0, int b1, int union0, int union1) {
    sl_hll *a = sketch_of_range(a0, a1), *b = sketch_of_range(b0, b1);
    sl_hll *u = sketch_of_range(union0, union1);
    sl_hll_merge(b, a);
    assert_same_sketch(b, u);
    sl_hll_merge(b, b);   /* merging a sketch into itself changes nothing */
    assert_same_sketch(b, u);
    sl_hll_free(a);
    sl_hll_free(b);
    sl_hll_free(u);
}

static void test_merge_equals_union(void **state) {
    (void)state;
    check_merge(0, 60, 40, 100, 0, 100);             /* exact + exact, stays exact */
    check_merge(0, 1500, 1000, 2500, 0, 2500);       /* exact + exact overflows to dense */
    check_merge(0, 2048, 2048, 4096, 0, 4096);       /* both full exact sets */
    check_merge(0, 500, 300, 20000, 0, 20000);       /* exact into dense */
    check_merge(300, 20000, 0, 500, 0, 20000);       /* dense into exact */
    check_merge(0, 70000, 50000, 150000, 0, 150000); /* dense + dense */
}

static void round_trip(int n) {
    sl_hll *h = sketch_of_range(0, n);
    size_t len;
    uint8_t *buf = encode(h, &len);
    sl_hll *back = sl_hll_decode(buf, len);
    assert_non_null(back);
    assert_same_sketch(h, back);
    sl_hll_add(back, user_hash(n));   /* a decoded sketch keeps working */
    sl_hll_add(h, user_hash(n));
    assert_same_sketch(h, back);
    free(buf);
    sl_hll_free(h);
    sl_hll_free(back);
}

static void test_encode_decode_round_trip(void **state) {
    (void)state;
    round_trip(0);
    round_trip(1);
    round_trip(777);
    round_trip(SL_HLL_EXACT_LIMIT);
    round_trip(50000);
}

static void test_encode_small_buffer_writes_nothing(void **state) {
    (void)state;
    sl_hll *h = sketch_of_range(0, 10);
    size_t need = sl_hll_encode(h, NULL, 0);
    assert_int_equal(need, 6 + 10 * 8);
    uint8_t buf[64];
    memset(buf, 0xAB, sizeof(buf));
    assert_int_equal(sl_hll_encode(h, buf, sizeof(buf)), need);
    for (size_t i = 0; i < sizeof(buf); i++) assert_int_equal(buf[i], 0xAB);
    sl_hll_free(h);
}

static void assert_rejected(const uint8_t *buf, size_t len) {
    sl_hll *h = sl_hll_decode(buf, len);
    if (h) {
        sl_hll_free(h);
        fail_msg("a corrupt encoding of %zu bytes was accepted", len);
    }
}

/* Every proper prefix is rejected; so is one trailing byte too many. */
static void check_truncations(const uint8_t *buf, size_t len) {
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *copy = malloc(cut + 1);   /* exact-size copy so ASan sees overreads */
        memcpy(copy, buf, cut);
        assert_rejected(copy, cut);
        free(copy);
    }
    uint8_t *longer = calloc(len + 1, 1);
    memcpy(longer, buf, len);
    assert_rejected(longer, len + 1);
    free(longer);
}

static void test_corrupt_encodings_rejected(void **state) {
    (void)state;
    assert_rejected(NULL, 0);
    sl_hll *exact = sketch_of_range(0, 5), *dense = sketch_of_range(0, 5000);
    size_t le, ld;
    uint8_t *ee = encode(exact, &le), *ed = encode(dense, &ld);
    check_truncations(ee, le);
    check_truncations(ed, ld);

    ee[0] = 99;                          /* unknown version */
    assert_rejected(ee, le);
    ee[0] = 1;
    ee[1] = 7;                           /* unknown mode */
    assert_rejected(ee, le);
    ee[1] = 0;
    memcpy(ee + 14, ee + 6, 8);          /* duplicate hash: not strictly ascending */
    assert_rejected(ee, le);

    uint8_t big[6] = {1, 0, 0x01, 0x08, 0, 0};   /* count 2049 > limit, length 6 */
    assert_rejected(big, sizeof(big));

    ed[100] = 52;                        /* a rank no 64-bit hash can produce */
    assert_rejected(ed, ld);
    ed[100] = 51;
    sl_hll *ok = sl_hll_decode(ed, ld);  /* the largest rank is fine */
    assert_non_null(ok);
    sl_hll_free(ok);

    free(ee);
    free(ed);
    sl_hll_free(exact);
    sl_hll_free(dense);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_below_limit),
        cmocka_unit_test(test_accuracy_known_sets),
        cmocka_unit_test(test_accuracy_along_the_way),
        cmocka_unit_test(test_duplicates_do_not_count),
        cmocka_unit_test(test_merge_equals_union),
        cmocka_unit_test(test_encode_decode_round_trip),
        cmocka_unit_test(test_encode_small_buffer_writes_nothing),
        cmocka_unit_test(test_corrupt_encodings_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
