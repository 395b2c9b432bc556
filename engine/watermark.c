/* watermark.c -- combined event-time watermark over several inputs (see watermark.h). */
#include "engine/watermark.h"

#include <stdlib.h>
#include <string.h>

#include "engine/operator.h"

typedef struct wm_input {
    int32_t id;
    bool has_data;
    bool idle;
    int64_t max_event_ms;
    int64_t last_active_ms;       /* wall clock of the last record (or of add) */
} wm_input;

struct sl_wm_tracker {
    int64_t out_of_orderness_ms, idle_timeout_ms;
    int64_t combined;             /* last value returned: never decreases */
    wm_input *inputs;
    size_t count, cap;
};

sl_wm_tracker *sl_wm_tracker_new(int64_t out_of_orderness_ms, int64_t idle_timeout_ms) {
    sl_wm_tracker *t = calloc(1, sizeof(*t));
    if (!t) abort();
    t->out_of_orderness_ms = out_of_orderness_ms < 0 ? 0 : out_of_orderness_ms;
    t->idle_timeout_ms = idle_timeout_ms;
    t->combined = SL_WATERMARK_MIN;
    return t;
}

void sl_wm_tracker_free(sl_wm_tracker *t) {
    if (!t) return;
    free(t->inputs);
    free(t);
}

static wm_input *find_input(const sl_wm_tracker *t, int32_t id) {
    for (size_t i = 0; i < t->count; i++)
        if (t->inputs[i].id == id) return &t->inputs[i];
    return NULL;
}

void sl_wm_input_add(sl_wm_tracker *t, int32_t id, int64_t now_ms) {
    if (find_input(t, id)) return;
    if (t->count == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 8;
        t->inputs = realloc(t->inputs, t->cap * sizeof(wm_input));
        if (!t->inputs) abort();
    }
    t->inputs[t->count++] = (wm_input){.id = id, .last_active_ms = now_ms};
}

void sl_wm_input_remove(sl_wm_tracker *t, int32_t id) {
    wm_input *in = find_input(t, id);
    if (!in) return;
    *in = t->inputs[--t->count];
}

void sl_wm_observe(sl_wm_tracker *t, int32_t id, int64_t event_ms, int64_t now_ms) {
    wm_input *in = find_input(t, id);
    if (!in) {
        sl_wm_input_add(t, id, now_ms);
        in = find_input(t, id);
    }
    if (!in->has_data || event_ms > in->max_event_ms) in->max_event_ms = event_ms;
    in->has_data = true;
    in->idle = false;
    in->last_active_ms = now_ms;
}

static int64_t input_watermark(const sl_wm_tracker *t, const wm_input *in) {
    if (!in->has_data) return SL_WATERMARK_MIN;
    /* Saturate instead of overflowing for event times near INT64_MIN. */
    if (in->max_event_ms < SL_WATERMARK_MIN + t->out_of_orderness_ms + 1) return SL_WATERMARK_MIN;
    return in->max_event_ms - t->out_of_orderness_ms - 1;
}

int64_t sl_wm_current(sl_wm_tracker *t, int64_t now_ms) {
    int64_t min = SL_WATERMARK_MAX;
    size_t active = 0;
    for (size_t i = 0; i < t->count; i++) {
        wm_input *in = &t->inputs[i];
        if (t->idle_timeout_ms > 0 && now_ms - in->last_active_ms >= t->idle_timeout_ms) in->idle = true;
        if (in->idle) continue;
        active++;
        int64_t wm = input_watermark(t, in);
        if (wm < min) min = wm;
    }
    /* With every input idle there is no evidence of progress: hold. */
    if (active > 0 && min > t->combined) t->combined = min;
    return t->combined;
}

int64_t sl_wm_input_watermark(const sl_wm_tracker *t, int32_t id) {
    const wm_input *in = find_input(t, id);
    return in ? input_watermark(t, in) : SL_WATERMARK_MIN;
}

bool sl_wm_input_idle(const sl_wm_tracker *t, int32_t id) {
    const wm_input *in = find_input(t, id);
    return in && in->idle;
}
