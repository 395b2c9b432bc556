/* double_text.h -- a double as printf's "%.17g" writes it, without printf.
 *
 * Results carry doubles with 17 significant digits so that every value
 * survives a round trip exactly (docs/metrics.md). glibc formats each with
 * multi-precision arithmetic, about 150 ns: with a result per page per
 * window, most of a JSON sink's time. For the values results hold -- whole
 * numbers, and magnitudes from 1e-4 to below 1e17 -- the 17 digits come
 * exactly from one 128-bit product instead; anything else (NaN, infinities,
 * tiny or huge magnitudes) goes to snprintf. The text is byte for byte
 * snprintf's either way (tests/unit/test_double_text.c compares millions). */
#ifndef SL_DOUBLE_TEXT_H
#define SL_DOUBLE_TEXT_H

#include <stddef.h>

#define SL_DOUBLE_TEXT_MAX 32   /* "%.17g" of any double fits, with its NUL */

/* Writes "%.17g" of v and its NUL into buf; returns the length. */
size_t sl_double_text(double v, char buf[SL_DOUBLE_TEXT_MAX]);

#endif
