/* cmd_run.c -- `sluice run JOBFILE`: run a job until its input ends or it is stopped. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd_jobs.h"
#include "cli/commands.h"
#include "engine/conf.h"
#include "engine/http.h"
#include "engine/job.h"
#include "engine/job_api.h"
#include "engine/log.h"
#include "engine/metrics.h"
#include "jobs/clickstream_job.h"
#include "operators/kafka_embedded.h"
#include "operators/kafka_ingest.h"

static sl_job *volatile g_running_job;

static void on_stop_signal(int sig) {
    if (g_running_job) sl_job_request_stop(g_running_job);
}

static void on_checkpoint_signal(int sig) {
    if (g_running_job) sl_job_request_checkpoint(g_running_job);
}

static void usage(FILE *out) {
    fprintf(out,
            "Usage: sluice run JOBFILE [OPTIONS]\n\n"
            "Run a job (e.g. jobs/clickstream.yaml) until its input ends, SIGINT/SIGTERM\n"
            "stops it (after a final checkpoint), or it fails.\n\n"
            "Options:\n"
            "  --input FILE               read JSON-lines events from FILE (bounded; sets source.type=file)\n"
            "  --output FILE              write results to FILE, exactly once (sets sink.type=file);\n"
            "                             late events go to FILE.late, dead letters to FILE.dlq\n"
            "  --brokers HOST:PORT,...    read clickstream-events from and write analytics-results to\n"
            "                             this Kafka cluster (sets kafka.bootstrap.servers,\n"
            "                             source.type=kafka, sink.type=kafka)\n"
            "  --bounded                  Kafka: read up to the end offsets present at the start, fire\n"
            "                             every window, commit, exit 0 (kafka_source.bounded=true)\n"
            "  --scale-out                one of several processes of this job.id (docs/kafka.md):\n"
            "                             ingest a share of the partitions through the group, and\n"
            "                             aggregate while holding the shared --checkpoint-dir\n"
            "  --dlq FILE                 dead letters to FILE instead of OUTPUT.dlq\n"
            "  --late FILE                late events to FILE instead of OUTPUT.late\n"
            "  --parallelism N            subtasks per keyed stage (default: number of cores)\n"
            "  --workers N                worker threads (default: the parallelism); more than the\n"
            "                             parallelism run the stages side by side\n"
            "  --checkpoint-dir DIR       take checkpoints into DIR; a restart resumes from the newest\n"
            "  --checkpoint-interval MS   checkpoint every MS milliseconds (default 10000)\n"
            "  --from-savepoint DIR       restore from a savepoint or checkpoint directory\n"
            "  --max-rate EVENTS_PER_SEC  throttle the source\n"
            "  --http-port PORT           metrics/health/job API port (default 8081, 0 disables,\n"
            "                             any: a free port)\n"
            "  --detach                   run in the background: print the job id and return; the\n"
            "                             job logs to $SLUICE_HOME/jobs/ID/job.log (default ~/.sluice)\n"
            "                             and `sluice list|status|savepoint|stop|cancel ID` control it\n"
            "  --log-format text|json     log line format (default text)\n"
            "  --set KEY=VALUE            set any configuration key (repeatable; see `sluice config`)\n"
            "  -h, --help                 show this help\n\n"
            "With source.type=kafka and no brokers (the default of jobs/clickstream.yaml), an\n"
            "in-process Kafka cluster is started, filled from the generator (generator.*), and the\n"
            "job runs bounded through the Kafka source and transactional sink, printing each\n"
            "transaction's results as it commits.\n\n"
            "Exit status: 0 done, 1 the job failed, 2 bad command line or job file.\n");
}

/* Command-line options are configuration keys in disguise. */
static const struct {
    const char *option;
    const char *key;
} OPTION_KEYS[] = {
    {"input", "source.path"},          {"output", "sink.path"},
    {"dlq", "sink.dlq_path"},          {"late", "sink.late_path"},
    {"parallelism", "parallelism"},    {"workers", "workers"},
    {"checkpoint-dir", "checkpoint.dir"},
    {"checkpoint-interval", "checkpoint.interval_ms"},
    {"from-savepoint", "checkpoint.savepoint"},
    {"max-rate", "source.max_rate"},   {"http-port", "http.port"},
    {"log-format", "log.format"},      {"brokers", "kafka.bootstrap.servers"},
};
#define N_OPTION_KEYS (sizeof(OPTION_KEYS) / sizeof(OPTION_KEYS[0]))

