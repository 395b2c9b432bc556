/* kafka_metadata.h -- what the cluster says about one topic. */
#ifndef SL_KAFKA_METADATA_H
#define SL_KAFKA_METADATA_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>

/* The partition count of `topic` through a metadata request (which also
 * creates a missing topic where the cluster allows auto-creation and the
 * client is a producer). Returns the topic's or the request's error. */
rd_kafka_resp_err_t sl_kafka_topic_partition_count(rd_kafka_t *rk, const char *topic, int timeout_ms,
                                                   int32_t *count);

/* "0,1,5": the partition numbers of `parts` for a log line, cut with "..."
 * when they do not fit in buf. */
const char *sl_kafka_partitions_format(const rd_kafka_topic_partition_list_t *parts, char *buf, size_t size);

#endif
