/* cmd_dlq.c -- `sluice dlq replay`: re-inject dead letters' payloads, optionally fixed, into the input. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "avro/avro_serde.h"
#include "cli/cmd_dlq.h"
#include "cli/commands.h"
#include "operators/event_decoder.h"

#define MAX_SETS 32

typedef struct replay_opts {
    const char *from, *to, *brokers, *topic, *to_topic, *filter;
    bool avro;                           /* --format avro: length-prefixed Wire records */
    bool kinds[SL_DEAD_REASON_COUNT];    /* --kind filter (none given: all) */
    bool any_kind;
    const char *set_names[MAX_SETS];
    json_t *set_values[MAX_SETS];
    int n_sets;
    sl_conf *conf;
} replay_opts;

typedef struct replay {
    const replay_opts *o;
    FILE *out;                           /* --to FILE */
    FILE *stage;                         /* --filter: payloads waiting for the filter, one per line */
    sl_dlq_kafka_writer *kafka;
    sl_avro_registry *reg;               /* --set on Avro payloads */
    sl_avro_decoder *dec;
    sl_avro_encoder *enc;
    uint8_t *buf;
    size_t cap;
    long read, replayed, other_kind, truncated, failed;
    char err[1024];
} replay;

static void usage(FILE *out) {
    fprintf(out,
        "Usage: sluice dlq replay (--from FILE | --brokers B [--topic T]) (--to FILE | --to-topic T) [OPTIONS]\n\n"
        "Re-injects the payloads of dead letters (docs/dead-letters.md) into the job's input, optionally\n"
        "after fixing them, so that records rejected by a bug or a too-strict limit are not lost.\n\n"
        "Where from:\n"
        "  --from FILE         a dead-letter file (sluice run --dlq FILE, default OUTPUT.dlq)\n"
        "  --brokers B         a Kafka bootstrap list; read --topic (default clickstream-events.dlq)\n"
        "                      from the beginning to its end offsets at start\n"
        "Where to:\n"
        "  --to FILE           append to this input file (JSON lines, or length-prefixed with --format avro)\n"
        "  --to-topic T        produce to this topic on --brokers (e.g. clickstream-events)\n"
        "Options:\n"
        "  --format F          json (default): payloads are JSON lines; avro: Confluent wire records\n"
        "                      (length-prefixed in a file, as `sluice avro encode --framing length`)\n"
        "  --kind K            replay only dead letters of this kind (repeatable): oversized, not_json,\n"
        "                      wrong_magic, unknown_schema, corrupt_avro, missing_field, wrong_type,\n"
        "                      bad_event_type, bad_timestamp, invalid_value\n"
        "  --set FIELD=VALUE   set a top-level event field before replaying (repeatable). VALUE is JSON\n"
        "                      when it parses as JSON (1767225600000, null, \"x\"), else a string. Avro\n"
        "                      payloads are decoded as ClickstreamEvent, changed and re-encoded.\n"
        "  --filter CMD        pipe the payloads through `sh -c CMD`: one per line on its stdin (Avro\n"
        "                      payloads hex-encoded, as `sluice avro decode` reads them), one per line\n"
        "                      on its stdout; lines it drops are not replayed\n"
        "  --set-conf KEY=VAL  a configuration key (kafka.*, avro.*; see `sluice config`)\n"
        "  --help              this text\n\n"
        "Dead letters whose payload was cut (oversized records: the envelope keeps their first bytes)\n"
        "are never replayed. Exit 0 when every selected dead letter was replayed, 1 when some could\n"
        "not be (a --set on a payload that does not decode, a write failure), 2 for a bad command line.\n");
}

/* ---- command line ---- */

static int add_set(replay_opts *o, const char *pair) {
    const char *eq = strchr(pair, '=');
    if (!eq || eq == pair || o->n_sets == MAX_SETS) {
        fprintf(stderr, "sluice dlq replay: --set '%s': expected FIELD=VALUE (at most %d)\n", pair, MAX_SETS);
        return SL_EXIT_USAGE;
    }
    json_t *v = json_loads(eq + 1, JSON_DECODE_ANY, NULL);
    o->set_names[o->n_sets] = strndup(pair, (size_t)(eq - pair));
    o->set_values[o->n_sets++] = v ? v : json_string(eq + 1);
    return 0;
}

