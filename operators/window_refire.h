/* window_refire.h -- windows to fire again because a late event (within the
 * allowed lateness) or a late partial changed them after they fired.
 *
 * A re-fired window emits its full, updated result under the same key
 * (window_start, page), so a reader keeps the last value per key. */
#ifndef SL_WINDOW_REFIRE_H
#define SL_WINDOW_REFIRE_H

#include <stdint.h>

#include "engine/operator.h"
#include "engine/window.h"

typedef struct sl_window_refire {
    int64_t *ends;
    uint32_t count, cap;
} sl_window_refire;

/* Remember every already-fired, still-open window that contains event time t. */
void sl_window_refire_mark(sl_window_refire *r, const sl_window_spec *w, int64_t t, int64_t watermark);
/* Remember one window by its end. */
void sl_window_refire_add(sl_window_refire *r, int64_t end);
/* Fire the remembered windows in ascending order and forget them. */
void sl_window_refire_run(sl_window_refire *r, void (*fire)(void *opaque, int64_t end, sl_emitter *out),
                          void *opaque, sl_emitter *out);
void sl_window_refire_free(sl_window_refire *r);

#endif
