/* double_text.c -- a double as printf's "%.17g" writes it (see the header).
 *
 * %.17g of v, for 1e-4 <= |v| < 1e17, is fixed notation: X = floor(log10
 * |v|) after rounding to 17 digits, then 16 - X digits after the point,
 * trailing zeros and a bare point removed. The 17 digits are D =
 * round(|v| * 10^k), k = 16 - X, in [10^16, 10^17). With |v| = m * 2^e
 * (m < 2^53), |v| * 10^k = m * 5^k * 2^(e + k): m * 5^k < 2^53 * 5^20 <
 * 2^100 is exact in 128 bits, and the shift by e + k is exact with its
 * remainder known, so rounding (to nearest, ties to even, as glibc rounds)
 * is exact too. A first guess of X from log10 may be one off; D outside
 * [10^16, 10^17) says which way, and the next guess is right. */
#include "operators/double_text.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define TEN_16 10000000000000000ull
#define TEN_17 100000000000000000ull

/* round(m * 2^e * 10^k) for 0 <= k <= 20, or UINT64_MAX when the shift is out of reach. */
static uint64_t scaled_round(uint64_t m, int e, int k) {
    unsigned __int128 p = m;
    for (int i = 0; i < k; i++) p *= 5;
    int shift = e + k;
    if (shift >= 0) return shift > 10 ? UINT64_MAX : (uint64_t)(p << shift);   /* m * 2^10 * 5^k: v >= 2^62 is out of range anyway */
    if (shift <= -127) return UINT64_MAX;
    unsigned s = (unsigned)-shift;
    unsigned __int128 q = p >> s, rest = p - (q << s), half = (unsigned __int128)1 << (s - 1);
    if (rest > half || (rest == half && (q & 1))) q++;
    return q > UINT64_MAX ? UINT64_MAX : (uint64_t)q;
}

size_t sl_double_text(double v, char buf[SL_DOUBLE_TEXT_MAX]) {
    double a = fabs(v);
    if (!(a >= 1e-4 && a < 1e17)) return (size_t)snprintf(buf, SL_DOUBLE_TEXT_MAX, "%.17g", v);
    uint64_t bits;
    memcpy(&bits, &a, 8);
    uint64_t m = (bits & ((1ull << 52) - 1)) | (1ull << 52);   /* normal: 1e-4 is far above the subnormals */
    int e = (int)(bits >> 52) - 1075;
    int x = (int)floor(log10(a));
    uint64_t d = 0;
    for (int attempt = 0; attempt < 3; attempt++) {
        int k = 16 - x;
        d = k >= 0 && k <= 20 ? scaled_round(m, e, k) : UINT64_MAX;
        if (d == UINT64_MAX) return (size_t)snprintf(buf, SL_DOUBLE_TEXT_MAX, "%.17g", v);
        if (d >= TEN_17) x++;
        else if (d < TEN_16) x--;
        else break;
    }
    if (d < TEN_16 || d >= TEN_17 || x < -4 || x > 16) return (size_t)snprintf(buf, SL_DOUBLE_TEXT_MAX, "%.17g", v);
    char digits[17];
    for (int i = 16; i >= 0; i--, d /= 10) digits[i] = (char)('0' + d % 10);
    int last = 16;   /* the last digit kept: trailing zeros after the point go */
    while (last > x && last > 0 && digits[last] == '0') last--;
    size_t n = 0;
    if (v < 0) buf[n++] = '-';
    if (x >= 0) {
        memcpy(buf + n, digits, (size_t)x + 1);
        n += (size_t)x + 1;
        if (last > x) {
            buf[n++] = '.';
            memcpy(buf + n, digits + x + 1, (size_t)(last - x));
            n += (size_t)(last - x);
        }
    } else {
        buf[n++] = '0';
        buf[n++] = '.';
        for (int i = -1; i > x; i--) buf[n++] = '0';
        memcpy(buf + n, digits, (size_t)last + 1);
        n += (size_t)last + 1;
    }
    buf[n] = '\0';
    return n;
}
