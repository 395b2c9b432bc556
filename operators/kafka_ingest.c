/* kafka_ingest.c -- the scale-out ingest stage (see kafka_ingest.h for the protocol). */
#include "operators/kafka_ingest.h"

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/arena.h"
#include "engine/log.h"
#include "engine/operator.h"
#include "operators/event_decoder.h"
#include "operators/exchange_record.h"
#include "operators/kafka_conf.h"
#include "operators/kafka_metadata.h"

#define INGEST_POLL_MS 100
#define INGEST_QUERY_MS 10000
#define INGEST_FLUSH_MS 60000
#define INGEST_MAX_THREADS 64

typedef struct ipart {
    int32_t partition;
    int64_t next_offset;   /* -1 until the first record or end-of-partition */
    int64_t end_offset;    /* bounded: high watermark at assignment; else INT64_MAX */
    int64_t quiet_since_ms;   /* at the end of the partition since; 0 = records flowing */
    bool end_sent, idle_sent;
} ipart;

typedef struct ingest_thread {
    struct sl_kafka_ingest *owner;
    pthread_t tid;
    char name[40];
    rd_kafka_t *consumer;
    sl_event_decoder *decoder;
    sl_arena scratch;          /* the strings of one decoded event, reset per record */
    sl_buf encoded;            /* one exchange record, reused */
    ipart *parts;
    size_t n_parts, cap_parts;
    uint64_t forwarded, dead_lettered;
    uint64_t paced;            /* records since pace_start_ms */
    int64_t pace_start_ms, last_commit_ms;
} ingest_thread;

struct sl_kafka_ingest {
    const sl_conf *conf;
    char *source_topic, *exchange_topic;
    rd_kafka_t *producer;
    bool bounded;
    int64_t commit_interval_ms;
    int64_t idle_timeout_ms;   /* watermark.idle_timeout_ms; <= 0: never idle */
    double rate_per_thread;    /* events/s, 0 = unthrottled */
    int32_t source_partitions;
    int32_t exchange_partitions;   /* source partition p goes to p % exchange_partitions */
    ingest_thread *threads;
    size_t n_threads;
    atomic_int stop;
    atomic_int failed;
    pthread_mutex_t error_lock;
    char error[512];
};

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void fail(sl_kafka_ingest *in, const char *fmt, const char *detail) {
    pthread_mutex_lock(&in->error_lock);
    if (!in->error[0]) snprintf(in->error, sizeof(in->error), fmt, detail);
    pthread_mutex_unlock(&in->error_lock);
    atomic_store(&in->failed, 1);
}

/* ---- forwarding ---- */

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    if (m->err) fail(opaque, "forwarding to the exchange topic failed: %s", rd_kafka_err2str(m->err));
}

/* Every record of one source partition goes to the same exchange partition,
 * so they stay in offset order there -- the reader's duplicate check rests
 * on that. */
static void produce(ingest_thread *t, int32_t source_partition, const sl_buf *value) {
    sl_kafka_ingest *in = t->owner;
    for (;;) {
        rd_kafka_resp_err_t err = rd_kafka_producev(in->producer, RD_KAFKA_V_TOPIC(in->exchange_topic),
                                                    RD_KAFKA_V_PARTITION(source_partition % in->exchange_partitions),
                                                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                                    RD_KAFKA_V_VALUE(value->data, value->len), RD_KAFKA_V_END);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return;
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            fail(in, "forwarding to the exchange topic failed: %s", rd_kafka_err2str(err));
            return;
        }
        rd_kafka_poll(in->producer, 50);   /* back-pressure: wait for acknowledgements */
    }
}

static ipart *find_part(ingest_thread *t, int32_t partition) {
    for (size_t i = 0; i < t->n_parts; i++)
        if (t->parts[i].partition == partition) return &t->parts[i];
    return NULL;
}

/* A bounded partition at its end offset: say so once, so the aggregation
 * can finish when every partition of the topic has. */
static void maybe_send_end(ingest_thread *t, ipart *p) {
    if (!t->owner->bounded || p->end_sent || p->next_offset < p->end_offset) return;
    sl_exchange_encode_end(&t->encoded, p->partition, p->end_offset, t->owner->source_partitions);
    produce(t, p->partition, &t->encoded);
    p->end_sent = true;
    sl_log_info(t->name, "%s [%d] reached its end offset %lld", t->owner->source_topic, (int)p->partition,
                (long long)p->end_offset);
}

