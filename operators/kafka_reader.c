/* kafka_reader.c -- one reader of the Kafka source: consumer, positions, watermarks. */
#include "operators/kafka_reader.h"

#include "operators/event_decoder.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/log.h"
#include "engine/metrics.h"
#include "engine/watermark.h"
#include "operators/kafka_close.h"
#include "operators/kafka_conf.h"
#include "operators/kafka_handover.h"
#include "operators/kafka_metadata.h"
#include "operators/kafka_offsets.h"

#define READER_POLL_MS 50           /* longest a poll blocks when nothing arrives (own thread) */
#define READER_QUERY_MS 10000       /* broker queries made while (re)assigning */
#define READER_CLOSE_MS 10000       /* longest a reader waits for its consumer to leave the group */
#define SNAPSHOT_VERSION 1

typedef enum { START_EARLIEST, START_LATEST, START_TIMESTAMP } start_mode;

typedef struct kpart {
    int32_t partition;
    int64_t next_offset;     /* RD_KAFKA_OFFSET_INVALID until known */
    int64_t end_offset;      /* bounded mode: high watermark at assignment */
    /* Records were waiting at assignment and none has arrived yet: what
     * event times they carry is unknown, so the reader must not go idle. */
    bool backlog_unread;
} kpart;

typedef struct kpos {
    int32_t partition;
    int64_t offset;
} kpos;

struct sl_kafka_reader {
    rd_kafka_t *rk;
    char *topic;
    char *group;                   /* job.id: the consumer group */
    char name[48];                 /* log component: "kafka_source#N" */
    sl_event_decode_fn decode;
    sl_event_decoder *decoder;     /* when set, used instead of decode */
    sl_metrics *metrics;           /* consumer lag from librdkafka statistics */
    sl_event_limits lim;
    start_mode start;
    int64_t start_ms;
    bool bounded, assigned_once;
    /* The group has not answered our join yet, or took every partition away
     * (eager rebalance) and has not assigned again: partitions older than
     * the others' watermarks may come, so the reader waits instead of going
     * idle (SL_SOURCE_WAITING). The group's answer may be no partition. */
    bool awaiting_assignment;
    kpart *parts;                  /* currently assigned partitions */
    size_t n_parts, cap_parts;
    kpos *restored;                /* checkpointed positions of the topic */
    size_t n_restored, cap_restored;
    sl_wm_tracker *wm;
    rd_kafka_message_t *pending;   /* polled, but its output batch was full */
    char fatal[512];               /* an error found inside a librdkafka callback */
    const sl_operator_ctx *ready_ctx;   /* /readyz: not ready until the group assigns us */
    bool closing;                  /* in sl_kafka_reader_free: assignments are only acknowledged */
};

static int64_t wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static kpart *find_part(sl_kafka_reader *r, int32_t partition) {
    for (size_t i = 0; i < r->n_parts; i++)
        if (r->parts[i].partition == partition) return &r->parts[i];
    return NULL;
}

static kpos *find_restored(sl_kafka_reader *r, int32_t partition) {
    for (size_t i = 0; i < r->n_restored; i++)
        if (r->restored[i].partition == partition) return &r->restored[i];
    return NULL;
}

/* Positions only move forward within a job, so the larger of two recorded
 * positions for one partition is the newer one. */
static void remember_position(sl_kafka_reader *r, int32_t partition, int64_t offset) {
    kpos *p = find_restored(r, partition);
    if (p) {
        if (offset > p->offset) p->offset = offset;
        return;
    }
    if (r->n_restored == r->cap_restored) {
        r->cap_restored = r->cap_restored ? r->cap_restored * 2 : 16;
        r->restored = realloc(r->restored, r->cap_restored * sizeof(kpos));
        if (!r->restored) abort();
    }
    r->restored[r->n_restored++] = (kpos){partition, offset};
}

/* ---- assignment ---- */

/* Where each newly assigned partition starts: its checkpointed position, or
 * kafka_source.start. Returns -1 with r->fatal set when a broker query fails. */
