/* source_exchange.c -- the "exchange" source: the aggregation side of scale-out mode.
 *
 * Reads every partition of scale_out.topic, which every process's ingest stage
 * (kafka_ingest.h) fills with decoded events tagged by their source
 * partition and offset. Forwarding is at-least-once, so this source keeps,
 * per source partition, the largest offset it has delivered and drops
 * anything at or below it; that table is part of its checkpoint, which makes
 * the aggregation exactly-once end to end. Watermarks are tracked per source
 * partition, as the plain Kafka source does, over every partition of the
 * source topic from the start -- so a partition whose records have not
 * arrived yet holds the watermark back instead of seeing its events declared
 * late. Bounded runs end once every source partition sent its END record. */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/log.h"
#include "engine/operator.h"
#include "engine/watermark.h"
#include "operators/exchange_record.h"
#include "operators/kafka_conf.h"
#include "operators/kafka_metadata.h"
#include "operators/kafka_offsets.h"

#define EXCHANGE_POLL_MS 50   /* longest a poll blocks when nothing arrives (own thread) */
#define EXCHANGE_QUERY_MS 10000
#define SNAPSHOT_VERSION 1

typedef struct source_partition {
    int64_t last_offset;       /* largest source offset delivered; -1 = none */
    bool ended;                /* END received (bounded runs) */
} source_partition;

typedef struct exchange_source {
    char name[48];
    char *topic, *source_topic;
    rd_kafka_t *consumer;
    int64_t *next_offsets;     /* per exchange partition; -1 = from the beginning */
    int32_t n_exchange;
    source_partition *parts;
    int32_t n_parts;           /* partitions of the source topic */
    sl_wm_tracker *wm;
    uint64_t duplicates;
    bool assigned;
    rd_kafka_message_t *pending;   /* polled, but its output batch was full */
    char fatal[512];
} exchange_source;

static int64_t wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Grows the table when the source topic gained partitions. */
static source_partition *part_of(exchange_source *s, int32_t p) {
    if (p >= s->n_parts) {
        s->parts = realloc(s->parts, (size_t)(p + 1) * sizeof(source_partition));
        if (!s->parts) abort();
        for (int32_t i = s->n_parts; i <= p; i++) {
            s->parts[i] = (source_partition){-1, false};
            sl_wm_input_add(s->wm, i, wall_ms());
        }
        s->n_parts = p + 1;
    }
    return &s->parts[p];
}

static bool all_ended(const exchange_source *s) {
    for (int32_t i = 0; i < s->n_parts; i++)
        if (!s->parts[i].ended) return false;
    return s->n_parts > 0;
}

static sl_err count_partitions(exchange_source *s, char *errstr, size_t errstr_size) {
    int32_t count = 0;
    const char *topic = s->source_topic;
    rd_kafka_resp_err_t err = sl_kafka_topic_partition_count(s->consumer, topic, EXCHANGE_QUERY_MS, &count);
    if (!err) {
        part_of(s, count - 1);
        topic = s->topic;
        err = sl_kafka_topic_partition_count(s->consumer, topic, EXCHANGE_QUERY_MS, &s->n_exchange);
    }
    if (err)
        return sl_errf(SL_ERR_KAFKA, errstr, errstr_size,
                       "exchange source: cannot read the metadata of topic %s: %s (is the scale-out ingest "
                       "running, and does the topic exist?)", topic, rd_kafka_err2str(err));
    s->next_offsets = malloc((size_t)s->n_exchange * sizeof(int64_t));
    if (!s->next_offsets) abort();
    for (int32_t i = 0; i < s->n_exchange; i++) s->next_offsets[i] = -1;
    return SL_OK;
}

static void exchange_destroy(void *self);

