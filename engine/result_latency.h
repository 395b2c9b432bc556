/* result_latency.h -- how long after the watermark passes a window's end its results reach a sink.
 *
 * The source task records when its watermark advanced (wall clock, in a ring
 * of the most recent advances); when a window's Top-N record -- the last
 * result of a window -- reaches a sink, the latency is the time since the
 * watermark first reached that window's end. When the sink commits with
 * checkpoints (exactly-once: the committed file sink, the transactional Kafka
 * sink), the same window is measured again when the checkpoint that commits
 * it completes: the latency a read_committed reader sees. At the end of a run
 * the job logs p50 and p99 of both (bench/run.sh reads those lines). Only
 * jobs whose source runs as one subtask are measured (with several, the
 * combined watermark is their minimum, which no single source task sees).
 * Thread-safe: the source, the sinks and the commits may call it at once. */
#ifndef SL_RESULT_LATENCY_H
#define SL_RESULT_LATENCY_H

#include <stdint.h>

typedef struct sl_result_latency sl_result_latency;

sl_result_latency *sl_result_latency_new(void);
void sl_result_latency_free(sl_result_latency *l);
/* The (single) source's watermark advanced to wm now. */
void sl_result_latency_watermark(sl_result_latency *l, int64_t wm);
/* The results of the window ending at window_end reached a sink now. Samples
 * whose watermark advance has left the ring are dropped. commit_id: the
 * checkpoint whose completion commits them, or -1 for a sink that does not
 * commit. */
void sl_result_latency_result(sl_result_latency *l, int64_t window_end, int64_t commit_id);
/* Checkpoint checkpoint_id committed now: so did every result waiting for it or an older one. */
void sl_result_latency_committed(sl_result_latency *l, int64_t checkpoint_id);
/* Windows measured so far and their latency percentiles in ms (0 without
 * samples): to the sink, and to the commit. */
uint64_t sl_result_latency_summary(sl_result_latency *l, double *p50_ms, double *p99_ms, double *max_ms);
uint64_t sl_result_latency_committed_summary(sl_result_latency *l, double *p50_ms, double *p99_ms, double *max_ms);

#endif
