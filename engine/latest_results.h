/* latest_results.h -- a copy of the newest fired window's results for the job API.
 *
 * The sink stage feeds it every page-analytics and Top-N batch it receives.
 * Page analytics are kept per window until that window's Top-N arrives (a
 * window's Top-N always follows its page analytics, because both travel the
 * same channel in watermark order); then the window is published as one JSON
 * document and older pending windows are dropped. Readers take a copy under
 * a mutex, so an HTTP request never waits for the pipeline. */
#ifndef SL_LATEST_RESULTS_H
#define SL_LATEST_RESULTS_H

#include <jansson.h>

#include "engine/batch.h"

typedef struct sl_latest_results sl_latest_results;

sl_latest_results *sl_latest_results_new(void);
void sl_latest_results_free(sl_latest_results *r);

/* Take note of a batch reaching the sink (other kinds are ignored). Called
 * from the one sink-stage thread. */
void sl_latest_results_feed(sl_latest_results *r, const sl_batch *b);

/* {"window_start","window_end","page_analytics":[...],"top_pages":{...}}
 * of the newest window whose Top-N was emitted; NULL before the first. */
json_t *sl_latest_results_get(sl_latest_results *r);

#endif
