/* runtime_internal.h -- the structures shared by runtime.c (workers) and
 * coordinator.c (setup, checkpoints, teardown). Not a public header. */
#ifndef SL_RUNTIME_INTERNAL_H
#define SL_RUNTIME_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "engine/channel.h"
#include "engine/checkpoint.h"
#include "engine/clock.h"
#include "engine/doorbell.h"
#include "engine/input_watermarks.h"
#include "engine/job.h"
#include "engine/metrics.h"
#include "engine/operator.h"
#include "engine/result_latency.h"

#define SL_MAX_STAGES 8

typedef struct sl_task sl_task;
typedef struct sl_worker sl_worker;
typedef struct sl_latest_results sl_latest_results;

/* Readiness of one source or sink (sl_operator_set_ready): NULL while ready,
 * else a static string saying what it waits for. */
struct sl_readiness {
    _Atomic(const char *) waiting_for;
};

/* What an operator's busy time was spent on (sluice_operator_busy_seconds_total). */
typedef enum sl_op_work { SL_OP_RECORDS, SL_OP_TIMERS, SL_OP_WORK_COUNT } sl_op_work;

/* Metric series of one chained operator, created at init (job_metrics.c). */
typedef struct sl_op_metrics {
    sl_metric_handle *in, *out, *late;
    sl_metric_handle *busy[SL_OP_WORK_COUNT];   /* its own time, without the operators chained after it */
} sl_op_metrics;

struct sl_emitter {
    sl_task *task;
    int index;                               /* chain position whose output this is */
    sl_batch *open[SL_BATCH_KIND_COUNT];     /* records being collected, per kind */
    uint64_t records_out;
};

typedef struct sl_op_slot {
    const sl_operator_plugin *plugin;
    void *self;
    sl_operator_ctx ctx;
    char name[96];
    sl_emitter emitter;
    sl_batch *current_in;                    /* the batch cb_process is looking at */
    bool forwarded;                          /* … and it passed it on */
    uint64_t records_in;
    sl_op_metrics metrics;
    sl_readiness readiness;
} sl_op_slot;

typedef struct sl_stage {
    char name[64];
    uint32_t parallelism;
    sl_key_fn key;                           /* exchange into this stage; NULL for the source stage */
    const sl_source_plugin *source;
    const sl_operator_plugin *ops[SL_CKPT_MAX_CHAIN];
    uint32_t n_ops;
    sl_gate **gates;                         /* one per subtask (not for the source stage) */
    sl_task *tasks;
} sl_stage;

struct sl_task {
    sl_job *job;
    uint32_t stage_index, subtask;
    char name[96];
    sl_worker *worker;                       /* the thread that runs it (others may steal steps) */
    atomic_bool claimed;                     /* a step of it is running */
    atomic_bool done;                        /* finished: never stepped again */
    int64_t resume_at_us;                    /* a source that is idle or throttled polls again then */
    sl_stage *next;                          /* downstream stage, NULL for the last */
    sl_batch **exchange_out;                 /* per downstream subtask */
    sl_batch_pool *pool;

    const sl_source_plugin *source;
    void *source_self;
    sl_operator_ctx source_ctx;
    double max_rate;
    int64_t idle_timeout_ms;
    int64_t max_drift_ms;                    /* watermark alignment; 0: off */
    int64_t started_us;
    uint64_t records_out;
    sl_metric_handle *m_out, *m_records, *m_watermark;   /* source tasks */
    sl_readiness source_readiness;
    _Atomic int64_t published_wm;            /* the task's watermark, for other threads */
    int64_t last_barrier;                    /* source tasks: newest checkpoint injected */
    int64_t checkpointed_id;                 /* newest checkpoint this task took its snapshot for */
    int64_t source_wm;
    uint64_t produced;
    bool source_finished;                    /* no more polls; waits for the final checkpoint */
    atomic_bool idle_sent;                   /* read by the other sources (alignment) */
    int64_t idle_since_us;

    sl_op_slot ops[SL_CKPT_MAX_CHAIN];
    uint32_t n_ops;
    /* The operator call being timed (an operator's output runs the ones
     * chained after it inside its call: each is charged its own time). */
    sl_op_slot *timed_op;
    sl_op_work timed_work;
    int64_t timed_since_ns;
    sl_state_backend *state;

    sl_gate *input;
    uint32_t n_inputs;                       /* data channels; channel n_inputs is the coordinator's */
    sl_input_watermarks inputs;
    int64_t watermark;
    int64_t aligning_id;
    uint32_t barriers_seen;
    uint32_t inputs_ended;

    char errstr[512];
};

/* A worker thread runs one subtask of every stage (worker.c): at
 * parallelism 1 the whole job is one thread, at parallelism N each of N
 * threads runs its share of every stage, and only the keyed exchanges cross
 * between threads. With more workers than that (the `workers` setting), the
 * tasks are dealt over them and the stages run side by side. */
