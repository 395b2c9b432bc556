/* error.h -- error codes plus a human sentence, librdkafka style.
 *
 * Functions that can fail return an sl_err and fill a caller-provided
 * `char *errstr, size_t errstr_size` with what failed, on which input, and
 * what to do about it. */
#ifndef SL_ERROR_H
#define SL_ERROR_H

#include <stddef.h>

typedef enum sl_err {
    SL_OK = 0,
    SL_ERR_INVALID_ARG,     /* bad configuration value or argument */
    SL_ERR_UNKNOWN_KEY,     /* configuration key no component knows */
    SL_ERR_IO,              /* file or socket error */
    SL_ERR_PARSE,           /* malformed input (YAML, JSON, Avro, checkpoint) */
    SL_ERR_CORRUPT,         /* checksum mismatch / truncated data */
    SL_ERR_NOT_FOUND,
    SL_ERR_STATE,           /* state backend failure */
    SL_ERR_KAFKA,           /* broker / client failure */
    SL_ERR_FENCED,          /* another instance took over our transactional id */
    SL_ERR_CANCELLED,       /* job stopped on request */
    SL_ERR_INTERNAL
} sl_err;

const char *sl_err_name(sl_err err);

/* printf into errstr (never overflows, always NUL-terminated); returns err. */
sl_err sl_errf(sl_err err, char *errstr, size_t errstr_size, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
