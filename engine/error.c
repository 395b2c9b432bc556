/* error.c -- error names and formatting. */
#include "engine/error.h"

#include <stdarg.h>
#include <stdio.h>

const char *sl_err_name(sl_err err) {
    switch (err) {
    case SL_OK:               return "ok";
    case SL_ERR_INVALID_ARG:  return "invalid argument";
    case SL_ERR_UNKNOWN_KEY:  return "unknown configuration key";
    case SL_ERR_IO:           return "I/O error";
    case SL_ERR_PARSE:        return "parse error";
    case SL_ERR_CORRUPT:      return "corrupt data";
    case SL_ERR_NOT_FOUND:    return "not found";
    case SL_ERR_STATE:        return "state backend error";
    case SL_ERR_KAFKA:        return "Kafka error";
    case SL_ERR_FENCED:       return "fenced by a newer instance";
    case SL_ERR_CANCELLED:    return "cancelled";
    case SL_ERR_INTERNAL:     return "internal error";
    }
    return "unknown error";
}

sl_err sl_errf(sl_err err, char *errstr, size_t errstr_size, const char *fmt, ...) {
    if (errstr && errstr_size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(errstr, errstr_size, fmt, ap);
        va_end(ap);
    }
    return err;
}
