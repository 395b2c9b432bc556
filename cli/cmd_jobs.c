/* cmd_jobs.c -- `sluice list|status|savepoint|stop|cancel`: control detached jobs through their REST API. */
#include <curl/curl.h>
#include <getopt.h>
#include <jansson.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cmd_jobs.h"
#include "cli/commands.h"

typedef struct reply {
    char *data;
    size_t len;
} reply;

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *opaque) {
    reply *r = opaque;
    size_t n = size * nmemb;
    char *grown = realloc(r->data, r->len + n + 1);
    if (!grown) return 0;
    r->data = grown;
    memcpy(r->data + r->len, ptr, n);
    r->len += n;
    r->data[r->len] = '\0';
    return n;
}

/* One request to a job's API on 127.0.0.1:port. Returns the HTTP status
 * (0 when the job did not answer: errstr says why) and the parsed body. */
static long call_api(int port, const char *method, const char *path, const char *body, long timeout_s, json_t **out,
                     char *errstr, size_t errstr_size) {
    CURL *curl = curl_easy_init();
    if (!curl) {
        snprintf(errstr, errstr_size, "cannot initialise libcurl");
        return 0;
    }
    char url[512];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    reply r = {0};
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");   /* loopback: never through a proxy */
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout_s);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r);
    if (body) curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    if (rc == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    else snprintf(errstr, errstr_size, "%.200s: %s", url, curl_easy_strerror(rc));
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    *out = r.data ? json_loads(r.data, 0, NULL) : NULL;
    free(r.data);
    return status;
}

/* Print the API's answer: the JSON on stdout when it succeeded, the error on stderr. */
static int report(const char *cmd, long status, json_t *body, const char *errstr) {
    if (status == 0) {
        fprintf(stderr, "sluice %s: the job does not answer (%s); it may have ended: see `sluice list`\n", cmd, errstr);
        return SL_EXIT_FAILURE;
    }
    if (status >= 400) {
        const char *msg = json_string_value(json_object_get(body, "error"));
        fprintf(stderr, "sluice %s: HTTP %ld: %s\n", cmd, status, msg ? msg : "(no error message)");
        return SL_EXIT_FAILURE;
    }
    return SL_EXIT_OK;
}

static void usage(FILE *out, const char *cmd) {
    if (!strcmp(cmd, "list"))
        fprintf(out, "Usage: sluice list\n\nList the detached jobs under $SLUICE_HOME/jobs (default ~/.sluice/jobs):\n"
                     "id, state (asked from the running job, or how it ended), pid and API port.\n");
    else if (!strcmp(cmd, "status"))
        fprintf(out, "Usage: sluice status ID\n\nPrint GET /jobs/ID of a detached job: state, operators and\n"
                     "parallelism, last checkpoint, watermark (JSON).\n");
    else if (!strcmp(cmd, "savepoint"))
        fprintf(out, "Usage: sluice savepoint ID [--dir DIR] [--timeout SECONDS]\n\nTake a savepoint of a running "
                     "job and print its path. DIR defaults to the job's\nsavepoint.dir ($SLUICE_HOME/jobs/ID/savepoints "
                     "for detached jobs). Restart\nfrom it with `sluice run JOBFILE --from-savepoint PATH`.\n");
    else if (!strcmp(cmd, "stop"))
        fprintf(out, "Usage: sluice stop ID [--dir DIR] [--timeout SECONDS]\n\nTake a savepoint, stop the job "
                     "gracefully, print the savepoint path and\nwait until the job's process has exited.\n");
    else
        fprintf(out, "Usage: sluice cancel ID [--timeout SECONDS]\n\nCancel a job: it stops at once without a "
                     "savepoint; its output keeps what\nthe last complete checkpoint committed. Waits until the "
                     "process exited.\n");
}

typedef struct options {
    const char *id;
    const char *dir;
    long timeout_s;
} options;

