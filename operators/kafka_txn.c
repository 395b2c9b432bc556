/* kafka_txn.c -- a transactional producer whose transactions follow checkpoints. */
#include "operators/kafka_txn.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unistd.h>

#include "engine/log.h"
#include "engine/operator.h"
#include "operators/kafka_conf.h"
#include "operators/kafka_epochs.h"
#include "operators/kafka_offsets.h"

#define TXN_TIMEOUT_MS 30000        /* per transactional API call */
#define FLUSH_DEADLINE_MS 120000    /* phase one gives up after this */
#define TXN_RETRIES 10

struct sl_kafka_txn {
    rd_kafka_t *rk;
    const sl_conf *conf;
    char name[64];
    char txn_id[256];
    char *marker_topic, *source_topic;
    int64_t epoch;                 /* the checkpoint the open transaction will complete */
    int delivery_failures;         /* since the last phase one */
    char delivery_error[256];
    char attempt[40];              /* this instance: header sluice.attempt */
    char *epochs_dir;              /* checkpoint.dir: committed epochs are recorded there (may be NULL) */
    /* Between phase one of N and its commit the sink keeps receiving records
     * that came after barrier N; they belong to N + 1, so they wait here
     * (topic, key, value triples) instead of joining N's transaction. */
    int64_t prepared;              /* checkpoint flushed but not yet committed, -1 if none */
    sl_buf held;
    FILE *echo;                    /* committed results are printed here (may be NULL) */
    sl_buf echo_lines;             /* the open transaction's results, one line each */
};

typedef enum { TXN_SEND_OFFSETS, TXN_COMMIT, TXN_BEGIN, TXN_INIT } txn_op;
static const char *const TXN_OP_NAMES[] = {"send_offsets_to_transaction", "commit_transaction",
                                           "begin_transaction", "init_transactions"};

long long sl_kafka_parse_commit_metadata(const char *s, size_t len) {
    size_t plen = strlen(SL_KAFKA_COMMIT_METADATA_PREFIX);
    if (!s || len <= plen || len > 40 || memcmp(s, SL_KAFKA_COMMIT_METADATA_PREFIX, plen)) return -1;
    long long n = 0;
    for (size_t i = plen; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        n = n * 10 + (s[i] - '0');
    }
    return n;
}

/* Delivery reports arrive on rd_kafka_poll/flush; a failed one fails phase one. */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    sl_kafka_txn *s = opaque;
    if (!m->err) return;
    if (s->delivery_failures++ == 0)
        snprintf(s->delivery_error, sizeof(s->delivery_error), "%s [%d]: %s", rd_kafka_topic_name(m->rkt),
                 (int)m->partition, rd_kafka_err2str(m->err));
}

/* ---- transactional calls: retry what is retriable, classify the rest ---- */

static rd_kafka_error_t *txn_call(sl_kafka_txn *s, txn_op op, int64_t checkpoint_id) {
    switch (op) {
    case TXN_INIT: return rd_kafka_init_transactions(s->rk, TXN_TIMEOUT_MS);
    case TXN_BEGIN: return rd_kafka_begin_transaction(s->rk);
    case TXN_COMMIT: return rd_kafka_commit_transaction(s->rk, TXN_TIMEOUT_MS);
    case TXN_SEND_OFFSETS: break;
    }
    rd_kafka_topic_partition_list_t *offsets = sl_kafka_offsets_get(checkpoint_id);
    if (offsets->cnt == 0) {
        /* No Kafka input (e.g. the generator): a marker offset on the output
         * topic still records which checkpoint this transaction completes. */
        rd_kafka_topic_partition_list_add(offsets, s->marker_topic, 0)->offset = 0;
    }
    char meta[64];
    int mlen = snprintf(meta, sizeof(meta), SL_KAFKA_COMMIT_METADATA_PREFIX "%" PRId64, checkpoint_id);
    for (int i = 0; i < offsets->cnt; i++) {
        offsets->elems[i].metadata = strdup(meta);   /* freed by the list */
        offsets->elems[i].metadata_size = (size_t)mlen;
    }
    rd_kafka_consumer_group_metadata_t *cgmd = rd_kafka_consumer_group_metadata_new(sl_kafka_job_id(s->conf));
    rd_kafka_error_t *err = rd_kafka_send_offsets_to_transaction(s->rk, offsets, cgmd, TXN_TIMEOUT_MS);
    rd_kafka_consumer_group_metadata_destroy(cgmd);
    rd_kafka_topic_partition_list_destroy(offsets);
    return err;
}

