/* worker.c -- worker threads: each runs one subtask of every stage, or,
 * with more workers than subtasks, its share of the stages (pipelined).
 *
 * Tasks never block. A worker loops over its tasks, downstream stages first
 * (draining before producing keeps the queues short), and gives each a step:
 * an operator task handles a few messages from its gate, a source task polls
 * once. When no task can do anything it sleeps on its doorbell until a gate
 * or the coordinator rings it, or until an idle source is due again.
 *
 * A source whose polls wait on the network (own_thread: Kafka) gets a
 * worker of its own per subtask instead.
 *
 * A worker whose own tasks have nothing to do runs a step of another
 * worker's operator task that is not running (work stealing): a subtask
 * whose keys are hotter than the others' does not hold the job back.
 *
 * Back-pressure without blocking: a task whose push finds a channel full
 * runs, meanwhile, the steps of tasks downstream of it (never itself or a
 * task already running). The last stage pushes nowhere, so the deepest
 * blocked push always has a consumer that some worker can run: no deadlock,
 * even when two workers fill each other's channels. */
#define _GNU_SOURCE   /* pthread_setname_np */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine/clock.h"
#include "engine/keygroup.h"
#include "engine/log.h"
#include "engine/runtime_internal.h"

#define IDLE_WAIT_US 10000   /* longest sleep: finished sources look for the final checkpoint */
#define PUSH_WAIT_US 1000    /* a blocked push re-checks its channel at least this often */

/* The worker this thread is (NULL on other threads). */
static _Thread_local sl_worker *current_worker;

/* A step of u, unless it is done or another step of it runs: on another
 * worker, or on this one's stack (a nested push must not re-enter it). The
 * claim also orders one step's memory before the next, wherever it runs. */
static bool run_step(sl_task *u, int64_t now_us) {
    if (atomic_load(&u->done) || atomic_exchange(&u->claimed, true)) return false;
    bool worked = !atomic_load(&u->done) && sl_task_step(u, now_us);
    atomic_store(&u->claimed, false);
    return worked;
}

/* One step of each of w's tasks in stages after `after` (-1: all). */
static bool run_tasks(sl_worker *w, int after, int64_t now_us) {
    bool worked = false;
    for (uint32_t i = 0; i < w->n_tasks && !atomic_load(&w->job->failed); i++)
        if ((int)w->tasks[i]->stage_index > after) worked |= run_step(w->tasks[i], now_us);
    return worked;
}

/* Steps of the operator tasks downstream of stage `after`: w's own first
 * and, if none of them had anything to do, the other workers' (work stealing
 * evens out subtasks whose keys are skewed). Stage 0, the sources, is never
 * downstream, so sources stay with their worker. */
static bool run_downstream(sl_worker *w, uint32_t after) {
    int64_t now = sl_monotonic_us();
    if (run_tasks(w, (int)after, now)) return true;
    sl_job *job = w->job;
    for (uint32_t k = 1; k < job->n_workers; k++)
        if (run_tasks(&job->workers[(w->index + k) % job->n_workers], (int)after, now)) return true;
    return false;
}

/* Sleep on w's doorbell (see sl_doorbell_wait), counting the time asleep. */
static void wait_for_work(sl_worker *w, uint64_t seen, int64_t timeout_us) {
    int64_t t0 = sl_monotonic_ns();
    sl_doorbell_wait(&w->bell, seen, timeout_us);
    w->waited_ns += sl_monotonic_ns() - t0;
}

#define SHARES_EVERY_NS 1000000000   /* the busy and waiting gauges cover a second */

/* Publish the busy and waiting shares of the time since the last report,
 * once that is a second: the thread's CPU clock is a system call. */
static void report_shares(sl_worker *w, int64_t now) {
    int64_t span = now - w->shares_from_ns;
    if (span < SHARES_EVERY_NS) return;
    int64_t cpu = sl_thread_cpu_ns();
    sl_metric_set(w->m_busy, (double)(cpu - w->shares_cpu_ns) / (double)span);
    sl_metric_set(w->m_waiting, (double)(w->waited_ns - w->shares_waited_ns) / (double)span);
    w->shares_from_ns = now;
    w->shares_cpu_ns = cpu;
    w->shares_waited_ns = w->waited_ns;
}