static sl_err exchange_init(sl_operator_ctx *ctx, void **self, char *errstr, size_t errstr_size) {
    int64_t ooo;
    sl_err err = sl_conf_get_int(ctx->conf, "watermark.out_of_orderness_ms", &ooo, errstr, errstr_size);
    if (err) return err;
    if (ctx->parallelism != 1)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                       "the exchange source reads one partition and runs with parallelism 1, not %u",
                       ctx->parallelism);
    exchange_source *s = calloc(1, sizeof(*s));
    if (!s) abort();
    snprintf(s->name, sizeof(s->name), "exchange_source#%u", ctx->subtask);
    char exchange[300];
    s->topic = strdup(sl_kafka_exchange_topic(ctx->conf, exchange, sizeof(exchange)));
    const char *src = sl_conf_get(ctx->conf, "kafka_source.topic");
    s->source_topic = strdup(src && *src ? src : "clickstream-events");
    /* No idleness from gaps here: a gap may be a rebalance. The ingest that
     * owns a partition says when it is idle (SL_EXCHANGE_IDLE). */
    s->wm = sl_wm_tracker_new(ooo, 0);
    char group[300];
    snprintf(group, sizeof(group), "%s-aggregate", sl_kafka_job_id(ctx->conf));
    /* The group is never joined: partitions are assigned, positions live in
     * checkpoints. A position out of range can only be the start of a topic
     * created a moment ago, so never skip to the end, whatever kafka.* says. */
    rd_kafka_conf_t *rkc = sl_kafka_consumer_conf_build(ctx->conf, group, NULL, errstr, errstr_size);
    char reason[512];
    if (rkc) rd_kafka_conf_set(rkc, "auto.offset.reset", "earliest", reason, sizeof(reason));
    err = SL_ERR_KAFKA;
    if (rkc && !(s->consumer = rd_kafka_new(RD_KAFKA_CONSUMER, rkc, reason, sizeof(reason)))) {
        rd_kafka_conf_destroy(rkc);
        sl_errf(SL_ERR_KAFKA, errstr, errstr_size, "exchange source: cannot create the consumer: %s", reason);
    }
    if (s->consumer) {
        rd_kafka_poll_set_consumer(s->consumer);
        err = count_partitions(s, errstr, errstr_size);
    }
    if (err) {
        exchange_destroy(s);
        return err;
    }
    *self = s;
    return SL_OK;
}

/* The first poll assigns every exchange partition at its restored position
 * (cb_restore runs after cb_init). */
