/* metrics_kafka.c -- Kafka consumer lag from librdkafka's statistics JSON. */
#include <jansson.h>
#include <stdlib.h>

#include "engine/metrics.h"

/* Only the fields used: topics.<t>.partitions.<p>.consumer_lag (-1 while
 * unknown) and the "-1" pseudo partition librdkafka adds for unassigned
 * messages, which is skipped. Called every statistics.interval.ms, so a
 * handle lookup here costs nothing that matters. */
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
            json_t *lag = json_object_get(p, "consumer_lag");
            if (atoi(partition) < 0 || !json_is_integer(lag) || json_integer_value(lag) < 0) continue;
            sl_metric_handle *h = sl_metrics_get(metrics, "sluice_kafka_consumer_lag",
                                                 (const char *const[]){topic, partition, NULL});
            sl_metric_set(h, (double)json_integer_value(lag));
            updated++;
        }
    }
    json_decref(root);
    return updated;
}
