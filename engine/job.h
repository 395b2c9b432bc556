/* job.h -- build a job graph and run it.
 *
 * A job is a pipeline of stages. The first stage starts with a source; every
 * sl_job_key_by() starts a new stage behind a hash-partitioned exchange; the
 * operators added after it are chained into that stage and run without
 * copying. Each stage runs `parallelism` subtasks. The job runs on as many
 * worker threads as its widest keyed stage has subtasks; worker k runs
 * subtask k of every stage (engine/worker.c).
 *
 *   sl_job *job = sl_job_new(conf, errstr, sizeof errstr);
 *   sl_job_add_source(job, "generator", 1, …);
 *   sl_job_key_by(job, "by_session", key_session, 4, …);
 *   sl_job_add_operator(job, "session_window", …);
 *   …
 *   sl_err err = sl_job_run(job, errstr, sizeof errstr);
 *
 * Records of the side-output kinds (late events, dead letters) skip every
 * operator that is not a sink and travel to subtask 0 of each exchange, so
 * every one of them reaches the sink. */
#ifndef SL_JOB_H
#define SL_JOB_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/batch.h"
#include "engine/conf.h"
#include "engine/error.h"

typedef struct sl_job sl_job;
typedef struct sl_metrics sl_metrics;

/* The 64-bit key hash of one record of `kind` (routing and key groups). */
typedef uint64_t (*sl_key_fn)(sl_batch_kind kind, const void *record);

sl_job *sl_job_new(const sl_conf *conf, char *errstr, size_t errstr_size);
void sl_job_destroy(sl_job *job);

sl_err sl_job_add_source(sl_job *job, const char *plugin, uint32_t parallelism,
                         char *errstr, size_t errstr_size);
sl_err sl_job_key_by(sl_job *job, const char *name, sl_key_fn key, uint32_t parallelism,
                     char *errstr, size_t errstr_size);
sl_err sl_job_add_operator(sl_job *job, const char *plugin, char *errstr, size_t errstr_size);

/* Metrics registry to report into (optional, before run). */
void sl_job_set_metrics(sl_job *job, sl_metrics *metrics);

/* Run to completion: bounded input exhausted and committed, a stop request
 * served, or a failure (errstr names the operator and the input). */
sl_err sl_job_run(sl_job *job, char *errstr, size_t errstr_size);

/* Ask a running job to stop: sources stop, a final checkpoint is taken and
 * committed, and sl_job_run returns SL_OK. Async-signal-safe. */
void sl_job_request_stop(sl_job *job);
/* Ask for a checkpoint as soon as possible (e.g. on SIGUSR1). Async-signal-safe. */
void sl_job_request_checkpoint(sl_job *job);

/* ---- operating a running job (engine/job_control.c; the REST API's backend) ----
 * Every call below is safe from any thread while sl_job_run runs, and none
 * blocks the pipeline: they read snapshots under the job's lock or set flags. */

typedef enum sl_job_status {
    SL_JOB_CREATED = 0,   /* built, not yet running */
    SL_JOB_RESTORING,     /* restoring a checkpoint or savepoint */
    SL_JOB_RUNNING,
    SL_JOB_STOPPING,      /* a stop was requested; the final checkpoint is under way */
    SL_JOB_FINISHED,
    SL_JOB_FAILED,
    SL_JOB_CANCELED
} sl_job_status;

sl_job_status sl_job_get_status(const sl_job *job);
const char *sl_job_status_name(sl_job_status status);   /* "RUNNING", ... */

/* The job as JSON: id, name, state, operators and parallelism, last
 * checkpoint id and time, watermark. New reference. */
json_t *sl_job_describe(sl_job *job);

/* Ready for traffic: restored and running, and every source and sink
 * connected. When not, *reason says what is awaited. */
bool sl_job_ready(sl_job *job, char *reason, size_t reason_size);

/* Take a savepoint into directory `dir`: the next checkpoint (triggered now;
 * with `stop`, the final checkpoint of a graceful stop) is copied, with hard
 * links where possible, to dir/savepoint-<id>, which retention never
 * touches. Waits up to timeout_ms for it; path_out gets the savepoint path.
 * Errors: SL_ERR_INVALID_ARG the job is not running or a savepoint is
 * already under way; SL_ERR_CANCELLED no checkpoint completed within
 * timeout_ms (the request is withdrawn); SL_ERR_IO the checkpoint failed or
 * the copy did. */
sl_err sl_job_savepoint(sl_job *job, const char *dir, bool stop, int timeout_ms, char *path_out,
                        size_t path_size, char *errstr, size_t errstr_size);

/* Cancel: stop at once without a final checkpoint; the output keeps what the
 * last complete checkpoint committed. sl_job_run returns SL_OK and the
 * status is SL_JOB_CANCELED. */
void sl_job_cancel(sl_job *job);

/* Keep a copy of the newest fired window's results (page analytics and
 * Top-N) for sl_job_latest_results; call before run. Costs one JSON
 * rendering per result record in the sink stage. */
void sl_job_keep_latest_results(sl_job *job);
/* {"window_start","window_end","page_analytics":[...],"top_pages":{...}},
 * or NULL when no window fired yet (or keeping was not enabled). */
json_t *sl_job_latest_results(sl_job *job);

/* The number of cores, for parallelism 0. */
uint32_t sl_default_parallelism(void);

#endif
