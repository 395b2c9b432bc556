/* number_text.c -- numbers as printf writes them (see the header).
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
#include "operators/number_text.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define TEN_16 10000000000000000ull
#define TEN_17 100000000000000000ull
#define TWO_53 9007199254740992.0

char *sl_u64_text(uint64_t v, char buf[SL_U64_TEXT_MAX]) {
    char *p = buf + SL_U64_TEXT_MAX;
    do *--p = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    return p;
}

static const uint64_t POW5[21] = {
    1u, 5u, 25u, 125u, 625u, 3125u, 15625u, 78125u, 390625u, 1953125u, 9765625u, 48828125u, 244140625u,
    1220703125u, 6103515625u, 30517578125u, 152587890625u, 762939453125u, 3814697265625u, 19073486328125u,
    95367431640625u,
};

/* round(m * 2^e * 10^k) for 0 <= k <= 20, or UINT64_MAX when the shift is out of reach. */
static uint64_t scaled_round(uint64_t m, int e, int k) {
    unsigned __int128 p = (unsigned __int128)m * POW5[k];
    int shift = e + k;
    if (shift >= 0) return shift > 10 ? UINT64_MAX : (uint64_t)(p << shift);   /* m * 2^10 * 5^k: v >= 2^62 is out of range anyway */
    if (shift <= -127) return UINT64_MAX;
    unsigned s = (unsigned)-shift;
    unsigned __int128 q = p >> s, rest = p - (q << s), half = (unsigned __int128)1 << (s - 1);
    if (rest > half || (rest == half && (q & 1))) q++;
    return q > UINT64_MAX ? UINT64_MAX : (uint64_t)q;
}

/* A whole number: its decimal digits, as %.17g writes it (up to 2^53, 16 digits at most). */
static size_t whole_text(double v, char *buf) {
    char digits[SL_U64_TEXT_MAX];
    const char *p = sl_u64_text((uint64_t)fabs(v), digits);
    size_t n = 0, len = (size_t)(digits + sizeof(digits) - p);
    if (v < 0) buf[n++] = '-';
    memcpy(buf + n, p, len);
    n += len;
    buf[n] = '\0';
    return n;
}

size_t sl_double_text(double v, char buf[SL_DOUBLE_TEXT_MAX]) {
    double a = fabs(v);
    /* Rates of 0 and 1, durations of whole milliseconds: most of a large catalog's values. -0 keeps its sign below. */
    if (a <= TWO_53 && a == (double)(uint64_t)a && !(v == 0 && signbit(v))) return whole_text(v, buf);
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
    char text[SL_U64_TEXT_MAX];
    const char *digits = sl_u64_text(d, text);   /* 17 of them: d >= 10^16 */
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
