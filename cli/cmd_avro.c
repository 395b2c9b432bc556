/* cmd_avro.c -- `sluice avro encode|decode`: JSON lines <-> Confluent Avro wire records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avro/avro_serde.h"
#include "cli/commands.h"

#define AVRO_MAX_RECORD (16u << 20)

typedef enum framing { FRAMING_HEX, FRAMING_LENGTH } framing;

typedef struct avro_opts {
    const char *mode;          /* "encode" or "decode" */
    const char *schema;        /* record name or NULL */
    framing framing;
    sl_conf *conf;
} avro_opts;

static void usage(FILE *out) {
    fprintf(out,
        "Usage: sluice avro encode --schema NAME [OPTIONS] < records.jsonl > records.avro\n"
        "       sluice avro decode [--schema NAME] [OPTIONS] < records.avro > records.jsonl\n\n"
        "Converts between JSON lines (the same JSON forms sluice reads and writes) and\n"
        "Confluent wire-format Avro records (magic 0x00, 4-byte schema id, Avro body).\n\n"
        "Options:\n"
        "  --schema NAME     ClickstreamEvent, PageAnalytics, TopPages or DeadLetter.\n"
        "                    encode: the schema to write (required).\n"
        "                    decode: the reader schema; records written with another version\n"
        "                    are resolved to it. ClickstreamEvent is decoded through sluice's\n"
        "                    event decoder. Without it, each record is printed in its writer schema.\n"
        "  --framing F       hex (default): one wire record per line, hex-encoded;\n"
        "                    length: each record preceded by its length (4 bytes, big-endian).\n"
        "  --set KEY=VALUE   an avro.* configuration key (see `sluice config`), e.g.\n"
        "                    --set avro.schema_registry=http://127.0.0.1:8081\n"
        "  --help            this text\n\n"
        "Bad records are reported on stderr (record number and reason) and skipped; the exit\n"
        "status is then 1. Exit 2 means the command line was wrong. See docs/avro.md.\n");
}

static int parse_args(int argc, char **argv, avro_opts *o) {
    if (argc < 2 || (strcmp(argv[1], "encode") && strcmp(argv[1], "decode"))) {
        fprintf(stderr, "sluice avro: expected 'encode' or 'decode' (see sluice avro --help)\n");
        return SL_EXIT_USAGE;
    }
    o->mode = argv[1];
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
        char err[512];
        if (!strcmp(a, "--help")) {
            usage(stdout);
            return -1;
        } else if (!next && (!strcmp(a, "--schema") || !strcmp(a, "--framing") || !strcmp(a, "--set"))) {
            fprintf(stderr, "sluice avro: %s needs a value (see sluice avro --help)\n", a);
            return SL_EXIT_USAGE;
        } else if (!strcmp(a, "--schema")) {
            o->schema = argv[++i];
        } else if (!strcmp(a, "--framing") && (!strcmp(next, "hex") || !strcmp(next, "length"))) {
            o->framing = !strcmp(argv[++i], "hex") ? FRAMING_HEX : FRAMING_LENGTH;
        } else if (!strcmp(a, "--set")) {
            if (sl_conf_set_pair(o->conf, argv[++i], err, sizeof(err))) {
                fprintf(stderr, "sluice avro: --set %s: %s\n", next, err);
                return SL_EXIT_USAGE;
            }
        } else {
            fprintf(stderr, "sluice avro: unknown option or bad value '%s%s%s' (see sluice avro --help)\n",
                    a, next ? " " : "", next ? next : "");
            return SL_EXIT_USAGE;
        }
    }
    if (!strcmp(o->mode, "encode") && !o->schema) {
        fprintf(stderr, "sluice avro encode: --schema NAME is required (e.g. --schema ClickstreamEvent)\n");
        return SL_EXIT_USAGE;
    }
    return 0;
}

static void write_record(framing fr, const uint8_t *data, size_t len) {
    if (fr == FRAMING_LENGTH) {
        uint8_t be[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len};
        fwrite(be, 1, 4, stdout);
        fwrite(data, 1, len, stdout);
        return;
    }
    for (size_t i = 0; i < len; i++) printf("%02x", data[i]);
    putchar('\n');
}

/* The next framed record into *buf; 0 at end of input, -1 on a framing error. */
static int read_record(framing fr, uint8_t **buf, size_t *len, char **line, size_t *line_cap) {
    if (fr == FRAMING_LENGTH) {
        uint8_t be[4];
        size_t got = fread(be, 1, 4, stdin);
        if (got == 0) return 0;
        *len = got < 4 ? AVRO_MAX_RECORD + 1 : (size_t)be[0] << 24 | (size_t)be[1] << 16 | (size_t)be[2] << 8 | be[3];
        if (*len > AVRO_MAX_RECORD) return -1;
        *buf = realloc(*buf, *len ? *len : 1);
        return fread(*buf, 1, *len, stdin) == *len ? 1 : -1;
    }
    ssize_t n = getline(line, line_cap, stdin);
    if (n < 0) return 0;
    while (n > 0 && ((*line)[n - 1] == '\n' || (*line)[n - 1] == '\r')) n--;
    if (n % 2) return -1;
    *len = (size_t)n / 2;
    *buf = realloc(*buf, *len ? *len : 1);
    for (size_t i = 0; i < *len; i++) {
        unsigned byte;
        if (sscanf(*line + 2 * i, "%2x", &byte) != 1) return -1;
        (*buf)[i] = (uint8_t)byte;
    }
    return 1;
}

