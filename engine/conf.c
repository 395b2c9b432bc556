/* conf.c -- job configuration: declared keys, YAML job files, typed getters. */
#include "engine/conf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "engine/keygroup.h"
#include "engine/record.h"

/* Every configuration key sluice understands. A key ending in '.' declares a
 * pass-through prefix (its values go to a library unchanged). */
static const struct {
    const char *name;
    const char *default_value;
    const char *description;
} KEYS[] = {
    {"job.name", "clickstream", "Job name, used in logs, metrics and as the default job id."},
    {"job.id", NULL, "Stable job id: consumer group and transactional-id prefix (default: job.name)."},
    {"parallelism", "0", "Subtasks per keyed stage (each owns a share of the keys); 0 means one per CPU core."},
    {"workers", "0", "Worker threads; 0 means as many as the parallelism, each running one subtask of every stage. "
                     "More than the parallelism run the stages side by side (pipelined): with parallelism 1 and "
                     "2 workers the session stage and the page stage run on different cores (docs/operations.md)."},

    {"source.type", "generator", "Where events come from: generator, memory (pre-generated, for benchmarks), file or kafka."},
    {"source.path", NULL, "file source: JSON-lines events to read (bounded)."},
    {"source.max_rate", "0", "Throttle the source to this many events/s of wall-clock time (0 = unthrottled)."},
    {"source.format", "json", "kafka/file source value format: json or avro."},
    {"source.max_record_bytes", "1048576", "Records larger than this go to the dead-letter output."},
    {"source.max_future_ms", "86400000", "Events stamped further than this in the future are dead letters."},
    {"source.min_timestamp_ms", "946684800000", "Events stamped before this (2000-01-01) are dead letters."},

    {"generator.events", "200000", "Events the generator produces before it ends (0 = unbounded)."},
    {"generator.seed", "1", "Seed: the same seed and options give byte-identical traffic."},
    {"generator.users", "1000", "Distinct users in the simulated catalog."},
    {"generator.pages", "100", "Distinct pages in the simulated site."},
    {"generator.products", "500", "Distinct products in the simulated catalog."},
    {"generator.search_share", "0.02", "Share of SEARCH events (taken from VIEW's share)."},
    {"generator.out_of_order_ms", "0", "Delay a share of events by up to this many ms in delivery order."},
    {"generator.out_of_order_share", "0.2", "Share of events delayed when out_of_order_ms > 0."},
    {"generator.start_ms", "1767225600000", "Event time of the first event (default 2026-01-01T00:00:00Z)."},

    {"watermark.out_of_orderness_ms", "30000", "Bounded out-of-orderness: watermark = max event time seen − this − 1."},
    {"watermark.idle_timeout_ms", "5000", "An input with no events for this long (wall clock) stops holding the watermark back."},
    {"watermark.alignment_max_drift_ms", "0", "Watermark alignment: a source subtask whose watermark is this far ahead of the slowest active one pauses until it catches up (0: off)."},

    {"window.type", "sliding", "Window assigner: sliding, tumbling or session."},
    {"window.size_ms", "300000", "Window length (sliding and tumbling)."},
    {"window.slide_ms", "10000", "Slide: a window starts every slide_ms, aligned to the epoch."},
    {"window.gap_ms", "1800000", "Session windows: inactivity gap that closes a session."},
    {"window.allowed_lateness_ms", "0", "Keep windows this long past their end; late events within it re-fire them."},

    {"topn.n", "10", "Pages per Top-N record."},
    {"topn.trending_factor", "1.5", "Trending: views ≥ factor × views in the window one slide earlier."},

    {"sink.type", "stdout", "Where results go: stdout, file, null or kafka."},
    {"sink.path", NULL, "file sink: JSON-lines results file (holds exactly the committed results)."},
    {"sink.format", "json", "Result value format: json or avro."},
    {"sink.late_path", NULL, "File for the late-events side output (default: <sink.path>.late)."},
    {"sink.dlq_path", NULL, "File for dead letters in file mode (default: <sink.path>.dlq)."},

    {"state.backend", "rocksdb", "Keyed state backend: rocksdb or memory."},
    {"state.dir", NULL, "Working directory of the RocksDB backend (default: a temporary directory)."},
    {"state.cache_entries", "65536", "Write-back cache entries per state before flushing to RocksDB."},

    {"checkpoint.interval_ms", "10000", "Take a checkpoint this often (wall clock); 0 disables checkpoints."},
    {"checkpoint.dir", NULL, "Directory for checkpoints; restart resumes from the newest complete one."},
    {"checkpoint.retain", "3", "Complete checkpoints kept on disk."},
    {"checkpoint.lock_wait_ms", "10000", "How long to wait for another process to release checkpoint.dir (-1 = until it does: the scale-out standby)."},
    {"checkpoint.savepoint", NULL, "Restore from this savepoint or checkpoint directory instead of the newest checkpoint."},
    {"savepoint.dir", NULL, "Default directory of savepoints taken through the job API (default: <checkpoint.dir>/savepoints)."},

    {"metrics.final_path", "", "When the job ends, write its metrics (Prometheus text) to this file; empty: do not."},
    {"http.port", "8081", "Port of the metrics / health / job API endpoint (0 disables it, any picks a free one)."},
    {"http.bind", "127.0.0.1", "Address the HTTP endpoint listens on."},
    {"log.format", "text", "Log line format: text or json."},
    {"log.level", "info", "Minimum log level: debug, info, warn or error."},

    {"kafka.", NULL, "Any librdkafka property, e.g. kafka.bootstrap.servers, kafka.security.protocol."},
    {"kafka_source.parallelism", "1", "Kafka consumers per process (0 = parallelism); the group spreads partitions over all of them."},
    {"kafka_source.", NULL, "Kafka source settings: topic, start (earliest|latest|<ms>), bounded."},
    {"scale_out.enabled", "false", "Run as one of several processes of job.id: ingest a share of the partitions, aggregate when holding checkpoint.dir (docs/kafka.md)."},
    {"scale_out.topic", "", "Internal topic between the ingest and the aggregation (default <job.id>-exchange)."},
    {"scale_out.ingest_threads", "1", "Consumers of the ingest stage in this process."},
    {"kafka_sink.", NULL, "Kafka sink settings: topic, late_topic, dlq_topic, echo_committed (print results as they commit)."},
    {"avro.schema_registry", "none", "Schema Registry base URL (http[s]://host:port), or none for the local registry file."},
    {"avro.registry_file", NULL, "Local registry: JSON {\"id\": \"file.avsc\"} (default: the embedded avro/registry.json)."},
    {"avro.basic_auth", NULL, "Schema Registry basic auth as user:password."},
    {"avro.ssl_ca_location", NULL, "CA certificate file (PEM) to verify the Schema Registry's TLS certificate."},
    {"avro.ssl_verify", "true", "Verify the Schema Registry's TLS certificate and host name."},
};
#define N_KEYS (sizeof(KEYS) / sizeof(KEYS[0]))

