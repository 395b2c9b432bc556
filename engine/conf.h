/* conf.h -- job configuration as name/value pairs.
 *
 * The same dotted keys appear in YAML job files (nested maps flatten to
 * "window.size_ms"), on the command line (--set window.size_ms=60000) and in
 * the C API (sl_conf_set). Every key is declared once in conf.c's table with
 * its default and a sentence of documentation; `sluice config` prints it.
 * Keys under "kafka." are passed to librdkafka unchanged. */
#ifndef SL_CONF_H
#define SL_CONF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/error.h"

typedef struct sl_conf sl_conf;

/* The longest span of time a key may give (window sizes, lateness,
 * intervals, timeouts): 100 years of 365.25 days, in ms. */
#define SL_SPAN_MAX_MS 3155760000000LL

sl_conf *sl_conf_new(void);
sl_conf *sl_conf_dup(const sl_conf *conf);
void sl_conf_destroy(sl_conf *conf);

/* Set a key; fails with SL_ERR_UNKNOWN_KEY for a key no component declares. */
sl_err sl_conf_set(sl_conf *conf, const char *name, const char *value,
                   char *errstr, size_t errstr_size);
/* "key=value" as given to --set. */
sl_err sl_conf_set_pair(sl_conf *conf, const char *pair, char *errstr, size_t errstr_size);

/* Copy every key set in `from` into conf (overriding). */
void sl_conf_merge(sl_conf *conf, const sl_conf *from);

/* Read a YAML job file into conf (keys already set are overwritten). */
sl_err sl_conf_load_yaml(sl_conf *conf, const char *path, char *errstr, size_t errstr_size);

/* Value or the declared default (NULL when neither exists). */
const char *sl_conf_get(const sl_conf *conf, const char *name);
bool sl_conf_is_set(const sl_conf *conf, const char *name);

/* Typed getters: they validate and report "key: 'value' is not a …";
 * sl_conf_get_int also holds a key to the range conf.c declares for it
 * ("window.size_ms: 0 is outside 1..3155760000000"). */
sl_err sl_conf_get_int(const sl_conf *conf, const char *name, int64_t *out,
                       char *errstr, size_t errstr_size);
/* Every key with a declared range, read as sl_conf_get_int reads it: for a
 * command to refuse a job before it starts rather than when an operator
 * first reads the key. */
sl_err sl_conf_check_ranges(const sl_conf *conf, char *errstr, size_t errstr_size);
sl_err sl_conf_get_double(const sl_conf *conf, const char *name, double *out,
                          char *errstr, size_t errstr_size);
sl_err sl_conf_get_bool(const sl_conf *conf, const char *name, bool *out,
                        char *errstr, size_t errstr_size);

/* Visit every explicitly set key starting with prefix (prefix stripped). */
void sl_conf_foreach_prefix(const sl_conf *conf, const char *prefix,
                            void (*cb)(const char *name, const char *value, void *opaque),
                            void *opaque);

/* Print every declared key with default and description. */
void sl_conf_describe(FILE *out);

#endif
