/* job_control.c -- operating a running job: status, description, readiness,
 * savepoints, cancel, the latest results. The backend of the REST job API.
 *
 * Nothing here blocks a worker: readers take job->lock briefly to copy a few
 * fields, requests set flags the coordinator acts on, and a savepoint request
 * waits on job->cond (with a timeout) while the coordinator takes the
 * checkpoint and copies it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/latest_results.h"
#include "engine/log.h"
#include "engine/runtime_internal.h"
#include "engine/savepoint.h"

typedef enum { SP_WAITING, SP_DONE, SP_FAILED } sp_state;

/* One savepoint request; lives on the requester's stack, linked from the job under its lock. */
typedef struct sl_savepoint_request {
    char dir[1024];
    int64_t after_id;            /* checkpoints with a larger id qualify */
    sp_state state;
    char path[1400];
    char error[512];
} sl_savepoint_request;

static const char *const STATUS_NAMES[] = {
    [SL_JOB_CREATED] = "CREATED",   [SL_JOB_RESTORING] = "RESTORING", [SL_JOB_RUNNING] = "RUNNING",
    [SL_JOB_STOPPING] = "STOPPING", [SL_JOB_FINISHED] = "FINISHED",   [SL_JOB_FAILED] = "FAILED",
    [SL_JOB_CANCELED] = "CANCELED",
};

const char *sl_job_status_name(sl_job_status status) {
    return (unsigned)status < sizeof(STATUS_NAMES) / sizeof(STATUS_NAMES[0]) ? STATUS_NAMES[status] : "UNKNOWN";
}

sl_job_status sl_job_get_status(const sl_job *job) {
    return (sl_job_status)atomic_load(&((sl_job *)job)->status);
}

void sl_job_set_status(sl_job *job, sl_job_status status) {
    sl_job_status old = (sl_job_status)atomic_exchange(&job->status, (int)status);
    if (old != status)
        sl_log_info("job", "job '%s' is %s", sl_conf_get(job->conf, "job.name"), sl_job_status_name(status));
    sl_job_metrics_up(job, status == SL_JOB_RUNNING || status == SL_JOB_STOPPING);
    pthread_mutex_lock(&job->lock);
    pthread_cond_broadcast(&job->cond);   /* savepoint requests wake up and look */
    pthread_mutex_unlock(&job->lock);
}

void sl_operator_set_ready(const sl_operator_ctx *ctx, const char *waiting_for) {
    if (ctx && ctx->readiness) atomic_store(&ctx->readiness->waiting_for, waiting_for);
}

static const char *job_id(const sl_job *job) {
    const char *id = sl_conf_get(job->conf, "job.id");
    return id && *id ? id : sl_conf_get(job->conf, "job.name");
}

/* ---- describe ---- */

/* The job's output watermark: the smallest of the last stage's subtasks. */
static int64_t job_watermark(sl_job *job) {
    if (sl_job_get_status(job) < SL_JOB_RUNNING) return SL_WATERMARK_MIN;   /* tasks may still be being built */
    sl_stage *last = &job->stages[job->n_stages - 1];
    int64_t wm = SL_WATERMARK_MAX;
    for (uint32_t i = 0; last->tasks && i < last->parallelism; i++) {
        int64_t w = atomic_load_explicit(&last->tasks[i].published_wm, memory_order_relaxed);
        if (w < wm) wm = w;
    }
    return last->tasks ? wm : SL_WATERMARK_MIN;
}

static json_t *describe_operators(sl_job *job) {
    json_t *ops = json_array();
    for (uint32_t s = 0; s < job->n_stages; s++) {
        sl_stage *st = &job->stages[s];
        if (st->source)
            json_array_append_new(ops, json_pack("{s:s,s:s,s:i,s:I}", "name", st->source->name, "kind", "source",
                                                 "stage", (int)s, "parallelism", (json_int_t)st->parallelism));
        for (uint32_t k = 0; k < st->n_ops; k++)
            json_array_append_new(ops, json_pack("{s:s,s:s,s:i,s:I}", "name", st->ops[k]->name, "kind",
                                                 st->ops[k]->is_sink ? "sink" : "operator", "stage", (int)s,
                                                 "parallelism", (json_int_t)st->parallelism));
    }
    return ops;
}

