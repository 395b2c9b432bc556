/* input_watermarks.c -- minimum over live inputs. */
#include "engine/input_watermarks.h"

#include <stdlib.h>

#include "engine/operator.h"

void sl_input_wm_init(sl_input_watermarks *w, uint32_t n_inputs) {
    w->n = n_inputs;
    w->wm = calloc(n_inputs ? n_inputs : 1, sizeof(int64_t));
    w->idle = calloc(n_inputs ? n_inputs : 1, sizeof(bool));
    w->ended = calloc(n_inputs ? n_inputs : 1, sizeof(bool));
    for (uint32_t i = 0; i < n_inputs; i++) w->wm[i] = SL_WATERMARK_MIN;
    w->current = SL_WATERMARK_MIN;
}

void sl_input_wm_free(sl_input_watermarks *w) {
    free(w->wm);
    free(w->idle);
    free(w->ended);
    w->wm = NULL;
    w->idle = w->ended = NULL;
}

bool sl_input_wm_all_ended(const sl_input_watermarks *w) {
    for (uint32_t i = 0; i < w->n; i++)
        if (!w->ended[i]) return false;
    return true;
}

static bool recompute(sl_input_watermarks *w) {
    int64_t min = SL_WATERMARK_MAX;
    bool any_live = false;
    for (uint32_t i = 0; i < w->n; i++) {
        if (w->ended[i] || w->idle[i]) continue;
        any_live = true;
        if (w->wm[i] < min) min = w->wm[i];
    }
    if (!any_live) return false;   /* all idle or finished: hold */
    if (min <= w->current) return false;
    w->current = min;
    return true;
}

bool sl_input_wm_advance(sl_input_watermarks *w, uint32_t input, int64_t watermark) {
    if (watermark > w->wm[input]) w->wm[input] = watermark;
    w->idle[input] = false;
    return recompute(w);
}

bool sl_input_wm_idle(sl_input_watermarks *w, uint32_t input) {
    w->idle[input] = true;
    return recompute(w);
}

bool sl_input_wm_end(sl_input_watermarks *w, uint32_t input) {
    w->ended[input] = true;
    return recompute(w);
}
