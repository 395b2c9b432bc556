/* result_encoder.c -- result records as sink bytes: JSON lines or Confluent Avro, by sink.format. */
#include "operators/result_encoder.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avro/avro_serde.h"
#include "operators/event_decoder.h"
#include "operators/result_json.h"

enum { ENC_PAGE, ENC_TOP, ENC_EVENT, ENC_DEAD, N_ENCODERS };
static const char *const RECORD_NAMES[N_ENCODERS] = {"PageAnalytics", "TopPages", "ClickstreamEvent", "DeadLetter"};

struct sl_result_encoder {
    sl_avro_registry *registry;          /* NULL for JSON */
    sl_avro_encoder *avro[N_ENCODERS];
    uint8_t *buf;
    size_t cap;
};

sl_err sl_result_encoder_new(const sl_conf *conf, sl_result_encoder **out, char *errstr, size_t errstr_size) {
    const char *format = conf ? sl_conf_get(conf, "sink.format") : NULL;
    if (format && strcmp(format, "json") && strcmp(format, "avro"))
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                       "sink.format: '%s' is not a record format (use json or avro)", format);
    sl_result_encoder *enc = calloc(1, sizeof(*enc));
    if (!enc) abort();
    enc->cap = 4096;
    enc->buf = malloc(enc->cap);
    if (!enc->buf) abort();
    sl_err err = SL_OK;
    if (format && !strcmp(format, "avro")) {
        err = sl_avro_registry_open(conf, &enc->registry, errstr, errstr_size);
        for (int i = 0; i < N_ENCODERS && !err; i++)
            err = sl_avro_encoder_new(enc->registry, RECORD_NAMES[i], &enc->avro[i], errstr, errstr_size);
    }
    if (err) {
        sl_result_encoder_free(enc);
        return err;
    }
    *out = enc;
    return SL_OK;
}

void sl_result_encoder_free(sl_result_encoder *enc) {
    if (!enc) return;
    for (int i = 0; i < N_ENCODERS; i++) sl_avro_encoder_free(enc->avro[i]);
    sl_avro_registry_close(enc->registry);
    free(enc->buf);
    free(enc);
}

int sl_result_encoder_is_avro(const sl_result_encoder *enc) { return enc->registry != NULL; }

static sl_err encode_avro(sl_result_encoder *enc, sl_batch_kind kind, const void *record, size_t *len,
                          char *errstr, size_t errstr_size) {
    switch (kind) {
    case SL_BATCH_PAGE_STATS:
        return sl_avro_encode_page_stats(enc->avro[ENC_PAGE], record, enc->buf, enc->cap, len, errstr, errstr_size);
    case SL_BATCH_TOP_PAGES:
        return sl_avro_encode_top_pages(enc->avro[ENC_TOP], record, enc->buf, enc->cap, len, errstr, errstr_size);
    case SL_BATCH_LATE_EVENTS:
        return sl_avro_encode_event(enc->avro[ENC_EVENT], &((const sl_late_event *)record)->event, enc->buf,
                                    enc->cap, len, errstr, errstr_size);
    case SL_BATCH_DEAD_LETTERS:
        return sl_avro_encode_dead_letter(enc->avro[ENC_DEAD], record, SL_STR_NULL, enc->buf, enc->cap, len,
                                          errstr, errstr_size);
    default:
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size, "result encoder: records of kind %s are not results",
                       sl_batch_kind_name(kind));
    }
}

static void grow(sl_result_encoder *enc, size_t need) {
    enc->cap = need > 2 * enc->cap ? need : 2 * enc->cap;
    enc->buf = realloc(enc->buf, enc->cap);
    if (!enc->buf) abort();
}

sl_err sl_result_encoder_encode(sl_result_encoder *enc, sl_batch_kind kind, const void *record,
                                const uint8_t **data, size_t *len, char *errstr, size_t errstr_size) {
    if (!enc->registry) {
        if (kind != SL_BATCH_PAGE_STATS && kind != SL_BATCH_TOP_PAGES && kind != SL_BATCH_LATE_EVENTS &&
            kind != SL_BATCH_DEAD_LETTERS)
            return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                           "result encoder: records of kind %s are not results", sl_batch_kind_name(kind));
        size_t n = sl_record_to_json(kind, record, (char *)enc->buf, enc->cap);
        if (n >= enc->cap) {
            grow(enc, n + 1);
            sl_record_to_json(kind, record, (char *)enc->buf, enc->cap);
        }
        *data = enc->buf;
        *len = n;
        return SL_OK;
    }
    sl_err err = encode_avro(enc, kind, record, len, errstr, errstr_size);
    if (err == SL_ERR_INVALID_ARG && *len > enc->cap) {   /* *len is the size needed */
        grow(enc, *len);
        err = encode_avro(enc, kind, record, len, errstr, errstr_size);
    }
    *data = enc->buf;
    return err;
}

void sl_dead_letter_headers_fill(const sl_dead_letter *d, sl_dead_letter_headers *out) {
    const char *kind = sl_dead_reason_label(sl_dead_reason_classify(d->reason));
    snprintf(out->numbers[0], sizeof(out->numbers[0]), "%" PRId32, d->partition);
    snprintf(out->numbers[1], sizeof(out->numbers[1]), "%" PRId64, d->offset);
    snprintf(out->numbers[2], sizeof(out->numbers[2]), "%" PRId64, d->time_ms);
    const char *names[SL_DEAD_LETTER_HEADER_COUNT] = {
        SL_DLQ_HEADER_PREFIX "reason", SL_DLQ_HEADER_PREFIX "kind",      SL_DLQ_HEADER_PREFIX "source",
        SL_DLQ_HEADER_PREFIX "partition", SL_DLQ_HEADER_PREFIX "offset", SL_DLQ_HEADER_PREFIX "time"};
    const char *values[SL_DEAD_LETTER_HEADER_COUNT] = {d->reason.ptr, kind, d->source.ptr,
                                                       out->numbers[0], out->numbers[1], out->numbers[2]};
    size_t lens[SL_DEAD_LETTER_HEADER_COUNT] = {d->reason.len, strlen(kind), d->source.len,
                                                strlen(out->numbers[0]), strlen(out->numbers[1]),
                                                strlen(out->numbers[2])};
    for (int i = 0; i < SL_DEAD_LETTER_HEADER_COUNT; i++) {
        out->h[i].name = names[i];
        out->h[i].value = values[i] ? values[i] : "";
        out->h[i].len = lens[i];
    }
}