static void forward(ingest_thread *t, const rd_kafka_message_t *m) {
    sl_event ev;
    sl_arena_reset(&t->scratch);
    sl_event_decoder_set_now(t->decoder, now_ms());
    const char *payload = m->payload ? m->payload : "";
    if (sl_event_decoder_decode(t->decoder, payload, m->len, &ev, &t->scratch) == SL_OK) {
        sl_exchange_encode_event(&t->encoded, m->partition, m->offset, &ev);
        t->forwarded++;
    } else {
        /* Dead letters travel the same way, so the aggregation writes each
         * exactly once inside its transaction. */
        const char *reason = sl_event_decoder_reason(t->decoder);
        sl_dead_letter d = {.payload = {payload, (uint32_t)m->len}, .reason = sl_str_c(reason),
                            .source = sl_str_c(t->owner->source_topic), .partition = m->partition,
                            .offset = m->offset, .time_ms = now_ms()};
        sl_exchange_encode_dead_letter(&t->encoded, m->partition, m->offset, &d);
        t->dead_lettered++;
    }
    produce(t, m->partition, &t->encoded);
    ipart *p = find_part(t, m->partition);
    if (p) {
        p->next_offset = m->offset + 1;
        p->quiet_since_ms = 0;
        p->idle_sent = false;
        maybe_send_end(t, p);
    }
}

/* Only the owner of a partition can tell "no new records" from "nobody is
 * reading it right now" (a rebalance), so idleness is decided here and sent
 * along, not guessed from gaps in the exchange topic. */
static void send_idle_partitions(ingest_thread *t, int64_t now) {
    sl_kafka_ingest *in = t->owner;
    if (in->idle_timeout_ms <= 0) return;
    for (size_t i = 0; i < t->n_parts; i++) {
        ipart *p = &t->parts[i];
        if (p->idle_sent || p->end_sent || !p->quiet_since_ms || now - p->quiet_since_ms < in->idle_timeout_ms)
            continue;
        sl_exchange_encode_idle(&t->encoded, p->partition, p->next_offset);
        produce(t, p->partition, &t->encoded);
        p->idle_sent = true;
    }
}

/* ---- positions ---- */

/* Commit the positions of `parts` (all assigned ones when NULL) once every
 * record forwarded so far is acknowledged. */
static bool commit_positions(ingest_thread *t, const rd_kafka_topic_partition_list_t *only) {
    sl_kafka_ingest *in = t->owner;
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new((int)t->n_parts);
    for (size_t i = 0; i < t->n_parts; i++) {
        const ipart *p = &t->parts[i];
        if (p->next_offset < 0) continue;
        if (only && !rd_kafka_topic_partition_list_find(only, in->source_topic, p->partition)) continue;
        rd_kafka_topic_partition_list_add(list, in->source_topic, p->partition)->offset = p->next_offset;
    }
    bool committed = true;
    if (list->cnt > 0) {
        rd_kafka_resp_err_t err = rd_kafka_flush(in->producer, INGEST_FLUSH_MS);
        if (err) fail(in, "the exchange producer did not drain before a commit: %s", rd_kafka_err2str(err));
        if (err || atomic_load(&in->failed)) committed = false;
        else if ((err = rd_kafka_commit(t->consumer, list, 0)) != 0) {
            /* Not fatal: a later commit covers these positions too; until
             * then a new owner re-forwards records the reader drops. */
            sl_log_warn(t->name, "committing positions of %s failed: %s; the next owner re-forwards from the "
                        "previous commit (the exchange source drops the repeats)", in->source_topic,
                        rd_kafka_err2str(err));
            committed = false;
        }
    }
    rd_kafka_topic_partition_list_destroy(list);
    t->last_commit_ms = now_ms();
    return committed;
}

