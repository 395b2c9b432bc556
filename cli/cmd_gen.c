/* cmd_gen.c -- `sluice gen`: write generated clickstream events as JSON lines or Confluent Avro. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/commands.h"
#include "engine/http.h"
#include "engine/metrics.h"
#include "engine/arena.h"
#include "operators/event_encoder.h"
#include "operators/generator.h"
#include "operators/kafka_gen_producer.h"

#define OUT_BUFFER_BYTES (1 << 20)
#define PROGRESS_EVERY_NS 1000000000LL
#define CLOCK_CHECK_EVERY 4096       /* events between progress clock reads */

static void usage(FILE *out) {
    fprintf(out,
            "Usage: sluice gen [OPTIONS]\n\n"
            "Write deterministic, sessionized clickstream events as JSON lines (one event per\n"
            "line, the fields of avro/ClickstreamEvent.avsc) or Avro to stdout, a file or a\n"
            "Kafka topic. The same options and seed give the same events in every format and\n"
            "byte-identical output.\n\n"
            "Options:\n"
            "  --events N              events to write; 0 = unbounded [default: 200000]\n"
            "  --seed S                PRNG seed [default: 1]\n"
            "  --users U               distinct users [default: 1000]\n"
            "  --pages P               distinct pages, at least 6 [default: 100]\n"
            "  --products R            distinct products [default: 500]\n"
            "  --search-share X        share of SEARCH events, 0 to 0.5 [default: 0.02]\n"
            "  --out-of-order-ms D     deliver a share of events up to D ms late [default: 0]\n"
            "  --out-of-order-share X  share of events delayed when D > 0 [default: 0.2]\n"
            "  --start-ms T            event time of the start, ms since 1970\n"
            "                          [default: 1767225600000 = 2026-01-01T00:00:00Z]\n"
            "  --format F              json: one JSON line per event; avro: Confluent wire records\n"
            "                          (ClickstreamEvent, the id of the embedded local registry),\n"
            "                          in a file each after its 4-byte big-endian length (what\n"
            "                          source.format=avro reads), on Kafka one per message\n"
            "                          [default: json]\n"
            "  --out FILE              write to FILE instead of stdout (replaced if it exists)\n"
            "  --brokers B             produce to Kafka at B (host:port,...) instead of a file,\n"
            "                          keyed by session_id, acks=all, idempotent\n"
            "  --topic T               the Kafka topic [default: clickstream-events]\n"
            "  --rate R                at most R events per second of wall-clock time;\n"
            "                          0 = as fast as possible [default: 0]\n"
            "  --http-port PORT        serve GET /metrics (sluice_generator_events_total) and\n"
            "                          /healthz on PORT while generating [default: off]\n"
            "  --http-bind ADDR        address of that endpoint [default: 127.0.0.1]\n"
            "  -h, --help              show this help\n\n"
            "Runs longer than a second report progress on stderr once per second.\n\n"
            "Examples:\n"
            "  sluice gen --events 1000000 --seed 7 --out events.jsonl\n"
            "  sluice gen --events 1000000 --seed 7 --format avro --out events.avro\n"
            "  sluice gen --events 0 --rate 500 --out-of-order-ms 5000 | sluice run ...\n"
            "  sluice gen --brokers 127.0.0.1:9092 --topic clickstream-events --rate 20000\n");
}

/* ---- the sink of generated lines ----
 * A small vtable so that other outputs (e.g. a Kafka topic) can be added
 * next to the file one without touching the generation loop. */
typedef struct gen_sink gen_sink;
struct gen_sink {
    const char *name;                 /* for messages: "stdout" or the path */
    FILE *file;
    char *buffer;
    sl_err (*write)(gen_sink *s, const char *line, size_t len, char *errstr, size_t errstr_size);
    sl_err (*flush)(gen_sink *s, char *errstr, size_t errstr_size);
    sl_err (*close)(gen_sink *s, char *errstr, size_t errstr_size);
};

static sl_err file_sink_write(gen_sink *s, const char *line, size_t len, char *errstr, size_t errstr_size) {
    if (fwrite(line, 1, len, s->file) != len)
        return sl_errf(SL_ERR_IO, errstr, errstr_size, "cannot write to %s: %s", s->name, strerror(errno));
    return SL_OK;
}

static sl_err file_sink_flush(gen_sink *s, char *errstr, size_t errstr_size) {
    if (fflush(s->file) != 0)
        return sl_errf(SL_ERR_IO, errstr, errstr_size, "cannot write to %s: %s", s->name, strerror(errno));
    return SL_OK;
}

