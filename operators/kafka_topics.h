/* kafka_topics.h -- create and check sluice's Kafka topics with the Admin API.
 *
 * Idempotent: a topic that already exists is not an error, but every way it
 * differs from what sluice expects (partition count, a topic config) is
 * reported as a warning line naming topic, setting, expected and actual. */
#ifndef SL_KAFKA_TOPICS_H
#define SL_KAFKA_TOPICS_H

#include <stdio.h>

#include "engine/conf.h"
#include "engine/error.h"

typedef struct sl_topics_opts {
    int replication_factor;    /* -1 = the broker's default */
    int partitions_events;     /* clickstream-events (default 6) */
    int partitions_results;    /* analytics-results (default 3) */
    int timeout_ms;            /* per admin request (default 10000) */
    const char *exchange_topic;   /* scale-out: <job.id>-exchange, or NULL for none */
} sl_topics_opts;

void sl_topics_opts_default(sl_topics_opts *o);

/* What happened, for the caller's summary and exit code. */
typedef struct sl_topics_report {
    int created;               /* topics this call created */
    int existed;               /* topics that were already there */
    int mismatches;            /* warning lines written to `out` */
    int unverified;            /* configs that could not be read back */
} sl_topics_report;

/* Create clickstream-events, analytics-results and their side topics
 * (clickstream-events.dlq, analytics-results.late) on `brokers`, passing
 * conf's kafka.* keys (conf may be NULL) to the admin client. Progress and
 * warnings go to `out`, one line each. Fails only when a topic can be
 * neither created nor found. */
sl_err sl_kafka_topics_create(const char *brokers, const sl_conf *conf, const sl_topics_opts *opts,
                              FILE *out, sl_topics_report *report, char *errstr, size_t errstr_size);

#endif
