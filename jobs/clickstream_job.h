/* clickstream_job.h -- the clickstream analytics job graph.
 *
 *   source ─(key by session)→ session_metrics ─(key by page)→ page_metrics
 *          ─(all)→ top_n → sink
 *
 * session_metrics judges lateness and turns sessions into per-page partials;
 * page_metrics joins them with per-page counts and unique users; top_n ranks
 * each window's pages and passes every page analytics record on to the sink. */
#ifndef SL_CLICKSTREAM_JOB_H
#define SL_CLICKSTREAM_JOB_H

#include "engine/conf.h"
#include "engine/job.h"

sl_job *sl_clickstream_job_build(const sl_conf *conf, char *errstr, size_t errstr_size);

#endif