static sl_err file_sink_close(gen_sink *s, char *errstr, size_t errstr_size) {
    sl_err err = file_sink_flush(s, errstr, errstr_size);
    if (s->file != stdout && fclose(s->file) != 0 && !err)
        err = sl_errf(SL_ERR_IO, errstr, errstr_size, "cannot finish writing %s: %s", s->name, strerror(errno));
    free(s->buffer);
    return err;
}

/* stdout when path is NULL. Fails (exit 2) when the file cannot be created. */
static sl_err file_sink_open(gen_sink *s, const char *path, char *errstr, size_t errstr_size) {
    *s = (gen_sink){.name = path ? path : "stdout", .write = file_sink_write,
                    .flush = file_sink_flush, .close = file_sink_close};
    s->file = path ? fopen(path, "wb") : stdout;
    if (!s->file)
        return sl_errf(SL_ERR_IO, errstr, errstr_size, "cannot create output file '%s': %s", path, strerror(errno));
    /* One large buffer: 1M events are a few hundred MB of JSON. */
    s->buffer = malloc(OUT_BUFFER_BYTES);
    if (s->buffer) setvbuf(s->file, s->buffer, _IOFBF, OUT_BUFFER_BYTES);
    return SL_OK;
}

/* ---- command line ---- */

typedef struct gen_options {
    sl_gen_conf gc;
    const char *out_path;
    const char *brokers, *topic;
    const char *format;               /* json | avro */
    sl_conf *conf;                    /* source.format for the event encoder */
    double rate;
    uint32_t http_port;               /* 0: no /metrics endpoint */
    const char *http_bind;
    sl_metric_handle *produced;       /* sluice_generator_events_total, or NULL */
} gen_options;

typedef enum opt_kind { OPT_U64, OPT_U32, OPT_I64, OPT_SHARE, OPT_RATE, OPT_PATH } opt_kind;

typedef struct opt_spec {
    const char *flag;
    opt_kind kind;
    size_t offset;                    /* into gen_options */
} opt_spec;

#define GC(field) offsetof(gen_options, gc) + offsetof(sl_gen_conf, field)
static const opt_spec OPTIONS[] = {
    {"--events", OPT_U64, GC(events)},
    {"--seed", OPT_U64, GC(seed)},
    {"--users", OPT_U32, GC(users)},
    {"--pages", OPT_U32, GC(pages)},
    {"--products", OPT_U32, GC(products)},
    {"--search-share", OPT_SHARE, GC(search_share)},
    {"--out-of-order-ms", OPT_I64, GC(out_of_order_ms)},
    {"--out-of-order-share", OPT_SHARE, GC(out_of_order_share)},
    {"--start-ms", OPT_I64, GC(start_ms)},
    {"--out", OPT_PATH, offsetof(gen_options, out_path)},
    {"--rate", OPT_RATE, offsetof(gen_options, rate)},
    {"--brokers", OPT_PATH, offsetof(gen_options, brokers)},
    {"--topic", OPT_PATH, offsetof(gen_options, topic)},
    {"--format", OPT_PATH, offsetof(gen_options, format)},
    {"--http-port", OPT_U32, offsetof(gen_options, http_port)},
    {"--http-bind", OPT_PATH, offsetof(gen_options, http_bind)},
};
#define N_OPTIONS (sizeof(OPTIONS) / sizeof(OPTIONS[0]))

/* Parse value into the option's field; false with a message on stderr. */
static bool set_option(gen_options *o, const opt_spec *spec, const char *value) {
    char *field = (char *)o + spec->offset;
    char *end;
    errno = 0;
    if (spec->kind == OPT_PATH) {
        if (!*value) {
            fprintf(stderr, "sluice gen: %s needs a file name\n", spec->flag);
            return false;
        }
        *(const char **)field = value;
        return true;
    }
    if (spec->kind == OPT_SHARE || spec->kind == OPT_RATE) {
        double d = strtod(value, &end);
        if (errno || end == value || *end || !isfinite(d) || d < 0) {
            fprintf(stderr, "sluice gen: %s: '%s' is not a non-negative number\n", spec->flag, value);
            return false;
        }
        *(double *)field = d;
        return true;
    }
    bool negative_ok = spec->kind == OPT_I64;
    if (!negative_ok && strchr(value, '-')) errno = ERANGE;
    long long s = negative_ok ? strtoll(value, &end, 10) : 0;
    unsigned long long u = negative_ok ? 0 : strtoull(value, &end, 10);
    if (errno || end == value || *end || (spec->kind == OPT_U32 && u > UINT32_MAX)) {
        fprintf(stderr, "sluice gen: %s: '%s' is not a whole number%s\n", spec->flag, value,
                negative_ok ? "" : spec->kind == OPT_U32 ? " from 0 to 4294967295" : " ≥ 0");
        return false;
    }
    if (spec->kind == OPT_I64) *(int64_t *)field = s;
    else if (spec->kind == OPT_U32) *(uint32_t *)field = (uint32_t)u;
    else *(uint64_t *)field = u;
    return true;
}

