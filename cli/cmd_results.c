/* cmd_results.c -- `sluice results`: the committed results of a Kafka topic as JSON lines for `sluice verify`. */
#include <errno.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "engine/hash_index.h"
#include "engine/operator.h"
#include "operators/kafka_epochs.h"
#include "operators/kafka_topic_reader.h"
#include "operators/result_decoder.h"
#include "operators/result_encoder.h"

static void usage(FILE *out) {
    fprintf(out,
            "Usage: sluice results --brokers B --out FILE [OPTIONS]\n\n"
            "Reads a results topic from the beginning to its current end (read_committed) and\n"
            "writes, per key (window|page or window), the last committed value as one JSON line:\n"
            "the input `sluice verify --results` expects. Values written with sink.format=avro\n"
            "(Confluent wire format: magic byte 0, schema id) are decoded through the registry\n"
            "of the avro.* keys and written as the same JSON lines.\n\n"
            "Options:\n"
            "  --brokers B                  bootstrap servers (host:port,...)\n"
            "  --out FILE                   where the results go\n"
            "  --topic T                    results topic [default: analytics-results]\n"
            "  --committed-epochs-from DIR  keep only records whose sluice.attempt/sluice.epoch\n"
            "                               headers name a transaction the job recorded as committed\n"
            "                               in DIR/kafka-committed-epochs (its checkpoint.dir). Needed\n"
            "                               with `sluice kafka-dev`, whose mock shows aborted records;\n"
            "                               against a real broker it removes nothing.\n"
            "  --late-out FILE              also write the committed late events (every record) here\n"
            "  --late-topic T               late-events topic [default: analytics-results.late]\n"
            "  --timeout-ms MS              give up when the end is not reached [default: 60000]\n"
            "  --set avro.KEY=VALUE         registry for Avro values (avro.schema_registry,\n"
            "                               avro.registry_file, ...; see `sluice config`) [default:\n"
            "                               the embedded local registry]\n"
            "  -h, --help                   this text\n\n"
            "A summary goes to stderr: records read, kept, left out as uncommitted, and keys\n"
            "committed more than once (with the same or a different value), and values that\n"
            "could not be decoded (each with its reason).\n"
            "Exit status: 0 written, 1 Kafka or file failure or an undecodable value, 2 bad\n"
            "command line.\n");
}

typedef struct results_opts {
    const char *brokers, *out, *topic, *epochs_dir, *late_out, *late_topic;
    int timeout_ms;
    sl_conf *conf;                      /* --set avro.* keys */
} results_opts;

/* What is collected from one topic. */
typedef struct collector {
    const sl_kafka_epochs *committed;   /* NULL: keep every record */
    sl_result_decoder *decoder;         /* Avro values to JSON lines */
    bool by_key;                        /* keep the last value per key (results) or every record (late) */
    sl_hash_index keys;
    sl_buf values;                      /* every kept value, back to back */
    struct { size_t off, len; } *slots;  /* per kept key (or record), in first-seen order */
    size_t n_slots, cap_slots;
    uint64_t uncommitted, repeated_same, repeated_different, undecodable;
} collector;

static uint64_t hash_bytes(const char *p, size_t n) {
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)p[i]) * 1099511628211ULL;
    return h;
}

static bool is_committed(const collector *c, const sl_topic_record *r) {
    if (!c->committed) return true;
    if (!r->epoch || !r->attempt || r->epoch_len == 0 || r->epoch_len > 20) return false;
    char digits[24];
    memcpy(digits, r->epoch, r->epoch_len);
    digits[r->epoch_len] = '\0';
    char *end;
    long long epoch = strtoll(digits, &end, 10);
    return *end == '\0' && sl_kafka_epochs_contains(c->committed, r->attempt, r->attempt_len, epoch);
}

