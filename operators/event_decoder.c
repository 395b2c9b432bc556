/* event_decoder.c -- one input record (bytes) to a valid sl_event, or a dead letter saying why. */
#include "operators/event_decoder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "avro/avro_serde.h"
#include "operators/event_json.h"

struct sl_event_decoder {
    sl_event_format format;
    sl_event_limits limits;
    sl_avro_registry *registry;          /* Avro only */
    sl_avro_decoder *avro;               /* Avro only: keeps its values across records */
    sl_metric_handle *dead[SL_DEAD_REASON_COUNT];
    sl_dead_reason kind;
    char reason[512];
};

static const char *const LABELS[SL_DEAD_REASON_COUNT] = {
    [SL_DEAD_OVERSIZED] = "oversized",         [SL_DEAD_NOT_JSON] = "not_json",
    [SL_DEAD_WRONG_MAGIC] = "wrong_magic",     [SL_DEAD_UNKNOWN_SCHEMA] = "unknown_schema",
    [SL_DEAD_CORRUPT_AVRO] = "corrupt_avro",   [SL_DEAD_MISSING_FIELD] = "missing_field",
    [SL_DEAD_WRONG_TYPE] = "wrong_type",       [SL_DEAD_BAD_EVENT_TYPE] = "bad_event_type",
    [SL_DEAD_BAD_TIMESTAMP] = "bad_timestamp", [SL_DEAD_INVALID_VALUE] = "invalid_value",
};

const char *sl_dead_reason_label(sl_dead_reason kind) {
    return (unsigned)kind < SL_DEAD_REASON_COUNT ? LABELS[kind] : "invalid_value";
}

/* How the decoders' sentences begin (operators/event_json.c, avro/ sources, the
 * framing readers). First match wins, so the narrower patterns come first;
 * test_event_decoder checks every kind against the real sentences. */
static const struct {
    const char *start;          /* the sentence begins with this */
    const char *contains;       /* and contains this (NULL: anything) */
    sl_dead_reason kind;
} PATTERNS[] = {
    {"record of ", "exceeds", SL_DEAD_OVERSIZED},
    {"not valid JSON", NULL, SL_DEAD_NOT_JSON},
    {"the record is ", "expected a JSON object", SL_DEAD_WRONG_TYPE},
    {"wrong magic byte", NULL, SL_DEAD_WRONG_MAGIC},
    {"unknown schema id", NULL, SL_DEAD_UNKNOWN_SCHEMA},
    {"schema id ", "cannot be read as", SL_DEAD_UNKNOWN_SCHEMA},
    {"Schema Registry", NULL, SL_DEAD_UNKNOWN_SCHEMA},
    {"truncated ", NULL, SL_DEAD_CORRUPT_AVRO},
    {"corrupt Avro", NULL, SL_DEAD_CORRUPT_AVRO},
    {"missing required field", NULL, SL_DEAD_MISSING_FIELD},
    {"field '", "is empty", SL_DEAD_INVALID_VALUE},
    {"field '", ", expected ", SL_DEAD_WRONG_TYPE},
    {"event_type ", NULL, SL_DEAD_BAD_EVENT_TYPE},
    {"timestamp ", NULL, SL_DEAD_BAD_TIMESTAMP},
};

sl_dead_reason sl_dead_reason_classify(sl_str sentence) {
    char reason[256];   /* the kind shows in a sentence's first words */
    snprintf(reason, sizeof(reason), "%.*s", (int)(sentence.len < sizeof(reason) ? sentence.len : sizeof(reason) - 1),
             sentence.ptr ? sentence.ptr : "");
    for (size_t i = 0; i < sizeof(PATTERNS) / sizeof(PATTERNS[0]); i++) {
        if (strncmp(reason, PATTERNS[i].start, strlen(PATTERNS[i].start)) != 0) continue;
        if (!PATTERNS[i].contains || strstr(reason, PATTERNS[i].contains)) return PATTERNS[i].kind;
    }
    return SL_DEAD_INVALID_VALUE;
}

static sl_err read_limits(sl_event_decoder *dec, const sl_conf *conf, char *errstr, size_t errstr_size) {
    sl_event_limits_default(&dec->limits);
    if (!conf) return SL_OK;
    int64_t max_bytes;
    sl_err err;
    if ((err = sl_conf_get_int(conf, "source.max_record_bytes", &max_bytes, errstr, errstr_size)) ||
        (err = sl_conf_get_int(conf, "source.max_future_ms", &dec->limits.max_future_ms, errstr, errstr_size)) ||
        (err = sl_conf_get_int(conf, "source.min_timestamp_ms", &dec->limits.min_timestamp_ms, errstr, errstr_size)))
        return err;
    if (max_bytes <= 0)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                       "source.max_record_bytes: %lld is not a positive number of bytes (default 1048576)",
                       (long long)max_bytes);
    dec->limits.max_record_bytes = (size_t)max_bytes;
    return SL_OK;
}