static int parse(int argc, char **argv, sl_conf *conf, const char **jobfile, bool *detach) {
    static struct option options[N_OPTION_KEYS + 6];
    size_t n = 0;
    for (; n < N_OPTION_KEYS; n++) options[n] = (struct option){OPTION_KEYS[n].option, required_argument, NULL, 1000 + (int)n};
    options[n++] = (struct option){"set", required_argument, NULL, 's'};
    options[n++] = (struct option){"help", no_argument, NULL, 'h'};
    options[n++] = (struct option){"bounded", no_argument, NULL, 'b'};
    options[n++] = (struct option){"detach", no_argument, NULL, 'd'};
    options[n++] = (struct option){"scale-out", no_argument, NULL, 'o'};
    options[n] = (struct option){0};

    sl_conf *overrides = sl_conf_new();
    const char *pairs[256];
    size_t n_pairs = 0;
    char errstr[512];
    int c, rc = -1;
    optind = 1;
    opterr = 0;
    while (rc < 0 && (c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            rc = SL_EXIT_OK;
        } else if (c == 'b') {
            sl_conf_set(overrides, "kafka_source.bounded", "true", NULL, 0);
        } else if (c == 'o') {
            sl_conf_set(overrides, "scale_out.enabled", "true", NULL, 0);
        } else if (c == 'd') {
            *detach = true;
        } else if (c == 's' && n_pairs < 256) {
            pairs[n_pairs++] = optarg;
        } else if (c >= 1000) {
            sl_conf_set(overrides, OPTION_KEYS[c - 1000].key, optarg, errstr, sizeof(errstr));
            if (!strcmp(OPTION_KEYS[c - 1000].option, "input")) sl_conf_set(overrides, "source.type", "file", NULL, 0);
            if (!strcmp(OPTION_KEYS[c - 1000].option, "output")) sl_conf_set(overrides, "sink.type", "file", NULL, 0);
            if (!strcmp(OPTION_KEYS[c - 1000].option, "brokers")) {
                sl_conf_set(overrides, "source.type", "kafka", NULL, 0);
                sl_conf_set(overrides, "sink.type", "kafka", NULL, 0);
            }
        } else {
            fprintf(stderr, "sluice run: unknown or incomplete option '%s'. Run 'sluice run --help'.\n",
                    argv[optind - 1]);
            rc = SL_EXIT_USAGE;
        }
    }
    if (rc < 0 && optind != argc - 1) {
        fprintf(stderr, "sluice run: expected exactly one job file (e.g. jobs/clickstream.yaml). "
                        "Run 'sluice run --help'.\n");
        rc = SL_EXIT_USAGE;
    }
    if (rc < 0) {
        *jobfile = argv[optind];
        if (sl_conf_load_yaml(conf, *jobfile, errstr, sizeof(errstr)) != SL_OK) {
            fprintf(stderr, "sluice run: %s\n", errstr);
            rc = SL_EXIT_USAGE;
        }
    }
    /* Precedence: job file < options < --set. */
    for (size_t i = 0; rc < 0 && i < n_pairs; i++) {
        if (sl_conf_set_pair(overrides, pairs[i], errstr, sizeof(errstr)) != SL_OK) {
            fprintf(stderr, "sluice run: --set %s: %s\n", pairs[i], errstr);
            rc = SL_EXIT_USAGE;
        }
    }
    if (rc < 0) sl_conf_merge(conf, overrides);
    sl_conf_destroy(overrides);
    if (rc < 0 && sl_conf_check_ranges(conf, errstr, sizeof(errstr)) != SL_OK) {
        fprintf(stderr, "sluice run: %s: %s\n", *jobfile, errstr);
        rc = SL_EXIT_USAGE;
    }
    return rc;
}

/* Scale-out mode (docs/kafka.md): this process ingests its share of the
 * partitions and aggregates only while it holds the checkpoint directory.
 * Returns -1 to go on (conf adjusted), else an exit code. */
