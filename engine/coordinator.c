/* coordinator.c -- sets a job up, restores it, runs its checkpoints, tears it down.
 *
 * The caller's thread of sl_job_run is the checkpoint coordinator. A
 * checkpoint N goes: trigger (sources inject barrier N) → every worker
 * snapshots when its inputs are aligned and acks → the coordinator writes
 * chk-N/_pending durably → it asks the sinks to commit N (phase two) → only
 * then it renames _pending to _metadata: N is complete. On restart, a
 * pending checkpoint that the sinks report as committed is completed first
 * (see ../shared/EXACTLY-ONCE.md and docs/checkpoints.md). */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/keygroup.h"
#include "engine/latest_results.h"
#include "engine/log.h"
#include "engine/runtime_internal.h"
#include "engine/state.h"

#define GATE_CAPACITY 16

/* Fault injection for crash tests, like SQLite's: SLUICE_CRASH_AT=POINT:N
 * kills the process with SIGKILL at POINT of its N-th checkpoint, where POINT
 * is "pending" (snapshot durable, sinks not yet committed), "commit" (sinks
 * committed, checkpoint not yet marked complete) or "complete". */
static void crash_point(const char *point, uint64_t nth) {
    const char *spec = getenv("SLUICE_CRASH_AT");
    size_t n = strlen(point);
    if (spec && !strncmp(spec, point, n) && spec[n] == ':' && strtoull(spec + n + 1, NULL, 10) == nth) {
        sl_log_warn("checkpoint", "SLUICE_CRASH_AT=%s: killing the process now", spec);
        raise(SIGKILL);
    }
}

/* ------------------------------------------------------------------ */
/* Called from worker threads                                          */

void sl_coordinator_ack(sl_job *job, int64_t id, sl_ckpt_task *snap, const char *error) {
    pthread_mutex_lock(&job->lock);
    if (id == job->pending_id) {
        uint32_t slot = 0;
        for (uint32_t s = 0; s < snap->stage; s++) slot += job->stages[s].parallelism;
        slot += snap->subtask;
        job->pending.tasks[slot] = *snap;
        job->acks++;
        if (error) {
            job->ack_failed = true;
            sl_log_warn("checkpoint", "worker %u/%u declined checkpoint %lld: %s", snap->stage, snap->subtask,
                        (long long)id, error);
        }
    } else {
        for (uint32_t i = 0; i < snap->n_blobs; i++) sl_buf_free(&snap->blobs[i]);
    }
    pthread_cond_broadcast(&job->cond);
    pthread_mutex_unlock(&job->lock);
}

void sl_coordinator_commit_done(sl_job *job, const char *error) {
    pthread_mutex_lock(&job->lock);
    if (error) job->commit_failed = true;
    job->commits_outstanding--;
    pthread_cond_broadcast(&job->cond);
    pthread_mutex_unlock(&job->lock);
}

void sl_coordinator_source_finished(sl_job *job, bool reached_end) {
    pthread_mutex_lock(&job->lock);
    job->sources_finished++;
    if (reached_end) job->sources_reached_end = true;
    pthread_cond_broadcast(&job->cond);
    pthread_mutex_unlock(&job->lock);
}

/* ------------------------------------------------------------------ */
/* Setup                                                               */

/* One process per checkpoint directory: two writers would reuse each
 * other's checkpoint ids. The lock dies with its process, so a restart after
 * kill -9 gets it; it waits a little for a predecessor that is still exiting. */
static sl_err lock_checkpoint_dir(sl_job *job, char *errstr, size_t errstr_size) {
    char path[1100];
    snprintf(path, sizeof(path), "%s/LOCK", job->ckpt_root);
    job->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (job->lock_fd < 0)
        return sl_errf(SL_ERR_IO, errstr, errstr_size, "cannot open '%s': %s", path, strerror(errno));
    int64_t wait_ms;
    sl_err err = sl_conf_get_int(job->conf, "checkpoint.lock_wait_ms", &wait_ms, errstr, errstr_size);
    if (err) return err;
    /* A scale-out standby (lock_wait_ms = -1) waits here until the process
     * aggregating the job stops or dies, then takes over from its checkpoints. */
    for (int64_t waited = 0; flock(job->lock_fd, LOCK_EX | LOCK_NB) != 0; waited += 100) {
        if (errno != EWOULDBLOCK || (wait_ms >= 0 && waited >= wait_ms))
            return sl_errf(SL_ERR_IO, errstr, errstr_size,
                           "checkpoint directory '%s' is in use by another sluice process; stop it or give this "
                           "job its own --checkpoint-dir", job->ckpt_root);
        if (atomic_load(&job->stop_requested))
            return sl_errf(SL_ERR_CANCELLED, errstr, errstr_size, "stopped while waiting for checkpoint directory "
                           "'%s'", job->ckpt_root);
        if (waited == 0 && wait_ms < 0)
            sl_log_info("checkpoint", "standby: another process holds '%s'; taking over when it stops",
                        job->ckpt_root);
        usleep(100 * 1000);
    }
    return SL_OK;
}