static int add_kind(replay_opts *o, const char *name) {
    for (int k = 0; k < SL_DEAD_REASON_COUNT; k++) {
        if (!strcmp(name, sl_dead_reason_label((sl_dead_reason)k))) {
            o->kinds[k] = o->any_kind = true;
            return 0;
        }
    }
    fprintf(stderr, "sluice dlq replay: --kind '%s' is not a dead-letter kind (see sluice dlq replay --help)\n", name);
    return SL_EXIT_USAGE;
}

static int check_args(const replay_opts *o) {
    const char *problem = NULL;
    if (!o->from == !o->brokers) problem = "give exactly one of --from FILE and --brokers B";
    else if (!o->to == !o->to_topic) problem = "give exactly one of --to FILE and --to-topic T";
    else if (o->to_topic && !o->brokers) problem = "--to-topic needs --brokers";
    if (problem) fprintf(stderr, "sluice dlq replay: %s (see sluice dlq replay --help)\n", problem);
    return problem ? SL_EXIT_USAGE : 0;
}

static int parse_args(int argc, char **argv, replay_opts *o) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        char err[512];
        int rc = 0;
        if (!strcmp(a, "--help")) {
            usage(stdout);
            return -1;
        }
        if (!v) {
            fprintf(stderr, "sluice dlq replay: '%s' is not an option or needs a value (see --help)\n", a);
            return SL_EXIT_USAGE;
        }
        i++;
        if (!strcmp(a, "--from")) o->from = v;
        else if (!strcmp(a, "--to")) o->to = v;
        else if (!strcmp(a, "--brokers")) o->brokers = v;
        else if (!strcmp(a, "--topic")) o->topic = v;
        else if (!strcmp(a, "--to-topic")) o->to_topic = v;
        else if (!strcmp(a, "--filter")) o->filter = v;
        else if (!strcmp(a, "--kind")) rc = add_kind(o, v);
        else if (!strcmp(a, "--set")) rc = add_set(o, v);
        else if (!strcmp(a, "--format") && (!strcmp(v, "json") || !strcmp(v, "avro"))) o->avro = !strcmp(v, "avro");
        else if (!strcmp(a, "--set-conf") && sl_conf_set_pair(o->conf, v, err, sizeof(err)) == SL_OK) continue;
        else {
            fprintf(stderr, "sluice dlq replay: unknown option or bad value '%s %s' (see --help)\n", a, v);
            return SL_EXIT_USAGE;
        }
        if (rc) return rc;
    }
    return check_args(o);
}

/* ---- payloads ---- */

/* n bytes from 2n hex digits into r->buf (grown to fit). */
static bool hex_to_buf(replay *r, const char *hex, size_t n) {
    if (n + 1 > r->cap) r->buf = realloc(r->buf, r->cap = n + 1);
    for (size_t i = 0; i < n; i++) {
        unsigned byte = 0;
        if (sscanf(hex + 2 * i, "%2x", &byte) != 1) {
            snprintf(r->err, sizeof(r->err), "the hex payload has a non-hex digit near byte %zu", i);
            return false;
        }
        r->buf[i] = (uint8_t)byte;
    }
    return true;
}

static void text_to_buf(replay *r, const char *text, size_t n) {
    if (n + 1 > r->cap) r->buf = realloc(r->buf, r->cap = n + 1);
    memcpy(r->buf, text, n);
}

/* Apply every --set to a JSON object's text; NULL when it is not one. */
static char *set_fields_json(const replay_opts *o, const char *text, size_t len) {
    json_t *obj = json_loadb(text, len, 0, NULL);
    char *out = NULL;
    if (json_is_object(obj)) {
        for (int i = 0; i < o->n_sets; i++) json_object_set(obj, o->set_names[i], o->set_values[i]);
        out = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
    }
    json_decref(obj);
    return out;
}

static bool ensure_avro(replay *r) {
    if (r->enc) return true;
    return sl_avro_registry_open(r->o->conf, &r->reg, r->err, sizeof(r->err)) == SL_OK &&
           sl_avro_decoder_new(r->reg, "ClickstreamEvent", &r->dec, r->err, sizeof(r->err)) == SL_OK &&
           sl_avro_encoder_new(r->reg, "ClickstreamEvent", &r->enc, r->err, sizeof(r->err)) == SL_OK;
}

