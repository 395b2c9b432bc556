/* runtime.c -- runs a job graph: worker threads, chaining, exchanges,
 * watermark propagation, aligned checkpoint barriers and the coordinator.
 *
 * Threads: one per subtask of every stage, plus the caller's thread, which
 * acts as the checkpoint coordinator. Every worker owns its operators, its
 * keyed state and a batch pool; the only shared structures are the gates
 * (channels) and the coordinator's checkpoint record. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/channel.h"
#include "engine/checkpoint.h"
#include "engine/clock.h"
#include "engine/job.h"
#include "engine/keygroup.h"
#include "engine/latest_results.h"
#include "engine/log.h"
#include "engine/operator.h"
#include "engine/runtime_internal.h"
#include "engine/state.h"

#define SOURCE_IDLE_BACKOFF_US 1000   /* a source with nothing to read polls again after this */
#define OPERATOR_STEP_MESSAGES 4      /* messages an operator task handles before its worker moves on */

uint32_t sl_default_parallelism(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (uint32_t)n : 1;
}

int64_t sl_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------ */
/* Building the graph                                                  */

sl_job *sl_job_new(const sl_conf *conf, char *errstr, size_t errstr_size) {
    sl_job *job = calloc(1, sizeof(*job));
    if (!job) {
        sl_errf(SL_ERR_INTERNAL, errstr, errstr_size, "out of memory creating a job");
        return NULL;
    }
    int64_t workers;
    sl_err err = sl_conf_get_int(conf, "workers", &workers, errstr, errstr_size);
    if (err) {
        free(job);
        return NULL;
    }
    job->workers_wanted = (uint32_t)workers;
    job->conf = sl_conf_dup(conf);
    pthread_mutex_init(&job->lock, NULL);
    pthread_cond_init(&job->cond, NULL);
    job->pending_id = -1;
    job->latency = sl_result_latency_new();
    return job;
}

sl_err sl_job_add_source(sl_job *job, const char *plugin, uint32_t parallelism,
                         char *errstr, size_t errstr_size) {
    const sl_source_plugin *p = sl_find_source(plugin);
    if (!p)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                       "unknown source '%s' (run `sluice operators` for the list)", plugin);
    if (job->n_stages)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size, "a job has exactly one source, added first");
    sl_stage *st = &job->stages[job->n_stages++];
    snprintf(st->name, sizeof(st->name), "%s", plugin);
    st->source = p;
    st->parallelism = parallelism ? parallelism : 1;
    return SL_OK;
}

sl_err sl_job_key_by(sl_job *job, const char *name, sl_key_fn key, uint32_t parallelism,
                     char *errstr, size_t errstr_size) {
    if (!job->n_stages)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size, "key_by '%s' before any source", name);
    if (job->n_stages == SL_MAX_STAGES)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size, "more than %d stages", SL_MAX_STAGES);
    sl_stage *st = &job->stages[job->n_stages++];
    snprintf(st->name, sizeof(st->name), "%s", name);
    st->key = key;
    st->parallelism = parallelism ? parallelism : sl_default_parallelism();
    if (st->parallelism > SL_MAX_KEY_GROUPS) st->parallelism = SL_MAX_KEY_GROUPS;
    return SL_OK;
}

sl_err sl_job_add_operator(sl_job *job, const char *plugin, char *errstr, size_t errstr_size) {
    const sl_operator_plugin *p = sl_find_operator(plugin);
    if (!p)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                       "unknown operator '%s' (run `sluice operators` for the list)", plugin);
    if (!job->n_stages)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size, "operator '%s' before any source", plugin);
    sl_stage *st = &job->stages[job->n_stages - 1];
    if (st->n_ops == SL_CKPT_MAX_CHAIN - 1)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size, "too many operators chained in stage '%s'", st->name);
    st->ops[st->n_ops++] = p;
    return SL_OK;
}

