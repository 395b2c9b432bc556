/* cmd_jobs_home.c -- detached jobs' records under $SLUICE_HOME and the fork that starts one. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cmd_jobs.h"
#include "cli/commands.h"
#include "engine/checkpoint.h"

void sl_jobs_dir(char *buf, size_t size) {
    const char *home = getenv("SLUICE_HOME");
    if (home && *home) snprintf(buf, size, "%s/jobs", home);
    else snprintf(buf, size, "%s/.sluice/jobs", getenv("HOME") ? getenv("HOME") : ".");
}

static void job_dir(const char *id, char *buf, size_t size) {
    char jobs[1024];
    sl_jobs_dir(jobs, sizeof(jobs));
    snprintf(buf, size, "%s/%s", jobs, id);
}

sl_err sl_job_record_load(const char *id, sl_job_record *out, char *errstr, size_t errstr_size) {
    char path[1200];
    job_dir(id, path, sizeof(path));
    strncat(path, "/job.json", sizeof(path) - strlen(path) - 1);
    json_error_t jerr;
    json_t *j = json_load_file(path, 0, &jerr);
    if (!j)
        return sl_errf(SL_ERR_NOT_FOUND, errstr, errstr_size,
                       "no detached job '%s' (%s: %s); `sluice list` shows the known ones", id, path, jerr.text);
    const char *jid = NULL, *log = "", *jobfile = "", *state = "";
    json_int_t pid = 0, port = 0;
    int rc = json_unpack(j, "{s:s,s:I,s:I,s?s,s?s,s?s}", "id", &jid, "pid", &pid, "port", &port, "log", &log,
                         "jobfile", &jobfile, "state", &state);
    if (!rc) {
        *out = (sl_job_record){.pid = (pid_t)pid, .port = (int)port};
        snprintf(out->id, sizeof(out->id), "%s", jid);
        snprintf(out->log, sizeof(out->log), "%s", log);
        snprintf(out->jobfile, sizeof(out->jobfile), "%s", jobfile);
        snprintf(out->state, sizeof(out->state), "%s", state);
    }
    json_decref(j);
    if (rc) return sl_errf(SL_ERR_PARSE, errstr, errstr_size, "%s lacks id, pid or port; remove the directory", path);
    return SL_OK;
}

bool sl_job_record_alive(const sl_job_record *r) {
    return r->pid > 0 && (kill(r->pid, 0) == 0 || errno == EPERM);
}

static void write_record(const sl_conf *conf, const char *jobfile, int port, const char *state) {
    const char *id = sl_conf_get(conf, "job.id");
    char dir[1200], path[1300], tmp[1400], log[1300];
    job_dir(id, dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/job.json", dir);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    snprintf(log, sizeof(log), "%s/job.log", dir);
    json_t *j = json_pack("{s:s,s:I,s:i,s:s,s:s,s:s}", "id", id, "pid", (json_int_t)getpid(), "port", port, "log", log,
                          "jobfile", jobfile, "state", state);
    if (json_dump_file(j, tmp, JSON_INDENT(2)) == 0) rename(tmp, path);
    json_decref(j);
}

void sl_detach_serving(int notify_fd, const sl_conf *conf, const char *jobfile, int port, const char *why) {
    if (notify_fd < 0) return;
    if (port >= 0) write_record(conf, jobfile, port, "");
    char msg[600];
    int n = port >= 0 ? snprintf(msg, sizeof(msg), "ok %d\n", port) : snprintf(msg, sizeof(msg), "error %s\n", why);
    if (write(notify_fd, msg, (size_t)n) != n) { /* the parent is gone: nobody to tell */ }
    close(notify_fd);
}

void sl_detach_ended(const sl_conf *conf, const char *jobfile, int port, const char *state) {
    write_record(conf, jobfile, port, state);
}

/* The parent: wait for the child's word, print the id, exit. */
static void parent_wait(int fd, pid_t child, const char *id, const char *dir) {
    char msg[600] = "";
    size_t len = 0;
    ssize_t n;
    while (len + 1 < sizeof(msg) && (n = read(fd, msg + len, sizeof(msg) - 1 - len)) > 0) len += (size_t)n;
    msg[len] = '\0';
    close(fd);
    int port;
    if (sscanf(msg, "ok %d", &port) == 1) {
        printf("%s\n", id);
        fprintf(stderr, "sluice run: job %s runs in the background (pid %d, API on port %d, log %s/job.log)\n", id,
                (int)child, port, dir);
        fflush(stdout);
        _exit(SL_EXIT_OK);
    }
    int status = 0;
    waitpid(child, &status, 0);
    fprintf(stderr, "sluice run: the detached job %s did not start: %s (see %s/job.log)\n", id,
            len > 6 ? msg + 6 : "it exited before serving its API", dir);
    _exit(SL_EXIT_FAILURE);
}

static void default_dir(sl_conf *conf, const char *key, const char *dir, const char *sub) {
    const char *v = sl_conf_get(conf, key);
    if (v && *v) return;
    char path[1300];
    snprintf(path, sizeof(path), "%s/%s", dir, sub);
    sl_conf_set(conf, key, path, NULL, 0);
}

int sl_detach_start(sl_conf *conf, const char *jobfile, int *notify_fd) {
    const char *port = sl_conf_get(conf, "http.port");
    if (port && !strcmp(port, "0")) {
        fprintf(stderr, "sluice run: --detach needs the job API: set --http-port to a port or 'any', not 0\n");
        return -1;
    }
    char id[128];
    const char *given = sl_conf_get(conf, "job.id");
    if (given && *given) {
        snprintf(id, sizeof(id), "%s", given);
    } else {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        srand((unsigned)(ts.tv_nsec ^ getpid()));
        snprintf(id, sizeof(id), "%s-%06x", sl_conf_get(conf, "job.name"), (unsigned)rand() & 0xffffff);
        sl_conf_set(conf, "job.id", id, NULL, 0);
    }
    char dir[1200], errstr[512];
    job_dir(id, dir, sizeof(dir));
    sl_job_record old;
    if (sl_job_record_load(id, &old, errstr, sizeof(errstr)) == SL_OK && sl_job_record_alive(&old) && !old.state[0]) {
        fprintf(stderr, "sluice run: job %s is already running (pid %d); stop it first or choose another job.id\n",
                id, (int)old.pid);
        return -1;
    }
    if (sl_mkdirs(dir, errstr, sizeof(errstr))) {
        fprintf(stderr, "sluice run: %s\n", errstr);
        return -1;
    }
    default_dir(conf, "checkpoint.dir", dir, "checkpoints");
    default_dir(conf, "savepoint.dir", dir, "savepoints");
    int fds[2];
    if (pipe(fds)) {
        fprintf(stderr, "sluice run: cannot create a pipe to the detached job: %s\n", strerror(errno));
        return -1;
    }
    fflush(NULL);
    pid_t child = fork();
    if (child < 0) {
        fprintf(stderr, "sluice run: cannot fork the detached job: %s\n", strerror(errno));
        return -1;
    }
    if (child > 0) {
        close(fds[1]);
        parent_wait(fds[0], child, id, dir);
    }
    close(fds[0]);
    setsid();
    char log[1300];
    snprintf(log, sizeof(log), "%s/job.log", dir);
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int out = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (null >= 0) dup2(null, STDIN_FILENO);
    if (out >= 0) {
        dup2(out, STDOUT_FILENO);
        dup2(out, STDERR_FILENO);
    }
    if (null > STDERR_FILENO) close(null);
    if (out > STDERR_FILENO) close(out);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    *notify_fd = fds[1];
    return 0;
}
