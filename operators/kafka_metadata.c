/* kafka_metadata.c -- what the cluster says about one topic. */
#include "operators/kafka_metadata.h"

#include <stdio.h>

rd_kafka_resp_err_t sl_kafka_topic_partition_count(rd_kafka_t *rk, const char *topic, int timeout_ms,
                                                   int32_t *count) {
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &md, timeout_ms);
    rd_kafka_topic_destroy(rkt);
    if (err) return err;
    if (md->topic_cnt != 1) err = RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
    else if (md->topics[0].err) err = md->topics[0].err;
    else if (md->topics[0].partition_cnt <= 0) err = RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION;
    else *count = md->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(md);
    return err;
}

const char *sl_kafka_partitions_format(const rd_kafka_topic_partition_list_t *parts, char *buf, size_t size) {
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < parts->cnt && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%d", i ? "," : "", (int)parts->elems[i].partition);
    if (used >= size && size >= 5) snprintf(buf + size - 5, 5, "...");
    return buf;
}