static sl_err setup_checkpoint_dirs(sl_job *job, char *errstr, size_t errstr_size) {
    int64_t v;
    sl_err err = sl_conf_get_int(job->conf, "checkpoint.interval_ms", &v, errstr, errstr_size);
    if (err) return err;
    job->interval_ms = v;
    if ((err = sl_conf_get_int(job->conf, "checkpoint.retain", &v, errstr, errstr_size))) return err;
    job->retain = v < 1 ? 1 : (int)v;

    const char *dir = sl_conf_get(job->conf, "checkpoint.dir");
    if (dir && *dir) {
        snprintf(job->ckpt_root, sizeof(job->ckpt_root), "%s", dir);
        if ((err = sl_mkdirs(dir, errstr, errstr_size))) return err;
        if ((err = lock_checkpoint_dir(job, errstr, errstr_size))) return err;
    } else {
        /* Without a directory the checkpoints still drive the sinks' commits;
         * they just do not outlive the process. */
        const char *tmp = getenv("TMPDIR");
        snprintf(job->ckpt_root, sizeof(job->ckpt_root), "%s/sluice-ckpt-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(job->ckpt_root))
            return sl_errf(SL_ERR_IO, errstr, errstr_size, "cannot create a temporary checkpoint directory: %s",
                           strerror(errno));
        job->ckpt_root_is_temp = true;
    }
    const char *state_dir = sl_conf_get(job->conf, "state.dir");
    snprintf(job->state_root, sizeof(job->state_root), "%s/work", state_dir && *state_dir ? state_dir : job->ckpt_root);
    sl_remove_tree(job->state_root);   /* live state is rebuilt from a checkpoint */
    return sl_mkdirs(job->state_root, errstr, errstr_size);
}

static sl_err init_task(sl_job *job, sl_stage *st, uint32_t stage_index, uint32_t subtask,
                        char *errstr, size_t errstr_size) {
    sl_task *t = &st->tasks[subtask];
    t->job = job;
    t->stage_index = stage_index;
    t->subtask = subtask;
    t->watermark = SL_WATERMARK_MIN;
    t->source_wm = SL_WATERMARK_MIN;
    atomic_init(&t->published_wm, SL_WATERMARK_MIN);
    t->aligning_id = -1;
    t->pool = sl_batch_pool_new(SL_BATCH_DEFAULT_CAPACITY);
    t->next = stage_index + 1 < job->n_stages ? &job->stages[stage_index + 1] : NULL;
    if (t->next) t->exchange_out = calloc(t->next->parallelism, sizeof(sl_batch *));
    snprintf(t->name, sizeof(t->name), "%s#%u", st->name, subtask);

    if (st->source) {
        t->source = st->source;
        t->source_ctx = (sl_operator_ctx){t->name, subtask, st->parallelism, job->conf, NULL, job->metrics,
                                          &t->source_readiness};
        sl_err err = sl_conf_get_double(job->conf, "source.max_rate", &t->max_rate, errstr, errstr_size);
        if (!err) err = sl_conf_get_int(job->conf, "watermark.idle_timeout_ms", &t->idle_timeout_ms, errstr, errstr_size);
        if (!err)
            err = sl_conf_get_int(job->conf, "watermark.alignment_max_drift_ms", &t->max_drift_ms, errstr, errstr_size);
        if (!err) err = st->source->cb_init(&t->source_ctx, &t->source_self, errstr, errstr_size);
        if (err) return err;
    } else {
        t->input = st->gates[subtask];
        t->n_inputs = job->stages[stage_index - 1].parallelism;
        sl_input_wm_init(&t->inputs, t->n_inputs);
        char dir[1200];
        int64_t cache;
        sl_err err = sl_conf_get_int(job->conf, "state.cache_entries", &cache, errstr, errstr_size);
        if (err) return err;
        snprintf(dir, sizeof(dir), "%s/state-%u-%u", job->state_root, stage_index, subtask);
        t->state = sl_state_backend_open(sl_conf_get(job->conf, "state.backend"), dir, (size_t)cache,
                                         errstr, errstr_size);
        if (!t->state) return SL_ERR_STATE;
    }
    t->n_ops = st->n_ops;
    for (uint32_t i = 0; i < st->n_ops; i++) {
        sl_op_slot *op = &t->ops[i];
        op->plugin = st->ops[i];
        snprintf(op->name, sizeof(op->name), "%s#%u", op->plugin->name, subtask);
        op->ctx = (sl_operator_ctx){op->name, subtask, st->parallelism, job->conf, t->state, job->metrics,
                                    &op->readiness};
        op->emitter = (sl_emitter){.task = t, .index = (int)i};
        sl_err err = op->plugin->cb_init(&op->ctx, &op->self, errstr, errstr_size);
        if (err) return err;
    }
    job->n_tasks++;
    return SL_OK;
}

static sl_err build(sl_job *job, char *errstr, size_t errstr_size) {
    if (job->n_stages == 0 || !job->stages[0].source)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size, "the job has no source");
    for (uint32_t s = 1; s < job->n_stages; s++) {
        sl_stage *st = &job->stages[s];
        st->gates = calloc(st->parallelism, sizeof(sl_gate *));
        for (uint32_t i = 0; i < st->parallelism; i++)
            st->gates[i] = sl_gate_new(job->stages[s - 1].parallelism + 1, GATE_CAPACITY);
    }
    for (uint32_t s = 0; s < job->n_stages; s++) {
        sl_stage *st = &job->stages[s];
        st->tasks = calloc(st->parallelism, sizeof(sl_task));
        for (uint32_t i = 0; i < st->parallelism; i++) {
            char why[512];
            sl_err err = init_task(job, st, s, i, why, sizeof(why));
            if (err) return sl_errf(err, errstr, errstr_size, "%s#%u: %s", st->name, i, why);
        }
    }
    return sl_workers_build(job, errstr, errstr_size);
}

