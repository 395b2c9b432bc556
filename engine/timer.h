/* timer.h -- event-time timers: a min-heap of timestamps per operator.
 *
 * An operator registers the event times at which it must act (a window's
 * end, a cleanup time); when the watermark reaches them the operator pops
 * them in order. Registering the same time twice fires it once. */
#ifndef SL_TIMER_H
#define SL_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/operator.h"

typedef struct sl_timers {
    int64_t *heap;
    uint32_t count, cap;
} sl_timers;

void sl_timers_init(sl_timers *t);
void sl_timers_free(sl_timers *t);
void sl_timers_register(sl_timers *t, int64_t time);
/* Pop the earliest timer ≤ watermark into *time (duplicates collapse). */
bool sl_timers_pop_due(sl_timers *t, int64_t watermark, int64_t *time);
static inline uint32_t sl_timers_pending(const sl_timers *t) { return t->count; }

/* Snapshot / restore (restore merges: several old subtasks' timers). */
void sl_timers_snapshot(const sl_timers *t, sl_buf *out);
bool sl_timers_restore(sl_timers *t, sl_buf_reader *in);

#endif
