/* kafka_test_cluster.h -- shared fixtures of the Kafka unit tests: a dev
 * cluster, a plain producer, and a test value format.
 *
 * The test format is a small JSON object decoded with jansson, so these
 * tests do not depend on operators/event_json.c (another module): what is
 * under test is the Kafka plumbing, with the decoder as a parameter. */
#ifndef SL_KAFKA_TEST_CLUSTER_H
#define SL_KAFKA_TEST_CLUSTER_H

#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "engine/batch.h"
#include "engine/conf.h"
#include "operators/event_json.h"

/* Kafka request types (protocol ApiKeys), for the mock's injected errors
 * and delays: librdkafka's public headers do not name them. */
enum { KT_API_FETCH = 1, KT_API_END_TXN = 26 };

static inline int64_t kt_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline rd_kafka_t *kt_producer(const char *bootstrap) {
    char errstr[256];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    rd_kafka_conf_set(c, "bootstrap.servers", bootstrap, errstr, sizeof(errstr));
    rd_kafka_conf_set(c, "log_level", "3", errstr, sizeof(errstr));
    return rd_kafka_new(RD_KAFKA_PRODUCER, c, errstr, sizeof(errstr));
}

/* Produce one value to an explicit partition (synchronously flushed by the caller). */
static inline void kt_produce(rd_kafka_t *p, const char *topic, int32_t partition, const char *value) {
    rd_kafka_resp_err_t err = rd_kafka_producev(p, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition),
                                                RD_KAFKA_V_VALUE((void *)value, strlen(value)),
                                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    if (err) fprintf(stderr, "test produce failed: %s\n", rd_kafka_err2str(err));
}

/* The test value format: {"event_id":"…","session_id":"…","page":"…","ts":<ms>}. */
static inline int kt_event_json(char *buf, size_t cap, const char *event_id, const char *page, int64_t ts) {
    return snprintf(buf, cap, "{\"event_id\":\"%s\",\"session_id\":\"s-%s\",\"page\":\"%s\",\"ts\":%lld}", event_id,
                    event_id, page, (long long)ts);
}

static inline sl_str kt_json_str(json_t *o, const char *key, sl_arena *arena) {
    const char *s = json_string_value(json_object_get(o, key));
    return s ? (sl_str){sl_arena_strndup(arena, s, strlen(s)), (uint32_t)strlen(s)} : SL_STR_NULL;
}

static inline sl_err kt_decode(const char *data, size_t len, const sl_event_limits *lim, sl_event *ev,
                               sl_arena *arena, char *reason, size_t reason_size) {
    json_error_t jerr;
    json_t *o = json_loadb(data, len, 0, &jerr);
    if (!o) return sl_errf(SL_ERR_PARSE, reason, reason_size, "not JSON: %s", jerr.text);
    json_t *ts = json_object_get(o, "ts");
    sl_err rc = SL_OK;
    if (!json_is_integer(ts) || !json_is_string(json_object_get(o, "event_id"))) {
        rc = sl_errf(SL_ERR_PARSE, reason, reason_size, "field 'ts' or 'event_id' is missing or has the wrong type");
    } else {
        memset(ev, 0, sizeof(*ev));
        ev->timestamp_ms = json_integer_value(ts);
        ev->event_id = kt_json_str(o, "event_id", arena);
        ev->session_id = kt_json_str(o, "session_id", arena);
        ev->page = kt_json_str(o, "page", arena);
        ev->event_type = SL_EVENT_VIEW;
    }
    json_decref(o);
    return rc;
}

#endif