/* ------------------------------------------------------------------ */
/* Recovery                                                            */

/* The newest checkpoint any sink says it committed externally. */
static int64_t sinks_last_committed(sl_job *job) {
    int64_t newest = -1;
    for (uint32_t s = 0; s < job->n_stages; s++)
        for (uint32_t i = 0; i < job->stages[s].parallelism; i++) {
            sl_task *t = &job->stages[s].tasks[i];
            for (uint32_t k = 0; k < t->n_ops; k++)
                if (t->ops[k].plugin->cb_last_committed) {
                    int64_t c = t->ops[k].plugin->cb_last_committed(t->ops[k].self);
                    if (c > newest) newest = c;
                }
        }
    return newest;
}

/* Restore one worker from checkpoint m, whose directory is ckpt_dir. */
static sl_err restore_task(sl_job *job, sl_task *t, const sl_ckpt_meta *m, const char *ckpt_dir, char *errstr,
                           size_t errstr_size) {
    const sl_buf *blobs[SL_MAX_KEY_GROUPS];
    const char *dirs[SL_MAX_KEY_GROUPS];
    char dir_store[SL_MAX_KEY_GROUPS][1200];
    size_t n_dirs = 0;
    uint32_t chain = t->source ? 1 : t->n_ops;
    for (uint32_t k = 0; k < chain; k++) {
        size_t n = 0;
        for (uint32_t i = 0; i < m->n_tasks; i++) {
            const sl_ckpt_task *old = &m->tasks[i];
            if (old->stage != t->stage_index) continue;
            if (old->n_blobs != chain)
                return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                               "checkpoint %lld was taken by a different job graph (stage %u has %u operators, "
                               "the job has %u); start with an empty checkpoint directory",
                               (long long)m->id, old->stage, old->n_blobs, chain);
            blobs[n++] = &old->blobs[k];
            if (k == 0 && old->has_state && n_dirs < SL_MAX_KEY_GROUPS) {
                snprintf(dir_store[n_dirs], sizeof(dir_store[n_dirs]), "%s/state-%u-%u", ckpt_dir, old->stage,
                         old->subtask);
                dirs[n_dirs] = dir_store[n_dirs];
                n_dirs++;
            }
        }
        sl_err err = SL_OK;
        if (t->source) {
            if (t->source->cb_restore) err = t->source->cb_restore(t->source_self, blobs, n, errstr, errstr_size);
        } else if (t->ops[k].plugin->cb_restore) {
            err = t->ops[k].plugin->cb_restore(t->ops[k].self, m->id, blobs, n, errstr, errstr_size);
        }
        if (err) return err;
    }
    if (t->state) {
        uint32_t p = job->stages[t->stage_index].parallelism;
        return sl_state_backend_restore(t->state, dirs, n_dirs, sl_key_group_first(t->subtask, p),
                                        sl_key_group_first(t->subtask + 1, p), errstr, errstr_size);
    }
    return SL_OK;
}