static bool is_fencing(rd_kafka_resp_err_t code) {
    return code == RD_KAFKA_RESP_ERR__FENCED || code == RD_KAFKA_RESP_ERR_PRODUCER_FENCED ||
           code == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH || code == RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
}

static sl_err fatal_error(sl_kafka_txn *s, rd_kafka_resp_err_t code, const char *what, char *errstr, size_t errstr_size) {
    if (is_fencing(code))
        return sl_errf(SL_ERR_FENCED, errstr, errstr_size,
                       "another sluice instance with transactional.id %s took over; this instance stops (%s)",
                       s->txn_id, what);
    return sl_errf(SL_ERR_KAFKA, errstr, errstr_size,
                   "kafka sink %s: fatal producer error: %s; restart the job", s->txn_id, what);
}

/* Abort the open transaction and open the next one, after a failure that
 * makes the current one unusable; the engine restarts from the last
 * complete checkpoint, so nothing of the aborted epoch is lost. */
static void abort_and_reopen(sl_kafka_txn *s) {
    rd_kafka_error_t *e = rd_kafka_abort_transaction(s->rk, TXN_TIMEOUT_MS);
    if (e) {
        sl_log_warn(s->name, "abort_transaction failed: %s", rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
        return;
    }
    s->delivery_failures = 0;
    s->echo_lines.len = 0;   /* never committed: never printed */
    s->held.len = 0;
    s->prepared = -1;
    e = rd_kafka_begin_transaction(s->rk);
    if (e) rd_kafka_error_destroy(e);
}

static sl_err run_txn(sl_kafka_txn *s, txn_op op, int64_t checkpoint_id, char *errstr, size_t errstr_size) {
    for (int attempt = 1;; attempt++) {
        rd_kafka_error_t *e = txn_call(s, op, checkpoint_id);
        if (!e) return SL_OK;
        char what[512];
        snprintf(what, sizeof(what), "%s for checkpoint %" PRId64 ": %s", TXN_OP_NAMES[op], checkpoint_id,
                 rd_kafka_error_string(e));
        rd_kafka_resp_err_t code = rd_kafka_error_code(e);
        bool retriable = rd_kafka_error_is_retriable(e), abortable = rd_kafka_error_txn_requires_abort(e),
             fatal = rd_kafka_error_is_fatal(e);
        rd_kafka_error_destroy(e);
        if (fatal || is_fencing(code)) return fatal_error(s, code, what, errstr, errstr_size);
        if (abortable) {
            abort_and_reopen(s);
            return sl_errf(SL_ERR_KAFKA, errstr, errstr_size,
                           "%s; the transaction was aborted and the job restarts from its last complete "
                           "checkpoint", what);
        }
        if (!retriable || attempt >= TXN_RETRIES)
            return sl_errf(SL_ERR_KAFKA, errstr, errstr_size, "%s (after %d attempts)", what, attempt);
        sl_log_warn(s->name, "%s; retrying (%d/%d)", what, attempt, TXN_RETRIES);
        nanosleep(&(struct timespec){0, 100 * 1000000L * attempt}, NULL);
    }
}

static sl_err create_producer(sl_kafka_txn *s, char *errstr, size_t errstr_size) {
    /* lz4, not gzip: gzip's compression was a tenth of the whole job's CPU
     * in the Kafka benchmark (the sink's broker thread), lz4's is a few
     * percent; the results topic is created with lz4 too, so a broker keeps
     * the batches as they come. */
    const sl_kafka_prop defaults[] = {
        {"compression.type", "lz4"},
        {"linger.ms", "20"},
        {NULL, NULL},
    };
    const sl_kafka_prop forced[] = {
        {"transactional.id", s->txn_id},
        {"enable.idempotence", "true"},
        {"acks", "all"},
        {NULL, NULL},
    };
    rd_kafka_conf_t *rkc = sl_kafka_conf_build(s->conf, NULL, defaults, forced, errstr, errstr_size);
    if (!rkc) return SL_ERR_INVALID_ARG;
    rd_kafka_conf_set_dr_msg_cb(rkc, on_delivery);
    rd_kafka_conf_set_opaque(rkc, s);
    char reason[512];
    s->rk = rd_kafka_new(RD_KAFKA_PRODUCER, rkc, reason, sizeof(reason));
    if (!s->rk) {
        rd_kafka_conf_destroy(rkc);
        return sl_errf(SL_ERR_KAFKA, errstr, errstr_size, "kafka sink: cannot create the producer: %s", reason);
    }
    return SL_OK;
}

/* The record's fields as produceva arguments: epoch and attempt headers first,
 * then the caller's; all on the stack, librdkafka copies them. */
static size_t record_args(const sl_kafka_txn *s, const sl_kafka_txn_record *r, const char *epoch, rd_kafka_vu_t *vu) {
    size_t n = 0;
    vu[n++] = (rd_kafka_vu_t){.vtype = RD_KAFKA_VTYPE_TOPIC, .u.cstr = r->topic};
    vu[n++] = (rd_kafka_vu_t){.vtype = RD_KAFKA_VTYPE_KEY, .u.mem = {(void *)r->key, r->key_len}};
    vu[n++] = (rd_kafka_vu_t){.vtype = RD_KAFKA_VTYPE_VALUE, .u.mem = {(void *)r->value, r->len}};
    vu[n++] = (rd_kafka_vu_t){.vtype = RD_KAFKA_VTYPE_MSGFLAGS, .u.i = RD_KAFKA_MSG_F_COPY};
    vu[n++] = (rd_kafka_vu_t){.vtype = RD_KAFKA_VTYPE_HEADER, .u.header = {SL_KAFKA_HEADER_EPOCH, epoch, -1}};
    vu[n++] = (rd_kafka_vu_t){.vtype = RD_KAFKA_VTYPE_HEADER, .u.header = {SL_KAFKA_HEADER_ATTEMPT, s->attempt, -1}};
    for (size_t i = 0; i < r->n_headers && i < SL_KAFKA_TXN_MAX_HEADERS; i++)
        vu[n++] = (rd_kafka_vu_t){.vtype = RD_KAFKA_VTYPE_HEADER,
                                  .u.header = {r->headers[i].name, r->headers[i].value, (ssize_t)r->headers[i].len}};
    return n;
}

static sl_err produce_now(sl_kafka_txn *s, const sl_kafka_txn_record *r, char *errstr, size_t errstr_size) {
    char epoch[24];
    snprintf(epoch, sizeof(epoch), "%" PRId64, s->epoch);
    rd_kafka_vu_t vu[6 + SL_KAFKA_TXN_MAX_HEADERS];
    size_t n = record_args(s, r, epoch, vu);
    for (;;) {
        rd_kafka_error_t *e = rd_kafka_produceva(s->rk, vu, n);
        if (!e) break;
        rd_kafka_resp_err_t err = rd_kafka_error_code(e);
        rd_kafka_error_destroy(e);
        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {   /* back-pressure: wait for acks */
            rd_kafka_poll(s->rk, 100);
            continue;
        }
        char fatal[256];
        rd_kafka_resp_err_t code = rd_kafka_fatal_error(s->rk, fatal, sizeof(fatal));
        if (code) return fatal_error(s, code, fatal, errstr, errstr_size);
        return sl_errf(SL_ERR_KAFKA, errstr, errstr_size, "kafka sink: producing to %s failed: %s", r->topic,
                       rd_kafka_err2str(err));
    }
    if (s->echo && !strcmp(r->topic, s->marker_topic)) {
        sl_buf_append(&s->echo_lines, r->echo ? r->echo : r->value, r->echo ? r->echo_len : r->len);
        sl_buf_append(&s->echo_lines, "\n", 1);
    }
    return SL_OK;
}

static void hold_bytes(sl_buf *b, const void *data, size_t len) {
    sl_buf_append_u64(b, len);
    sl_buf_append(b, data, len);
}

/* Held layout per record: topic (with its NUL), key, value, echo (a flag
 * then the bytes), header count, then name (with NUL) and value per header. */
static void hold_record(sl_buf *b, const sl_kafka_txn_record *r) {
    hold_bytes(b, r->topic, strlen(r->topic) + 1);
    hold_bytes(b, r->key, r->key_len);
    hold_bytes(b, r->value, r->len);
    sl_buf_append_u64(b, r->echo != NULL);
    if (r->echo) hold_bytes(b, r->echo, r->echo_len);
    size_t nh = r->n_headers < SL_KAFKA_TXN_MAX_HEADERS ? r->n_headers : SL_KAFKA_TXN_MAX_HEADERS;
    sl_buf_append_u64(b, nh);
    for (size_t i = 0; i < nh; i++) {
        hold_bytes(b, r->headers[i].name, strlen(r->headers[i].name) + 1);
        hold_bytes(b, r->headers[i].value, r->headers[i].len);
    }
}

sl_err sl_kafka_txn_produce_record(sl_kafka_txn *s, const sl_kafka_txn_record *r, char *errstr, size_t errstr_size) {
    if (s->prepared < 0) return produce_now(s, r, errstr, errstr_size);
    hold_record(&s->held, r);
    return SL_OK;
}

sl_err sl_kafka_txn_produce(sl_kafka_txn *s, const char *topic, const char *key, size_t key_len,
                           const void *value, size_t len, char *errstr, size_t errstr_size) {
    sl_kafka_txn_record r = {.topic = topic, .key = key, .key_len = key_len, .value = value, .len = len};
    return sl_kafka_txn_produce_record(s, &r, errstr, errstr_size);
}

/* A field of the held buffer: its bytes stay in place, *p points at them. */
static bool held_field(sl_buf_reader *r, const char **p, size_t *len) {
    uint64_t n;
    if (!sl_buf_read_u64(r, &n) || (uint64_t)(r->end - r->p) < n) return false;
    *p = (const char *)r->p;
    *len = (size_t)n;
    r->p += n;
    return true;
}

/* The next held record; its pointers (and *headers) point into the held buffer. */
static bool held_record(sl_buf_reader *r, sl_kafka_txn_record *rec, sl_kafka_txn_header *headers) {
    const char *topic, *value;
    size_t topic_len;
    uint64_t has_echo, nh;
    *rec = (sl_kafka_txn_record){.headers = headers};
    if (!held_field(r, &topic, &topic_len) || !held_field(r, &rec->key, &rec->key_len) ||
        !held_field(r, &value, &rec->len) || !sl_buf_read_u64(r, &has_echo) ||
        (has_echo && !held_field(r, &rec->echo, &rec->echo_len)) || !sl_buf_read_u64(r, &nh) ||
        nh > SL_KAFKA_TXN_MAX_HEADERS)
        return false;
    rec->topic = topic;
    rec->value = value;
    for (rec->n_headers = 0; rec->n_headers < nh; rec->n_headers++) {
        sl_kafka_txn_header *h = &headers[rec->n_headers];
        size_t name_len;
        if (!held_field(r, &h->name, &name_len) || !held_field(r, (const char **)&h->value, &h->len)) return false;
    }
    return true;
}

/* Produce what waited for the commit of the previous checkpoint into the new transaction. */
static sl_err release_held(sl_kafka_txn *s, char *errstr, size_t errstr_size) {
    sl_buf_reader r = {s->held.data, s->held.data + s->held.len};
    sl_kafka_txn_record rec;
    sl_kafka_txn_header headers[SL_KAFKA_TXN_MAX_HEADERS];
    sl_err err = SL_OK;
    while (!err && held_record(&r, &rec, headers)) err = produce_now(s, &rec, errstr, errstr_size);
    s->held.len = 0;
    return err;
}

void sl_kafka_txn_serve(sl_kafka_txn *s) { rd_kafka_poll(s->rk, 0); }

/* ---- the two phases ---- */

sl_err sl_kafka_txn_prepare(sl_kafka_txn *s, int64_t checkpoint_id, char *errstr, size_t errstr_size) {
    sl_kafka_offsets_bind(checkpoint_id);
    if (s->prepared >= 0) {
        /* The previous checkpoint failed elsewhere and was never committed:
         * its transaction is still open and now covers this one too. */
        s->prepared = -1;
        sl_err err = release_held(s, errstr, errstr_size);
        if (err) return err;
    }
    if (checkpoint_id != s->epoch)
        sl_log_warn(s->name, "checkpoint %" PRId64 " covers records stamped sluice.epoch=%" PRId64
                    " (checkpoint ids were not consecutive)", checkpoint_id, s->epoch);
    int64_t deadline = FLUSH_DEADLINE_MS, waited = 0;
    rd_kafka_resp_err_t ferr;
    while ((ferr = rd_kafka_flush(s->rk, 1000)) == RD_KAFKA_RESP_ERR__TIMED_OUT && (waited += 1000) < deadline) {}
    char fatal[256];
    rd_kafka_resp_err_t code = rd_kafka_fatal_error(s->rk, fatal, sizeof(fatal));
    if (code) return fatal_error(s, code, fatal, errstr, errstr_size);
    if (ferr) {
        abort_and_reopen(s);
        return sl_errf(SL_ERR_KAFKA, errstr, errstr_size,
                       "checkpoint %" PRId64 ": results not acknowledged within %d s (%d still queued); is the "
                       "cluster reachable?", checkpoint_id, FLUSH_DEADLINE_MS / 1000, rd_kafka_outq_len(s->rk));
    }
    if (s->delivery_failures) {
        int n = s->delivery_failures;
        abort_and_reopen(s);
        return sl_errf(SL_ERR_KAFKA, errstr, errstr_size,
                       "checkpoint %" PRId64 ": %d result(s) could not be delivered (first: %s); the transaction "
                       "was aborted", checkpoint_id, n, s->delivery_error);
    }
    s->prepared = checkpoint_id;
    return SL_OK;
}

/* After a commit: make it durable on the engine side and print it (if asked). */
static void after_commit(sl_kafka_txn *s, int64_t checkpoint_id) {
    sl_kafka_txn_note_committed(s->txn_id, checkpoint_id);
    sl_kafka_offsets_forget_upto(checkpoint_id);
    char why[512];
    if (s->epochs_dir &&
        sl_kafka_epochs_append(s->epochs_dir, s->txn_id, s->attempt, s->epoch, checkpoint_id, why, sizeof(why)))
        sl_log_warn(s->name, "%s (the transaction is committed; against the mock a restart may replay it)", why);
    if (s->echo && s->echo_lines.len) {
        fwrite(s->echo_lines.data, 1, s->echo_lines.len, s->echo);
        fflush(s->echo);
    }
    s->echo_lines.len = 0;
    sl_log_debug(s->name, "committed the transaction of checkpoint %" PRId64, checkpoint_id);
}

sl_err sl_kafka_txn_commit(sl_kafka_txn *s, int64_t checkpoint_id, char *errstr, size_t errstr_size) {
    sl_err err = run_txn(s, TXN_SEND_OFFSETS, checkpoint_id, errstr, errstr_size);
    if (!err) err = run_txn(s, TXN_COMMIT, checkpoint_id, errstr, errstr_size);
    if (err) return err;
    after_commit(s, checkpoint_id);
    s->prepared = -1;
    s->epoch = checkpoint_id + 1;
    s->delivery_failures = 0;
    err = run_txn(s, TXN_BEGIN, checkpoint_id + 1, errstr, errstr_size);
    return err ? err : release_held(s, errstr, errstr_size);
}

/* ---- recovery ---- */

/* The partitions whose committed offsets may carry our metadata: every
 * partition of the source topic, plus the marker partition. */
static rd_kafka_topic_partition_list_t *commit_partitions(sl_kafka_txn *s, rd_kafka_t *c) {
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(16);
    rd_kafka_topic_partition_list_add(l, s->marker_topic, 0);
    const struct rd_kafka_metadata *md;
    if (rd_kafka_metadata(c, 1, NULL, &md, 10000)) return l;
    for (int t = 0; t < md->topic_cnt; t++)
        if (!strcmp(md->topics[t].topic, s->source_topic))
            for (int p = 0; p < md->topics[t].partition_cnt; p++)
                rd_kafka_topic_partition_list_add(l, s->source_topic, md->topics[t].partitions[p].id);
    rd_kafka_metadata_destroy(md);
    return l;
}

int64_t sl_kafka_txn_last_committed(sl_kafka_txn *s) {
    const sl_kafka_prop forced[] = {{"group.id", sl_kafka_job_id(s->conf)}, {"enable.auto.commit", "false"}, {NULL, NULL}};
    char errstr[512];
    rd_kafka_conf_t *rkc = sl_kafka_conf_build(s->conf, NULL, NULL, forced, errstr, sizeof(errstr));
    rd_kafka_t *c = rkc ? rd_kafka_new(RD_KAFKA_CONSUMER, rkc, errstr, sizeof(errstr)) : NULL;
    if (!c) {
        if (rkc) rd_kafka_conf_destroy(rkc);
        sl_log_warn(s->name, "cannot read the committed checkpoint: %s", errstr);
        return -1;
    }
    rd_kafka_topic_partition_list_t *l = commit_partitions(s, c);
    int64_t newest = -1;
    rd_kafka_resp_err_t err = rd_kafka_committed(c, l, 10000);
    for (int i = 0; !err && i < l->cnt; i++) {
        long long n = sl_kafka_parse_commit_metadata(l->elems[i].metadata, l->elems[i].metadata_size);
        if (n > newest) newest = n;
    }
    if (err) sl_log_warn(s->name, "reading committed offsets of group %s failed: %s", sl_kafka_job_id(s->conf),
                         rd_kafka_err2str(err));
    /* The mock keeps no transactional offsets: the engine's own record. */
    int64_t recorded = s->epochs_dir ? sl_kafka_epochs_last(s->epochs_dir, s->txn_id) : -1;
    if (recorded > newest) newest = recorded;
    sl_log_info(s->name, "the newest checkpoint recorded by a committed transaction: %" PRId64 "%s", newest,
                newest < 0 ? " (none found)" : "");
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_destroy(c);
    return newest;
}

void sl_kafka_txn_set_epoch(sl_kafka_txn *s, int64_t next_checkpoint_id) { s->epoch = next_checkpoint_id; }
void sl_kafka_txn_set_echo(sl_kafka_txn *s, FILE *out) { s->echo = out; }
const char *sl_kafka_txn_attempt(const sl_kafka_txn *s) { return s->attempt; }
int64_t sl_kafka_txn_epoch(const sl_kafka_txn *s) { return s->epoch; }
const char *sl_kafka_txn_id(const sl_kafka_txn *s) { return s->txn_id; }

void sl_kafka_txn_free(sl_kafka_txn *s) {
    if (!s) return;
    if (s->rk) {
        /* Output not covered by a completed checkpoint must not become visible. */
        rd_kafka_error_t *e = rd_kafka_abort_transaction(s->rk, 5000);
        if (e) rd_kafka_error_destroy(e);
        rd_kafka_destroy(s->rk);
    }
    free(s->marker_topic);
    free(s->source_topic);
    free(s->epochs_dir);
    sl_buf_free(&s->held);
    sl_buf_free(&s->echo_lines);
    free(s);
}

sl_kafka_txn *sl_kafka_txn_new(const sl_conf *conf, uint32_t subtask, const char *marker_topic,
                               const char *source_topic, char *errstr, size_t errstr_size) {
    sl_kafka_txn *s = calloc(1, sizeof(*s));
    if (!s) abort();
    s->conf = conf;
    s->marker_topic = strdup(marker_topic);
    s->source_topic = strdup(source_topic);
    snprintf(s->txn_id, sizeof(s->txn_id), "%s-sink-%u", sl_kafka_job_id(conf), subtask);
    snprintf(s->name, sizeof(s->name), "kafka_sink#%u", subtask);
    s->epoch = 1;
    s->prepared = -1;
    const char *dir = sl_conf_get(conf, "checkpoint.dir");
    if (dir && *dir) s->epochs_dir = strdup(dir);
    /* Unique per run: time and pid, so a restarted process never reuses it. */
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    snprintf(s->attempt, sizeof(s->attempt), "%llx-%lx-%x", (unsigned long long)now.tv_sec, (long)now.tv_nsec,
             (unsigned)getpid());
    sl_err err = create_producer(s, errstr, errstr_size);
    /* init_transactions fences any older producer with our transactional.id
     * and aborts its open transaction: the "abort" half of recovery. */
    if (!err) err = run_txn(s, TXN_INIT, 0, errstr, errstr_size);
    if (!err) err = run_txn(s, TXN_BEGIN, 0, errstr, errstr_size);
    if (err) {
        sl_kafka_txn_free(s);
        return NULL;
    }
    sl_log_info(s->name, "transactional.id %s ready", s->txn_id);
    return s;
}