/* Parse "ID [--dir DIR] [--timeout S]"; returns -1 to go on, else the exit code. */
static int parse(int argc, char **argv, options *o, bool takes_dir) {
    static const struct option longopts[] = {
        {"dir", required_argument, NULL, 'd'},
        {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    *o = (options){.timeout_s = 120};
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        char *end;
        if (c == 'h') {
            usage(stdout, argv[0]);
            return SL_EXIT_OK;
        } else if (c == 'd' && takes_dir) {
            o->dir = optarg;
        } else if (c == 't' && (o->timeout_s = strtol(optarg, &end, 10)) > 0 && !*end) {
            continue;
        } else {
            fprintf(stderr, "sluice %s: bad or unknown option '%s'. Run 'sluice %s --help'.\n", argv[0],
                    argv[optind - 1], argv[0]);
            return SL_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "sluice %s: expected one job id (see `sluice list`). Run 'sluice %s --help'.\n", argv[0],
                argv[0]);
        return SL_EXIT_USAGE;
    }
    o->id = argv[optind];
    return -1;
}

static int load(const char *cmd, const char *id, sl_job_record *r) {
    char errstr[1024];
    if (sl_job_record_load(id, r, errstr, sizeof(errstr))) {
        fprintf(stderr, "sluice %s: %s\n", cmd, errstr);
        return SL_EXIT_USAGE;
    }
    return -1;
}

/* Parse "ID [options]" and load the job's record: -1 to go on, else the exit code. */
static int open_job(int argc, char **argv, bool takes_dir, options *o, sl_job_record *r) {
    int rc = parse(argc, argv, o, takes_dir);
    return rc < 0 ? load(argv[0], o->id, r) : rc;
}

/* `method` on /jobs/<id><suffix> of the job's API. */
static long call_job(const sl_job_record *r, const char *method, const char *suffix, const char *body, long timeout_s,
                     json_t **out, char *errstr, size_t errstr_size) {
    char path[256];
    snprintf(path, sizeof(path), "/jobs/%s%s", r->id, suffix);
    return call_api(r->port, method, path, body, timeout_s, out, errstr, errstr_size);
}

/* Wait until the job's process exited (stop and cancel return when it is gone). */
static bool wait_exit(const sl_job_record *r, long timeout_s) {
    for (long waited_ms = 0; waited_ms < timeout_s * 1000; waited_ms += 50) {
        sl_job_record now;
        char errstr[256];
        bool ended = sl_job_record_load(r->id, &now, errstr, sizeof(errstr)) == SL_OK && now.state[0];
        if (ended || !sl_job_record_alive(r)) return true;
        usleep(50 * 1000);
    }
    return false;
}

int sl_cmd_status(int argc, char **argv) {
    options o;
    sl_job_record r;
    int rc = open_job(argc, argv, false, &o, &r);
    if (rc >= 0) return rc;
    char errstr[512];
    json_t *body = NULL;
    long status = call_job(&r, "GET", "", NULL, o.timeout_s, &body, errstr, sizeof(errstr));
    if (status == 0 && r.state[0]) {   /* ended: say how, from its record */
        body = json_pack("{s:s,s:s}", "id", r.id, "state", r.state);
        status = 200;
    }
    rc = report(argv[0], status, body, errstr);
    if (!rc) json_dumpf(body, stdout, JSON_INDENT(2)), putchar('\n');
    json_decref(body);
    return rc;
}

static int savepoint_or_stop(int argc, char **argv, bool stop) {
    options o;
    sl_job_record r;
    int rc = open_job(argc, argv, true, &o, &r);
    if (rc >= 0) return rc;
    json_t *req = json_pack("{s:I}", "timeout_ms", (json_int_t)o.timeout_s * 1000);
    if (o.dir) {
        char abs[2048];
        if (o.dir[0] != '/' && getcwd(abs, 1024)) {
            size_t n = strlen(abs);
            snprintf(abs + n, sizeof(abs) - n, "/%s", o.dir);
        } else {
            snprintf(abs, sizeof(abs), "%s", o.dir);
        }
        json_object_set_new(req, "directory", json_string(abs));   /* the job's cwd is not ours */
    }
    char *text = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    char errstr[512];
    json_t *body = NULL;
    long status = call_job(&r, "POST", stop ? "/stop" : "/savepoint", text, o.timeout_s + 5, &body, errstr,
                           sizeof(errstr));
    free(text);
    rc = report(argv[0], status, body, errstr);
    if (!rc) printf("%s\n", json_string_value(json_object_get(body, "savepoint")));
    json_decref(body);
    if (!rc && stop && !wait_exit(&r, o.timeout_s)) {
        fprintf(stderr, "sluice stop: the savepoint is taken but job %s (pid %d) has not exited after %ld s\n", r.id,
                (int)r.pid, o.timeout_s);
        rc = SL_EXIT_FAILURE;
    }
    return rc;
}

int sl_cmd_savepoint(int argc, char **argv) { return savepoint_or_stop(argc, argv, false); }
int sl_cmd_stop(int argc, char **argv) { return savepoint_or_stop(argc, argv, true); }

int sl_cmd_cancel(int argc, char **argv) {
    options o;
    sl_job_record r;
    int rc = open_job(argc, argv, false, &o, &r);
    if (rc >= 0) return rc;
    char errstr[512];
    json_t *body = NULL;
    long status = call_job(&r, "DELETE", "", NULL, o.timeout_s, &body, errstr, sizeof(errstr));
    rc = report(argv[0], status, body, errstr);
    json_decref(body);
    if (!rc && !wait_exit(&r, o.timeout_s)) {
        fprintf(stderr, "sluice cancel: job %s (pid %d) has not exited after %ld s\n", r.id, (int)r.pid, o.timeout_s);
        rc = SL_EXIT_FAILURE;
    }
    if (!rc) printf("%s canceled\n", r.id);
    return rc;
}

/* One line of `sluice list`: the live state when the job answers. */
static void list_one(const char *id) {
    sl_job_record r;
    char errstr[512];
    if (sl_job_record_load(id, &r, errstr, sizeof(errstr))) return;   /* not a job directory (or starting) */
    char state[32];
    snprintf(state, sizeof(state), "%s", r.state[0] ? r.state : "GONE");
    if (!r.state[0] && sl_job_record_alive(&r)) {
        json_t *body = NULL;
        if (call_job(&r, "GET", "", NULL, 5, &body, errstr, sizeof(errstr)) == 200)
            snprintf(state, sizeof(state), "%s", json_string_value(json_object_get(body, "state")));
        else
            snprintf(state, sizeof(state), "UNREACHABLE");
        json_decref(body);
    }
    printf("%-32s %-12s %-8d %-6d %s\n", r.id, state, (int)r.pid, r.port, r.jobfile);
}

int sl_cmd_list(int argc, char **argv) {
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout, "list");
        return SL_EXIT_OK;
    }
    if (argc > 1) {
        fprintf(stderr, "sluice list: unexpected argument '%s'. Run 'sluice list --help'.\n", argv[1]);
        return SL_EXIT_USAGE;
    }
    char dir[1024];
    sl_jobs_dir(dir, sizeof(dir));
    printf("%-32s %-12s %-8s %-6s %s\n", "ID", "STATE", "PID", "PORT", "JOBFILE");
    DIR *d = opendir(dir);
    if (!d) return SL_EXIT_OK;   /* no job was ever detached */
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') list_one(e->d_name);
    closedir(d);
    return SL_EXIT_OK;
}