/* The whole numbers sl_conf_get_int accepts for a key. Event times and
 * spans of time are bounded so that the engine's arithmetic on them (a
 * window's end plus its allowed lateness, the wall clock plus an interval)
 * cannot overflow, whatever a job file gives. */
#define SPAN 0, SL_SPAN_MAX_MS
#define EVENT_TIME SL_EVENT_TIME_MIN_MS, SL_EVENT_TIME_MAX_MS
static const struct {
    const char *name;
    int64_t min, max;
} RANGES[] = {
    {"workers", 0, SL_MAX_KEY_GROUPS},
    {"source.max_future_ms", SPAN},
    {"source.min_timestamp_ms", EVENT_TIME},
    {"generator.out_of_order_ms", SPAN},
    {"generator.start_ms", EVENT_TIME},
    {"watermark.out_of_orderness_ms", SPAN},
    {"watermark.idle_timeout_ms", SPAN},
    {"watermark.alignment_max_drift_ms", SPAN},
    {"window.size_ms", 1, SL_SPAN_MAX_MS},
    {"window.slide_ms", 1, SL_SPAN_MAX_MS},
    {"window.gap_ms", 1, SL_SPAN_MAX_MS},
    {"window.allowed_lateness_ms", SPAN},
    {"topn.n", 1, SL_TOP_PAGES_MAX},
    {"checkpoint.interval_ms", SPAN},
    {"checkpoint.lock_wait_ms", -1, SL_SPAN_MAX_MS},
};

static int range_index(const char *name) {
    for (size_t i = 0; i < sizeof(RANGES) / sizeof(RANGES[0]); i++)
        if (!strcmp(RANGES[i].name, name)) return (int)i;
    return -1;
}

typedef struct conf_entry {
    char *name, *value;
} conf_entry;

struct sl_conf {
    conf_entry *entries;
    size_t count, cap;
};