/* Returns -1 to go on, or the exit code (help shown, or a usage error). */
static int parse_args(int argc, char **argv, gen_options *o) {
    *o = (gen_options){.rate = 0};
    sl_gen_conf_default(&o->gc);
    o->topic = "clickstream-events";
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            usage(stdout);
            return SL_EXIT_OK;
        }
        const char *eq = strchr(arg, '=');
        size_t name_len = eq ? (size_t)(eq - arg) : strlen(arg);
        const opt_spec *spec = NULL;
        for (size_t k = 0; k < N_OPTIONS && !spec; k++)
            if (strlen(OPTIONS[k].flag) == name_len && !strncmp(arg, OPTIONS[k].flag, name_len)) spec = &OPTIONS[k];
        if (!spec) {
            fprintf(stderr, "sluice gen: unknown option '%s'. Run 'sluice gen --help' for the options.\n", arg);
            return SL_EXIT_USAGE;
        }
        const char *value = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (!value) {
            fprintf(stderr, "sluice gen: %s needs a value. Run 'sluice gen --help' for the options.\n", spec->flag);
            return SL_EXIT_USAGE;
        }
        if (!set_option(o, spec, value)) return SL_EXIT_USAGE;
    }
    if (o->format && strcmp(o->format, "json") && strcmp(o->format, "avro")) {
        fprintf(stderr, "sluice gen: --format: '%s' is not an event format (use json or avro)\n", o->format);
        return SL_EXIT_USAGE;
    }
    if (o->brokers && o->out_path) {
        fprintf(stderr, "sluice gen: --out and --brokers exclude each other: write to a file or to Kafka\n");
        return SL_EXIT_USAGE;
    }
    char why[256];
    if (sl_gen_conf_validate(&o->gc, why, sizeof(why)) != SL_OK) {
        fprintf(stderr, "sluice gen: %s\n", why);
        return SL_EXIT_USAGE;
    }
    return -1;
}

/* ---- the run ---- */

static int64_t monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* 2400000 → "2,400,000". */
static const char *with_commas(uint64_t v, char *out, size_t size) {
    char digits[32];
    int n = snprintf(digits, sizeof(digits), "%" PRIu64, v), j = 0;
    for (int i = 0; i < n && (size_t)j + 2 < size; i++) {
        if (i && (n - i) % 3 == 0) out[j++] = ',';
        out[j++] = digits[i];
    }
    out[j] = '\0';
    return out;
}

static void report_progress(uint64_t events, int64_t elapsed_ns, const char *prefix, const char *suffix) {
    char count[32], rate[32];
    double secs = (double)elapsed_ns / 1e9;
    uint64_t per_sec = secs > 0 ? (uint64_t)((double)events / secs) : 0;
    fprintf(stderr, "sluice gen: %s%s events, %s ev/s%s\n", prefix, with_commas(events, count, sizeof(count)),
            with_commas(per_sec, rate, sizeof(rate)), suffix);
}

/* Hold back to `rate` events/s of wall clock: sleep until event `done` is due. */
static sl_err throttle(gen_sink *sink, double rate, uint64_t done, int64_t start_ns, char *errstr, size_t sz) {
    int64_t due = start_ns + (int64_t)((double)done / rate * 1e9);
    int64_t wait = due - monotonic_ns();
    if (wait <= 0) return SL_OK;
    sl_err err = sink->flush(sink, errstr, sz);   /* a throttled stream is read as it comes */
    struct timespec ts = {wait / 1000000000LL, wait % 1000000000LL};
    nanosleep(&ts, NULL);
    return err;
}