static int prepare_scale_out(sl_conf *conf) {
    bool on = false;
    char errstr[256];
    if (sl_conf_get_bool(conf, "scale_out.enabled", &on, errstr, sizeof(errstr)) != SL_OK) {
        fprintf(stderr, "sluice run: %s\n", errstr);
        return SL_EXIT_USAGE;
    }
    if (!on) return -1;
    const char *brokers = sl_conf_get(conf, "kafka.bootstrap.servers"), *dir = sl_conf_get(conf, "checkpoint.dir");
    const char *why = NULL;
    if (strcmp(sl_conf_get(conf, "source.type"), "kafka")) why = "the job must read Kafka (source.type=kafka)";
    else if (!brokers || !*brokers) why = "give the cluster with --brokers (the embedded cluster lives in one process)";
    else if (!dir || !*dir)
        why = "give --checkpoint-dir on storage that every process of the job reaches: the aggregation moves "
              "between processes with its checkpoints";
    if (why) {
        fprintf(stderr, "sluice run: --scale-out: %s\n", why);
        return SL_EXIT_USAGE;
    }
    sl_conf_set(conf, "source.type", "exchange", NULL, 0);
    sl_conf_set(conf, "checkpoint.lock_wait_ms", "-1", NULL, 0);
    return -1;
}

/* Stops the job when the ingest fails, so the process exits instead of
 * aggregating a stream that no longer grows. */
typedef struct ingest_watch {
    sl_kafka_ingest *ingest;
    sl_job *job;
    atomic_int done;
} ingest_watch;

static void *watch_ingest(void *arg) {
    ingest_watch *w = arg;
    char errstr[600];
    while (!atomic_load(&w->done)) {
        if (sl_kafka_ingest_failed(w->ingest, errstr, sizeof(errstr))) {
            sl_log_error("ingest", "%s; stopping this process", errstr);
            sl_job_request_stop(w->job);
            break;
        }
        usleep(200 * 1000);
    }
    return NULL;
}

/* Run the job, with the scale-out ingest alongside when `ingest` is set. */
static sl_err run_job(sl_job *job, sl_kafka_ingest *ingest, char *errstr, size_t errstr_size) {
    if (!ingest) return sl_job_run(job, errstr, errstr_size);
    ingest_watch w = {ingest, job, 0};
    pthread_t watcher;
    bool watching = pthread_create(&watcher, NULL, watch_ingest, &w) == 0;
    sl_err err = sl_job_run(job, errstr, errstr_size);
    atomic_store(&w.done, 1);
    if (watching) pthread_join(watcher, NULL);
    char ingest_err[600];
    if (sl_kafka_ingest_stop(ingest, ingest_err, sizeof(ingest_err)) != SL_OK && !err)
        err = sl_errf(SL_ERR_KAFKA, errstr, errstr_size, "%s", ingest_err);
    return err;
}

/* Start the endpoint and the job API; NULL (logged) when it cannot serve. */
/* metrics.final_path: the metrics as they stand when the job ends (a bounded
 * job's totals, e.g. sluice_dead_letters_total, without racing a scrape). */
static void write_final_metrics(const sl_conf *conf, sl_metrics *metrics) {
    const char *path = sl_conf_get(conf, "metrics.final_path");
    if (!path || !*path) return;
    FILE *f = fopen(path, "w");
    bool ok = f && sl_metrics_render(metrics, f) == 0;
    if (f && fclose(f) != 0) ok = false;
    if (!ok)
        sl_log_warn("job", "metrics.final_path: cannot write %s: %s", path, strerror(errno));
}

static sl_http_server *start_http(const sl_conf *conf, sl_job *job, sl_metrics *metrics, sl_job_api **api,
                                  char *errstr, size_t errstr_size) {
    const char *value = sl_conf_get(conf, "http.port");
    int64_t port = 0;
    if (value && !strcmp(value, "any")) port = 0;
    else if (sl_conf_get_int(conf, "http.port", &port, errstr, errstr_size) || port <= 0) return NULL;
    sl_http_server *http = sl_http_start(sl_conf_get(conf, "http.bind"), (int)port, metrics, errstr, errstr_size);
    if (!http) {
        sl_log_warn("http", "metrics endpoint not started: %s (the job runs without it)", errstr);
        return NULL;
    }
    *api = sl_job_api_register(http, job, conf, errstr, errstr_size);
    return http;
}