void sl_job_set_metrics(sl_job *job, sl_metrics *metrics) { job->metrics = metrics; }

void sl_job_request_stop(sl_job *job) { atomic_store(&job->stop_requested, 1); }
void sl_job_request_checkpoint(sl_job *job) { atomic_store(&job->checkpoint_requested, 1); }

/* ------------------------------------------------------------------ */
/* Failure                                                             */

/* Mark the job failed (the first reason wins), log it once at `level` and
 * close every gate so that the workers stop. */
static void halt(sl_job *job, sl_log_level level, const char *who, const char *fmt, va_list ap) {
    pthread_mutex_lock(&job->lock);
    if (!job->failed) {
        job->failed = 1;
        int n = snprintf(job->error, sizeof(job->error), "%s: ", who);
        vsnprintf(job->error + n, sizeof(job->error) - (size_t)n, fmt, ap);
        sl_log(level, who, "%s", job->error + n);
    }
    pthread_cond_broadcast(&job->cond);
    pthread_mutex_unlock(&job->lock);
    for (uint32_t s = 0; s < job->n_stages; s++)
        for (uint32_t i = 0; job->stages[s].gates && i < job->stages[s].parallelism; i++)
            sl_gate_close(job->stages[s].gates[i]);
}

void sl_job_fail(sl_job *job, const char *who, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    halt(job, SL_LOG_ERROR, who, fmt, ap);
    va_end(ap);
}