static int declared_index(const char *name) {
    for (size_t i = 0; i < N_KEYS; i++) {
        size_t n = strlen(KEYS[i].name);
        if (KEYS[i].name[n - 1] == '.') {
            if (strncmp(name, KEYS[i].name, n) == 0 && name[n]) return (int)i;
        } else if (strcmp(name, KEYS[i].name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

sl_conf *sl_conf_new(void) { return calloc(1, sizeof(sl_conf)); }

static conf_entry *find(const sl_conf *conf, const char *name) {
    for (size_t i = 0; i < conf->count; i++)
        if (strcmp(conf->entries[i].name, name) == 0) return &conf->entries[i];
    return NULL;
}

static void put(sl_conf *conf, const char *name, const char *value) {
    conf_entry *e = find(conf, name);
    if (e) {
        free(e->value);
        e->value = strdup(value);
        return;
    }
    if (conf->count == conf->cap) {
        conf->cap = conf->cap ? conf->cap * 2 : 16;
        conf->entries = realloc(conf->entries, conf->cap * sizeof(conf_entry));
    }
    conf->entries[conf->count++] = (conf_entry){strdup(name), strdup(value)};
}

sl_conf *sl_conf_dup(const sl_conf *conf) {
    sl_conf *copy = sl_conf_new();
    for (size_t i = 0; i < conf->count; i++) put(copy, conf->entries[i].name, conf->entries[i].value);
    return copy;
}

void sl_conf_merge(sl_conf *conf, const sl_conf *from) {
    for (size_t i = 0; i < from->count; i++) put(conf, from->entries[i].name, from->entries[i].value);
}

void sl_conf_destroy(sl_conf *conf) {
    if (!conf) return;
    for (size_t i = 0; i < conf->count; i++) {
        free(conf->entries[i].name);
        free(conf->entries[i].value);
    }
    free(conf->entries);
    free(conf);
}

sl_err sl_conf_set(sl_conf *conf, const char *name, const char *value,
                   char *errstr, size_t errstr_size) {
    if (declared_index(name) < 0)
        return sl_errf(SL_ERR_UNKNOWN_KEY, errstr, errstr_size,
                       "unknown configuration key '%s' (run `sluice config` for the list)", name);
    put(conf, name, value);
    return SL_OK;
}

sl_err sl_conf_set_pair(sl_conf *conf, const char *pair, char *errstr, size_t errstr_size) {
    const char *eq = strchr(pair, '=');
    if (!eq || eq == pair)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                       "'%s' is not of the form key=value", pair);
    char name[256];
    size_t n = (size_t)(eq - pair);
    if (n >= sizeof(name))
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size, "configuration key too long in '%s'", pair);
    memcpy(name, pair, n);
    name[n] = '\0';
    return sl_conf_set(conf, name, eq + 1, errstr, errstr_size);
}

const char *sl_conf_get(const sl_conf *conf, const char *name) {
    conf_entry *e = find(conf, name);
    if (e) return e->value;
    int i = declared_index(name);
    return i >= 0 ? KEYS[i].default_value : NULL;
}

bool sl_conf_is_set(const sl_conf *conf, const char *name) { return find(conf, name) != NULL; }

sl_err sl_conf_get_int(const sl_conf *conf, const char *name, int64_t *out,
                       char *errstr, size_t errstr_size) {
    const char *v = sl_conf_get(conf, name);
    if (!v) return sl_errf(SL_ERR_NOT_FOUND, errstr, errstr_size, "configuration key '%s' has no value", name);
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || end == v || *end)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                       "%s: '%s' is not a whole number", name, v);
    int r = range_index(name);
    if (r >= 0 && (x < RANGES[r].min || x > RANGES[r].max))
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size, "%s: %lld is outside %lld..%lld%s", name, x,
                       (long long)RANGES[r].min, (long long)RANGES[r].max,
                       RANGES[r].max == SL_SPAN_MAX_MS ? " (ms, at most 100 years)"
                       : RANGES[r].max == SL_EVENT_TIME_MAX_MS ? " (ms since the epoch, years 1 to 9999)" : "");
    *out = x;
    return SL_OK;
}

sl_err sl_conf_check_ranges(const sl_conf *conf, char *errstr, size_t errstr_size) {
    int64_t v;
    for (size_t i = 0; i < sizeof(RANGES) / sizeof(RANGES[0]); i++) {
        sl_err err = sl_conf_get_int(conf, RANGES[i].name, &v, errstr, errstr_size);
        if (err) return err;
    }
    return SL_OK;
}

sl_err sl_conf_get_double(const sl_conf *conf, const char *name, double *out,
                          char *errstr, size_t errstr_size) {
    const char *v = sl_conf_get(conf, name);
    if (!v) return sl_errf(SL_ERR_NOT_FOUND, errstr, errstr_size, "configuration key '%s' has no value", name);
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (errno || end == v || *end)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size, "%s: '%s' is not a number", name, v);
    *out = x;
    return SL_OK;
}

sl_err sl_conf_get_bool(const sl_conf *conf, const char *name, bool *out,
                        char *errstr, size_t errstr_size) {
    const char *v = sl_conf_get(conf, name);
    if (!v) return sl_errf(SL_ERR_NOT_FOUND, errstr, errstr_size, "configuration key '%s' has no value", name);
    if (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes")) *out = true;
    else if (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "no")) *out = false;
    else return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size, "%s: '%s' is not true or false", name, v);
    return SL_OK;
}