struct sl_worker {
    sl_job *job;
    uint32_t index;
    pthread_t thread;
    bool started;
    sl_doorbell bell;
    sl_task **tasks;                         /* downstream stages first */
    uint32_t n_tasks;
    /* Where its time went (logged when the job ends): on the CPU, asleep
     * for lack of work, and the rest: in a blocking call, or runnable
     * without a CPU (other threads, or a host that lends the core elsewhere). */
    int64_t started_ns, ended_ns, cpu_ns, waited_ns;
    /* the busy and waiting shares of each second, for /metrics */
    sl_metric_handle *m_busy, *m_waiting;
    int64_t shares_from_ns, shares_cpu_ns, shares_waited_ns;
};

struct sl_job {
    sl_conf *conf;
    sl_metrics *metrics;
    sl_stage stages[SL_MAX_STAGES];
    uint32_t n_stages;
    uint32_t n_tasks;
    sl_worker *workers;
    uint32_t n_workers;
    uint32_t workers_wanted;                 /* the `workers` setting (0: the parallelism) */

    pthread_mutex_t lock;
    pthread_cond_t cond;
    atomic_int failed;
    atomic_int stop_requested;
    atomic_int checkpoint_requested;
    char error[1024];

    /* checkpointing */
    char ckpt_root[1024];
    bool ckpt_root_is_temp;
    int lock_fd;                             /* flock on <checkpoint.dir>/LOCK */
    char state_root[1100];
    int64_t interval_ms;
    int retain;
    int64_t restored_id;                     /* checkpoint restored at start, or 0 */
    atomic_llong trigger_id;                 /* sources inject a barrier when this grows */
    atomic_llong final_id;                   /* the last checkpoint: sources end after it */
    int64_t pending_id;                      /* checkpoint being collected (-1: none) */
    int64_t pending_started_ms;
    sl_ckpt_meta pending;                    /* acks collected so far */
    uint32_t acks;
    bool ack_failed;
    uint32_t sources_finished;
    bool sources_reached_end;
    uint32_t commits_outstanding;
    bool commit_failed;
    uint64_t checkpoints_completed;

    /* operations (job_metrics.c, job_control.c) */
    struct sl_job_metrics *jm;               /* job-level series; NULL without a registry */
    atomic_int status;                       /* sl_job_status */
    atomic_int cancel_requested;
    int64_t last_completed_id;               /* under lock */
    int64_t last_completed_ms;
    struct sl_savepoint_request *savepoint;  /* under lock; NULL when none waits */
    sl_latest_results *latest;               /* the newest fired window's results, or NULL */

    sl_result_latency *latency;              /* watermark-to-result latency (single-source jobs) */
};

int64_t sl_now_ms(void);
void sl_job_fail(sl_job *job, const char *who, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Stop the workers as sl_job_fail does, for a cancel the user asked for:
 * logged at info, because it is not an error. */
void sl_job_halt_cancelled(sl_job *job, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sl_task_deliver(sl_task *t, int from, sl_batch *b);
void sl_task_watermark(sl_task *t, int64_t wm);
void sl_task_checkpoint(sl_task *t, int64_t id);
/* Run a task for a little while without blocking; true if it did anything.
 * A task that finished sets t->done. */
bool sl_task_step(sl_task *t, int64_t now_us);

/* worker.c */
/* Spread the tasks over the worker threads and wire the gates' doorbells. */
sl_err sl_workers_build(sl_job *job, char *errstr, size_t errstr_size);
void sl_workers_start(sl_job *job);
void sl_workers_join(sl_job *job);
void sl_workers_free(sl_job *job);
/* Wake every worker (a checkpoint was triggered). */
void sl_workers_ring(sl_job *job);
/* Push msg into channel `channel` of gate g from task t; while the channel is
 * full, run t's worker's downstream tasks. False when the gate was closed. */
bool sl_task_push(sl_task *t, sl_gate *g, uint32_t channel, sl_msg msg);

/* coordinator.c */
void sl_coordinator_ack(sl_job *job, int64_t id, sl_ckpt_task *snap, const char *error);
void sl_coordinator_commit_done(sl_job *job, const char *error);
void sl_coordinator_source_finished(sl_job *job, bool reached_end);

/* job_metrics.c: series handles created once the graph is built; updates per batch. */
void sl_job_metrics_init(sl_job *job);
void sl_job_metrics_free(sl_job *job);
void sl_job_metrics_worker(sl_job *job, sl_worker *w);                /* its busy and waiting gauges */
void sl_job_metrics_batch(sl_task *t, int from, const sl_batch *b);   /* b leaves chain position from */
void sl_job_metrics_sink_input(sl_task *t, const sl_batch *b);        /* b reaches a sink */
void sl_job_metrics_source_watermark(sl_task *t, int64_t wm);
void sl_job_metrics_tick(sl_job *job);                                /* coordinator loop: delays */
void sl_job_metrics_checkpoint(sl_job *job, int64_t id, bool completed, int64_t duration_ms);
void sl_job_metrics_up(sl_job *job, bool up);

/* job_control.c: status, savepoints, readiness. */
void sl_job_set_status(sl_job *job, sl_job_status status);
/* Checkpoint id completed and is still on disk: serve a waiting savepoint
 * request (copy it), before retention may delete it. Called without job->lock. */
void sl_job_control_checkpoint_completed(sl_job *job, int64_t id);
/* A checkpoint failed: a savepoint request waiting for it fails too. Called with job->lock held. */
void sl_job_control_checkpoint_failed(sl_job *job, int64_t id);

#endif