void sl_job_halt_cancelled(sl_job *job, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    halt(job, SL_LOG_INFO, "job", fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------------ */
/* Emitting: chaining and exchanges                                    */

/* Push one message to every subtask of the next stage. */
static bool broadcast(sl_task *t, sl_msg msg) {
    if (!t->next) return true;
    for (uint32_t i = 0; i < t->next->parallelism; i++)
        if (!sl_task_push(t, t->next->gates[i], t->subtask, msg)) return false;
    return true;
}

/* Hand a batch to subtask `target` of the next stage (or drop it: the job is being cancelled). */
static void send_batch(sl_task *t, uint32_t target, sl_batch *b) {
    if (!sl_task_push(t, t->next->gates[target], t->subtask, (sl_msg){SL_MSG_BATCH, 0, b})) sl_batch_release(b);
}

/* Send the batch the exchange collects for `target`, if any. */
static void flush_exchange(sl_task *t, uint32_t target) {
    sl_batch **out = &t->exchange_out[target];
    if (!*out) return;
    send_batch(t, target, *out);
    *out = NULL;
}

/* Re-partition a batch by key across the next stage's subtasks. */
static void exchange(sl_task *t, sl_batch *b) {
    sl_stage *next = t->next;
    if (next->parallelism == 1) {
        send_batch(t, 0, b);
        return;
    }
    size_t size = sl_batch_item_size(b->kind);
    for (uint32_t i = 0; i < b->count; i++) {
        const void *rec = (const char *)b->items + i * size;
        uint32_t target = sl_batch_kind_is_side_output(b->kind)
                              ? 0
                              : sl_key_group_subtask(sl_key_group(next->key(b->kind, rec)), next->parallelism);
        sl_batch **out = &t->exchange_out[target];
        if (*out && (*out)->kind != b->kind) flush_exchange(t, target);
        if (!*out) *out = sl_batch_pool_get(t->pool, b->kind);
        sl_batch_borrow_record(*out, b, rec);   /* b lives until its last borrower is released */
        if (sl_batch_full(*out)) flush_exchange(t, target);
    }
    for (uint32_t target = 0; target < next->parallelism; target++) flush_exchange(t, target);
    sl_batch_release(b);
}

static void flush_emitter(sl_emitter *e);

/* A window's Top-N is its last result: it reaching a sink ends the window's
 * latency, and a committing sink's next checkpoint commits it (results that
 * reach a sink after its snapshot for checkpoint k go out with k + 1). */
static void record_result_latency(sl_task *t, const sl_op_slot *sink, const sl_batch *b) {
    int64_t commit_id = sink->plugin->cb_checkpoint_complete ? t->checkpointed_id + 1 : -1;
    for (uint32_t i = 0; i < b->count; i++)
        sl_result_latency_result(t->job->latency, SL_BATCH_ITEMS(b, sl_top_pages)[i].window_end, commit_id);
}

/* ---- operator busy time ---- */

typedef struct busy_mark {
    sl_op_slot *op;
    sl_op_work work;
} busy_mark;

/* Charge the time since the last switch to the operator being timed, and
 * time `op` from now on; returns what was being timed, for busy_end. */
static busy_mark busy_begin(sl_task *t, sl_op_slot *op, sl_op_work work) {
    int64_t now = sl_monotonic_ns();
    busy_mark was = {t->timed_op, t->timed_work};
    if (was.op) sl_metric_add(was.op->metrics.busy[was.work], (uint64_t)(now - t->timed_since_ns));
    t->timed_op = op;
    t->timed_work = work;
    t->timed_since_ns = now;
    return was;
}

static void busy_end(sl_task *t, busy_mark was) {
    busy_begin(t, was.op, was.work);
}

/* Give batch b, produced by chain position `from` (-1 = the task's input or
 * source), to the next operator that takes it, or to the exchange. */
void sl_task_deliver(sl_task *t, int from, sl_batch *b) {
    if (b->count == 0) {
        sl_batch_release(b);
        return;
    }
    sl_job_metrics_batch(t, from, b);
    int next = from + 1;
    while (next < (int)t->n_ops && sl_batch_kind_is_side_output(b->kind) && !t->ops[next].plugin->is_sink) next++;
    if (next >= (int)t->n_ops) {
        if (t->next) exchange(t, b);
        else sl_batch_release(b);
        return;
    }
    sl_op_slot *op = &t->ops[next];
    if (b->kind == SL_BATCH_TOP_PAGES && op->plugin->is_sink) record_result_latency(t, op, b);
    op->current_in = b;
    op->forwarded = false;
    op->records_in += b->count;
    sl_metric_add(op->metrics.in, b->count);
    if (op->plugin->is_sink) {
        sl_job_metrics_sink_input(t, b);
        sl_latest_results_feed(t->job->latest, b);
    }
    busy_mark was = busy_begin(t, op, SL_OP_RECORDS);
    sl_err err = op->plugin->cb_process(op->self, b, &op->emitter, t->errstr, sizeof(t->errstr));
    busy_end(t, was);
    if (err != SL_OK) sl_job_fail(t->job, op->name, "%s", t->errstr);
    if (!op->forwarded) sl_batch_release(b);
    op->current_in = NULL;
    flush_emitter(&op->emitter);
}

void *sl_emit(sl_emitter *e, sl_batch_kind kind, sl_batch **batch_out) {
    sl_batch **open = &e->open[kind];
    if (*open && sl_batch_full(*open)) {
        sl_batch *full = *open;
        *open = NULL;
        sl_task_deliver(e->task, e->index, full);
    }
    if (!*open) *open = sl_batch_pool_get(e->task->pool, kind);
    if (batch_out) *batch_out = *open;
    e->records_out++;
    return sl_batch_push(*open);
}

void sl_emit_copy(sl_emitter *e, sl_batch_kind kind, const void *record) {
    sl_batch *b;
    sl_emit(e, kind, &b);
    b->count--;   /* give the reserved slot back to the deep copy */
    sl_batch_copy_record(b, record);
}

void sl_emit_forward(sl_emitter *e, sl_batch *batch) {
    if (e->index >= 0 && e->task->ops[e->index].current_in == batch) e->task->ops[e->index].forwarded = true;
    e->records_out += batch->count;
    sl_task_deliver(e->task, e->index, batch);
}

static void flush_emitter(sl_emitter *e) {
    for (int k = 0; k < SL_BATCH_KIND_COUNT; k++) {
        sl_batch *b = e->open[k];
        if (b) {
            e->open[k] = NULL;
            sl_task_deliver(e->task, e->index, b);
        }
    }
}

/* ------------------------------------------------------------------ */
/* Watermarks and barriers inside a task                               */

void sl_task_watermark(sl_task *t, int64_t wm) {
    for (uint32_t i = 0; i < t->n_ops; i++) {
        sl_op_slot *op = &t->ops[i];
        if (!op->plugin->cb_watermark) continue;
        busy_mark was = busy_begin(t, op, SL_OP_TIMERS);
        sl_err err = op->plugin->cb_watermark(op->self, wm, &op->emitter, t->errstr, sizeof(t->errstr));
        busy_end(t, was);
        if (err != SL_OK) sl_job_fail(t->job, op->name, "%s", t->errstr);
        flush_emitter(&op->emitter);
    }
    t->watermark = wm;
    atomic_store_explicit(&t->published_wm, wm, memory_order_relaxed);
    if (t->source) sl_job_metrics_source_watermark(t, wm);
    broadcast(t, (sl_msg){SL_MSG_WATERMARK, wm, NULL});
}

/* Snapshot every operator of the task (and its keyed state) for checkpoint
 * `id`, report to the coordinator, and pass the barrier on. */
void sl_task_checkpoint(sl_task *t, int64_t id) {
    t->checkpointed_id = id;
    sl_ckpt_task snap = {.stage = t->stage_index, .subtask = t->subtask};
    sl_err err = SL_OK;
    if (t->source) {
        snap.n_blobs = 1;
        if (t->source->cb_snapshot) err = t->source->cb_snapshot(t->source_self, &snap.blobs[0]);
        if (err != SL_OK) snprintf(t->errstr, sizeof(t->errstr), "source snapshot failed");
    }
    for (uint32_t i = 0; i < t->n_ops && err == SL_OK; i++) {
        sl_op_slot *op = &t->ops[i];
        sl_buf *blob = &snap.blobs[snap.n_blobs++];
        if (op->plugin->cb_snapshot) err = op->plugin->cb_snapshot(op->self, id, blob, t->errstr, sizeof(t->errstr));
        if (err != SL_OK) sl_log_error(op->name, "snapshot for checkpoint %lld failed: %s", (long long)id, t->errstr);
    }
    if (err == SL_OK && t->state) {
        char dir[1200];
        sl_ckpt_path(t->job->ckpt_root, id, dir, sizeof(dir));
        size_t n = strlen(dir);
        snprintf(dir + n, sizeof(dir) - n, "/state-%u-%u", t->stage_index, t->subtask);
        err = sl_state_backend_snapshot(t->state, dir, t->errstr, sizeof(t->errstr));
        snap.has_state = err == SL_OK;
    }
    sl_coordinator_ack(t->job, id, &snap, err == SL_OK ? NULL : t->errstr);
    broadcast(t, (sl_msg){SL_MSG_BARRIER, id, NULL});
}

/* ------------------------------------------------------------------ */
/* Source tasks                                                        */

/* A source without data for the idle timeout marks its output idle so it
 * stops holding back downstream watermarks; its next records un-idle it.
 * A waiting source (SL_SOURCE_WAITING) counts as active. */
static void track_idleness(sl_task *t, uint32_t records, bool waiting, int64_t now_us) {
    if (records || waiting) {
        t->idle_since_us = 0;
        if (atomic_load(&t->idle_sent)) {
            atomic_store(&t->idle_sent, false);
            broadcast(t, (sl_msg){SL_MSG_WATERMARK, t->source_wm, NULL});
        }
        return;
    }
    if (!t->idle_since_us) t->idle_since_us = now_us;
    else if (!atomic_load(&t->idle_sent) && t->idle_timeout_ms > 0 &&
             now_us - t->idle_since_us >= t->idle_timeout_ms * 1000) {
        atomic_store(&t->idle_sent, true);
        broadcast(t, (sl_msg){SL_MSG_IDLE, 0, NULL});
    }
}

/* Watermark alignment, as in Flink: a source subtask whose watermark is more
 * than max_drift_ms ahead of the slowest active one (not idle, not finished,
 * watermark known) pauses. Its events would only wait in the window state
 * until the slowest one's watermark lets their windows fire, and arrive far
 * from the others' event time. The slowest one never pauses. */
static bool ahead_of_slowest(const sl_task *t) {
    if (t->max_drift_ms <= 0 || t->source_wm == SL_WATERMARK_MIN) return false;
    const sl_stage *sources = &t->job->stages[0];
    for (uint32_t i = 0; i < sources->parallelism; i++) {
        const sl_task *u = &sources->tasks[i];
        int64_t wm = atomic_load_explicit(&u->published_wm, memory_order_relaxed);
        if (u != t && wm != SL_WATERMARK_MIN && !atomic_load_explicit(&u->idle_sent, memory_order_relaxed) &&
            t->source_wm - wm > t->max_drift_ms)
            return true;
    }
    return false;
}

/* source.max_rate: the source polls again when its output is due. */
static void throttle(sl_task *t) {
    if (t->max_rate <= 0) return;
    int64_t due_us = t->started_us + (int64_t)((double)t->produced * 1e6 / t->max_rate);
    if (due_us > t->resume_at_us) t->resume_at_us = due_us;
}

/* The source task is over: its downstream learns that no more comes. */
static void finish_source(sl_task *t) {
    atomic_store(&t->done, true);
    broadcast(t, (sl_msg){SL_MSG_END, 0, NULL});
}

static void poll_source(sl_task *t, int64_t now_us) {
    sl_job *job = t->job;
    sl_batch *events = sl_batch_pool_get(t->pool, SL_BATCH_EVENTS);
    sl_batch *dead = sl_batch_pool_get(t->pool, SL_BATCH_DEAD_LETTERS);
    int64_t wm = t->source_wm;
    sl_source_status st = t->source->cb_poll(t->source_self, events, dead, &wm, t->errstr, sizeof(t->errstr));
    track_idleness(t, events->count + dead->count, st == SL_SOURCE_WAITING, now_us);
    t->produced += events->count;
    t->records_out += events->count;
    sl_task_deliver(t, -1, events);
    sl_task_deliver(t, -1, dead);
    if (st == SL_SOURCE_ERROR) {
        sl_job_fail(job, t->name, "%s", t->errstr);
        finish_source(t);
        return;
    }
    if (wm > t->source_wm) {
        t->source_wm = wm;
        if (t->source_ctx.parallelism == 1) sl_result_latency_watermark(job->latency, wm);
        sl_task_watermark(t, wm);
    }
    if (st == SL_SOURCE_END) {
        if (t->source_ctx.parallelism == 1) sl_result_latency_watermark(job->latency, SL_WATERMARK_MAX);
        sl_task_watermark(t, SL_WATERMARK_MAX);
        t->source_finished = true;
        sl_coordinator_source_finished(job, true);
    } else if (st == SL_SOURCE_IDLE || st == SL_SOURCE_WAITING) {
        t->resume_at_us = now_us + SOURCE_IDLE_BACKOFF_US;
    }
    throttle(t);
}

/* A source task's step: inject a triggered checkpoint's barrier, or poll. */
static bool source_step(sl_task *t, int64_t now_us) {
    sl_job *job = t->job;
    if (!t->started_us) t->started_us = now_us;
    int64_t trigger = atomic_load(&job->trigger_id);
    if (trigger > t->last_barrier) {
        t->last_barrier = trigger;
        sl_task_checkpoint(t, trigger);
        if (trigger == atomic_load(&job->final_id)) finish_source(t);
        return true;
    }
    if (t->source_finished || now_us < t->resume_at_us) return false;
    if (ahead_of_slowest(t)) {
        t->resume_at_us = now_us + SOURCE_IDLE_BACKOFF_US;
        return false;
    }
    if (atomic_load(&job->stop_requested)) {
        t->source_finished = true;
        sl_coordinator_source_finished(job, false);
        return true;
    }
    poll_source(t, now_us);
    return true;
}

/* ------------------------------------------------------------------ */
/* Operator tasks                                                      */

static void on_barrier(sl_task *t, uint32_t channel, int64_t id) {
    if (t->aligning_id != id) {
        t->aligning_id = id;
        t->barriers_seen = 0;
    }
    t->barriers_seen++;
    sl_gate_block(t->input, channel);
    uint32_t ended = 0;
    for (uint32_t c = 0; c < t->n_inputs; c++) ended += t->inputs.ended[c];
    if (t->barriers_seen + ended >= t->n_inputs) {
        sl_task_checkpoint(t, id);
        t->aligning_id = -1;
        sl_gate_unblock_all(t->input);
    }
}

static void on_commit(sl_task *t, int64_t id) {
    const char *error = NULL;
    bool committed = false;
    for (uint32_t i = 0; i < t->n_ops; i++) {
        sl_op_slot *op = &t->ops[i];
        if (!op->plugin->cb_checkpoint_complete) continue;
        if (op->plugin->cb_checkpoint_complete(op->self, id, t->errstr, sizeof(t->errstr)) != SL_OK) {
            error = t->errstr;
            sl_log_error(op->name, "commit of checkpoint %lld failed: %s", (long long)id, t->errstr);
        } else if (op->plugin->is_sink) {
            committed = true;
        }
    }
    if (committed) sl_result_latency_committed(t->job->latency, id);
    sl_coordinator_commit_done(t->job, error);
}

static void on_message(sl_task *t, sl_msg msg, uint32_t ch) {
    switch (msg.type) {
    case SL_MSG_BATCH:
        sl_task_deliver(t, -1, msg.batch);
        break;
    case SL_MSG_WATERMARK:
        if (sl_input_wm_advance(&t->inputs, ch, msg.value)) sl_task_watermark(t, t->inputs.current);
        break;
    case SL_MSG_IDLE:
        if (sl_input_wm_idle(&t->inputs, ch)) sl_task_watermark(t, t->inputs.current);
        break;
    case SL_MSG_BARRIER:
        on_barrier(t, ch, msg.value);
        break;
    case SL_MSG_COMMIT:
        on_commit(t, msg.value);
        break;
    case SL_MSG_END:
        if (ch == t->n_inputs) {   /* the coordinator's channel: the job is over */
            atomic_store(&t->done, true);
            break;
        }
        if (sl_input_wm_end(&t->inputs, ch)) sl_task_watermark(t, t->inputs.current);
        if (++t->inputs_ended == t->n_inputs) {
            broadcast(t, (sl_msg){SL_MSG_END, 0, NULL});
        } else if (t->aligning_id >= 0 && t->barriers_seen + t->inputs_ended >= t->n_inputs) {
            sl_task_checkpoint(t, t->aligning_id);
            t->aligning_id = -1;
            sl_gate_unblock_all(t->input);
        }
        break;
    }
}

/* An operator task's step: a few messages from its input gate, never waiting. */
static bool operator_step(sl_task *t) {
    for (int n = 0; n < OPERATOR_STEP_MESSAGES; n++) {
        sl_msg msg;
        uint32_t ch;
        if (!sl_gate_pop_timed(t->input, &msg, &ch, 0)) return n > 0;
        on_message(t, msg, ch);
        if (atomic_load(&t->done)) return true;
    }
    return true;
}

bool sl_task_step(sl_task *t, int64_t now_us) {
    return t->source ? source_step(t, now_us) : operator_step(t);
}
