/* cmd_jobs.h -- detached jobs: their records under the sluice home, and
 * starting one in the background (`sluice run --detach`).
 *
 * $SLUICE_HOME (default ~/.sluice) /jobs/<id>/ holds
 *   job.json     {"id","pid","port","log","jobfile","state"}: written when the
 *                job serves its API, "state" updated when it ends
 *   job.log      the job's log (stdout and stderr)
 *   checkpoints/ and savepoints/, unless the job sets checkpoint.dir / savepoint.dir
 * `sluice list|status|savepoint|stop|cancel` find a job's port there. */
#ifndef SL_CMD_JOBS_H
#define SL_CMD_JOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "engine/conf.h"
#include "engine/error.h"

typedef struct sl_job_record {
    char id[128];
    pid_t pid;
    int port;
    char log[1200];
    char jobfile[1024];
    char state[32];          /* "" while running, else how it ended */
} sl_job_record;

/* "<home>/jobs" into buf. */
void sl_jobs_dir(char *buf, size_t size);
/* Load <home>/jobs/<id>/job.json. */
sl_err sl_job_record_load(const char *id, sl_job_record *out, char *errstr, size_t errstr_size);
/* Whether the record's process is alive. */
bool sl_job_record_alive(const sl_job_record *r);

/* `sluice run --detach`: choose the id (job.id or <job.name>-<random>),
 * create its directory, default checkpoint.dir and savepoint.dir into it,
 * then fork. Returns in the child (setsid, output to job.log) with
 * *notify_fd set, or -1 on an error (message printed); the parent never
 * returns: it waits for the child's sl_detach_serving and exits. */
int sl_detach_start(sl_conf *conf, const char *jobfile, int *notify_fd);
/* Child: the API serves on `port` (port -1: it could not start, why says
 * why): write job.json and release the parent. */
void sl_detach_serving(int notify_fd, const sl_conf *conf, const char *jobfile, int port, const char *why);
/* Child: record how the job ended ("FINISHED", "FAILED", "CANCELED"). */
void sl_detach_ended(const sl_conf *conf, const char *jobfile, int port, const char *state);

#endif
