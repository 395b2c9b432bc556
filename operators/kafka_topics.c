/* kafka_topics.c -- create and check sluice's Kafka topics with the Admin API. */
#include "operators/kafka_topics.h"

#include <librdkafka/rdkafka.h>
#include <string.h>

#include "operators/kafka_conf.h"
#include "operators/kafka_dev_cluster.h"

#define MAX_TOPIC_CONFIGS 3
#define MAX_TOPICS 5          /* the four of every job, and a scale-out exchange */

typedef struct topic_spec {
    const char *name;
    int partitions;
    sl_kafka_prop configs[MAX_TOPIC_CONFIGS + 1];
} topic_spec;

/* analytics-results is keyed by "<window_start>|<page>" (and "<window_start>"
 * for Top-N), and a re-fired window supersedes the earlier record with the
 * same key, so compaction keeps the latest answer while delete still bounds
 * the topic's age. */
static int build_specs(const sl_topics_opts *o, topic_spec *specs) {
    const topic_spec all[] = {
        {SL_TOPIC_EVENTS, o->partitions_events,
         {{"compression.type", "snappy"}, {"retention.ms", "7200000"}, {NULL, NULL}}},
        {SL_TOPIC_RESULTS, o->partitions_results,
         {{"compression.type", "lz4"}, {"retention.ms", "86400000"}, {"cleanup.policy", "compact,delete"}}},
        {SL_TOPIC_EVENTS_DLQ, 1, {{"retention.ms", "604800000"}, {NULL, NULL}}},
        {SL_TOPIC_RESULTS_LATE, 1, {{"retention.ms", "86400000"}, {NULL, NULL}}},
    };
    memcpy(specs, all, sizeof(all));
    int n = (int)(sizeof(all) / sizeof(all[0]));
    /* Scale-out: as many partitions as the events, so each source
     * partition's records keep their order in one of them; kept a day, so
     * an aggregation that is down for hours loses nothing. */
    if (o->exchange_topic)
        specs[n++] = (topic_spec){o->exchange_topic, o->partitions_events,
                                  {{"compression.type", "lz4"}, {"retention.ms", "86400000"}, {NULL, NULL}}};
    return n;
}

void sl_topics_opts_default(sl_topics_opts *o) {
    o->replication_factor = -1;
    o->partitions_events = 6;
    o->partitions_results = 3;
    o->timeout_ms = 10000;
    o->exchange_topic = NULL;
}

/* Wait for the admin result of `type` on q; NULL on timeout. */
static rd_kafka_event_t *wait_result(rd_kafka_queue_t *q, rd_kafka_event_type_t type, int timeout_ms) {
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, timeout_ms + 500);
    if (ev && rd_kafka_event_type(ev) != type) {
        rd_kafka_event_destroy(ev);
        return NULL;
    }
    return ev;
}

/* CreateTopics for the topics metadata did not show (status -1); each that
 * is created becomes 1, one that appeared meanwhile 0; why[i] says what the
 * broker answered. Skipping topics that exist keeps the command fast and
 * quiet against brokers without a controller (the librdkafka mock). */