static void add_part(ingest_thread *t, int32_t partition) {
    sl_kafka_ingest *in = t->owner;
    int64_t lo = 0, hi = INT64_MAX;
    if (in->bounded) {
        rd_kafka_resp_err_t err =
            rd_kafka_query_watermark_offsets(t->consumer, in->source_topic, partition, &lo, &hi, INGEST_QUERY_MS);
        if (err) {
            fail(in, "querying end offsets at assignment failed: %s", rd_kafka_err2str(err));
            return;
        }
    }
    if (t->n_parts == t->cap_parts) {
        t->cap_parts = t->cap_parts ? t->cap_parts * 2 : 8;
        t->parts = realloc(t->parts, t->cap_parts * sizeof(ipart));
        if (!t->parts) abort();
    }
    t->parts[t->n_parts++] = (ipart){.partition = partition, .next_offset = -1, .end_offset = hi};
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts,
                         void *opaque) {
    ingest_thread *t = opaque;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        for (int i = 0; i < parts->cnt; i++) add_part(t, parts->elems[i].partition);
        rd_kafka_assign(rk, parts);   /* from the group's committed offsets, else auto.offset.reset */
        char list[512];
        sl_log_info(t->name, "assigned %d partition(s) of %s: [%s] (now %zu)", parts->cnt, t->owner->source_topic,
                    sl_kafka_partitions_format(parts, list, sizeof(list)), t->n_parts);
        return;
    }
    /* Hand the partitions over only after what was read from them is
     * forwarded and their positions committed. */
    bool committed = commit_positions(t, parts);
    for (int i = 0; i < parts->cnt; i++) {
        ipart *p = find_part(t, parts->elems[i].partition);
        if (p) *p = t->parts[--t->n_parts];
    }
    rd_kafka_assign(rk, NULL);
    char list[512];
    sl_log_info(t->name, "revoked %d partition(s) of %s: [%s] (now %zu)%s", parts->cnt, t->owner->source_topic,
                sl_kafka_partitions_format(parts, list, sizeof(list)), t->n_parts,
                committed ? " after committing their positions" : "");
}

/* ---- the thread ---- */

static void on_partition_event(ingest_thread *t, const rd_kafka_message_t *m) {
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        ipart *p = find_part(t, m->partition);
        if (!p) return;
        if (m->offset > p->next_offset) p->next_offset = m->offset;
        if (!p->quiet_since_ms) p->quiet_since_ms = now_ms();
        maybe_send_end(t, p);
        return;
    }
    char fatal[256];
    if (rd_kafka_fatal_error(t->consumer, fatal, sizeof(fatal))) fail(t->owner, "fatal consumer error: %s", fatal);
    else if (m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || m->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC)
        fail(t->owner, "cannot read the source topic: %s (create it with `sluice topics create`)",
             rd_kafka_message_errstr(m));
    else sl_log_warn(t->name, "consumer error (librdkafka retries): %s", rd_kafka_message_errstr(m));
}

/* source.max_rate, split over the threads: sleep while ahead of schedule.
 * After more than a second behind (no partitions, a rebalance) the schedule
 * restarts, so a pause is not made up for by a burst. */
static void pace(ingest_thread *t) {
    double rate = t->owner->rate_per_thread;
    if (rate <= 0) return;
    int64_t now = now_ms();
    int64_t due = t->pace_start_ms + (int64_t)((double)++t->paced * 1000.0 / rate);
    if (now - due > 1000) {
        t->pace_start_ms = now;
        t->paced = 0;
    } else if (due > now) {
        usleep((useconds_t)(due - now) * 1000);
    }
}

static void *ingest_main(void *arg) {
    ingest_thread *t = arg;
    sl_kafka_ingest *in = t->owner;
    t->pace_start_ms = t->last_commit_ms = now_ms();
    while (!atomic_load(&in->stop) && !atomic_load(&in->failed)) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(t->consumer, INGEST_POLL_MS);
        if (m) {
            bool record = !m->err;
            if (record) forward(t, m);
            else on_partition_event(t, m);
            rd_kafka_message_destroy(m);
            if (record) pace(t);
        }
        int64_t now = now_ms();
        send_idle_partitions(t, now);
        if (now - t->last_commit_ms >= in->commit_interval_ms) commit_positions(t, NULL);
    }
    if (!atomic_load(&in->failed)) commit_positions(t, NULL);
    sl_log_info(t->name, "forwarded %llu event(s) and %llu dead letter(s) to %s",
                (unsigned long long)t->forwarded, (unsigned long long)t->dead_lettered, in->exchange_topic);
    /* Leaving the group hands our partitions to the other processes; the
     * revoke callback commits first. */
    rd_kafka_consumer_close(t->consumer);
    return NULL;
}

/* ---- setup ---- */