bool sl_task_push(sl_task *t, sl_gate *g, uint32_t channel, sl_msg msg) {
    sl_worker *w = current_worker;
    if (!w) return sl_gate_push(g, channel, msg);   /* not a worker: it may block */
    for (;;) {
        uint64_t seen = sl_doorbell_rings(&w->bell);
        sl_push_result r = sl_gate_try_push(g, channel, msg);
        if (r != SL_PUSH_FULL) return r == SL_PUSH_OK;
        if (!run_downstream(w, t->stage_index)) wait_for_work(w, seen, PUSH_WAIT_US);
    }
}

static void *worker_main(void *arg) {
    sl_worker *w = arg;
    sl_job *job = w->job;
    char name[16];   /* shown by top -H, perf and gdb */
    snprintf(name, sizeof(name), "sluice-w%u", w->index);
    pthread_setname_np(pthread_self(), name);
    current_worker = w;
    w->started_ns = w->shares_from_ns = sl_monotonic_ns();
    w->shares_cpu_ns = sl_thread_cpu_ns();
    for (;;) {
        uint64_t seen = sl_doorbell_rings(&w->bell);
        int64_t now = sl_monotonic_us(), wake = now + IDLE_WAIT_US;
        bool worked = run_tasks(w, -1, now);
        uint32_t live = 0;
        for (uint32_t i = 0; i < w->n_tasks; i++) {
            sl_task *u = w->tasks[i];
            if (atomic_load(&u->done)) continue;
            live++;
            if (u->resume_at_us > now && u->resume_at_us < wake) wake = u->resume_at_us;
        }
        if (live == 0 || atomic_load(&job->failed)) break;
        if (!worked) worked = run_downstream(w, 0);
        if (!worked) wait_for_work(w, seen, wake - now);
        report_shares(w, now * 1000);   /* the pass's start: close enough for a one-second share */
    }
    w->cpu_ns = sl_thread_cpu_ns();
    w->ended_ns = sl_monotonic_ns();
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Setup                                                               */

/* As many workers as the widest keyed stage (the job's parallelism); a
 * source stage with more readers than that shares the workers. */
static uint32_t widest_stage(const sl_job *job) {
    uint32_t n = job->n_stages == 1 ? job->stages[0].parallelism : 1;
    for (uint32_t s = 1; s < job->n_stages; s++)
        if (job->stages[s].parallelism > n) n = job->stages[s].parallelism;
    return n;
}

static void assign(sl_worker *w, sl_task *t) {
    t->worker = w;
    w->tasks[w->n_tasks++] = t;
}

/* The `workers` setting (checked by sl_job_new): 0 or up to the widest
 * stage is one worker per subtask index; more than that pipelines the
 * stages (see sl_workers_build). */
static uint32_t worker_count(const sl_job *job) {
    uint32_t widest = widest_stage(job);
    return job->workers_wanted > widest ? job->workers_wanted : widest;
}

sl_err sl_workers_build(sl_job *job, char *errstr, size_t errstr_size) {
    const sl_stage *sources = &job->stages[0];
    uint32_t shared = worker_count(job), own = sources->source->own_thread ? sources->parallelism : 0;
    job->n_workers = shared + own;
    job->workers = calloc(job->n_workers, sizeof(sl_worker));
    if (!job->workers) return sl_errf(SL_ERR_INTERNAL, errstr, errstr_size, "out of memory for the workers");
    for (uint32_t k = 0; k < job->n_workers; k++) {
        sl_worker *w = &job->workers[k];
        w->job = job;
        w->index = k;
        sl_job_metrics_worker(job, w);
        sl_doorbell_init(&w->bell);
        w->tasks = calloc(job->n_tasks, sizeof(sl_task *));
        if (!w->tasks) return sl_errf(SL_ERR_INTERNAL, errstr, errstr_size, "out of memory for the workers");
    }
    /* Which shared worker runs each task. With one worker per subtask index,
     * subtask i of every stage runs on worker i: the keyed exchanges are the
     * only traffic between threads. With more workers than subtasks
     * (pipelined), the tasks are dealt in turn, from the last stage back to
     * the sources, so that consecutive stages land on different workers and
     * run side by side; a batch then crosses threads whole, without the
     * exchanges' copies. With parallelism 1 and 2 workers: the Top-N and the
     * session stage on one, the page stage and the source on the other.
     * (The source with the session stage on one thread, or the session
     * stage alone, measured no better: bench/README.md.) */
    bool pipelined = shared > widest_stage(job);
    uint32_t dealt = 0;
    for (int s = (int)job->n_stages - 1; s >= 0; s--)
        for (uint32_t i = 0; i < job->stages[s].parallelism; i++) {
            uint32_t k = s == 0 && own ? shared + i : pipelined ? dealt++ % shared : i % shared;
            assign(&job->workers[k], &job->stages[s].tasks[i]);
        }
    sl_doorbell *producers[SL_MAX_KEY_GROUPS + 1];
    for (uint32_t s = 1; s < job->n_stages; s++) {
        sl_stage *up = &job->stages[s - 1];
        if (up->parallelism > SL_MAX_KEY_GROUPS)
            return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size, "stage %s: parallelism %u is above %d",
                           up->name, up->parallelism, SL_MAX_KEY_GROUPS);
        for (uint32_t c = 0; c < up->parallelism; c++) producers[c] = &up->tasks[c].worker->bell;
        producers[up->parallelism] = NULL;   /* the coordinator's channel */
        for (uint32_t i = 0; i < job->stages[s].parallelism; i++)
            sl_gate_set_doorbells(job->stages[s].gates[i], &job->stages[s].tasks[i].worker->bell, producers);
    }
    sl_log_debug("job", "%u tasks on %u worker thread%s (%u for sources of their own)", job->n_tasks, job->n_workers,
                 job->n_workers == 1 ? "" : "s", own);
    for (uint32_t k = 0; k < job->n_workers; k++) {
        const sl_worker *w = &job->workers[k];
        char names[512] = "";
        size_t len = 0;
        for (uint32_t j = 0; j < w->n_tasks && len < sizeof(names); j++)
            len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s", j ? ", " : "", w->tasks[j]->name);
        sl_log_debug("job", "worker %u runs %s", k, w->n_tasks ? names : "no task");
    }
    return SL_OK;
}