/* Apply --set to an Avro payload: decode, change as JSON, re-encode into r->buf. */
static bool set_fields_avro(replay *r, const uint8_t *data, size_t len, size_t *out_len) {
    avro_value_t *v;
    if (!ensure_avro(r) || sl_avro_decoder_read(r->dec, data, len, &v, r->err, sizeof(r->err))) return false;
    char *text = sl_avro_value_to_json_text(v);
    char *fixed = text ? set_fields_json(r->o, text, strlen(text)) : NULL;
    bool ok = fixed && !sl_avro_value_from_json_text(sl_avro_encoder_value(r->enc), fixed, strlen(fixed), r->err,
                                                      sizeof(r->err));
    while (ok && sl_avro_encoder_write(r->enc, r->buf, r->cap, out_len, r->err, sizeof(r->err))) {
        ok = *out_len > r->cap;   /* too small: *out_len is the size needed */
        if (ok) r->buf = realloc(r->buf, r->cap = *out_len);
    }
    free(text);
    free(fixed);
    return ok;
}

/* ---- writing ---- */

/* To the destination: a Kafka record, a length-prefixed frame or a JSON line. */
static bool deliver(replay *r, const uint8_t *data, size_t len) {
    if (r->kafka) return sl_dlq_kafka_write(r->kafka, data, len, r->err, sizeof(r->err)) == SL_OK;
    if (r->o->avro) {
        uint8_t be[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len};
        fwrite(be, 1, 4, r->out);
    } else if (memchr(data, '\n', len)) {
        snprintf(r->err, sizeof(r->err), "the payload holds a newline, so it cannot be one JSON line");
        return false;
    }
    bool ok = fwrite(data, 1, len, r->out) == len;
    if (!r->o->avro) ok = ok && fputc('\n', r->out) != EOF;
    if (!ok) snprintf(r->err, sizeof(r->err), "writing '%s' failed", r->o->to);
    return ok;
}

/* A fixed payload: delivered, or with --filter staged as one line for the filter. */
static bool emit(replay *r, const uint8_t *data, size_t len) {
    if (!r->o->filter) return deliver(r, data, len);
    if (!r->o->avro) {
        if (memchr(data, '\n', len)) {
            snprintf(r->err, sizeof(r->err), "the payload holds a newline, so it cannot be one line for --filter");
            return false;
        }
        fwrite(data, 1, len, r->stage);
    }
    for (size_t i = 0; r->o->avro && i < len; i++) fprintf(r->stage, "%02x", data[i]);
    return fputc('\n', r->stage) != EOF;
}

/* Run --filter over the staged lines and deliver what it prints. */
static bool run_filter(replay *r, long *passed) {
    char cmd[4096];
    rewind(r->stage);
    snprintf(cmd, sizeof(cmd), "exec 0<&%d; %s", fileno(r->stage), r->o->filter);
    FILE *p = popen(cmd, "r");
    if (!p) return false;
    char *line = NULL;
    size_t line_cap = 0;
    ssize_t n;
    bool ok = true;
    while ((n = getline(&line, &line_cap, p)) > 0) {
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
        size_t len = r->o->avro ? (size_t)n / 2 : (size_t)n;
        if (r->o->avro) ok = hex_to_buf(r, line, len);
        else text_to_buf(r, line, len);
        if (!(ok = ok && deliver(r, r->buf, len))) break;
        (*passed)++;
    }
    free(line);
    int status = pclose(p);
    if (status != 0 && ok) snprintf(r->err, sizeof(r->err), "--filter '%s' exited with status %d", r->o->filter, status);
    return ok && status == 0;
}

/* One dead-letter envelope (a JSON line or a Kafka value). */
static int replay_one(const char *text, size_t len, void *opaque) {
    replay *r = opaque;
    const replay_opts *o = r->o;
    r->read++;
    json_t *env = json_loadb(text, len, 0, NULL);
    const char *reason = json_string_value(json_object_get(env, "reason"));
    const char *plain = json_string_value(json_object_get(env, "payload"));
    const char *hex = json_string_value(json_object_get(env, "payload_hex"));
    sl_dead_reason kind = sl_dead_reason_classify(sl_str_c(reason));
    size_t n = plain ? json_string_length(json_object_get(env, "payload")) : hex ? strlen(hex) / 2 : 0;
    bool ok = true;
    if (!reason || (!plain && !hex)) {
        fprintf(stderr, "sluice dlq replay: dead letter %ld is not a sluice dead-letter envelope; skipped\n", r->read);
        ok = false;
    } else if (o->any_kind && !o->kinds[kind]) {
        r->other_kind++;
    } else if (strstr(reason, "the dead letter keeps its first")) {
        r->truncated++;
    } else {
        if (plain) text_to_buf(r, plain, n);
        else ok = hex_to_buf(r, hex, n);
        char *fixed = NULL;
        if (ok && o->n_sets) {
            if (o->avro) ok = set_fields_avro(r, r->buf, n, &n);
            else if ((fixed = set_fields_json(o, (const char *)r->buf, n))) n = strlen(fixed);
            else ok = !snprintf(r->err, sizeof(r->err), "the payload is not a JSON object, so --set cannot apply");
        }
        ok = ok && emit(r, fixed ? (const uint8_t *)fixed : r->buf, n);
        free(fixed);
        if (ok) r->replayed++;
        else fprintf(stderr, "sluice dlq replay: dead letter %ld (offset %lld, %s): not replayed: %s\n", r->read,
                     (long long)json_integer_value(json_object_get(env, "offset")), sl_dead_reason_label(kind), r->err);
    }
    if (!ok) r->failed++;
    json_decref(env);
    return 0;
}