/* Pick the checkpoint to resume from and restore every worker from it.
 * Sets *already_finished when that checkpoint ended the job's input. */
static sl_err recover(sl_job *job, bool *already_finished, char *errstr, size_t errstr_size) {
    *already_finished = false;
    sl_ckpt_meta m = {0};
    const char *savepoint = sl_conf_get(job->conf, "checkpoint.savepoint");
    int64_t id = -1;
    char dir[1200];
    sl_err err;
    if (savepoint && *savepoint) {
        snprintf(dir, sizeof(dir), "%s", savepoint);
        if ((err = sl_ckpt_load_dir(savepoint, &m, errstr, errstr_size))) return err;
        id = m.id;
        sl_log_info("checkpoint", "restoring savepoint %s (checkpoint %lld)", savepoint, (long long)id);
    } else {
        int64_t complete, pending;
        sl_ckpt_find(job->ckpt_root, &complete, &pending);
        if (pending > complete && sinks_last_committed(job) >= pending) {
            /* The crash came after the sinks committed N but before N was
             * marked complete: N's output is visible, so N is the truth. */
            sl_log_info("checkpoint", "checkpoint %lld was committed by the sinks before the crash; completing it",
                        (long long)pending);
            if ((err = sl_ckpt_mark_complete(job->ckpt_root, pending, errstr, errstr_size))) return err;
            complete = pending;
        }
        sl_ckpt_discard_newer(job->ckpt_root, complete < 0 ? 0 : complete);
        if (complete < 0) return SL_OK;
        if ((err = sl_ckpt_load(job->ckpt_root, complete, &m, errstr, errstr_size))) return err;
        id = complete;
        sl_ckpt_path(job->ckpt_root, id, dir, sizeof(dir));
        sl_log_info("checkpoint", "resuming from checkpoint %lld", (long long)id);
    }
    for (uint32_t s = 0; s < job->n_stages && !err; s++)
        for (uint32_t i = 0; i < job->stages[s].parallelism && !err; i++)
            err = restore_task(job, &job->stages[s].tasks[i], &m, dir, errstr, errstr_size);
    if (!err) {
        job->restored_id = id;
        atomic_store(&job->trigger_id, id);
        *already_finished = m.final && m.end_of_input;
    }
    sl_ckpt_meta_free(&m);
    return err;
}

/* ------------------------------------------------------------------ */
/* Checkpoints                                                         */

static void trigger(sl_job *job, bool final) {
    int64_t id = atomic_load(&job->trigger_id) + 1;
    sl_ckpt_meta_free(&job->pending);
    job->pending = (sl_ckpt_meta){.id = id, .n_stages = job->n_stages, .n_tasks = job->n_tasks};
    job->pending.tasks = calloc(job->n_tasks, sizeof(sl_ckpt_task));
    for (uint32_t s = 0; s < job->n_stages; s++) job->pending.parallelism[s] = job->stages[s].parallelism;
    job->pending.final = final;
    job->pending_id = id;
    job->pending_started_ms = sl_now_ms();
    job->acks = 0;
    job->ack_failed = false;
    if (final) atomic_store(&job->final_id, id);
    char dir[1200], why[512];
    sl_ckpt_path(job->ckpt_root, id, dir, sizeof(dir));
    if (sl_mkdirs(dir, why, sizeof(why)))   /* the workers' snapshots fail and say so */
        sl_log_error("checkpoint", "checkpoint %lld: %s", (long long)id, why);
    atomic_store(&job->trigger_id, id);
    sl_workers_ring(job);   /* the sources inject the barrier */
    sl_log_debug("checkpoint", "triggered checkpoint %lld%s", (long long)id, final ? " (final)" : "");
}

