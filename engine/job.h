/* job.h -- build a job graph and run it.
 *
 * A job is a pipeline of stages. The first stage starts with a source; every
 * sl_job_key_by() starts a new stage behind a hash-partitioned exchange; the
 * operators added after it are chained into that stage and run on the same
 * worker thread without copying. Each stage runs `parallelism` subtasks, one
 * thread each.
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

/* The number of cores, for parallelism 0. */
uint32_t sl_default_parallelism(void);

#endif
