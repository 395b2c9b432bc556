/* source_kafka.c -- the "kafka" source plugin: a consumer group reader per subtask.
 *
 * All the work is in kafka_reader.c; this file chooses the value decoder from
 * source.format and adapts the reader to sl_source_plugin. Offsets are never
 * committed by the consumer: the Kafka sink sends them inside its
 * transaction (kafka_offsets.h), so cb_checkpoint_complete has nothing to do. */
#include <string.h>

#include "engine/operator.h"
#include "operators/event_decoder.h"
#include "operators/event_json.h"
#include "operators/kafka_reader.h"

static sl_err kafka_source_init(sl_operator_ctx *ctx, void **self, char *errstr, size_t errstr_size) {
    /* JSON or Avro by source.format, validated alike, dead letters with their kind */
    sl_event_decoder *dec;
    sl_err err = sl_event_decoder_new(ctx->conf, ctx->metrics, &dec, errstr, errstr_size);
    if (err) return err;
    sl_kafka_reader *r = sl_kafka_reader_new(ctx->conf, ctx->subtask, sl_event_from_json, errstr, errstr_size);
    if (!r) {
        sl_event_decoder_free(dec);
        return SL_ERR_KAFKA;
    }
    sl_kafka_reader_set_decoder(r, dec);
    sl_kafka_reader_set_metrics(r, ctx->metrics);
    sl_kafka_reader_set_readiness(r, ctx);   /* /readyz: 503 until the group assigns partitions */
    *self = r;
    return SL_OK;
}

static sl_source_status kafka_source_poll(void *self, sl_batch *out, sl_batch *dead_letters, int64_t *watermark,
                                          char *errstr, size_t errstr_size) {
    return sl_kafka_reader_poll(self, out, dead_letters, watermark, errstr, errstr_size);
}

static sl_err kafka_source_snapshot(void *self, sl_buf *out) { return sl_kafka_reader_snapshot(self, out); }

static sl_err kafka_source_restore(void *self, const sl_buf *const *snapshots, size_t n, char *errstr,
                                   size_t errstr_size) {
    return sl_kafka_reader_restore(self, snapshots, n, errstr, errstr_size);
}

static void kafka_source_checkpoint_complete(void *self, int64_t checkpoint_id) {
    (void)self;
    (void)checkpoint_id;   /* the sink's transaction committed the offsets */
}

static void kafka_source_destroy(void *self) { sl_kafka_reader_free(self); }

const sl_source_plugin sl_source_kafka = {
    .name = "kafka",
    .description = "Kafka consumer group (job.id), per-partition watermarks, read_committed",
    .own_thread = true,
    .cb_init = kafka_source_init,
    .cb_poll = kafka_source_poll,
    .cb_snapshot = kafka_source_snapshot,
    .cb_restore = kafka_source_restore,
    .cb_checkpoint_complete = kafka_source_checkpoint_complete,
    .cb_destroy = kafka_source_destroy,
};