static int set_start_offsets(sl_kafka_reader *r, rd_kafka_topic_partition_list_t *parts) {
    rd_kafka_topic_partition_list_t *by_time = rd_kafka_topic_partition_list_new(parts->cnt);
    for (int i = 0; i < parts->cnt; i++) {
        rd_kafka_topic_partition_t *p = &parts->elems[i];
        kpos *pos = find_restored(r, p->partition);
        int64_t handed = -1;
        /* A sibling reader that had the partition earlier in this run knows
         * a newer position than any checkpoint. */
        if (sl_kafka_handover_get(r->group, r->topic, p->partition, &handed) && (!pos || handed > pos->offset))
            p->offset = handed;
        else if (pos) p->offset = pos->offset;
        else if (r->start == START_EARLIEST) p->offset = RD_KAFKA_OFFSET_BEGINNING;
        else if (r->start == START_LATEST) p->offset = RD_KAFKA_OFFSET_END;
        else rd_kafka_topic_partition_list_add(by_time, p->topic, p->partition)->offset = r->start_ms;
    }
    int rc = 0;
    if (by_time->cnt > 0) {
        rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(r->rk, by_time, READER_QUERY_MS);
        for (int i = 0; i < by_time->cnt && !err; i++) {
            rd_kafka_topic_partition_t *p = rd_kafka_topic_partition_list_find(parts, by_time->elems[i].topic,
                                                                               by_time->elems[i].partition);
            /* -1: no record at or after the timestamp, so start at the end. */
            p->offset = by_time->elems[i].offset < 0 ? RD_KAFKA_OFFSET_END : by_time->elems[i].offset;
        }
        if (err) {
            snprintf(r->fatal, sizeof(r->fatal),
                     "looking up offsets of topic %s for kafka_source.start=%lld failed: %s",
                     r->topic, (long long)r->start_ms, rd_kafka_err2str(err));
            rc = -1;
        }
    }
    rd_kafka_topic_partition_list_destroy(by_time);
    return rc;
}

/* Track a newly assigned partition. Logical start offsets (beginning, end)
 * are resolved to numbers here, so that every assigned partition has a
 * concrete position to checkpoint even before its first record arrives. */
static int add_part(sl_kafka_reader *r, rd_kafka_topic_partition_t *p, int64_t now) {
    int64_t lo, hi;
    rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(r->rk, r->topic, p->partition, &lo, &hi,
                                                               READER_QUERY_MS);
    if (err) {
        snprintf(r->fatal, sizeof(r->fatal), "querying the offsets of %s [%d] at assignment failed: %s",
                 r->topic, (int)p->partition, rd_kafka_err2str(err));
        return -1;
    }
    if (p->offset == RD_KAFKA_OFFSET_BEGINNING) p->offset = lo;
    else if (p->offset == RD_KAFKA_OFFSET_END) p->offset = hi;
    /* A start taken from the committed offset (still logical here) has
     * records ahead of it unless the partition is empty; its first record
     * or end-of-partition event settles it. */
    bool backlog = p->offset >= 0 ? p->offset < hi : hi > lo;
    kpart kp = {p->partition, p->offset, r->bounded ? hi : INT64_MAX, backlog};
    if (r->n_parts == r->cap_parts) {
        r->cap_parts = r->cap_parts ? r->cap_parts * 2 : 16;
        r->parts = realloc(r->parts, r->cap_parts * sizeof(kpart));
        if (!r->parts) abort();
    }
    r->parts[r->n_parts++] = kp;
    sl_wm_input_add(r->wm, p->partition, now);
    return 0;
}

static void drop_part(sl_kafka_reader *r, int32_t partition) {
    kpart *kp = find_part(r, partition);
    if (!kp) return;
    /* Keep its position so that a snapshot taken before the new owner reports
     * it still carries it (see docs/kafka.md, "Rebalances"). */
    if (kp->next_offset >= 0) {
        remember_position(r, partition, kp->next_offset);
        sl_kafka_handover_put(r->group, r->topic, partition, kp->next_offset);
    }
    *kp = r->parts[--r->n_parts];
    sl_wm_input_remove(r->wm, partition);
}

