/* watermark.h -- combined event-time watermark over several inputs.
 *
 * Each input (a Kafka partition, an upstream channel, …) has its own bounded
 * out-of-orderness watermark: the largest event time it has delivered minus
 * out_of_orderness_ms minus 1. The combined watermark is the minimum over the
 * inputs that are not idle. An input becomes idle after idle_timeout_ms of
 * wall-clock time without records, so a quiet partition stops holding every
 * window back (Flink's withIdleness); its next record makes it active again.
 * The combined watermark never goes backwards, even when an input rejoins
 * behind it (its records are then late, which is what lateness handling is
 * for). Inputs that have seen no record yet hold the watermark at
 * SL_WATERMARK_MIN until they deliver one or turn idle.
 *
 * Not thread-safe: one tracker belongs to one thread (a source instance or an
 * operator's input side). */
#ifndef SL_WATERMARK_H
#define SL_WATERMARK_H

#include <stdbool.h>
#include <stdint.h>

typedef struct sl_wm_tracker sl_wm_tracker;

/* idle_timeout_ms ≤ 0 disables idleness (a quiet input holds back forever). */
sl_wm_tracker *sl_wm_tracker_new(int64_t out_of_orderness_ms, int64_t idle_timeout_ms);
void sl_wm_tracker_free(sl_wm_tracker *t);

/* Start / stop tracking input `id` (e.g. a partition number). Adding an id
 * that is tracked already keeps its state; now_ms starts its idle clock. */
void sl_wm_input_add(sl_wm_tracker *t, int32_t id, int64_t now_ms);
void sl_wm_input_remove(sl_wm_tracker *t, int32_t id);

/* Input `id` delivered a record with event time event_ms at wall clock now_ms.
 * An id that is not tracked is added. */
void sl_wm_observe(sl_wm_tracker *t, int32_t id, int64_t event_ms, int64_t now_ms);

/* The combined watermark at wall clock now_ms (also turns inputs idle). */
int64_t sl_wm_current(sl_wm_tracker *t, int64_t now_ms);

/* One input's own watermark (SL_WATERMARK_MIN before its first record or
 * when not tracked) and whether it was idle at the last sl_wm_current. */
int64_t sl_wm_input_watermark(const sl_wm_tracker *t, int32_t id);
bool sl_wm_input_idle(const sl_wm_tracker *t, int32_t id);

#endif
