/* job_metrics.c -- what a running job reports to the metrics registry.
 *
 * Every series handle is created once, when the graph is built; the workers
 * then add per batch (never per record) and the coordinator sets the
 * checkpoint gauges.
 * Without a registry every handle is NULL and every update a no-op. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/keygroup.h"
#include "engine/record.h"
#include "engine/runtime_internal.h"

typedef struct sl_job_metrics {
    sl_metric_handle *results_page, *results_top;
    sl_metric_handle *ckpt_completed, *ckpt_failed, *ckpt_duration, *ckpt_size, *ckpt_last;
    sl_metric_handle *wm_delay[SL_MAX_KEY_GROUPS];   /* per source subtask */
    sl_metric_handle *state_size[SL_MAX_STAGES];
    sl_metric_handle *up;
} sl_job_metrics;

static sl_metric_handle *get1(sl_metrics *m, const char *name, const char *label) {
    return sl_metrics_get(m, name, (const char *const[]){label, NULL});
}

static sl_metric_handle *get_subtask(sl_metrics *m, const char *name, const char *op, uint32_t subtask) {
    char sub[16];
    snprintf(sub, sizeof(sub), "%u", subtask);
    return sl_metrics_get(m, name, (const char *const[]){op, sub, NULL});
}

/* The operator label: sources and sinks share plugin names ("file", "kafka"),
 * so they are told apart by a suffix. */
static const char *op_label(const char *plugin, const char *suffix, char *buf, size_t size) {
    snprintf(buf, size, "%s%s", plugin, suffix);
    return buf;
}

static void init_task(sl_job *job, sl_task *t) {
    sl_metrics *m = job->metrics;
    char label[96];
    if (t->source) {
        op_label(t->source->name, "_source", label, sizeof(label));
        t->m_out = get_subtask(m, "sluice_events_out_total", label, t->subtask);
        t->m_records = get1(m, "sluice_source_records_total", label);
        t->m_watermark = get1(m, "sluice_watermark_seconds", t->name);
        if (t->subtask < SL_MAX_KEY_GROUPS)
            job->jm->wm_delay[t->subtask] = get1(m, "sluice_watermark_delay_seconds", t->name);
    }
    for (uint32_t i = 0; i < t->n_ops; i++) {
        sl_op_slot *op = &t->ops[i];
        op_label(op->plugin->name, op->plugin->is_sink ? "_sink" : "", label, sizeof(label));
        op->metrics.in = get_subtask(m, "sluice_events_in_total", label, t->subtask);
        op->metrics.out = get_subtask(m, "sluice_events_out_total", label, t->subtask);
        op->metrics.late = get1(m, "sluice_late_events_total", label);
        static const char *const work[SL_OP_WORK_COUNT] = {"records", "timers"};
        char sub[16];
        snprintf(sub, sizeof(sub), "%u", t->subtask);
        for (int k = 0; k < SL_OP_WORK_COUNT; k++)
            op->metrics.busy[k] =
                sl_metrics_get(m, "sluice_operator_busy_seconds_total", (const char *const[]){label, sub, work[k], NULL});
    }
}

void sl_job_metrics_init(sl_job *job) {
    sl_metrics *m = job->metrics;
    if (!m || job->jm) return;
    sl_job_metrics *jm = calloc(1, sizeof(*jm));
    if (!jm) return;   /* a job without its metrics still runs */
    job->jm = jm;
    jm->results_page = get1(m, "sluice_results_total", "page_analytics");
    jm->results_top = get1(m, "sluice_results_total", "top_pages");
    jm->ckpt_completed = get1(m, "sluice_checkpoints_total", "completed");
    jm->ckpt_failed = get1(m, "sluice_checkpoints_total", "failed");
    jm->ckpt_duration = sl_metrics_get(m, "sluice_checkpoint_duration_seconds", NULL);
    jm->ckpt_size = sl_metrics_get(m, "sluice_checkpoint_size_bytes", NULL);
    jm->ckpt_last = sl_metrics_get(m, "sluice_checkpoint_last_completed_timestamp_seconds", NULL);
    jm->up = get1(m, "sluice_job_up", sl_conf_get(job->conf, "job.name"));
    for (uint32_t s = 0; s < job->n_stages; s++) {
        sl_stage *st = &job->stages[s];
        if (s > 0 && st->n_ops) jm->state_size[s] = get1(m, "sluice_state_size_bytes", st->ops[0]->name);
        for (uint32_t i = 0; st->tasks && i < st->parallelism; i++) init_task(job, &st->tasks[i]);
    }
}