void sl_workers_start(sl_job *job) {
    /* Sources inject barriers for checkpoints after the one restored. */
    for (uint32_t i = 0; i < job->stages[0].parallelism; i++) job->stages[0].tasks[i].last_barrier = job->restored_id;
    for (uint32_t k = 0; k < job->n_workers; k++) {
        sl_worker *w = &job->workers[k];
        w->started = pthread_create(&w->thread, NULL, worker_main, w) == 0;
        if (!w->started) sl_job_fail(job, "job", "cannot start worker thread %u", k);
    }
}

/* Where a worker's time went. The rest of its wall time is time in a
 * blocking call (a Kafka reader's poll, a checkpoint's fsync, a
 * transaction's commit) or without a CPU: on a benchmark's memory source
 * and null sink, whose tasks never block, the time the other threads or
 * the host took from it. */
static void log_worker_time(const sl_worker *w) {
    double wall = (double)(w->ended_ns - w->started_ns) / 1e6, cpu = (double)w->cpu_ns / 1e6,
           waited = (double)w->waited_ns / 1e6, rest = wall - cpu - waited;
    sl_log_info("job", "worker %u: %.1f ms on CPU, %.1f ms waiting for work, %.1f ms blocked or not scheduled, of %.1f ms",
                w->index, cpu, waited, rest > 0 ? rest : 0, wall);
}

void sl_workers_join(sl_job *job) {
    for (uint32_t k = 0; k < job->n_workers; k++) {
        sl_worker *w = &job->workers[k];
        if (!w->started) continue;
        pthread_join(w->thread, NULL);
        w->started = false;
        log_worker_time(w);
    }
}

void sl_workers_ring(sl_job *job) {
    for (uint32_t k = 0; k < job->n_workers; k++) sl_doorbell_ring(&job->workers[k].bell);
}

void sl_workers_free(sl_job *job) {
    for (uint32_t k = 0; job->workers && k < job->n_workers; k++) {
        sl_doorbell_destroy(&job->workers[k].bell);
        free(job->workers[k].tasks);
    }
    free(job->workers);
    job->workers = NULL;
}
