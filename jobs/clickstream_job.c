/* clickstream_job.c -- builds the clickstream analytics job from its configuration. */
#include "jobs/clickstream_job.h"

#include "engine/window.h"

#include <stdio.h>
#include <string.h>

static uint64_t key_session(sl_batch_kind kind, const void *record) {
    return kind == SL_BATCH_EVENTS ? ((const sl_event *)record)->session_hash : 0;
}

static uint64_t key_page(sl_batch_kind kind, const void *record) {
    switch (kind) {
    case SL_BATCH_PAGE_EVENTS: return ((const sl_page_event *)record)->page_hash;
    case SL_BATCH_SESSION_PARTIALS: return ((const sl_session_partial *)record)->page_hash;
    default: return 0;
    }
}

static uint64_t key_all(sl_batch_kind kind, const void *record) { return 0; }

sl_job *sl_clickstream_job_build(const sl_conf *conf, char *errstr, size_t errstr_size) {
    int64_t parallelism;
    if (sl_conf_get_int(conf, "parallelism", &parallelism, errstr, errstr_size)) return NULL;
    if (parallelism < 0 || parallelism > 128) {
        sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size, "parallelism: %lld is outside 0..128", (long long)parallelism);
        return NULL;
    }
    sl_window_spec windows;   /* checked here so a bad job file is a usage error, not a failed run */
    if (sl_window_spec_load(&windows, conf, errstr, errstr_size)) return NULL;
    if (windows.type == SL_WINDOW_SESSION) {
        sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                "window.type: the clickstream analytics are defined over sliding or tumbling windows "
                "(docs/metrics.md); use window.type sliding or tumbling");
        return NULL;
    }
    uint32_t p = parallelism ? (uint32_t)parallelism : sl_default_parallelism();
    sl_job *job = sl_job_new(conf, errstr, errstr_size);
    if (!job) return NULL;
    const char *source = sl_conf_get(conf, "source.type");
    /* A Kafka source spreads partitions over readers (kafka_source.parallelism
     * consumers in this process, 0 = parallelism); the others are one sequence. */
    uint32_t source_parallelism = 1;   /* "exchange" (scale-out aggregation) reads one partition */
    if (!strcmp(source, "memory")) source_parallelism = p;   /* each subtask replays its share */
    if (!strcmp(source, "kafka")) {
        int64_t readers;
        if (sl_conf_get_int(conf, "kafka_source.parallelism", &readers, errstr, errstr_size)) {
            sl_job_destroy(job);
            return NULL;
        }
        source_parallelism = readers > 0 && readers <= 128 ? (uint32_t)readers : p;
    }
    if (!sl_job_add_source(job, source, source_parallelism, errstr, errstr_size) &&
        !sl_job_key_by(job, "by_session", key_session, p, errstr, errstr_size) &&
        !sl_job_add_operator(job, "session_metrics", errstr, errstr_size) &&
        !sl_job_key_by(job, "by_page", key_page, p, errstr, errstr_size) &&
        !sl_job_add_operator(job, "page_metrics", errstr, errstr_size) &&
        !sl_job_key_by(job, "results", key_all, 1, errstr, errstr_size) &&
        !sl_job_add_operator(job, "top_n", errstr, errstr_size) &&
        !sl_job_add_operator(job, sl_conf_get(conf, "sink.type"), errstr, errstr_size))
        return job;
    sl_job_destroy(job);
    return NULL;
}