static sl_err assign(exchange_source *s, char *errstr, size_t errstr_size) {
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(s->n_exchange);
    for (int32_t i = 0; i < s->n_exchange; i++)
        rd_kafka_topic_partition_list_add(l, s->topic, i)->offset =
            s->next_offsets[i] >= 0 ? s->next_offsets[i] : RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_resp_err_t err = rd_kafka_assign(s->consumer, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (err)
        return sl_errf(SL_ERR_KAFKA, errstr, errstr_size, "exchange source: assigning %s failed: %s", s->topic,
                       rd_kafka_err2str(err));
    s->assigned = true;
    sl_log_info(s->name, "aggregating %s (%d partitions) fed from %d partitions of %s", s->topic, (int)s->n_exchange,
                (int)s->n_parts, s->source_topic);
    return SL_OK;
}

/* Is p a partition of the source topic? A record may name one the topic
 * gained after the start (the table grows to it), or be damaged: a
 * partition the topic does not have must not join the table, where it
 * would hold the watermark back for good. -1: the topic's metadata could
 * not be read (the record waits for the next poll). */
static int source_has_partition(exchange_source *s, int32_t p) {
    if (p < s->n_parts) return 1;
    int32_t count;
    if (sl_kafka_topic_partition_count(s->consumer, s->source_topic, EXCHANGE_QUERY_MS, &count)) return -1;
    if (count > s->n_parts) part_of(s, count - 1);
    return p < s->n_parts;
}

/* A record that is not one of ours goes to the dead letters whole; false when their batch is full. */
static bool refuse(exchange_source *s, const rd_kafka_message_t *m, sl_batch *dead, const char *reason, int64_t now) {
    if (!dead || sl_batch_full(dead)) return false;
    sl_dead_letter d = {.payload = {m->payload ? m->payload : "", (uint32_t)m->len}, .reason = sl_str_c(reason),
                        .source = sl_str_c(s->topic), .partition = m->partition, .offset = m->offset, .time_ms = now};
    sl_batch_copy_record(dead, &d);
    return true;
}

/* Put one exchange record into out or dead; false when it must wait (its batch is full). */
static bool place(exchange_source *s, const rd_kafka_message_t *m, sl_batch *out, sl_batch *dead, int64_t now) {
    sl_exchange_record rec;
    char reason[256];
    if (sl_exchange_decode(m->payload ? m->payload : "", m->len, &rec, reason, sizeof(reason)) != SL_OK)
        return refuse(s, m, dead, reason, now);
    int known = source_has_partition(s, rec.partition);
    if (known < 0) return false;
    if (!known) {
        snprintf(reason, sizeof(reason), "exchange record: source partition %d, but %s has %d partitions",
                 (int)rec.partition, s->source_topic, (int)s->n_parts);
        return refuse(s, m, dead, reason, now);
    }
    source_partition *p = part_of(s, rec.partition);
    if (rec.kind == SL_EXCHANGE_END || rec.kind == SL_EXCHANGE_IDLE) {
        /* An idle partition rejoins with its next record (sl_wm_observe). */
        if (!p->ended) sl_wm_input_remove(s->wm, rec.partition);
        if (rec.kind == SL_EXCHANGE_END) p->ended = true;
        return true;
    }
    if (rec.offset <= p->last_offset) {   /* re-forwarded after a restart or a rebalance */
        s->duplicates++;
        return true;
    }
    if (rec.kind == SL_EXCHANGE_EVENT) {
        if (sl_batch_full(out)) return false;
        sl_event *ev = sl_batch_copy_record(out, &rec.event);
        sl_event_derive(ev);
        sl_wm_observe(s->wm, rec.partition, ev->timestamp_ms, now);
    } else {
        if (!dead || sl_batch_full(dead)) return false;
        sl_batch_copy_record(dead, &rec.dead);
    }
    p->last_offset = rec.offset;
    return true;
}

static sl_source_status exchange_poll(void *self, sl_batch *out, sl_batch *dead, int64_t *watermark, char *errstr,
                                      size_t errstr_size) {
    exchange_source *s = self;
    if (!s->assigned && assign(s, errstr, errstr_size)) return SL_SOURCE_ERROR;
    int64_t now = wall_ms();
    size_t placed = 0;
    while (!sl_batch_full(out)) {
        rd_kafka_message_t *m = s->pending;
        s->pending = NULL;
        if (!m) m = rd_kafka_consumer_poll(s->consumer, placed ? 0 : EXCHANGE_POLL_MS);
        if (!m) break;
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                char fatal[256];
                if (rd_kafka_fatal_error(s->consumer, fatal, sizeof(fatal))) {
                    sl_errf(SL_ERR_KAFKA, errstr, errstr_size, "exchange source: fatal consumer error: %s", fatal);
                    rd_kafka_message_destroy(m);
                    return SL_SOURCE_ERROR;
                }
                sl_log_warn(s->name, "consumer error (librdkafka retries): %s", rd_kafka_message_errstr(m));
            }
            rd_kafka_message_destroy(m);
            continue;
        }
        if (!place(s, m, out, dead, now)) {
            s->pending = m;
            break;
        }
        if (m->partition >= 0 && m->partition < s->n_exchange) s->next_offsets[m->partition] = m->offset + 1;
        rd_kafka_message_destroy(m);
        placed++;
    }
    *watermark = sl_wm_current(s->wm, now);
    if (placed) return SL_SOURCE_MORE;
    if (!s->pending && all_ended(s)) return SL_SOURCE_END;
    return SL_SOURCE_IDLE;
}

/* ---- checkpoints: the exchange position and the per-partition table ---- */