/* One info line per rebalance step, naming the partitions. */
static void log_rebalance(const sl_kafka_reader *r, const char *what, const rd_kafka_topic_partition_list_t *parts,
                          const char *note) {
    char list[512];
    sl_log_info(r->name, "%s %d partition(s) of %s: [%s] (now %zu)%s", what, parts->cnt, r->topic,
                sl_kafka_partitions_format(parts, list, sizeof(list)), r->n_parts, note);
}

void sl_kafka_reader_set_readiness(sl_kafka_reader *r, const sl_operator_ctx *ctx) {
    r->ready_ctx = ctx;
    if (!r->assigned_once) sl_operator_set_ready(ctx, "partition assignment");
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts,
                         void *opaque) {
    sl_kafka_reader *r = opaque;
    /* NULL while the consumer closes: a reader that stopped polling at the
     * end of its bounded input can still be handed partitions then. */
    const char *protocol = rd_kafka_rebalance_protocol(rk);
    bool cooperative = protocol && !strcmp(protocol, "COOPERATIVE");
    if (r->closing && err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        /* Take nothing on (no broker queries while closing): acknowledge
         * the step so that the close can go on and revoke it. */
        rd_kafka_error_t *e = cooperative ? rd_kafka_incremental_assign(rk, parts) : NULL;
        if (!cooperative) rd_kafka_assign(rk, parts);
        if (e) rd_kafka_error_destroy(e);
        return;
    }
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        int64_t now = wall_ms();
        if (set_start_offsets(r, parts) == 0)
            for (int i = 0; i < parts->cnt; i++)
                if (add_part(r, &parts->elems[i], now) < 0) break;
        rd_kafka_error_t *e = NULL;
        if (cooperative) e = rd_kafka_incremental_assign(rk, parts);
        else rd_kafka_assign(rk, parts);
        if (e) rd_kafka_error_destroy(e);
        r->assigned_once = true;
        r->awaiting_assignment = false;
        sl_operator_set_ready(r->ready_ctx, NULL);
        log_rebalance(r, "assigned", parts, "");
    } else {
        for (int i = 0; i < parts->cnt; i++) drop_part(r, parts->elems[i].partition);
        rd_kafka_error_t *e = NULL;
        if (cooperative) e = rd_kafka_incremental_unassign(rk, parts);
        else rd_kafka_assign(rk, NULL);
        if (e) rd_kafka_error_destroy(e);
        if (!cooperative) r->awaiting_assignment = true;   /* eager: the new assignment follows */
        log_rebalance(r, "revoked", parts, "; the engine's last checkpoint holds their positions");
    }
}

/* ---- configuration ---- */

static sl_err parse_start(sl_kafka_reader *r, const sl_conf *conf, char *errstr, size_t errstr_size) {
    const char *s = sl_conf_get(conf, "kafka_source.start");
    if (!s || !strcmp(s, "earliest")) r->start = START_EARLIEST;
    else if (!strcmp(s, "latest")) r->start = START_LATEST;
    else {
        char *end;
        long long ms = strtoll(s, &end, 10);
        if (end == s || *end || ms < 0)
            return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                           "kafka_source.start: '%s' is not earliest, latest or a time in ms since the epoch", s);
        r->start = START_TIMESTAMP;
        r->start_ms = ms;
    }
    return SL_OK;
}

