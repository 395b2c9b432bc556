/* window.h -- event-time window assigners and the pane (slice) arithmetic.
 *
 * Windows are half-open [start, end) and aligned to the epoch: a sliding
 * window starts at every multiple of `slide` and lasts `size`; tumbling is
 * slide == size. Window state is kept per pane -- the gcd(size, slide) slices
 * that windows are made of -- so an event updates exactly one pane however
 * many windows it belongs to, and a window is the merge of its panes when it
 * fires. Session windows (gap-based) merge per key instead; see
 * sl_session_windows_add. */
#ifndef SL_WINDOW_H
#define SL_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/conf.h"
#include "engine/error.h"
#include "engine/operator.h"

typedef enum sl_window_type { SL_WINDOW_SLIDING, SL_WINDOW_TUMBLING, SL_WINDOW_SESSION } sl_window_type;

typedef struct sl_window_spec {
    sl_window_type type;
    int64_t size, slide, pane;     /* pane = gcd(size, slide) */
    int64_t gap;                   /* session windows */
    int64_t allowed_lateness;
} sl_window_spec;

/* The most windows one event may belong to (window.size_ms / slide_ms): a
 * day sliding by the second is 86,400. */
#define SL_WINDOW_MAX_OVERLAP 100000

/* Read window.* keys (conf.c holds each to its range); rejects slide > size
 * and more than SL_WINDOW_MAX_OVERLAP windows per event. */
sl_err sl_window_spec_load(sl_window_spec *w, const sl_conf *conf, char *errstr, size_t errstr_size);

/* floor(a / b) for b > 0, also for negative a. */
static inline int64_t sl_floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
static inline int64_t sl_align_down(int64_t t, int64_t unit) { return sl_floor_div(t, unit) * unit; }

/* The pane holding event time t. */
static inline int64_t sl_pane_of(const sl_window_spec *w, int64_t t) { return sl_align_down(t, w->pane); }

/* The windows containing t have starts from first to last, step slide. */
static inline int64_t sl_window_last_start(const sl_window_spec *w, int64_t t) { return sl_align_down(t, w->slide); }
static inline int64_t sl_window_first_start(const sl_window_spec *w, int64_t t) {
    return sl_align_down(t - w->size, w->slide) + w->slide;
}

/* A window is closed once the watermark passed its end plus the allowed
 * lateness: its state is gone and late events for it are side-output. */
static inline bool sl_window_closed(const sl_window_spec *w, int64_t end, int64_t watermark) {
    return end + w->allowed_lateness <= watermark;
}
/* Every window ending at or before this is closed (INT64_MIN: none yet). */
static inline int64_t sl_window_closed_upto(const sl_window_spec *w, int64_t watermark) {
    return watermark > INT64_MIN + w->allowed_lateness ? watermark - w->allowed_lateness : INT64_MIN;
}

/* ---- session windows ---- */

typedef struct sl_session_window {
    int64_t start, end;            /* [first event, last event + gap) */
} sl_session_window;

/* Add an event at t to a key's sorted list of session windows (capacity
 * *cap, count *n), merging every window it touches. Returns the index of the
 * window that now holds t. The list grows with realloc when full. */
int sl_session_windows_add(sl_session_window **list, int *n, int *cap, int64_t t, int64_t gap);


/* ---- the panes an operator holds state for ---- */

/* Sorted pane starts; adding is O(1) for the usual in-order case. */
typedef struct sl_pane_set {
    int64_t *starts;
    uint32_t count, cap;
} sl_pane_set;

bool sl_pane_set_add(sl_pane_set *s, int64_t pane);     /* true when new */
void sl_pane_set_drop_first(sl_pane_set *s, uint32_t n);
void sl_pane_set_free(sl_pane_set *s);
void sl_pane_set_snapshot(const sl_pane_set *s, sl_buf *out);
bool sl_pane_set_restore(sl_pane_set *s, sl_buf_reader *in);   /* merges */

/* Register the end of every window that contains `pane` as a timer. */
struct sl_timers;
void sl_window_register_pane_timers(const sl_window_spec *w, struct sl_timers *timers, int64_t pane);

#endif