static void send_control(sl_job *job, sl_msg_type type, int64_t value, uint32_t *receivers) {
    *receivers = 0;
    for (uint32_t s = 1; s < job->n_stages; s++)
        for (uint32_t i = 0; i < job->stages[s].parallelism; i++) {
            sl_gate *g = job->stages[s].gates[i];
            if (sl_gate_push(g, sl_gate_channels(g) - 1, (sl_msg){type, value, NULL})) (*receivers)++;
        }
}

/* All workers acked: persist, commit, complete. Called with job->lock held. */
static bool finish_checkpoint(sl_job *job) {
    int64_t id = job->pending_id;
    char why[512];
    bool final = job->pending.final;
    job->pending_id = -1;
    if (job->ack_failed) {
        sl_job_metrics_checkpoint(job, id, false, 0);
        sl_job_control_checkpoint_failed(job, id);
        if (final) return false;
        sl_log_warn("checkpoint", "checkpoint %lld failed; the next one is tried at the next interval", (long long)id);
        return true;
    }
    job->pending.time_ms = sl_now_ms();
    int64_t acked_ms = job->pending.time_ms;   /* the phases' ends, for the debug log below */
    job->pending.end_of_input = final && job->sources_reached_end;
    pthread_mutex_unlock(&job->lock);
    sl_err err = sl_ckpt_write_pending(job->ckpt_root, &job->pending, why, sizeof(why));
    pthread_mutex_lock(&job->lock);
    if (err) {
        sl_job_metrics_checkpoint(job, id, false, 0);
        sl_job_control_checkpoint_failed(job, id);
        sl_log_error("checkpoint", "checkpoint %lld could not be written: %s", (long long)id, why);
        return !final;
    }
    uint64_t nth = job->checkpoints_completed + 1;
    int64_t written_ms = sl_now_ms();
    crash_point("pending", nth);
    job->commit_failed = false;
    uint32_t receivers;
    send_control(job, SL_MSG_COMMIT, id, &receivers);
    job->commits_outstanding += receivers;
    while (job->commits_outstanding > 0 && !atomic_load(&job->failed)) pthread_cond_wait(&job->cond, &job->lock);
    if (atomic_load(&job->failed)) return false;
    if (job->commit_failed) {
        pthread_mutex_unlock(&job->lock);
        sl_job_fail(job, "checkpoint", "the sinks could not commit checkpoint %lld; a restart resumes from the "
                    "last complete checkpoint", (long long)id);
        pthread_mutex_lock(&job->lock);
        return false;
    }
    pthread_mutex_unlock(&job->lock);
    int64_t committed_ms = sl_now_ms();
    crash_point("commit", nth);
    err = sl_ckpt_mark_complete(job->ckpt_root, id, why, sizeof(why));
    if (!err) crash_point("complete", nth);
    if (!err) {   /* before retention may delete it: metrics read it, a savepoint copies it */
        sl_job_metrics_checkpoint(job, id, true, sl_now_ms() - job->pending_started_ms);
        sl_job_control_checkpoint_completed(job, id);
        sl_ckpt_retain(job->ckpt_root, job->retain);
    }
    pthread_mutex_lock(&job->lock);
    if (err) {
        sl_log_error("checkpoint", "checkpoint %lld could not be completed: %s", (long long)id, why);
        return false;
    }
    job->checkpoints_completed++;
    sl_log_debug("checkpoint", "checkpoint %lld: every task acked after %lld ms, pending record written in %lld ms, "
                 "sinks committed in %lld ms, marked complete in %lld ms", (long long)id,
                 (long long)(acked_ms - job->pending_started_ms), (long long)(written_ms - acked_ms),
                 (long long)(committed_ms - written_ms), (long long)(sl_now_ms() - committed_ms));
    sl_log_info("checkpoint", "checkpoint %lld complete in %lld ms%s", (long long)id,
                (long long)(sl_now_ms() - job->pending_started_ms), final ? " (final)" : "");
    return true;
}

