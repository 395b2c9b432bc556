/* job_api.h -- the REST job API on the HTTP endpoint (docs/api.md, docs/openapi.yaml).
 *
 *   GET    /jobs                       the jobs this process runs (one)
 *   GET    /jobs/{id}                  state, operators and parallelism, last checkpoint, watermark
 *   POST   /jobs/{id}/savepoint        take a savepoint; {"directory": DIR} optional
 *   POST   /jobs/{id}/stop             savepoint, then a graceful stop
 *   DELETE /jobs/{id}                  cancel: stop at once, no savepoint
 *   GET    /jobs/{id}/results/latest   the newest fired window's page analytics and Top-N
 *
 * Handlers run on the HTTP thread and only call the non-blocking job
 * controls of engine/job.h; a savepoint waits for its checkpoint with a
 * timeout. /readyz becomes the job's readiness (sl_job_ready). */
#ifndef SL_JOB_API_H
#define SL_JOB_API_H

#include "engine/conf.h"
#include "engine/http.h"
#include "engine/job.h"

/* Savepoint requests wait at most this long unless the body says "timeout_ms". */
#define SL_JOB_API_SAVEPOINT_TIMEOUT_MS 60000

typedef struct sl_job_api sl_job_api;

/* Register the routes for `job`, and make /readyz the job's readiness. The
 * job and the returned API must outlive the server: stop the server, then
 * sl_job_api_free, then destroy the job. The default savepoint directory is
 * savepoint.dir, else <checkpoint.dir>/savepoints. NULL when out of memory. */
sl_job_api *sl_job_api_register(sl_http_server *server, sl_job *job, const sl_conf *conf, char *errstr,
                                size_t errstr_size);
void sl_job_api_free(sl_job_api *api);

/* The HTTP status an sl_err of the job controls maps to (409, 504, 500...). */
int sl_job_api_status_for(sl_err err);

#endif
