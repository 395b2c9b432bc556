/* input_watermarks.h -- a worker's watermark from the watermarks of its inputs.
 *
 * Each input channel reports its own watermark; the worker's watermark is
 * the minimum over inputs that are neither idle nor finished, and it never
 * goes back. An idle input (its producer had no data for the idle timeout)
 * stops holding the watermark back until it reports a watermark again. When
 * every input is idle or finished the watermark holds: finishing is not the
 * end of time (a stopped job resumes its windows later); a bounded source
 * says so by sending SL_WATERMARK_MAX before it ends. */
#ifndef SL_INPUT_WATERMARKS_H
#define SL_INPUT_WATERMARKS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct sl_input_watermarks {
    uint32_t n;
    int64_t *wm;
    bool *idle, *ended;
    int64_t current;
} sl_input_watermarks;

void sl_input_wm_init(sl_input_watermarks *w, uint32_t n_inputs);
void sl_input_wm_free(sl_input_watermarks *w);

/* Each returns true when the combined watermark advanced (see w->current). */
bool sl_input_wm_advance(sl_input_watermarks *w, uint32_t input, int64_t watermark);
bool sl_input_wm_idle(sl_input_watermarks *w, uint32_t input);
bool sl_input_wm_end(sl_input_watermarks *w, uint32_t input);
bool sl_input_wm_all_ended(const sl_input_watermarks *w);

#endif