static sl_err read_settings(sl_kafka_reader *r, const sl_conf *conf, char *errstr, size_t errstr_size) {
    int64_t ooo, idle, max_bytes;
    sl_err err;
    if ((err = sl_conf_get_int(conf, "watermark.out_of_orderness_ms", &ooo, errstr, errstr_size)) ||
        (err = sl_conf_get_int(conf, "watermark.idle_timeout_ms", &idle, errstr, errstr_size)) ||
        (err = sl_conf_get_int(conf, "source.max_record_bytes", &max_bytes, errstr, errstr_size)) ||
        (err = sl_conf_get_int(conf, "source.max_future_ms", &r->lim.max_future_ms, errstr, errstr_size)) ||
        (err = sl_conf_get_int(conf, "source.min_timestamp_ms", &r->lim.min_timestamp_ms, errstr, errstr_size)) ||
        (err = parse_start(r, conf, errstr, errstr_size)))
        return err;
    r->lim.max_record_bytes = max_bytes > 0 ? (size_t)max_bytes : 0;
    r->bounded = false;
    if (sl_conf_get(conf, "kafka_source.bounded") &&
        (err = sl_conf_get_bool(conf, "kafka_source.bounded", &r->bounded, errstr, errstr_size)))
        return err;
    const char *topic = sl_conf_get(conf, "kafka_source.topic");
    r->topic = strdup(topic && *topic ? topic : "clickstream-events");
    r->group = strdup(sl_kafka_job_id(conf));
    r->wm = sl_wm_tracker_new(ooo, idle);
    return SL_OK;
}

/* librdkafka's statistics (every statistics.interval.ms) carry each
 * partition's consumer lag; it frees the JSON when this returns 0. */
static int on_stats(rd_kafka_t *rk, char *json, size_t len, void *opaque) {
    sl_kafka_reader *r = opaque;
    if (r->metrics) sl_metrics_kafka_stats(r->metrics, json, len);
    return 0;
}

static sl_err create_consumer(sl_kafka_reader *r, const sl_conf *conf, char *errstr, size_t errstr_size) {
    const sl_kafka_prop defaults[] = {
        {"auto.offset.reset", r->start == START_LATEST ? "latest" : "earliest"},
        {"statistics.interval.ms", "5000"},   /* consumer lag for /metrics */
        {NULL, NULL},
    };
    /* Commits go with the sink's transaction, never from the consumer. */
    rd_kafka_conf_t *rkc = sl_kafka_consumer_conf_build(conf, r->group, defaults, errstr, errstr_size);
    if (!rkc) return SL_ERR_INVALID_ARG;
    char reason[512];
    if (rd_kafka_conf_get(rkc, "bootstrap.servers", reason, &(size_t){sizeof(reason)}) != RD_KAFKA_CONF_OK ||
        !reason[0]) {
        rd_kafka_conf_destroy(rkc);
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                       "kafka source: no brokers configured; set kafka.bootstrap.servers (e.g. --set "
                       "kafka.bootstrap.servers=localhost:9092)");
    }
    rd_kafka_conf_set_rebalance_cb(rkc, on_rebalance);
    rd_kafka_conf_set_stats_cb(rkc, on_stats);
    rd_kafka_conf_set_opaque(rkc, r);
    r->rk = rd_kafka_new(RD_KAFKA_CONSUMER, rkc, reason, sizeof(reason));
    if (!r->rk) {
        rd_kafka_conf_destroy(rkc);
        return sl_errf(SL_ERR_KAFKA, errstr, errstr_size, "kafka source: cannot create the consumer: %s", reason);
    }
    rd_kafka_poll_set_consumer(r->rk);
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, r->topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t err = rd_kafka_subscribe(r->rk, sub);
    rd_kafka_topic_partition_list_destroy(sub);
    if (err)
        return sl_errf(SL_ERR_KAFKA, errstr, errstr_size, "kafka source: subscribing to %s failed: %s", r->topic,
                       rd_kafka_err2str(err));
    return SL_OK;
}

sl_kafka_reader *sl_kafka_reader_new(const sl_conf *conf, uint32_t subtask, sl_event_decode_fn decode,
                                     char *errstr, size_t errstr_size) {
    sl_kafka_reader *r = calloc(1, sizeof(*r));
    if (!r) abort();
    snprintf(r->name, sizeof(r->name), "kafka_source#%u", subtask);
    r->decode = decode;
    r->awaiting_assignment = true;
    if (read_settings(r, conf, errstr, errstr_size) != SL_OK || create_consumer(r, conf, errstr, errstr_size) != SL_OK) {
        sl_kafka_reader_free(r);
        return NULL;
    }
    sl_log_info(r->name, "reading %s as group %s%s", r->topic, sl_kafka_job_id(conf),
                r->bounded ? " up to the end offsets at assignment (bounded)" : "");
    return r;
}