/* The coordinator's loop; returns when the final checkpoint completed or the job failed. */
static void coordinate(sl_job *job) {
    uint32_t n_sources = job->stages[0].parallelism;
    int64_t next_due = sl_now_ms() + job->interval_ms;
    pthread_mutex_lock(&job->lock);
    while (!atomic_load(&job->failed) && !atomic_load(&job->cancel_requested)) {
        sl_job_metrics_tick(job);
        if (atomic_load(&job->stop_requested) && atomic_load(&job->status) == SL_JOB_RUNNING)
            atomic_store(&job->status, SL_JOB_STOPPING);
        if (job->pending_id >= 0 && job->acks == job->n_tasks) {
            bool final = job->pending.final;
            if (!finish_checkpoint(job)) {
                if (!atomic_load(&job->failed)) {
                    pthread_mutex_unlock(&job->lock);
                    sl_job_fail(job, "checkpoint", "the final checkpoint failed");
                    pthread_mutex_lock(&job->lock);
                }
                break;
            }
            if (final) break;
            continue;
        }
        if (job->pending_id < 0) {
            int64_t now = sl_now_ms();
            if (job->sources_finished == n_sources) {
                trigger(job, true);
            } else if ((job->interval_ms > 0 && now >= next_due) || atomic_exchange(&job->checkpoint_requested, 0)) {
                trigger(job, false);
                next_due = now + job->interval_ms;
            }
        }
        struct timespec ts;
        sl_deadline_after(&ts, CLOCK_REALTIME, 20 * 1000);
        pthread_cond_timedwait(&job->cond, &job->lock, &ts);
    }
    pthread_mutex_unlock(&job->lock);
}

/* ------------------------------------------------------------------ */
/* Run and teardown                                                    */

static void join_threads(sl_job *job) {
    uint32_t receivers;
    if (!atomic_load(&job->failed)) send_control(job, SL_MSG_END, 0, &receivers);
    sl_workers_join(job);
}

static void log_result_latency(sl_job *job) {
    double p50, p99, max;
    uint64_t n = sl_result_latency_summary(job->latency, &p50, &p99, &max);
    if (n)
        sl_log_info("job", "result latency (watermark past a window's end to its Top-N at the sink): "
                    "%llu windows, p50 %.2f ms, p99 %.2f ms, max %.2f ms", (unsigned long long)n, p50, p99, max);
    n = sl_result_latency_committed_summary(job->latency, &p50, &p99, &max);
    if (n)
        sl_log_info("job", "committed result latency (watermark past a window's end to the commit of its Top-N): "
                    "%llu windows, p50 %.2f ms, p99 %.2f ms, max %.2f ms", (unsigned long long)n, p50, p99, max);
}

/* Where each operator subtask's time went, as its series of
 * sluice_operator_busy_seconds_total counted it (a job built without
 * metrics has none to log), and the records it took in and gave out: with
 * the workers' lines, this says which operator and which kind of its work
 * a job's time grows with, and (a sink's records in) how many results the
 * time bought. */
static void log_operator_busy(sl_job *job) {
    for (uint32_t s = 0; s < job->n_stages; s++)
        for (uint32_t i = 0; job->stages[s].tasks && i < job->stages[s].parallelism; i++) {
            const sl_task *t = &job->stages[s].tasks[i];
            for (uint32_t k = 0; k < t->n_ops; k++) {
                sl_metric_handle *const *busy = t->ops[k].metrics.busy;
                if (!busy[SL_OP_RECORDS]) continue;
                const sl_op_metrics *m = &t->ops[k].metrics;
                sl_log_info(t->ops[k].name, "busy %.1f ms on records, %.1f ms on timers; %.0f records in, %.0f out",
                            sl_metric_value(busy[SL_OP_RECORDS]) * 1e3, sl_metric_value(busy[SL_OP_TIMERS]) * 1e3,
                            m->in ? sl_metric_value(m->in) : 0.0, m->out ? sl_metric_value(m->out) : 0.0);
            }
        }
}