void sl_job_metrics_worker(sl_job *job, sl_worker *w) {
    char worker[16];
    snprintf(worker, sizeof(worker), "%u", w->index);
    w->m_busy = get1(job->metrics, "sluice_worker_busy_ratio", worker);
    w->m_waiting = get1(job->metrics, "sluice_worker_waiting_ratio", worker);
}

void sl_job_metrics_free(sl_job *job) {
    free(job->jm);
    job->jm = NULL;
}

/* ---- worker updates ---- */

void sl_job_metrics_batch(sl_task *t, int from, const sl_batch *b) {
    if (from >= 0) {
        sl_op_slot *op = &t->ops[from];
        sl_metric_add(op->metrics.out, b->count);
        if (b->kind == SL_BATCH_LATE_EVENTS) sl_metric_add(op->metrics.late, b->count);
        return;
    }
    if (!t->source) return;   /* from the task's input: counted as the next operator's input */
    /* Dead letters are counted by kind where they are decoded (operators/event_decoder.c). */
    sl_metric_add(t->m_records, b->count);
    if (b->kind == SL_BATCH_EVENTS) sl_metric_add(t->m_out, b->count);
}

void sl_job_metrics_sink_input(sl_task *t, const sl_batch *b) {
    const sl_job_metrics *jm = t->job->jm;
    if (!jm) return;
    if (b->kind == SL_BATCH_PAGE_STATS) sl_metric_add(jm->results_page, b->count);
    else if (b->kind == SL_BATCH_TOP_PAGES) sl_metric_add(jm->results_top, b->count);
}

void sl_job_metrics_source_watermark(sl_task *t, int64_t wm) {
    if (wm != SL_WATERMARK_MAX) sl_metric_set(t->m_watermark, (double)wm / 1000.0);
}

/* ---- coordinator updates ---- */

/* Wall clock minus watermark, refreshed by the coordinator so that a stalled
 * watermark shows a growing delay even when no record moves it. */
void sl_job_metrics_tick(sl_job *job) {
    if (!job->jm || !job->stages[0].tasks) return;
    double now = (double)sl_now_ms() / 1000.0;
    for (uint32_t i = 0; i < job->stages[0].parallelism && i < SL_MAX_KEY_GROUPS; i++) {
        int64_t wm = atomic_load_explicit(&job->stages[0].tasks[i].published_wm, memory_order_relaxed);
        if (wm != SL_WATERMARK_MIN && wm != SL_WATERMARK_MAX) sl_metric_set(job->jm->wm_delay[i], now - (double)wm / 1000.0);
    }
}

/* Bytes in the files under path (a checkpoint shares SST files with older
 * ones through hard links: this is its own full size, not the disk growth). */
static uint64_t tree_bytes(const char *path, const char *prefix) {
    DIR *d = opendir(path);
    if (!d) return 0;
    uint64_t total = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (prefix && strncmp(e->d_name, prefix, strlen(prefix))) continue;
        char child[2048];
        snprintf(child, sizeof(child), "%s/%s", path, e->d_name);
        struct stat st;
        if (lstat(child, &st)) continue;
        if (S_ISDIR(st.st_mode)) total += tree_bytes(child, NULL);
        else if (S_ISREG(st.st_mode)) total += (uint64_t)st.st_size;
    }
    closedir(d);
    return total;
}

void sl_job_metrics_checkpoint(sl_job *job, int64_t id, bool completed, int64_t duration_ms) {
    sl_job_metrics *jm = job->jm;
    if (!jm) return;
    if (!completed) {
        sl_metric_add(jm->ckpt_failed, 1);
        return;
    }
    char dir[1200];
    sl_ckpt_path(job->ckpt_root, id, dir, sizeof(dir));
    sl_metric_add(jm->ckpt_completed, 1);
    sl_metric_set(jm->ckpt_duration, (double)duration_ms / 1000.0);
    sl_metric_set(jm->ckpt_size, (double)tree_bytes(dir, NULL));
    sl_metric_set(jm->ckpt_last, (double)sl_now_ms() / 1000.0);
    for (uint32_t s = 1; s < job->n_stages; s++) {
        if (!jm->state_size[s]) continue;
        char prefix[32];
        snprintf(prefix, sizeof(prefix), "state-%u-", s);
        sl_metric_set(jm->state_size[s], (double)tree_bytes(dir, prefix));
    }
}

void sl_job_metrics_up(sl_job *job, bool up) {
    if (job->jm) sl_metric_set(job->jm->up, up ? 1 : 0);
}
