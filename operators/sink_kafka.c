/* sink_kafka.c -- the "kafka" sink: result records as JSON or Avro (sink.format), in checkpoint transactions.
 *
 * The transactional protocol lives in kafka_txn.c; this file turns result
 * records into (topic, key, value, headers) through result_encoder.h and maps
 * the operator callbacks. */
#include "operators/sink_kafka.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/metrics.h"
#include "operators/kafka_conf.h"
#include "operators/kafka_txn.h"
#include "operators/result_encoder.h"

typedef struct kafka_sink {
    sl_kafka_txn *txn;
    const char *topic, *late_topic, *dlq_topic;
    sl_result_encoder *enc;        /* sink.format: JSON lines or Confluent Avro; reuses its buffer */
    sl_result_encoder *echo_enc;   /* JSON for kafka_sink.echo_committed when the values are Avro, else NULL */
    sl_metric_handle *committed, *aborted;   /* sluice_kafka_transactions_total */
} kafka_sink;

static const char *conf_or(const sl_conf *conf, const char *key, const char *dflt) {
    const char *v = sl_conf_get(conf, key);
    return v && *v ? v : dflt;
}

static void kafka_sink_destroy(void *self) {
    kafka_sink *s = self;
    if (!s) return;
    sl_kafka_txn_free(s->txn);
    sl_result_encoder_free(s->enc);
    sl_result_encoder_free(s->echo_enc);
    free(s);
}

static sl_err kafka_sink_init(sl_operator_ctx *ctx, void **self, char *errstr, size_t errstr_size) {
    kafka_sink *s = calloc(1, sizeof(*s));
    if (!s) abort();
    s->topic = conf_or(ctx->conf, "kafka_sink.topic", "analytics-results");
    s->late_topic = conf_or(ctx->conf, "kafka_sink.late_topic", "analytics-results.late");
    s->dlq_topic = conf_or(ctx->conf, "kafka_sink.dlq_topic", "clickstream-events.dlq");
    /* The encoder first: a bad sink.format or registry fails before any
     * producer (and its transactional.id) is created. */
    sl_err err = sl_result_encoder_new(ctx->conf, &s->enc, errstr, errstr_size);
    if (err) {
        kafka_sink_destroy(s);
        return err;
    }
    /* The input whose offsets the transaction carries: in scale-out mode
     * the aggregation reads the exchange topic, not the events. */
    char exchange[300];
    const char *input = !strcmp(conf_or(ctx->conf, "source.type", ""), "exchange")
                            ? sl_kafka_exchange_topic(ctx->conf, exchange, sizeof(exchange))
                            : conf_or(ctx->conf, "kafka_source.topic", "clickstream-events");
    s->txn = sl_kafka_txn_new(ctx->conf, ctx->subtask, s->topic, input, errstr, errstr_size);
    if (!s->txn) {
        kafka_sink_destroy(s);
        return strstr(errstr, "configuration key") || strstr(errstr, "rejected") ? SL_ERR_INVALID_ARG : SL_ERR_KAFKA;
    }
    bool echo = false;
    if (sl_conf_get(ctx->conf, "kafka_sink.echo_committed") &&
        sl_conf_get_bool(ctx->conf, "kafka_sink.echo_committed", &echo, errstr, errstr_size)) {
        kafka_sink_destroy(s);
        return SL_ERR_INVALID_ARG;
    }
    if (echo) sl_kafka_txn_set_echo(s->txn, stdout);
    if (echo && sl_result_encoder_is_avro(s->enc) &&
        (err = sl_result_encoder_new(NULL, &s->echo_enc, errstr, errstr_size))) {
        kafka_sink_destroy(s);
        return err;
    }
    s->committed = sl_metrics_get(ctx->metrics, "sluice_kafka_transactions_total", (const char *const[]){"committed", NULL});
    s->aborted = sl_metrics_get(ctx->metrics, "sluice_kafka_transactions_total", (const char *const[]){"aborted", NULL});
    *self = s;
    return SL_OK;
}