/* The producer or one thread's consumer; rkc is consumed. */
static rd_kafka_t *new_client(rd_kafka_conf_t *rkc, rd_kafka_type_t type, void *opaque, char *errstr,
                              size_t errstr_size) {
    if (!rkc) return NULL;
    rd_kafka_conf_set_opaque(rkc, opaque);
    if (type == RD_KAFKA_PRODUCER) rd_kafka_conf_set_dr_msg_cb(rkc, on_delivery);
    else rd_kafka_conf_set_rebalance_cb(rkc, on_rebalance);
    char reason[512];
    rd_kafka_t *rk = rd_kafka_new(type, rkc, reason, sizeof(reason));
    if (!rk) {
        rd_kafka_conf_destroy(rkc);
        sl_errf(SL_ERR_KAFKA, errstr, errstr_size, "scale-out ingest: cannot create a Kafka client: %s", reason);
    }
    return rk;
}

static sl_err read_settings(sl_kafka_ingest *in, const sl_conf *conf, char *errstr, size_t errstr_size) {
    int64_t threads, interval;
    double rate;
    sl_err err;
    if ((err = sl_conf_get_int(conf, "scale_out.ingest_threads", &threads, errstr, errstr_size)) ||
        (err = sl_conf_get_int(conf, "checkpoint.interval_ms", &interval, errstr, errstr_size)) ||
        (err = sl_conf_get_int(conf, "watermark.idle_timeout_ms", &in->idle_timeout_ms, errstr, errstr_size)) ||
        (err = sl_conf_get_double(conf, "source.max_rate", &rate, errstr, errstr_size)) ||
        (sl_conf_get(conf, "kafka_source.bounded") &&
         (err = sl_conf_get_bool(conf, "kafka_source.bounded", &in->bounded, errstr, errstr_size))))
        return err;
    if (threads < 1 || threads > INGEST_MAX_THREADS)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size, "scale_out.ingest_threads: %lld is outside 1..%d",
                       (long long)threads, INGEST_MAX_THREADS);
    const char *start = sl_conf_get(conf, "kafka_source.start");
    if (start && strcmp(start, "earliest") && strcmp(start, "latest"))
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                       "kafka_source.start=%s: scale-out mode starts new partitions at earliest or latest only", start);
    in->n_threads = (size_t)threads;
    in->commit_interval_ms = interval > 0 ? interval : 1000;
    in->rate_per_thread = rate > 0 ? rate / (double)threads : 0;
    const char *topic = sl_conf_get(conf, "kafka_source.topic");
    in->source_topic = strdup(topic && *topic ? topic : "clickstream-events");
    char exchange[300];
    in->exchange_topic = strdup(sl_kafka_exchange_topic(conf, exchange, sizeof(exchange)));
    return SL_OK;
}

static sl_err check_topics(sl_kafka_ingest *in, char *errstr, size_t errstr_size) {
    rd_kafka_resp_err_t err =
        sl_kafka_topic_partition_count(in->producer, in->source_topic, INGEST_QUERY_MS, &in->source_partitions);
    if (err)
        return sl_errf(SL_ERR_KAFKA, errstr, errstr_size,
                       "scale-out ingest: cannot read the metadata of topic %s: %s (create it with `sluice topics "
                       "create`)", in->source_topic, rd_kafka_err2str(err));
    if ((err = sl_kafka_topic_partition_count(in->producer, in->exchange_topic, INGEST_QUERY_MS,
                                              &in->exchange_partitions)))
        return sl_errf(SL_ERR_KAFKA, errstr, errstr_size,
                       "scale-out ingest: exchange topic %s: %s (create it, e.g. with as many partitions "
                       "as the source topic; see docs/kafka.md)", in->exchange_topic, rd_kafka_err2str(err));
    return SL_OK;
}

static sl_err start_thread(sl_kafka_ingest *in, ingest_thread *t, size_t index, sl_metrics *metrics, char *errstr,
                           size_t errstr_size) {
    /* A partition the group has no position for starts at kafka_source.start. */
    const char *start = sl_conf_get(in->conf, "kafka_source.start");
    const sl_kafka_prop defaults[] = {
        {"auto.offset.reset", start && !strcmp(start, "latest") ? "latest" : "earliest"},
        {NULL, NULL},
    };
    t->owner = in;
    snprintf(t->name, sizeof(t->name), "ingest#%zu", index);
    sl_arena_init(&t->scratch, 4096);
    sl_err err = sl_event_decoder_new(in->conf, metrics, &t->decoder, errstr, errstr_size);
    if (err) return err;
    rd_kafka_conf_t *rkc =
        sl_kafka_consumer_conf_build(in->conf, sl_kafka_job_id(in->conf), defaults, errstr, errstr_size);
    if (!(t->consumer = new_client(rkc, RD_KAFKA_CONSUMER, t, errstr, errstr_size))) return SL_ERR_KAFKA;
    rd_kafka_poll_set_consumer(t->consumer);
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, in->source_topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t kerr = rd_kafka_subscribe(t->consumer, sub);
    rd_kafka_topic_partition_list_destroy(sub);
    if (kerr)
        return sl_errf(SL_ERR_KAFKA, errstr, errstr_size, "scale-out ingest: subscribing to %s failed: %s",
                       in->source_topic, rd_kafka_err2str(kerr));
    if (pthread_create(&t->tid, NULL, ingest_main, t) != 0) {
        t->tid = 0;
        return sl_errf(SL_ERR_INTERNAL, errstr, errstr_size, "scale-out ingest: cannot start a thread");
    }
    return SL_OK;
}