void sl_conf_foreach_prefix(const sl_conf *conf, const char *prefix,
                            void (*cb)(const char *name, const char *value, void *opaque),
                            void *opaque) {
    size_t n = strlen(prefix);
    for (size_t i = 0; i < conf->count; i++)
        if (strncmp(conf->entries[i].name, prefix, n) == 0)
            cb(conf->entries[i].name + n, conf->entries[i].value, opaque);
}

void sl_conf_describe(FILE *out) {
    for (size_t i = 0; i < N_KEYS; i++) {
        char shown[96];
        size_t n = strlen(KEYS[i].name);
        snprintf(shown, sizeof(shown), "%s%s", KEYS[i].name, KEYS[i].name[n - 1] == '.' ? "*" : "");
        fprintf(out, "  %-32s %s", shown, KEYS[i].description);
        if (KEYS[i].default_value) fprintf(out, " [default: %s]", KEYS[i].default_value);
        int r = range_index(KEYS[i].name);
        if (r >= 0) fprintf(out, " [range: %lld..%lld]", (long long)RANGES[r].min, (long long)RANGES[r].max);
        fputc('\n', out);
    }
}

/* ---- YAML job files ----
 * A job file is a tree of maps whose leaves are scalars; the path of map keys
 * to a leaf, joined with '.', is the configuration key. Sequences and aliases
 * are rejected: a job file says one value per key. */

#define YAML_MAX_DEPTH 8

static sl_err yaml_fail(const char *file, const yaml_event_t *ev, char *errstr, size_t sz,
                        const char *what) {
    return sl_errf(SL_ERR_PARSE, errstr, sz, "%s:%zu:%zu: %s", file,
                   ev->start_mark.line + 1, ev->start_mark.column + 1, what);
}

sl_err sl_conf_load_yaml(sl_conf *conf, const char *file, char *errstr, size_t errstr_size) {
    FILE *f = fopen(file, "rb");
    if (!f)
        return sl_errf(SL_ERR_IO, errstr, errstr_size, "cannot open job file '%s': %s", file, strerror(errno));

    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);

    char path[256] = "";                /* dotted key path of the open maps */
    size_t path_len[YAML_MAX_DEPTH + 1] = {0};   /* strlen(path) when each map opened */
    int depth = 0;                      /* open maps */
    bool expect_key[YAML_MAX_DEPTH + 1] = {false};
    char pending_key[128] = "";
    sl_err err = SL_OK;

    for (bool done = false; !done && err == SL_OK;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            err = sl_errf(SL_ERR_PARSE, errstr, errstr_size, "%s:%zu:%zu: malformed YAML: %s", file,
                          parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                          parser.problem ? parser.problem : "syntax error");
            break;
        }
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_MAPPING_START_EVENT: {
            size_t before = strlen(path);
            if (depth > 0) {
                if (expect_key[depth]) {
                    err = yaml_fail(file, &ev, errstr, errstr_size, "a map cannot be a key");
                    break;
                }
                size_t n = strlen(path);
                snprintf(path + n, sizeof(path) - n, "%s%s", n ? "." : "", pending_key);
            }
            if (++depth >= YAML_MAX_DEPTH) {
                err = yaml_fail(file, &ev, errstr, errstr_size, "maps nested too deeply");
                break;
            }
            path_len[depth] = before;
            expect_key[depth] = true;
            break;
        }
        case YAML_MAPPING_END_EVENT:
            path[path_len[depth]] = '\0';   /* drop this map's key from the path */
            depth--;
            if (depth > 0) expect_key[depth] = true;
            break;
        case YAML_SCALAR_EVENT: {
            const char *text = (const char *)ev.data.scalar.value;
            if (depth == 0) {
                err = yaml_fail(file, &ev, errstr, errstr_size,
                                "a job file must be a map of settings, e.g. 'window:\\n  size_ms: 300000'");
            } else if (expect_key[depth]) {
                snprintf(pending_key, sizeof(pending_key), "%s", text);
                expect_key[depth] = false;
            } else {
                char key[512];
                snprintf(key, sizeof(key), "%s%s%s", path, path[0] ? "." : "", pending_key);
                char why[256];
                if (sl_conf_set(conf, key, text, why, sizeof(why)) != SL_OK)
                    err = yaml_fail(file, &ev, errstr, errstr_size, why);
                expect_key[depth] = true;
            }
            break;
        }
        case YAML_SEQUENCE_START_EVENT:
            err = yaml_fail(file, &ev, errstr, errstr_size,
                            "lists are not allowed in a job file: give one value per key");
            break;
        case YAML_ALIAS_EVENT:
            err = yaml_fail(file, &ev, errstr, errstr_size, "YAML aliases are not allowed in a job file");
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    fclose(f);
    return err;
}
