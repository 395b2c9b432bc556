/* sink_kafka.c -- the "kafka" sink: result records encoded as JSON, in checkpoint transactions.
 *
 * The transactional protocol lives in kafka_txn.c; this file turns result
 * records into (topic, key, JSON value) and maps the operator callbacks. */
#include "operators/sink_kafka.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/metrics.h"
#include "operators/kafka_txn.h"
#include "operators/result_json.h"

typedef struct kafka_sink {
    sl_kafka_txn *txn;
    const char *topic, *late_topic, *dlq_topic;
    char *buf;                     /* JSON value being encoded; grows rarely */
    size_t cap;
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
    free(s->buf);
    free(s);
}

static sl_err kafka_sink_init(sl_operator_ctx *ctx, void **self, char *errstr, size_t errstr_size) {
    kafka_sink *s = calloc(1, sizeof(*s));
    if (!s) abort();
    s->topic = conf_or(ctx->conf, "kafka_sink.topic", "analytics-results");
    s->late_topic = conf_or(ctx->conf, "kafka_sink.late_topic", "analytics-results.late");
    s->dlq_topic = conf_or(ctx->conf, "kafka_sink.dlq_topic", "clickstream-events.dlq");
    s->cap = 4096;
    s->buf = malloc(s->cap);
    if (!s->buf) abort();
    s->txn = sl_kafka_txn_new(ctx->conf, ctx->subtask, s->topic,
                              conf_or(ctx->conf, "kafka_source.topic", "clickstream-events"), errstr, errstr_size);
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
    s->committed = sl_metrics_get(ctx->metrics, "sluice_kafka_transactions_total", (const char *const[]){"committed", NULL});
    s->aborted = sl_metrics_get(ctx->metrics, "sluice_kafka_transactions_total", (const char *const[]){"aborted", NULL});
    *self = s;
    return SL_OK;
}

/* Topic, key and JSON value of record i of batch b; -1 for a kind a sink cannot write. */
static int encode(kafka_sink *s, sl_batch *b, uint32_t i, const char **topic, char *key, size_t key_cap,
                  size_t *len) {
    for (;;) {
        size_t need;
        switch (b->kind) {
        case SL_BATCH_PAGE_STATS: {
            const sl_page_stats *r = &SL_BATCH_ITEMS(b, sl_page_stats)[i];
            *topic = s->topic;
            snprintf(key, key_cap, "%" PRId64 "|%.*s", r->window_start, (int)r->page.len, r->page.ptr ? r->page.ptr : "");
            need = sl_page_stats_to_json(r, s->buf, s->cap);
            break;
        }
        case SL_BATCH_TOP_PAGES: {
            const sl_top_pages *r = &SL_BATCH_ITEMS(b, sl_top_pages)[i];
            *topic = s->topic;
            snprintf(key, key_cap, "%" PRId64, r->window_start);
            need = sl_top_pages_to_json(r, s->buf, s->cap);
            break;
        }
        case SL_BATCH_LATE_EVENTS: {
            const sl_late_event *r = &SL_BATCH_ITEMS(b, sl_late_event)[i];
            *topic = s->late_topic;
            snprintf(key, key_cap, "%.*s", (int)r->event.session_id.len, r->event.session_id.ptr ? r->event.session_id.ptr : "");
            need = sl_late_event_to_json(r, s->buf, s->cap);
            break;
        }
        case SL_BATCH_DEAD_LETTERS: {
            const sl_dead_letter *r = &SL_BATCH_ITEMS(b, sl_dead_letter)[i];
            *topic = s->dlq_topic;
            snprintf(key, key_cap, "%.*s", (int)r->source.len, r->source.ptr ? r->source.ptr : "");
            need = sl_dead_letter_to_json(r, s->buf, s->cap);
            break;
        }
        default:
            return -1;
        }
        if (need < s->cap) {
            *len = need;
            return 0;
        }
        s->cap = need + 1 > 2 * s->cap ? need + 1 : 2 * s->cap;   /* grows rarely: results are small */
        s->buf = realloc(s->buf, s->cap);
        if (!s->buf) abort();
    }
}

static sl_err kafka_sink_process(void *self, sl_batch *in, sl_emitter *out, char *errstr, size_t errstr_size) {
    kafka_sink *s = self;
    char key[256];
    for (uint32_t i = 0; i < in->count; i++) {
        const char *topic;
        size_t len;
        if (encode(s, in, i, &topic, key, sizeof(key), &len) < 0)
            return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                           "kafka sink: cannot write records of kind %s (the job graph connects the wrong "
                           "operator to the sink)", sl_batch_kind_name(in->kind));
        sl_err err = sl_kafka_txn_produce(s->txn, topic, key, strlen(key), s->buf, len, errstr, errstr_size);
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