/* Where record i of batch b goes (topic, key, headers); NULL for a kind a sink cannot write. */
static const void *route(kafka_sink *s, sl_batch *b, uint32_t i, sl_kafka_txn_record *out, char *key,
                         size_t key_cap, sl_dead_letter_headers *dlq, sl_kafka_txn_header *headers,
                         char *watermark, size_t watermark_cap) {
    const void *rec = NULL;
    int n = 0;
    switch (b->kind) {
    case SL_BATCH_PAGE_STATS: {
        const sl_page_stats *r = rec = &SL_BATCH_ITEMS(b, sl_page_stats)[i];
        out->topic = s->topic;
        n = snprintf(key, key_cap, "%" PRId64 "|%.*s", r->window_start, (int)r->page.len, r->page.ptr ? r->page.ptr : "");
        break;
    }
    case SL_BATCH_TOP_PAGES: {
        const sl_top_pages *r = rec = &SL_BATCH_ITEMS(b, sl_top_pages)[i];
        out->topic = s->topic;
        n = snprintf(key, key_cap, "%" PRId64, r->window_start);
        break;
    }
    case SL_BATCH_LATE_EVENTS: {
        const sl_late_event *r = rec = &SL_BATCH_ITEMS(b, sl_late_event)[i];
        out->topic = s->late_topic;
        n = snprintf(key, key_cap, "%.*s", (int)r->event.session_id.len, r->event.session_id.ptr ? r->event.session_id.ptr : "");
        /* The Avro value is the bare ClickstreamEvent: the watermark rides along. */
        int wn = snprintf(watermark, watermark_cap, "%" PRId64, r->watermark);
        headers[0] = (sl_kafka_txn_header){SL_LATE_HEADER_WATERMARK, watermark, (size_t)wn};
        out->headers = headers;
        out->n_headers = 1;
        break;
    }
    case SL_BATCH_DEAD_LETTERS: {
        const sl_dead_letter *r = rec = &SL_BATCH_ITEMS(b, sl_dead_letter)[i];
        out->topic = s->dlq_topic;
        n = snprintf(key, key_cap, "%.*s", (int)r->source.len, r->source.ptr ? r->source.ptr : "");
        sl_dead_letter_headers_fill(r, dlq);
        for (int h = 0; h < SL_DEAD_LETTER_HEADER_COUNT; h++)
            headers[h] = (sl_kafka_txn_header){dlq->h[h].name, dlq->h[h].value, dlq->h[h].len};
        out->headers = headers;
        out->n_headers = SL_DEAD_LETTER_HEADER_COUNT;
        break;
    }
    default:
        return NULL;
    }
    out->key = key;
    out->key_len = n < 0 ? 0 : (size_t)n < key_cap ? (size_t)n : key_cap - 1;
    return rec;
}

static sl_err produce_one(kafka_sink *s, sl_batch *in, uint32_t i, char *errstr, size_t errstr_size) {
    char key[256], watermark[24];
    sl_dead_letter_headers dlq;
    sl_kafka_txn_header headers[SL_DEAD_LETTER_HEADER_COUNT];
    sl_kafka_txn_record r = {0};
    const void *rec = route(s, in, i, &r, key, sizeof(key), &dlq, headers, watermark, sizeof(watermark));
    if (!rec)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                       "kafka sink: cannot write records of kind %s (the job graph connects the wrong "
                       "operator to the sink)", sl_batch_kind_name(in->kind));
    const uint8_t *value;
    sl_err err = sl_result_encoder_encode(s->enc, in->kind, rec, &value, &r.len, errstr, errstr_size);
    r.value = value;
    if (!err && s->echo_enc && r.topic == s->topic) {
        const uint8_t *line;
        err = sl_result_encoder_encode(s->echo_enc, in->kind, rec, &line, &r.echo_len, errstr, errstr_size);
        r.echo = (const char *)line;
    }
    return err ? err : sl_kafka_txn_produce_record(s->txn, &r, errstr, errstr_size);
}

static sl_err kafka_sink_process(void *self, sl_batch *in, sl_emitter *out, char *errstr, size_t errstr_size) {
    kafka_sink *s = self;
    for (uint32_t i = 0; i < in->count; i++) {
        sl_err err = produce_one(s, in, i, errstr, errstr_size);
        if (err) return err;
    }
    sl_kafka_txn_serve(s->txn);
    return SL_OK;
}

static sl_err kafka_sink_watermark(void *self, int64_t wm, sl_emitter *out, char *errstr, size_t errstr_size) {
    return SL_OK;   /* results are written as they arrive; nothing waits for time */
}

static sl_err kafka_sink_snapshot(void *self, int64_t checkpoint_id, sl_buf *out, char *errstr, size_t errstr_size) {
    kafka_sink *s = self;
    sl_err err = sl_kafka_txn_prepare(s->txn, checkpoint_id, errstr, errstr_size);
    if (err) sl_metric_add(s->aborted, 1);   /* a failed pre-commit aborts the transaction */
    return err;
}

static sl_err kafka_sink_restore(void *self, int64_t checkpoint_id, const sl_buf *const *snapshots, size_t n,
                                 char *errstr, size_t errstr_size) {
    kafka_sink *s = self;
    sl_kafka_txn_set_epoch(s->txn, checkpoint_id + 1);
    return SL_OK;
}

static sl_err kafka_sink_checkpoint_complete(void *self, int64_t checkpoint_id, char *errstr, size_t errstr_size) {
    kafka_sink *s = self;
    sl_err err = sl_kafka_txn_commit(s->txn, checkpoint_id, errstr, errstr_size);
    sl_metric_add(err ? s->aborted : s->committed, 1);
    return err;
}

static int64_t kafka_sink_last_committed(void *self) {
    kafka_sink *s = self;
    return sl_kafka_txn_last_committed(s->txn);
}

const sl_operator_plugin sl_sink_kafka = {
    .name = "kafka",
    .description = "Kafka transactions per checkpoint (exactly-once with read_committed consumers)",
    .is_sink = true,
    .cb_init = kafka_sink_init,
    .cb_process = kafka_sink_process,
    .cb_watermark = kafka_sink_watermark,
    .cb_snapshot = kafka_sink_snapshot,
    .cb_restore = kafka_sink_restore,
    .cb_checkpoint_complete = kafka_sink_checkpoint_complete,
    .cb_last_committed = kafka_sink_last_committed,
    .cb_destroy = kafka_sink_destroy,
};