/* The record's value as a JSON line (Avro decoded); false when it does not decode. */
static bool json_value_of(collector *c, const sl_topic_record *r, const char **value, size_t *len) {
    const char *wm;
    size_t wm_len;
    char reason[512];
    if (!sl_topic_record_header(r, SL_LATE_HEADER_WATERMARK, &wm, &wm_len)) wm = NULL;
    if (!sl_result_decoder_to_json(c->decoder, r->value, r->value_len, wm, wm_len, value, len, reason,
                                   sizeof(reason)))
        return true;
    if (c->undecodable++ < 5)
        fprintf(stderr, "sluice results: partition %" PRId32 " offset %" PRId64 ": cannot decode the value: %s\n",
                r->partition, r->offset, reason);
    return false;
}

static void collect(void *opaque, const sl_topic_record *r) {
    collector *c = opaque;
    if (!is_committed(c, r)) {
        c->uncommitted++;
        return;
    }
    const char *value;
    size_t value_len;
    if (!json_value_of(c, r, &value, &value_len)) return;
    uint32_t slot = (uint32_t)c->n_slots;
    if (c->by_key) {
        bool inserted;
        slot = sl_hash_index_upsert(&c->keys, hash_bytes(r->key, r->key_len), &inserted);
        if (!inserted) {
            bool same = c->slots[slot].len == value_len &&
                        !memcmp(c->values.data + c->slots[slot].off, value, value_len);
            if (same) c->repeated_same++;
            else c->repeated_different++;   /* a re-fired window (allowed lateness) replaces the value */
        }
    }
    if (slot == c->n_slots) {
        if (c->n_slots == c->cap_slots) {
            c->cap_slots = c->cap_slots ? 2 * c->cap_slots : 4096;
            c->slots = realloc(c->slots, c->cap_slots * sizeof(*c->slots));
            if (!c->slots) abort();
        }
        c->n_slots++;
    }
    c->slots[slot].off = c->values.len;
    c->slots[slot].len = value_len;
    sl_buf_append(&c->values, value, value_len);
}

static int write_collected(const collector *c, const char *path) {
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "sluice results: cannot create %s: %s\n", path, strerror(errno));
        return SL_EXIT_FAILURE;
    }
    for (size_t i = 0; i < c->n_slots; i++) {
        fwrite(c->values.data + c->slots[i].off, 1, c->slots[i].len, f);
        fputc('\n', f);
    }
    if (fclose(f) != 0) {
        fprintf(stderr, "sluice results: cannot write %s: %s\n", path, strerror(errno));
        return SL_EXIT_FAILURE;
    }
    return SL_EXIT_OK;
}

/* Read one topic into `path`. */
static int dump_topic(const results_opts *o, const char *topic, const char *path, bool by_key,
                      const sl_kafka_epochs *committed) {
    collector c = {.committed = committed, .by_key = by_key, .decoder = sl_result_decoder_new(o->conf)};
    sl_hash_index_init(&c.keys);
    char errstr[512];
    uint64_t records = 0;
    int rc = SL_EXIT_OK;
    if (sl_kafka_read_topic(o->brokers, topic, NULL, o->timeout_ms, collect, &c, &records, errstr, sizeof(errstr))) {
        fprintf(stderr, "sluice results: %s\n", errstr);
        rc = SL_EXIT_FAILURE;
    }
    if (rc == SL_EXIT_OK) rc = write_collected(&c, path);
    if (rc == SL_EXIT_OK)
        fprintf(stderr,
                "sluice results: %s: %" PRIu64 " records read, %zu written to %s, %" PRIu64 " uncommitted left out, "
                "%" PRIu64 " keys repeated with the same value, %" PRIu64 " with a different value, %" PRIu64
                " undecodable\n",
                topic, records, c.n_slots, path, c.uncommitted, c.repeated_same, c.repeated_different, c.undecodable);
    if (rc == SL_EXIT_OK && c.undecodable) rc = SL_EXIT_FAILURE;
    sl_result_decoder_free(c.decoder);
    sl_hash_index_free(&c.keys);
    sl_buf_free(&c.values);
    free(c.slots);
    return rc;
}