static void create_missing(rd_kafka_t *rk, rd_kafka_queue_t *q, const topic_spec *specs, int n,
                           const sl_topics_opts *o, int *status, char why[][256]) {
    rd_kafka_NewTopic_t *nt[8];
    char reason[256];
    int missing = 0;
    for (int i = 0; i < n; i++) missing += status[i] < 0;
    if (!missing) return;
    for (int i = 0; i < n; i++) {
        nt[i] = NULL;
        if (status[i] >= 0) continue;
        nt[i] = rd_kafka_NewTopic_new(specs[i].name, specs[i].partitions, o->replication_factor,
                                      reason, sizeof(reason));
        for (const sl_kafka_prop *c = specs[i].configs; nt[i] && c->name; c++)
            rd_kafka_NewTopic_set_config(nt[i], c->name, c->value);
    }
    rd_kafka_AdminOptions_t *ao = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_operation_timeout(ao, o->timeout_ms, reason, sizeof(reason));
    rd_kafka_AdminOptions_set_request_timeout(ao, o->timeout_ms, reason, sizeof(reason));
    rd_kafka_NewTopic_t *req[8];
    int nreq = 0;
    for (int i = 0; i < n; i++)
        if (nt[i]) req[nreq++] = nt[i];
    rd_kafka_CreateTopics(rk, req, (size_t)nreq, ao, q);
    rd_kafka_event_t *ev = wait_result(q, RD_KAFKA_EVENT_CREATETOPICS_RESULT, o->timeout_ms);
    for (int i = 0; i < n; i++)
        if (status[i] < 0) snprintf(why[i], 256, "%s", ev ? rd_kafka_event_error_string(ev) : "no answer in time");
    if (ev && !rd_kafka_event_error(ev)) {
        size_t cnt;
        const rd_kafka_topic_result_t **res =
            rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &cnt);
        for (size_t r = 0; r < cnt; r++) {
            for (int i = 0; i < n; i++) {
                if (strcmp(rd_kafka_topic_result_name(res[r]), specs[i].name)) continue;
                rd_kafka_resp_err_t err = rd_kafka_topic_result_error(res[r]);
                status[i] = err == RD_KAFKA_RESP_ERR_NO_ERROR ? 1
                            : err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS ? 0 : -1;
                const char *es = rd_kafka_topic_result_error_string(res[r]);
                snprintf(why[i], 256, "%s", es ? es : rd_kafka_err2str(err));
            }
        }
    }
    if (ev) rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(ao);
    for (int i = 0; i < n; i++)
        if (nt[i]) rd_kafka_NewTopic_destroy(nt[i]);
}

/* Partition count of `topic` from cluster metadata; -1 when absent. */
static int partition_count(const struct rd_kafka_metadata *md, const char *topic) {
    for (int t = 0; md && t < md->topic_cnt; t++)
        if (!strcmp(md->topics[t].topic, topic) && !md->topics[t].err) return md->topics[t].partition_cnt;
    return -1;
}

static const char *config_value(const rd_kafka_ConfigResource_t *res, const char *name) {
    size_t cnt;
    const rd_kafka_ConfigEntry_t **entries = rd_kafka_ConfigResource_configs(res, &cnt);
    for (size_t i = 0; i < cnt; i++)
        if (!strcmp(rd_kafka_ConfigEntry_name(entries[i]), name)) return rd_kafka_ConfigEntry_value(entries[i]);
    return NULL;
}

/* Read every topic's configs back and report each difference. */
static void check_configs(rd_kafka_t *rk, rd_kafka_queue_t *q, const topic_spec *specs, int n,
                          const sl_topics_opts *o, FILE *out, sl_topics_report *rep) {
    rd_kafka_ConfigResource_t *cr[8];
    for (int i = 0; i < n; i++) cr[i] = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, specs[i].name);
    char reason[256];
    rd_kafka_AdminOptions_t *ao = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
    rd_kafka_AdminOptions_set_request_timeout(ao, o->timeout_ms, reason, sizeof(reason));
    rd_kafka_DescribeConfigs(rk, cr, (size_t)n, ao, q);
    rd_kafka_event_t *ev = wait_result(q, RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT, o->timeout_ms);
    size_t cnt = 0;
    const rd_kafka_ConfigResource_t **res = NULL;
    if (ev && !rd_kafka_event_error(ev))
        res = rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev), &cnt);
    for (int i = 0; i < n; i++) {
        const rd_kafka_ConfigResource_t *r = NULL;
        for (size_t k = 0; k < cnt; k++)
            if (!strcmp(rd_kafka_ConfigResource_name(res[k]), specs[i].name) && !rd_kafka_ConfigResource_error(res[k]))
                r = res[k];
        for (const sl_kafka_prop *c = specs[i].configs; c->name; c++) {
            const char *actual = r ? config_value(r, c->name) : NULL;
            if (!actual) {
                rep->unverified++;
                fprintf(out, "note: topic %s: cannot read %s back (%s); expected %s\n", specs[i].name, c->name,
                        !ev ? "DescribeConfigs got no answer"
                        : rd_kafka_event_error(ev) ? rd_kafka_event_error_string(ev)
                        : r ? "not in the broker's answer" : "DescribeConfigs failed for this topic",
                        c->value);
            } else if (strcmp(actual, c->value)) {
                rep->mismatches++;
                fprintf(out, "warning: topic %s: %s is %s, expected %s\n", specs[i].name, c->name, actual, c->value);
            }
        }
    }
    if (ev) rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(ao);
    for (int i = 0; i < n; i++) rd_kafka_ConfigResource_destroy(cr[i]);
}