static sl_err read_format(sl_event_decoder *dec, const sl_conf *conf, char *errstr, size_t errstr_size) {
    const char *format = conf ? sl_conf_get(conf, "source.format") : NULL;
    if (!format || !strcmp(format, "json")) {
        dec->format = SL_EVENT_FORMAT_JSON;
        return SL_OK;
    }
    if (strcmp(format, "avro"))
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                       "source.format: '%s' is not a record format (use json or avro)", format);
    dec->format = SL_EVENT_FORMAT_AVRO;
    sl_err err = sl_avro_registry_open(conf, &dec->registry, errstr, errstr_size);
    return err ? err : sl_avro_decoder_new(dec->registry, "ClickstreamEvent", &dec->avro, errstr, errstr_size);
}

sl_err sl_event_decoder_new(const sl_conf *conf, sl_metrics *metrics, sl_event_decoder **out,
                            char *errstr, size_t errstr_size) {
    sl_event_decoder *dec = calloc(1, sizeof(*dec));
    if (!dec) abort();
    sl_err err = read_limits(dec, conf, errstr, errstr_size);
    if (!err) err = read_format(dec, conf, errstr, errstr_size);
    if (err) {
        sl_event_decoder_free(dec);
        return err;
    }
    for (int k = 0; k < SL_DEAD_REASON_COUNT; k++)
        dec->dead[k] = sl_metrics_get(metrics, "sluice_dead_letters_total", (const char *[]){LABELS[k], NULL});
    *out = dec;
    return SL_OK;
}

void sl_event_decoder_free(sl_event_decoder *dec) {
    if (!dec) return;
    sl_avro_decoder_free(dec->avro);
    sl_avro_registry_close(dec->registry);
    free(dec);
}

sl_event_format sl_event_decoder_format(const sl_event_decoder *dec) { return dec->format; }
size_t sl_event_decoder_max_record_bytes(const sl_event_decoder *dec) { return dec->limits.max_record_bytes; }
void sl_event_decoder_set_now(sl_event_decoder *dec, int64_t now_ms) { dec->limits.now_ms = now_ms; }

sl_err sl_event_decoder_decode(sl_event_decoder *dec, const void *data, size_t len, sl_event *ev,
                               sl_arena *arena) {
    sl_err err;
    if (len > dec->limits.max_record_bytes)
        err = sl_errf(SL_ERR_PARSE, dec->reason, sizeof(dec->reason),
                      "record of %zu bytes exceeds source.max_record_bytes (%zu)", len,
                      dec->limits.max_record_bytes);
    else if (dec->format == SL_EVENT_FORMAT_AVRO)
        err = sl_avro_decode_event_checked(dec->avro, data, len, &dec->limits, ev, arena, dec->reason,
                                           sizeof(dec->reason));
    else
        err = sl_event_from_json(data, len, &dec->limits, ev, arena, dec->reason, sizeof(dec->reason));
    if (err) dec->kind = sl_dead_reason_classify(sl_str_c(dec->reason));
    return err;
}

void sl_event_decoder_reject(sl_event_decoder *dec, sl_dead_reason kind, const char *reason) {
    dec->kind = kind;
    snprintf(dec->reason, sizeof(dec->reason), "%s", reason);
}

const char *sl_event_decoder_reason(const sl_event_decoder *dec) { return dec->reason; }
sl_dead_reason sl_event_decoder_reason_kind(const sl_event_decoder *dec) { return dec->kind; }

sl_dead_letter *sl_event_decoder_dead_letter(sl_event_decoder *dec, sl_batch *dead, sl_str payload,
                                             sl_str source, int32_t partition, int64_t offset) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    sl_dead_letter *d = sl_batch_push(dead);
    d->payload = sl_batch_copy_str(dead, (sl_str){payload.ptr ? payload.ptr : "", payload.len});
    d->reason = sl_batch_copy_str(dead, sl_str_c(dec->reason));
    d->source = sl_batch_copy_str(dead, source);
    d->partition = partition;
    d->offset = offset;
    d->time_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    sl_metric_add(dec->dead[dec->kind], 1);
    return d;
}