static sl_err generate(const gen_options *o, gen_sink *sink, char *errstr, size_t errstr_size) {
    sl_gen *g = sl_gen_new(&o->gc);
    if (!g) return sl_errf(SL_ERR_INTERNAL, errstr, errstr_size, "cannot create the generator (out of memory?)");
    sl_arena arena;
    sl_arena_init(&arena, 0);
    sl_event_encoder *enc;
    sl_err err = sl_event_encoder_new(o->conf, &enc, errstr, errstr_size);
    if (err) {
        sl_arena_free(&arena);
        sl_gen_free(g);
        return err;
    }
    char line[8192];
    sl_event ev;
    int64_t start = monotonic_ns(), last_report = start;
    bool reported = false;
    while (!err && sl_gen_next(g, &ev, &arena)) {
        size_t n = sl_event_encoder_file_record(enc, &ev, line, sizeof(line));
        if (n >= sizeof(line)) {
            err = sl_errf(SL_ERR_INTERNAL, errstr, errstr_size, "generated event %.*s does not encode into %zu bytes",
                          (int)ev.event_id.len, ev.event_id.ptr, sizeof(line));
            break;
        }
        sl_arena_reset(&arena);
        err = sink->write(sink, line, n, errstr, errstr_size);
        sl_metric_add(o->produced, 1);   /* a relaxed atomic add; no-op without --http-port */
        uint64_t done = sl_gen_position(g);
        if (!err && o->rate > 0) err = throttle(sink, o->rate, done, start, errstr, errstr_size);
        if (o->rate > 0 || done % CLOCK_CHECK_EVERY == 0) {
            int64_t now = monotonic_ns();
            if (now - last_report >= PROGRESS_EVERY_NS) {
                report_progress(done, now - start, "", "");
                last_report = now;
                reported = true;
            }
        }
    }
    if (reported && !err) {
        char suffix[64];
        snprintf(suffix, sizeof(suffix), " in %.1f s", (double)(monotonic_ns() - start) / 1e9);
        report_progress(sl_gen_position(g), monotonic_ns() - start, "done: ", suffix);
    }
    sl_event_encoder_free(enc);
    sl_arena_free(&arena);
    sl_gen_free(g);
    return err;
}

static void kafka_progress(void *opaque, uint64_t acked, double rate, bool final) {
    const int64_t *start_ns = opaque;
    char suffix[64] = "";
    if (final) snprintf(suffix, sizeof(suffix), " acknowledged in %.1f s", (double)(monotonic_ns() - *start_ns) / 1e9);
    char count[32], per_sec[32];
    fprintf(stderr, "sluice gen: %s%s events, %s ev/s%s\n", final ? "done: " : "",
            with_commas(acked, count, sizeof(count)), with_commas((uint64_t)rate, per_sec, sizeof(per_sec)), suffix);
}

/* The same generator sequence as the file output, to a Kafka topic. */
static int generate_to_kafka(const gen_options *o) {
    if (o->gc.events == 0 && o->rate <= 0) {
        fprintf(stderr, "sluice gen: --events 0 (unbounded) to Kafka needs --rate\n");
        return SL_EXIT_USAGE;
    }
    char errstr[512];
    int64_t start = monotonic_ns();
    if (sl_kafka_produce_generated(&o->gc, o->brokers, o->topic, o->rate, o->conf, kafka_progress, &start, errstr,
                                   sizeof(errstr)) != SL_OK) {
        fprintf(stderr, "sluice gen: %s\n", errstr);
        return SL_EXIT_FAILURE;
    }
    return SL_EXIT_OK;
}

/* The file (or stdout) output, with /metrics when asked. */
static int generate_to_file(gen_options *o) {
    char errstr[512];
    gen_sink sink;
    if (file_sink_open(&sink, o->out_path, errstr, sizeof(errstr)) != SL_OK) {
        fprintf(stderr, "sluice gen: %s\n", errstr);
        return SL_EXIT_USAGE;
    }
    sl_metrics *metrics = NULL;
    sl_http_server *http = NULL;
    if (o->http_port) {
        metrics = sl_metrics_new();
        o->produced = sl_metrics_get(metrics, "sluice_generator_events_total", NULL);
        http = sl_http_start(o->http_bind ? o->http_bind : "127.0.0.1", (int)o->http_port, metrics, errstr,
                             sizeof(errstr));
        if (!http) {
            fprintf(stderr, "sluice gen: %s\n", errstr);
            sink.close(&sink, errstr, sizeof(errstr));
            sl_metrics_destroy(metrics);
            return SL_EXIT_USAGE;
        }
        sl_http_set_ready(http, true, NULL);
    }
    sl_err err = generate(o, &sink, errstr, sizeof(errstr));
    sl_http_stop(http);
    sl_metrics_destroy(metrics);
    char close_err[512];
    sl_err cerr = sink.close(&sink, close_err, sizeof(close_err));
    if (err || cerr) {
        fprintf(stderr, "sluice gen: %s\n", err ? errstr : close_err);
        return SL_EXIT_FAILURE;
    }
    return SL_EXIT_OK;
}

int sl_cmd_gen(int argc, char **argv) {
    gen_options o;
    int code = parse_args(argc, argv, &o);
    if (code >= 0) return code;
    char errstr[512];
    o.conf = sl_conf_new();
    if (sl_conf_set(o.conf, "source.format", o.format ? o.format : "json", errstr, sizeof(errstr))) abort();
    code = o.brokers ? generate_to_kafka(&o) : generate_to_file(&o);
    sl_conf_destroy(o.conf);
    return code;
}