/* ---- the command ---- */

static int read_file(replay *r) {
    FILE *in = fopen(r->o->from, "rb");
    if (!in) {
        fprintf(stderr, "sluice dlq replay: cannot open '%s': %m\n", r->o->from);
        return SL_EXIT_USAGE;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, in)) > 0)
        if (n > 1) replay_one(line, (size_t)n, r);
    free(line);
    fclose(in);
    return SL_EXIT_OK;
}

static int open_outputs(replay *r) {
    const replay_opts *o = r->o;
    if (o->to_topic) {
        r->kafka = sl_dlq_kafka_writer_new(o->brokers, o->to_topic, o->conf, r->err, sizeof(r->err));
    } else if (!(r->out = fopen(o->to, "ab"))) {
        snprintf(r->err, sizeof(r->err), "cannot open '%s' for appending: %m", o->to);
    }
    if (o->filter && !(r->stage = tmpfile())) snprintf(r->err, sizeof(r->err), "cannot create a temporary file: %m");
    return (r->kafka || r->out) && (!o->filter || r->stage) ? SL_EXIT_OK : SL_EXIT_FAILURE;
}

static int finish(replay *r) {
    long staged = r->replayed;
    bool ok = true;
    if (r->o->filter) {
        r->replayed = 0;
        ok = run_filter(r, &r->replayed);
        fclose(r->stage);
    }
    if (r->out && fclose(r->out) != 0) ok = !snprintf(r->err, sizeof(r->err), "closing '%s' failed: %m", r->o->to);
    if (sl_dlq_kafka_writer_close(r->kafka, r->err, sizeof(r->err))) ok = false;
    if (!ok) fprintf(stderr, "sluice dlq replay: %s\n", r->err);
    fprintf(stderr, "sluice dlq replay: %ld dead letter(s) read, %ld replayed to %s", r->read, r->replayed,
            r->o->to ? r->o->to : r->o->to_topic);
    if (r->o->filter) fprintf(stderr, " (the filter passed %ld of %ld)", r->replayed, staged);
    fprintf(stderr, ", %ld of other kinds, %ld truncated (oversized, not replayable), %ld failed\n", r->other_kind,
            r->truncated, r->failed);
    return ok && !r->failed ? SL_EXIT_OK : SL_EXIT_FAILURE;
}

int sl_cmd_dlq(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "replay")) {
        bool help = argc >= 2 && !strcmp(argv[1], "--help");
        usage(help ? stdout : stderr);
        return help ? SL_EXIT_OK : SL_EXIT_USAGE;
    }
    replay_opts o = {.conf = sl_conf_new(), .topic = "clickstream-events.dlq"};
    int rc = parse_args(argc - 1, argv + 1, &o);
    replay r = {.o = &o};
    if (rc == 0 && (rc = open_outputs(&r)) != 0) fprintf(stderr, "sluice dlq replay: %s\n", r.err);
    if (rc == 0 && o.from) rc = read_file(&r);
    if (rc == 0 && o.brokers &&
        sl_dlq_kafka_read(o.brokers, o.topic, o.conf, replay_one, &r, r.err, sizeof(r.err)) != SL_OK) {
        fprintf(stderr, "sluice dlq replay: %s\n", r.err);
        r.failed++;
    }
    if (rc == 0) rc = finish(&r);
    else if (r.out) fclose(r.out);
    sl_avro_encoder_free(r.enc);
    sl_avro_decoder_free(r.dec);
    sl_avro_registry_close(r.reg);
    free(r.buf);
    for (int i = 0; i < o.n_sets; i++) {
        free((char *)o.set_names[i]);
        json_decref(o.set_values[i]);
    }
    sl_conf_destroy(o.conf);
    return rc < 0 ? SL_EXIT_OK : rc;
}
