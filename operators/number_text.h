/* number_text.h -- numbers as printf writes them, without printf.
 *
 * Results carry counts and doubles, the doubles with 17 significant digits
 * so that every value survives a round trip exactly (docs/metrics.md).
 * glibc's printf parses its format for each, and formats a double with
 * multi-precision arithmetic, about 150 ns: with a result per page per
 * window, most of a JSON sink's time. These write the same bytes directly.
 * For doubles, whole numbers up to 2^53 are written as integers, and the
 * 17 digits of magnitudes from 1e-4 to below 1e17 come exactly from one
 * 128-bit product; anything else (NaN, infinities, tiny or huge
 * magnitudes) goes to snprintf. The text is byte for byte printf's either
 * way (tests/unit/test_number_text.c compares millions). */
#ifndef SL_NUMBER_TEXT_H
#define SL_NUMBER_TEXT_H

#include <stddef.h>
#include <stdint.h>

#define SL_U64_TEXT_MAX 20      /* digits of UINT64_MAX; no NUL is written */
#define SL_DOUBLE_TEXT_MAX 32   /* "%.17g" of any double fits, with its NUL */

/* Writes "%" PRIu64 of v at the end of buf (no NUL); returns where it starts. */
char *sl_u64_text(uint64_t v, char buf[SL_U64_TEXT_MAX]);
/* Writes "%.17g" of v and its NUL into buf; returns the length. */
size_t sl_double_text(double v, char buf[SL_DOUBLE_TEXT_MAX]);

#endif