sl_kafka_ingest *sl_kafka_ingest_start(const sl_conf *conf, sl_metrics *metrics, char *errstr, size_t errstr_size) {
    sl_kafka_ingest *in = calloc(1, sizeof(*in));
    if (!in) abort();
    in->conf = conf;
    pthread_mutex_init(&in->error_lock, NULL);
    static const sl_kafka_prop producer_defaults[] = {
        {"compression.type", "lz4"}, {"linger.ms", "5"}, {NULL, NULL}};
    static const sl_kafka_prop producer_forced[] = {
        {"enable.idempotence", "true"}, {"acks", "all"}, {NULL, NULL}};
    if (read_settings(in, conf, errstr, errstr_size) ||
        !(in->producer = new_client(sl_kafka_conf_build(conf, NULL, producer_defaults, producer_forced, errstr,
                                                        errstr_size),
                                    RD_KAFKA_PRODUCER, in, errstr, errstr_size)) ||
        check_topics(in, errstr, errstr_size)) {
        sl_kafka_ingest_free(in);
        return NULL;
    }
    in->threads = calloc(in->n_threads, sizeof(ingest_thread));
    if (!in->threads) abort();
    for (size_t i = 0; i < in->n_threads; i++) {
        if (start_thread(in, &in->threads[i], i, metrics, errstr, errstr_size)) {
            sl_kafka_ingest_stop(in, NULL, 0);
            sl_kafka_ingest_free(in);
            return NULL;
        }
    }
    sl_log_info("ingest", "forwarding %s (%d partitions) to %s (%d partitions) with %zu consumer(s) in group %s%s",
                in->source_topic, (int)in->source_partitions, in->exchange_topic, (int)in->exchange_partitions,
                in->n_threads, sl_kafka_job_id(conf),
                in->bounded ? ", up to the end offsets at assignment (bounded)" : "");
    return in;
}

bool sl_kafka_ingest_failed(sl_kafka_ingest *in, char *errstr, size_t errstr_size) {
    if (!atomic_load(&in->failed)) return false;
    pthread_mutex_lock(&in->error_lock);
    snprintf(errstr, errstr_size, "scale-out ingest: %s", in->error);
    pthread_mutex_unlock(&in->error_lock);
    return true;
}

sl_err sl_kafka_ingest_stop(sl_kafka_ingest *in, char *errstr, size_t errstr_size) {
    atomic_store(&in->stop, 1);
    for (size_t i = 0; in->threads && i < in->n_threads; i++)
        if (in->threads[i].tid) {
            pthread_join(in->threads[i].tid, NULL);
            in->threads[i].tid = 0;
        }
    if (errstr && sl_kafka_ingest_failed(in, errstr, errstr_size)) return SL_ERR_KAFKA;
    return SL_OK;
}

void sl_kafka_ingest_free(sl_kafka_ingest *in) {
    if (!in) return;
    for (size_t i = 0; in->threads && i < in->n_threads; i++) {
        ingest_thread *t = &in->threads[i];
        if (t->consumer) rd_kafka_destroy(t->consumer);
        if (t->decoder) sl_event_decoder_free(t->decoder);
        sl_arena_free(&t->scratch);
        sl_buf_free(&t->encoded);
        free(t->parts);
    }
    free(in->threads);
    if (in->producer) {
        rd_kafka_flush(in->producer, INGEST_FLUSH_MS);
        rd_kafka_destroy(in->producer);
    }
    free(in->source_topic);
    free(in->exchange_topic);
    pthread_mutex_destroy(&in->error_lock);
    free(in);
}