sl_err sl_job_run(sl_job *job, char *errstr, size_t errstr_size) {
    sl_err err = setup_checkpoint_dirs(job, errstr, errstr_size);
    if (err == SL_ERR_CANCELLED) {
        sl_log_info("job", "%s", errstr);
        sl_job_set_status(job, SL_JOB_CANCELED);
        return SL_OK;
    }
    if (!err) err = build(job, errstr, errstr_size);
    if (!err) sl_job_metrics_init(job);
    bool finished = false;
    if (!err) sl_job_set_status(job, SL_JOB_RESTORING);
    int64_t recover_started = sl_now_ms();
    if (!err) err = recover(job, &finished, errstr, errstr_size);
    if (err) {
        sl_log_error("job", "%s", errstr);   /* logged once here; sl_job_fail logs the failures after the start */
        sl_job_set_status(job, SL_JOB_FAILED);
        return err;
    }
    if (job->restored_id > 0)
        sl_log_info("checkpoint", "checkpoint %lld restored in %lld ms; starting the workers",
                    (long long)job->restored_id, (long long)(sl_now_ms() - recover_started));
    if (finished) {
        sl_log_info("job", "the job already finished at checkpoint %lld; nothing to do", (long long)job->restored_id);
        sl_job_set_status(job, SL_JOB_FINISHED);
        return SL_OK;
    }
    sl_workers_start(job);
    if (!atomic_load(&job->failed)) sl_job_set_status(job, SL_JOB_RUNNING);
    coordinate(job);
    bool cancelled = atomic_load(&job->cancel_requested) && !atomic_load(&job->failed);
    if (cancelled) sl_job_halt_cancelled(job, "cancelled on request; the output holds the last complete checkpoint");
    join_threads(job);
    log_operator_busy(job);
    log_result_latency(job);
    if (cancelled) {
        sl_job_set_status(job, SL_JOB_CANCELED);
        return SL_OK;
    }
    if (atomic_load(&job->failed)) {
        sl_job_set_status(job, SL_JOB_FAILED);
        return sl_errf(SL_ERR_INTERNAL, errstr, errstr_size, "%s", job->error);
    }
    sl_job_set_status(job, SL_JOB_FINISHED);
    return SL_OK;
}

void sl_job_destroy(sl_job *job) {
    if (!job) return;
    for (uint32_t s = 0; s < job->n_stages; s++) {
        sl_stage *st = &job->stages[s];
        for (uint32_t i = 0; st->tasks && i < st->parallelism; i++) {
            sl_task *t = &st->tasks[i];
            if (t->source_self && t->source->cb_destroy) t->source->cb_destroy(t->source_self);
            for (uint32_t k = 0; k < t->n_ops; k++) {
                for (int kind = 0; kind < SL_BATCH_KIND_COUNT; kind++)
                    if (t->ops[k].emitter.open[kind]) sl_batch_release(t->ops[k].emitter.open[kind]);
                if (t->ops[k].self && t->ops[k].plugin->cb_destroy) t->ops[k].plugin->cb_destroy(t->ops[k].self);
            }
            if (t->state) sl_state_backend_close(t->state);
            sl_input_wm_free(&t->inputs);
            free(t->exchange_out);
        }
        for (uint32_t i = 0; st->gates && i < st->parallelism; i++) sl_gate_free(st->gates[i]);
        free(st->gates);
    }
    /* Pools last: batches still in gates were freed with the gates. */
    for (uint32_t s = 0; s < job->n_stages; s++)
        for (uint32_t i = 0; job->stages[s].tasks && i < job->stages[s].parallelism; i++)
            sl_batch_pool_free(job->stages[s].tasks[i].pool);
    for (uint32_t s = 0; s < job->n_stages; s++) free(job->stages[s].tasks);
    sl_workers_free(job);
    sl_ckpt_meta_free(&job->pending);
    sl_job_metrics_free(job);
    sl_latest_results_free(job->latest);
    if (job->ckpt_root_is_temp) sl_remove_tree(job->ckpt_root);
    if (job->lock_fd > 0) close(job->lock_fd);
    sl_conf_destroy(job->conf);
    sl_result_latency_free(job->latency);
    pthread_mutex_destroy(&job->lock);
    pthread_cond_destroy(&job->cond);
    free(job);
}