static int run_encode(const avro_opts *o, sl_avro_registry *reg) {
    char err[1024];
    sl_avro_encoder *enc;
    if (sl_avro_encoder_new(reg, o->schema, &enc, err, sizeof(err))) {
        fprintf(stderr, "sluice avro encode: %s\n", err);
        return SL_EXIT_FAILURE;
    }
    char *line = NULL;
    size_t cap = 0, out_cap = 4096, len, lineno = 0, bad = 0;
    uint8_t *out = malloc(out_cap);
    ssize_t n;
    while ((n = getline(&line, &cap, stdin)) >= 0) {
        lineno++;
        if (n <= 1) continue;
        sl_err e = sl_avro_value_from_json_text(sl_avro_encoder_value(enc), line, (size_t)n, err, sizeof(err));
        if (!e && (e = sl_avro_encoder_write(enc, out, out_cap, &len, err, sizeof(err))) == SL_ERR_INVALID_ARG) {
            out = realloc(out, out_cap = len);
            e = sl_avro_encoder_write(enc, out, out_cap, &len, err, sizeof(err));
        }
        if (e) {
            fprintf(stderr, "sluice avro encode: line %zu: %s\n", lineno, err);
            bad++;
            continue;
        }
        write_record(o->framing, out, len);
    }
    free(line);
    free(out);
    sl_avro_encoder_free(enc);
    return bad ? SL_EXIT_FAILURE : SL_EXIT_OK;
}

/* One record to a JSON line: events through the typed decoder, others generically. */
static sl_err decode_one(sl_avro_decoder *dec, sl_avro_encoder *event_enc, sl_arena *arena,
                         const uint8_t *data, size_t len, char **json, char *err, size_t err_size) {
    avro_value_t *value;
    sl_err e;
    if (event_enc) {
        sl_event ev;
        sl_arena_reset(arena);
        if ((e = sl_avro_decode_event(dec, data, len, &ev, arena, err, err_size))) return e;
        if ((e = sl_avro_event_fill(event_enc, &ev, err, err_size))) return e;
        value = sl_avro_encoder_value(event_enc);
    } else if ((e = sl_avro_decoder_read(dec, data, len, &value, err, err_size))) {
        return e;
    }
    *json = sl_avro_value_to_json_text(value);
    return *json ? SL_OK : sl_errf(SL_ERR_PARSE, err, err_size, "record holds a string that is not valid UTF-8");
}

static int run_decode(const avro_opts *o, sl_avro_registry *reg) {
    char err[1024];
    sl_avro_decoder *dec = NULL;
    sl_avro_encoder *event_enc = NULL;
    bool typed = o->schema && !strcmp(o->schema, "ClickstreamEvent");
    if (sl_avro_decoder_new(reg, o->schema, &dec, err, sizeof(err)) ||
        (typed && sl_avro_encoder_new(reg, "ClickstreamEvent", &event_enc, err, sizeof(err)))) {
        fprintf(stderr, "sluice avro decode: %s\n", err);
        sl_avro_decoder_free(dec);
        return SL_EXIT_FAILURE;
    }
    sl_arena arena;
    sl_arena_init(&arena, 1 << 16);
    uint8_t *buf = NULL;
    char *line = NULL, *json = NULL;
    size_t cap = 0, len, recno = 0, bad = 0;
    int r;
    while ((r = read_record(o->framing, &buf, &len, &line, &cap)) != 0) {
        recno++;
        sl_err e = r < 0 ? sl_errf(SL_ERR_PARSE, err, sizeof(err), "bad %s framing",
                                   o->framing == FRAMING_HEX ? "hex" : "length-prefix")
                         : decode_one(dec, event_enc, &arena, buf, len, &json, err, sizeof(err));
        if (e) {
            fprintf(stderr, "sluice avro decode: record %zu: %s\n", recno, err);
            bad++;
            if (r < 0 && o->framing == FRAMING_LENGTH) break;   /* cannot resynchronise */
            continue;
        }
        puts(json);
        free(json);
    }
    free(buf);
    free(line);
    sl_arena_free(&arena);
    sl_avro_encoder_free(event_enc);
    sl_avro_decoder_free(dec);
    return bad ? SL_EXIT_FAILURE : SL_EXIT_OK;
}

int sl_cmd_avro(int argc, char **argv) {
    if (argc >= 2 && !strcmp(argv[1], "--help")) {
        usage(stdout);
        return SL_EXIT_OK;
    }
    avro_opts o = {.conf = sl_conf_new()};
    int rc = parse_args(argc, argv, &o);
    if (rc) {
        sl_conf_destroy(o.conf);
        return rc < 0 ? SL_EXIT_OK : rc;
    }
    char err[1024];
    sl_avro_registry *reg;
    if (sl_avro_registry_open(o.conf, &reg, err, sizeof(err))) {
        fprintf(stderr, "sluice avro %s: %s\n", o.mode, err);
        sl_conf_destroy(o.conf);
        return SL_EXIT_USAGE;
    }
    rc = !strcmp(o.mode, "encode") ? run_encode(&o, reg) : run_decode(&o, reg);
    sl_avro_registry_close(reg);
    sl_conf_destroy(o.conf);
    return rc;
}