static const char **option_field(results_opts *o, const char *flag) {
    static const struct { const char *flag; size_t off; } FIELDS[] = {
        {"--brokers", offsetof(results_opts, brokers)},       {"--out", offsetof(results_opts, out)},
        {"--topic", offsetof(results_opts, topic)},           {"--committed-epochs-from", offsetof(results_opts, epochs_dir)},
        {"--late-out", offsetof(results_opts, late_out)},     {"--late-topic", offsetof(results_opts, late_topic)},
    };
    for (size_t i = 0; i < sizeof(FIELDS) / sizeof(FIELDS[0]); i++)
        if (!strcmp(flag, FIELDS[i].flag)) return (const char **)((char *)o + FIELDS[i].off);
    return NULL;
}

/* -1 to go on, else the exit code. */
static int parse(int argc, char **argv, results_opts *o) {
    *o = (results_opts){.topic = "analytics-results", .late_topic = "analytics-results.late", .timeout_ms = 60000,
                        .conf = sl_conf_new()};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return SL_EXIT_OK;
        }
        if (!strcmp(argv[i], "--set") && i + 1 < argc) {
            char errstr[512];
            if (strncmp(argv[i + 1], "avro.", 5) || sl_conf_set_pair(o->conf, argv[i + 1], errstr, sizeof(errstr))) {
                fprintf(stderr, "sluice results: --set %s: %s\n", argv[i + 1],
                        strncmp(argv[i + 1], "avro.", 5) ? "only avro.* keys apply here" : errstr);
                return SL_EXIT_USAGE;
            }
            i++;
            continue;
        }
        const char **field = option_field(o, argv[i]);
        bool timeout = !strcmp(argv[i], "--timeout-ms");
        if (!field && !timeout) {
            fprintf(stderr, "sluice results: unknown option '%s'. Run 'sluice results --help'.\n", argv[i]);
            return SL_EXIT_USAGE;
        }
        if (i + 1 >= argc || !*argv[i + 1]) {
            fprintf(stderr, "sluice results: %s needs a value. Run 'sluice results --help'.\n", argv[i]);
            return SL_EXIT_USAGE;
        }
        if (field) *field = argv[++i];
        else {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || v <= 0 || v > 3600000) {
                fprintf(stderr, "sluice results: --timeout-ms: '%s' is not a number from 1 to 3600000\n", argv[i]);
                return SL_EXIT_USAGE;
            }
            o->timeout_ms = (int)v;
        }
    }
    if (!o->brokers || !o->out) {
        fprintf(stderr, "sluice results: --brokers and --out are required. Run 'sluice results --help'.\n");
        return SL_EXIT_USAGE;
    }
    return -1;
}

int sl_cmd_results(int argc, char **argv) {
    results_opts o;
    int rc = parse(argc, argv, &o);
    if (rc >= 0) {
        sl_conf_destroy(o.conf);
        return rc;
    }
    sl_kafka_epochs *committed = NULL;
    if (o.epochs_dir) {
        char errstr[512];
        if (!(committed = sl_kafka_epochs_load(o.epochs_dir, errstr, sizeof(errstr)))) {
            fprintf(stderr, "sluice results: --committed-epochs-from: %s\n", errstr);
            sl_conf_destroy(o.conf);
            return SL_EXIT_USAGE;
        }
        fprintf(stderr, "sluice results: %zu committed transaction(s) recorded in %s\n",
                sl_kafka_epochs_count(committed), o.epochs_dir);
    }
    rc = dump_topic(&o, o.topic, o.out, true, committed);
    if (rc == SL_EXIT_OK && o.late_out) rc = dump_topic(&o, o.late_topic, o.late_out, false, committed);
    sl_kafka_epochs_free(committed);
    sl_conf_destroy(o.conf);
    return rc;
}