int sl_cmd_run(int argc, char **argv) {
    sl_conf *conf = sl_conf_new();
    const char *jobfile = NULL;
    bool detach = false;
    int notify_fd = -1;
    int rc = parse(argc, argv, conf, &jobfile, &detach);
    if (rc < 0 && detach && sl_detach_start(conf, jobfile, &notify_fd)) rc = SL_EXIT_USAGE;
    if (rc >= 0) {
        sl_conf_destroy(conf);
        return rc;
    }
    if (sl_log_configure(sl_conf_get(conf, "log.format"), sl_conf_get(conf, "log.level"),
                         sl_conf_get(conf, "job.name"))) {
        fprintf(stderr, "sluice run: log.format must be text or json and log.level debug|info|warn|error\n");
        sl_detach_serving(notify_fd, conf, jobfile, -1, "bad log.format or log.level");
        sl_conf_destroy(conf);
        return SL_EXIT_USAGE;
    }

    const char *input = sl_conf_get(conf, "source.path");
    if (!strcmp(sl_conf_get(conf, "source.type"), "file") && (!input || access(input, R_OK) != 0)) {
        fprintf(stderr, "sluice run: cannot read input file '%s': %s. Check the path given to --input "
                        "(or source.path).\n", input ? input : "(none)", input ? strerror(errno) : "no path");
        sl_conf_destroy(conf);
        return SL_EXIT_USAGE;
    }

    if ((rc = prepare_scale_out(conf)) >= 0) {
        sl_conf_destroy(conf);
        return rc;
    }
    char errstr[1024];
    sl_kafka_embedded *embedded = NULL;
    if (sl_kafka_embedded_wanted(conf) && !(embedded = sl_kafka_embedded_start(conf, errstr, sizeof(errstr)))) {
        fprintf(stderr, "sluice run: the embedded Kafka cluster: %s\n", errstr);
        sl_detach_serving(notify_fd, conf, jobfile, -1, errstr);
        sl_conf_destroy(conf);
        return SL_EXIT_FAILURE;
    }
    sl_job *job = sl_clickstream_job_build(conf, errstr, sizeof(errstr));
    if (!job) {
        fprintf(stderr, "sluice run: %s: %s\n", jobfile, errstr);
        sl_kafka_embedded_stop(embedded);
        sl_detach_serving(notify_fd, conf, jobfile, -1, errstr);
        sl_conf_destroy(conf);
        return SL_EXIT_USAGE;
    }

    sl_metrics *metrics = sl_metrics_new();
    sl_job_set_metrics(job, metrics);
    sl_job_api *api = NULL;
    sl_http_server *http = start_http(conf, job, metrics, &api, errstr, sizeof(errstr));
    sl_detach_serving(notify_fd, conf, jobfile, http ? sl_http_port(http) : -1, errstr);
    if (notify_fd >= 0 && !http) {
        sl_job_destroy(job);
        sl_kafka_embedded_stop(embedded);
        sl_metrics_destroy(metrics);
        sl_conf_destroy(conf);
        return SL_EXIT_FAILURE;
    }

    g_running_job = job;
    struct sigaction sa = {0};
    sa.sa_handler = on_stop_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = on_checkpoint_signal;
    sigaction(SIGUSR1, &sa, NULL);

    sl_kafka_ingest *ingest = NULL;
    sl_err err = SL_OK;
    if (!strcmp(sl_conf_get(conf, "source.type"), "exchange") &&
        !(ingest = sl_kafka_ingest_start(conf, metrics, errstr, sizeof(errstr))))
        err = SL_ERR_KAFKA;
    if (!err) err = run_job(job, ingest, errstr, sizeof(errstr));
    sl_kafka_ingest_free(ingest);
    g_running_job = NULL;
    write_final_metrics(conf, metrics);
    /* The error itself was logged once, at error level, where it happened;
     * this is the exit summary, a log line too (all JSON with --log-format json). */
    if (err) sl_log_info("run", "job '%s' failed: %s; exit status 1", sl_conf_get(conf, "job.name"), errstr);
    const char *final_state = sl_job_status_name(sl_job_get_status(job));
    int api_port = http ? sl_http_port(http) : -1;

    if (http) sl_http_stop(http);
    sl_job_api_free(api);
    sl_job_destroy(job);   /* removes the checkpoint work directory */
    sl_kafka_embedded_stop(embedded);
    /* Only now is the job done with its files: `sluice stop|cancel` return
     * on this record, and a caller may then remove the job's directories. */
    if (notify_fd >= 0) sl_detach_ended(conf, jobfile, api_port, final_state);
    sl_metrics_destroy(metrics);
    sl_conf_destroy(conf);
    return err ? SL_EXIT_FAILURE : SL_EXIT_OK;
}