/* ---- polling ---- */

static sl_str arena_copy(sl_batch *b, const char *s, size_t len) {
    return sl_batch_copy_str(b, (sl_str){s ? s : "", (uint32_t)len});
}

/* The partition's next position is known: a record or its end was seen. */
static void advance_part(sl_kafka_reader *r, int32_t partition, int64_t next_offset) {
    kpart *kp = find_part(r, partition);
    if (!kp) return;
    kp->next_offset = next_offset;
    kp->backlog_unread = false;
}

/* Put one record into `out` or `dead`; false when the batch it needs is full. */
static bool place_with_decoder(sl_kafka_reader *r, const rd_kafka_message_t *m, sl_batch *out, sl_batch *dead,
                               int64_t now) {
    sl_event ev;
    sl_event_decoder_set_now(r->decoder, now);
    if (sl_event_decoder_decode(r->decoder, m->payload ? m->payload : "", m->len, &ev, &out->arena) == SL_OK) {
        sl_event *slot = sl_batch_push(out);
        *slot = ev;
        sl_event_derive(slot);
        sl_wm_observe(r->wm, m->partition, ev.timestamp_ms, now);
    } else {
        if (!dead || sl_batch_full(dead)) return false;
        sl_event_decoder_dead_letter(r->decoder, dead, (sl_str){m->payload ? m->payload : "", (uint32_t)m->len},
                                     sl_str_c(r->topic), m->partition, m->offset);
    }
    advance_part(r, m->partition, m->offset + 1);
    return true;
}

static bool place_message(sl_kafka_reader *r, const rd_kafka_message_t *m, sl_batch *out, sl_batch *dead,
                          int64_t now) {
    if (r->decoder) return place_with_decoder(r, m, out, dead, now);
    char reason[512];
    sl_event ev;
    sl_err err;
    if (r->lim.max_record_bytes && m->len > r->lim.max_record_bytes)
        err = sl_errf(SL_ERR_PARSE, reason, sizeof(reason),
                      "record of %zu bytes is larger than source.max_record_bytes (%zu)", m->len,
                      r->lim.max_record_bytes);
    else
        err = r->decode(m->payload ? m->payload : "", m->len, &r->lim, &ev, &out->arena, reason, sizeof(reason));
    if (err == SL_OK) {
        sl_event *slot = sl_batch_push(out);
        *slot = ev;
        sl_event_derive(slot);
        sl_wm_observe(r->wm, m->partition, ev.timestamp_ms, now);
    } else if (dead) {
        if (sl_batch_full(dead)) return false;
        sl_dead_letter *d = sl_batch_push(dead);
        d->payload = arena_copy(dead, m->payload, m->len);
        d->reason = arena_copy(dead, reason, strlen(reason));
        d->source = arena_copy(dead, r->topic, strlen(r->topic));
        d->partition = m->partition;
        d->offset = m->offset;
        d->time_ms = now;
    } else {
        sl_log_warn(r->name, "dropping undecodable record %s [%d] @%lld (no dead-letter output): %s", r->topic,
                    (int)m->partition, (long long)m->offset, reason);
    }
    advance_part(r, m->partition, m->offset + 1);
    return true;
}

/* A consumer event that is not a record: end of partition or an error.
 * Returns -1 when the source cannot go on (errstr set). */
static int handle_event(sl_kafka_reader *r, const rd_kafka_message_t *m, char *errstr, size_t errstr_size) {
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        advance_part(r, m->partition, m->offset);
        return 0;
    }
    char fatal[256];
    if (rd_kafka_fatal_error(r->rk, fatal, sizeof(fatal))) {
        sl_errf(SL_ERR_KAFKA, errstr, errstr_size, "kafka source: fatal consumer error: %s", fatal);
        return -1;
    }
    if (m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || m->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
        m->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED) {
        sl_errf(SL_ERR_KAFKA, errstr, errstr_size,
                "kafka source: cannot read topic %s: %s (create it with `sluice topics create` or fix "
                "kafka_source.topic)", r->topic, rd_kafka_message_errstr(m));
        return -1;
    }
    sl_log_warn(r->name, "consumer error (librdkafka retries): %s", rd_kafka_message_errstr(m));
    return 0;
}

