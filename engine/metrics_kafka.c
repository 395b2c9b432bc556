/* metrics_kafka.c -- Kafka consumer lag from librdkafka's statistics JSON. */
#include <jansson.h>
#include <stdlib.h>

#include "engine/metrics.h"

/* A partition's lag: how far the engine's read position (app_offset) is
 * behind the last stable offset (ls_offset, the end a read_committed
 * consumer can reach). librdkafka's own consumer_lag counts from the
 * committed offset, which sluice advances only at checkpoints (and the mock
 * cluster never stores), so it is the fallback. -1 when unknown. */
static json_int_t partition_lag(json_t *p) {
    json_t *end = json_object_get(p, "ls_offset"), *pos = json_object_get(p, "app_offset");
    if (json_is_integer(end) && json_is_integer(pos) && json_integer_value(end) >= 0 && json_integer_value(pos) >= 0)
        return json_integer_value(end) - json_integer_value(pos) > 0 ? json_integer_value(end) - json_integer_value(pos)
                                                                       : 0;
    json_t *lag = json_object_get(p, "consumer_lag");
    return json_is_integer(lag) ? json_integer_value(lag) : -1;
}

/* Fields used: topics.<t>.partitions.<p> (see partition_lag), skipping the
 * "-1" pseudo partition librdkafka adds for unassigned messages. Called every
 * statistics.interval.ms, so a handle lookup here costs nothing that matters. */
int sl_metrics_kafka_stats(sl_metrics *metrics, const char *json, size_t len) {
    json_t *root = json_loadb(json, len, 0, NULL);
    if (!root) return -1;
    int updated = 0;
    const char *topic;
    json_t *t;
    json_object_foreach(json_object_get(root, "topics"), topic, t) {
        const char *partition;
        json_t *p;
        json_object_foreach(json_object_get(t, "partitions"), partition, p) {
            json_int_t lag = partition_lag(p);
            if (atoi(partition) < 0 || lag < 0) continue;
            sl_metric_handle *h = sl_metrics_get(metrics, "sluice_kafka_consumer_lag",
                                                 (const char *const[]){topic, partition, NULL});
            sl_metric_set(h, (double)lag);
            updated++;
        }
    }
    json_decref(root);
    return updated;
}