json_t *sl_job_describe(sl_job *job) {
    pthread_mutex_lock(&job->lock);
    int64_t ckpt_id = job->last_completed_id, ckpt_ms = job->last_completed_ms;
    uint64_t completed = job->checkpoints_completed;
    int64_t restored = job->restored_id;
    pthread_mutex_unlock(&job->lock);
    sl_job_status status = sl_job_get_status(job);
    int64_t wm = job_watermark(job);
    json_t *j = json_pack("{s:s,s:s,s:s,s:o,s:I,s:I}", "id", job_id(job), "name", sl_conf_get(job->conf, "job.name"),
                          "state", sl_job_status_name(status), "operators", describe_operators(job),
                          "checkpoints_completed", (json_int_t)completed, "restored_checkpoint",
                          (json_int_t)restored);
    json_object_set_new(j, "last_checkpoint",
                        ckpt_id > 0 ? json_pack("{s:I,s:I}", "id", (json_int_t)ckpt_id, "time_ms", (json_int_t)ckpt_ms)
                                    : json_null());
    bool known = wm != SL_WATERMARK_MIN && wm != SL_WATERMARK_MAX;
    json_object_set_new(j, "watermark_ms", known ? json_integer(wm) : json_null());
    if (status == SL_JOB_FAILED) {
        pthread_mutex_lock(&job->lock);
        json_object_set_new(j, "error", json_string(job->error));
        pthread_mutex_unlock(&job->lock);
    }
    return j;
}

/* ---- readiness ---- */

static bool readiness_ok(const sl_readiness *r, const char *who, char *reason, size_t reason_size) {
    const char *waiting = atomic_load(&((sl_readiness *)r)->waiting_for);
    if (!waiting) return true;
    snprintf(reason, reason_size, "%s is waiting for %s", who, waiting);
    return false;
}

bool sl_job_ready(sl_job *job, char *reason, size_t reason_size) {
    sl_job_status status = sl_job_get_status(job);
    if (status != SL_JOB_RUNNING) {
        snprintf(reason, reason_size, "the job is %s", sl_job_status_name(status));
        return false;
    }
    for (uint32_t s = 0; s < job->n_stages; s++)
        for (uint32_t i = 0; job->stages[s].tasks && i < job->stages[s].parallelism; i++) {
            sl_task *t = &job->stages[s].tasks[i];
            if (t->source && !readiness_ok(&t->source_readiness, t->name, reason, reason_size)) return false;
            for (uint32_t k = 0; k < t->n_ops; k++)
                if (!readiness_ok(&t->ops[k].readiness, t->ops[k].name, reason, reason_size)) return false;
        }
    return true;
}

/* ---- savepoints ---- */

static bool job_active(sl_job_status s) {
    return s == SL_JOB_RUNNING || s == SL_JOB_STOPPING || s == SL_JOB_RESTORING || s == SL_JOB_CREATED;
}