/* Input older than the watermark may still come: the group has not answered,
 * or an assigned partition's waiting records have not arrived yet (its
 * first fetch is still on the way, or its leader is down). */
static bool must_wait(const sl_kafka_reader *r) {
    if (r->awaiting_assignment) return true;
    for (size_t i = 0; i < r->n_parts; i++)
        if (r->parts[i].backlog_unread) return true;
    return false;
}

static bool all_partitions_done(const sl_kafka_reader *r) {
    if (!r->assigned_once) return false;
    for (size_t i = 0; i < r->n_parts; i++)
        if (r->parts[i].next_offset < r->parts[i].end_offset) return false;
    return true;
}

sl_source_status sl_kafka_reader_poll(sl_kafka_reader *r, sl_batch *out, sl_batch *dead_letters,
                                      int64_t *watermark, char *errstr, size_t errstr_size) {
    int64_t now = wall_ms();
    r->lim.now_ms = now;
    size_t placed = 0;
    sl_source_status status = SL_SOURCE_MORE;
    while (!sl_batch_full(out)) {
        rd_kafka_message_t *m = r->pending;
        r->pending = NULL;
        if (!m) m = rd_kafka_consumer_poll(r->rk, placed ? 0 : READER_POLL_MS);
        if (r->fatal[0]) {
            sl_errf(SL_ERR_KAFKA, errstr, errstr_size, "kafka source: %s", r->fatal);
            if (m) rd_kafka_message_destroy(m);
            return SL_SOURCE_ERROR;
        }
        if (!m) break;
        if (m->err) {
            int rc = handle_event(r, m, errstr, errstr_size);
            rd_kafka_message_destroy(m);
            if (rc < 0) return SL_SOURCE_ERROR;
            if (placed == 0 && r->bounded && all_partitions_done(r)) break;
            continue;
        }
        if (!place_message(r, m, out, dead_letters, now)) {
            r->pending = m;
            break;
        }
        rd_kafka_message_destroy(m);
        placed++;
    }
    *watermark = sl_wm_current(r->wm, now);
    if (placed) return status;
    if (r->bounded && !r->pending && all_partitions_done(r)) {
        /* Our consumer stays in the group until the job ends; should the
         * group move these partitions to a sibling meanwhile, it starts at
         * their ends. */
        for (size_t i = 0; i < r->n_parts; i++)
            sl_kafka_handover_put(r->group, r->topic, r->parts[i].partition, r->parts[i].next_offset);
        return SL_SOURCE_END;
    }
    return must_wait(r) ? SL_SOURCE_WAITING : SL_SOURCE_IDLE;
}

/* ---- checkpoints ---- */

static void put_position(sl_buf *out, const char *topic, int32_t partition, int64_t offset) {
    size_t len = strlen(topic);
    sl_buf_append_u64(out, len);
    sl_buf_append(out, topic, len);
    sl_buf_append_u64(out, (uint64_t)(uint32_t)partition);
    sl_buf_append_u64(out, (uint64_t)offset);
    sl_kafka_offsets_stage(topic, partition, offset);
}

/* The position of an assigned partition: what we delivered up to, or where
 * the consumer will fetch from when nothing was delivered yet. */
static int64_t current_position(sl_kafka_reader *r, const kpart *kp) {
    if (kp->next_offset >= 0) return kp->next_offset;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, r->topic, kp->partition);
    int64_t off = RD_KAFKA_OFFSET_INVALID;
    if (!rd_kafka_position(r->rk, l) && l->elems[0].offset >= 0) off = l->elems[0].offset;
    rd_kafka_topic_partition_list_destroy(l);
    return off;
}