/* Partition counts of every spec from cluster metadata (-1 = absent). */
static sl_err read_partitions(rd_kafka_t *rk, const topic_spec *specs, int n, int timeout_ms, int *counts,
                              char *errstr, size_t errstr_size) {
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, NULL, &md, timeout_ms);
    if (err)
        return sl_errf(SL_ERR_KAFKA, errstr, errstr_size,
                       "reading cluster metadata failed: %s (is the broker list right?)", rd_kafka_err2str(err));
    for (int i = 0; i < n; i++) counts[i] = partition_count(md, specs[i].name);
    rd_kafka_metadata_destroy(md);
    return SL_OK;
}

static sl_err report_partitions(const topic_spec *specs, int n, const int *status, const int *counts,
                                char why[][256], FILE *out, sl_topics_report *rep, char *errstr,
                                size_t errstr_size) {
    sl_err rc = SL_OK;
    for (int i = 0; i < n; i++) {
        if (status[i] == 1) {
            rep->created++;
            fprintf(out, "created topic %s (%d partitions)\n", specs[i].name, specs[i].partitions);
        } else if (counts[i] >= 0) {
            rep->existed++;
            fprintf(out, "topic %s already exists (%d partitions)\n", specs[i].name, counts[i]);
        } else {
            rc = sl_errf(SL_ERR_KAFKA, errstr, errstr_size,
                         "topic %s could not be created (%s) and does not exist; check the broker "
                         "list and that this client may create topics", specs[i].name, why[i]);
            continue;
        }
        if (counts[i] >= 0 && counts[i] != specs[i].partitions) {
            rep->mismatches++;
            fprintf(out, "warning: topic %s: partitions is %d, expected %d\n", specs[i].name, counts[i],
                    specs[i].partitions);
        }
    }
    return rc;
}

sl_err sl_kafka_topics_create(const char *brokers, const sl_conf *conf, const sl_topics_opts *opts,
                              FILE *out, sl_topics_report *report, char *errstr, size_t errstr_size) {
    memset(report, 0, sizeof(*report));
    topic_spec specs[MAX_TOPICS];
    int n = build_specs(opts, specs);
    rd_kafka_conf_t *rkc = sl_kafka_conf_build(conf, brokers, NULL, NULL, errstr, errstr_size);
    if (!rkc) return SL_ERR_INVALID_ARG;
    char reason[256];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, rkc, reason, sizeof(reason));
    if (!rk) {
        rd_kafka_conf_destroy(rkc);
        return sl_errf(SL_ERR_KAFKA, errstr, errstr_size, "cannot create the admin client: %s", reason);
    }
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    int status[MAX_TOPICS], counts[MAX_TOPICS];
    char why[MAX_TOPICS][256];
    sl_err rc = read_partitions(rk, specs, n, opts->timeout_ms, counts, errstr, errstr_size);
    if (rc == SL_OK) {
        for (int i = 0; i < n; i++) status[i] = counts[i] >= 0 ? 0 : -1;
        create_missing(rk, q, specs, n, opts, status, why);
        /* Read again: a created topic's partitions, or one that a racing
         * creator made, are only known from fresh metadata. */
        rc = read_partitions(rk, specs, n, opts->timeout_ms, counts, errstr, errstr_size);
    }
    if (rc == SL_OK) rc = report_partitions(specs, n, status, counts, why, out, report, errstr, errstr_size);
    if (rc == SL_OK) check_configs(rk, q, specs, n, opts, out, report);
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
    return rc;
}