sl_err sl_job_savepoint(sl_job *job, const char *dir, bool stop, int timeout_ms, char *path_out, size_t path_size,
                        char *errstr, size_t errstr_size) {
    if (!dir || !*dir)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size, "a savepoint needs a target directory");
    char why[512];
    if (sl_mkdirs(dir, why, sizeof(why))) return sl_errf(SL_ERR_IO, errstr, errstr_size, "savepoint: %s", why);
    sl_savepoint_request req = {.state = SP_WAITING};
    snprintf(req.dir, sizeof(req.dir), "%s", dir);
    pthread_mutex_lock(&job->lock);
    sl_job_status status = sl_job_get_status(job);
    sl_err err = SL_OK;
    if (status != SL_JOB_RUNNING)
        err = sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size, "job '%s' is %s: only a RUNNING job takes savepoints",
                      job_id(job), sl_job_status_name(status));
    else if (job->savepoint)
        err = sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                      "job '%s' is already taking a savepoint into %s; retry when it is done", job_id(job),
                      job->savepoint->dir);
    if (err) {
        pthread_mutex_unlock(&job->lock);
        return err;
    }
    /* A checkpoint already triggered may have snapshotted before this
     * request; only a later one is a savepoint of "now". */
    req.after_id = atomic_load(&job->trigger_id);
    job->savepoint = &req;
    if (stop) {
        atomic_store(&job->stop_requested, 1);
        atomic_store(&job->status, SL_JOB_STOPPING);
    } else {
        atomic_store(&job->checkpoint_requested, 1);
    }
    pthread_mutex_unlock(&job->lock);
    if (stop) sl_log_info("job", "stop with savepoint into %s requested", dir);

    struct timespec deadline;
    sl_deadline_after(&deadline, CLOCK_REALTIME, (int64_t)timeout_ms * 1000);
    pthread_mutex_lock(&job->lock);
    int rc = 0;
    while (req.state == SP_WAITING && rc != ETIMEDOUT && !atomic_load(&job->failed) &&
           job_active(sl_job_get_status(job)))
        rc = pthread_cond_timedwait(&job->cond, &job->lock, &deadline);
    job->savepoint = NULL;   /* served or withdrawn */
    pthread_mutex_unlock(&job->lock);

    if (req.state == SP_DONE) {
        snprintf(path_out, path_size, "%s", req.path);
        sl_log_info("job", "savepoint %s complete", req.path);
        return SL_OK;
    }
    if (req.state == SP_FAILED) return sl_errf(SL_ERR_IO, errstr, errstr_size, "savepoint failed: %s", req.error);
    if (rc == ETIMEDOUT)
        return sl_errf(SL_ERR_CANCELLED, errstr, errstr_size,
                       "no checkpoint completed within %d ms; the savepoint request was withdrawn (the job goes on)",
                       timeout_ms);
    return sl_errf(SL_ERR_IO, errstr, errstr_size, "the job ended (%s) before the savepoint completed",
                   sl_job_status_name(sl_job_get_status(job)));
}

void sl_job_control_checkpoint_completed(sl_job *job, int64_t id) {
    pthread_mutex_lock(&job->lock);
    job->last_completed_id = id;
    job->last_completed_ms = sl_now_ms();
    sl_savepoint_request *req = job->savepoint;
    if (!req || req->state != SP_WAITING || id <= req->after_id) {
        pthread_mutex_unlock(&job->lock);
        return;
    }
    char src[1200], dst[1300];
    sl_ckpt_path(job->ckpt_root, id, src, sizeof(src));
    snprintf(dst, sizeof(dst), "%s/savepoint-%s-%lld", req->dir, job_id(job), (long long)id);
    /* The requester waits under the timeout; the copy (hard links) is quick
     * and the coordinator does it before retention can delete the checkpoint. */
    pthread_mutex_unlock(&job->lock);
    char why[512];
    sl_err err = sl_savepoint_copy(src, dst, why, sizeof(why));
    pthread_mutex_lock(&job->lock);
    if (job->savepoint == req) {   /* still waiting (not withdrawn by a timeout) */
        req->state = err ? SP_FAILED : SP_DONE;
        snprintf(req->path, sizeof(req->path), "%s", dst);
        snprintf(req->error, sizeof(req->error), "%s", why);
    } else if (!err) {
        sl_log_warn("job", "savepoint %s completed after its request timed out", dst);
    }
    pthread_cond_broadcast(&job->cond);
    pthread_mutex_unlock(&job->lock);
}

void sl_job_control_checkpoint_failed(sl_job *job, int64_t id) {
    sl_savepoint_request *req = job->savepoint;
    if (req && req->state == SP_WAITING && id > req->after_id) {
        req->state = SP_FAILED;
        snprintf(req->error, sizeof(req->error), "checkpoint %lld failed (see the job's log)", (long long)id);
        pthread_cond_broadcast(&job->cond);
    }
}

/* ---- cancel and results ---- */

void sl_job_cancel(sl_job *job) {
    if (atomic_exchange(&job->cancel_requested, 1)) return;
    sl_log_info("job", "job '%s' cancel requested: stopping without a final checkpoint", job_id(job));
    pthread_mutex_lock(&job->lock);
    pthread_cond_broadcast(&job->cond);
    pthread_mutex_unlock(&job->lock);
}

void sl_job_keep_latest_results(sl_job *job) {
    if (!job->latest) job->latest = sl_latest_results_new();
}

json_t *sl_job_latest_results(sl_job *job) {
    return sl_latest_results_get(job->latest);
}