static sl_err exchange_snapshot(void *self, sl_buf *out) {
    exchange_source *s = self;
    sl_buf_append_u64(out, SNAPSHOT_VERSION);
    sl_buf_append_u64(out, (uint64_t)s->n_exchange);
    for (int32_t i = 0; i < s->n_exchange; i++) {
        sl_buf_append_u64(out, (uint64_t)s->next_offsets[i]);
        /* The aggregation's progress, sent with the sink's transaction. */
        if (s->next_offsets[i] >= 0) sl_kafka_offsets_stage(s->topic, i, s->next_offsets[i]);
    }
    sl_buf_append_u64(out, (uint64_t)s->n_parts);
    for (int32_t i = 0; i < s->n_parts; i++) {
        sl_buf_append_u64(out, (uint64_t)s->parts[i].last_offset);
        sl_buf_append_u64(out, s->parts[i].ended);
    }
    return SL_OK;
}

static sl_err exchange_restore(void *self, const sl_buf *const *snapshots, size_t n, char *errstr,
                               size_t errstr_size) {
    exchange_source *s = self;
    for (size_t k = 0; k < n; k++) {
        sl_buf_reader rd = {snapshots[k]->data, snapshots[k]->data + snapshots[k]->len};
        uint64_t version, n_exchange, count;
        bool ok = sl_buf_read_u64(&rd, &version) && version == SNAPSHOT_VERSION && sl_buf_read_u64(&rd, &n_exchange);
        for (uint64_t i = 0; ok && i < n_exchange; i++) {
            uint64_t next;
            ok = sl_buf_read_u64(&rd, &next);
            /* A topic that gained partitions keeps the old positions;
             * one that lost some cannot be restored. */
            if (ok && i >= (uint64_t)s->n_exchange && (int64_t)next >= 0) ok = false;
            else if (ok && i < (uint64_t)s->n_exchange) s->next_offsets[i] = (int64_t)next;
        }
        if (!ok || !sl_buf_read_u64(&rd, &count) || count > INT32_MAX)
            return sl_errf(SL_ERR_CORRUPT, errstr, errstr_size,
                           "exchange source snapshot #%zu: bad header, or positions in partitions %s no longer "
                           "has (restore needs the same exchange topic)", k, s->topic);
        for (uint64_t i = 0; i < count; i++) {
            uint64_t last, ended;
            if (!sl_buf_read_u64(&rd, &last) || !sl_buf_read_u64(&rd, &ended))
                return sl_errf(SL_ERR_CORRUPT, errstr, errstr_size,
                               "exchange source snapshot #%zu is truncated at partition %llu", k,
                               (unsigned long long)i);
            source_partition *p = part_of(s, (int32_t)i);
            p->last_offset = (int64_t)last;
            if (ended && !p->ended) sl_wm_input_remove(s->wm, (int32_t)i);
            p->ended = ended != 0;
        }
    }
    return SL_OK;
}

static void exchange_destroy(void *self) {
    exchange_source *s = self;
    if (!s) return;
    if (s->duplicates)
        sl_log_info(s->name, "dropped %llu record(s) forwarded twice (after an ingest restart or rebalance)",
                    (unsigned long long)s->duplicates);
    if (s->pending) rd_kafka_message_destroy(s->pending);
    if (s->consumer) {
        rd_kafka_consumer_close(s->consumer);
        rd_kafka_destroy(s->consumer);
    }
    if (s->wm) sl_wm_tracker_free(s->wm);
    free(s->parts);
    free(s->next_offsets);
    free(s->topic);
    free(s->source_topic);
    free(s);
}

const sl_source_plugin sl_source_exchange = {
    .name = "exchange",
    .description = "scale-out aggregation: the exchange topic filled by every process's ingest, deduplicated",
    .own_thread = true,
    .cb_init = exchange_init,
    .cb_poll = exchange_poll,
    .cb_snapshot = exchange_snapshot,
    .cb_restore = exchange_restore,
    .cb_destroy = exchange_destroy,
};