sl_err sl_kafka_reader_snapshot(sl_kafka_reader *r, sl_buf *out) {
    sl_buf body = {0};
    uint64_t count = 0;
    for (size_t i = 0; i < r->n_parts; i++) {
        int64_t off = current_position(r, &r->parts[i]);
        if (off < 0) {
            kpos *p = find_restored(r, r->parts[i].partition);
            if (!p) continue;
            off = p->offset;
        }
        put_position(&body, r->topic, r->parts[i].partition, off);
        count++;
    }
    /* Positions restored (or revoked) but not assigned to us right now are
     * carried, so that a checkpoint taken before the group settles loses
     * nothing; restore keeps the largest position per partition. */
    for (size_t i = 0; i < r->n_restored; i++) {
        if (find_part(r, r->restored[i].partition)) continue;
        put_position(&body, r->topic, r->restored[i].partition, r->restored[i].offset);
        count++;
    }
    sl_buf_append_u64(out, SNAPSHOT_VERSION);
    sl_buf_append_u64(out, count);
    sl_buf_append(out, body.data, body.len);
    sl_buf_free(&body);
    return SL_OK;
}

static sl_err restore_one(sl_kafka_reader *r, const sl_buf *snap, size_t index, char *errstr, size_t errstr_size) {
    sl_buf_reader rd = {snap->data, snap->data + snap->len};
    uint64_t version, count;
    if (!sl_buf_read_u64(&rd, &version) || version != SNAPSHOT_VERSION || !sl_buf_read_u64(&rd, &count))
        return sl_errf(SL_ERR_CORRUPT, errstr, errstr_size,
                       "kafka source snapshot #%zu: missing header or unknown version (this checkpoint was not "
                       "written by this sluice's Kafka source)", index);
    for (uint64_t i = 0; i < count; i++) {
        uint64_t len, partition, offset;
        char topic[256];
        if (!sl_buf_read_u64(&rd, &len) || len >= sizeof(topic) || !sl_buf_read(&rd, topic, len) ||
            !sl_buf_read_u64(&rd, &partition) || !sl_buf_read_u64(&rd, &offset))
            return sl_errf(SL_ERR_CORRUPT, errstr, errstr_size,
                           "kafka source snapshot #%zu is truncated at position %llu of %llu; restore an "
                           "older checkpoint", index, (unsigned long long)i, (unsigned long long)count);
        topic[len] = '\0';
        if (!strcmp(topic, r->topic) && (int64_t)offset >= 0) remember_position(r, (int32_t)partition, (int64_t)offset);
    }
    return SL_OK;
}

sl_err sl_kafka_reader_restore(sl_kafka_reader *r, const sl_buf *const *snapshots, size_t n,
                               char *errstr, size_t errstr_size) {
    for (size_t i = 0; i < n; i++) {
        sl_err err = restore_one(r, snapshots[i], i, errstr, errstr_size);
        if (err) return err;
    }
    sl_log_info(r->name, "restored %zu checkpointed position(s) of %s", r->n_restored, r->topic);
    return SL_OK;
}

void sl_kafka_reader_set_decoder(sl_kafka_reader *r, sl_event_decoder *dec) { r->decoder = dec; }

void sl_kafka_reader_set_metrics(sl_kafka_reader *r, sl_metrics *metrics) { r->metrics = metrics; }

/* What the rebalance callback reads goes only once the consumer is closed. */
static void release_reader(void *opaque) {
    sl_kafka_reader *r = opaque;
    sl_wm_tracker_free(r->wm);
    free(r->parts);
    free(r->restored);
    free(r->topic);
    free(r->group);
    free(r);
}

void sl_kafka_reader_free(sl_kafka_reader *r) {
    if (r && r->decoder) sl_event_decoder_free(r->decoder);
    if (!r) return;
    if (r->pending) rd_kafka_message_destroy(r->pending);
    if (!r->rk) {
        release_reader(r);
        return;
    }
    r->closing = true;
    sl_kafka_consumer_close_within(r->rk, READER_CLOSE_MS, r->name, release_reader, r);
}
