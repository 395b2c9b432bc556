/* kafka_handover.h -- positions of partitions that move between the Kafka readers of one process.
 *
 * With kafka_source.parallelism > 1 a process has several consumers in one
 * group, and a rebalance can move a partition from one of them to another in
 * the middle of a run (a member that timed out, a reader that finished its
 * bounded input). The group's committed offsets cannot say where the old
 * owner stopped: offsets are committed only inside the sink's transaction at
 * checkpoints (and the 2.0.2 mock does not store those at all). So the old
 * owner leaves its next offset here when it lets go of a partition, and the
 * new owner starts from it -- nothing read twice, nothing skipped. Process-
 * wide and mutex-protected, keyed by consumer group. */
#ifndef SL_KAFKA_HANDOVER_H
#define SL_KAFKA_HANDOVER_H

#include <stdbool.h>
#include <stdint.h>

/* The reader of `group` that owned topic/partition read up to next_offset
 * (exclusive). A larger position for the same partition wins. */
void sl_kafka_handover_put(const char *group, const char *topic, int32_t partition, int64_t next_offset);
/* Where a reader taking over topic/partition in `group` starts; false when
 * no reader of this process had it. */
bool sl_kafka_handover_get(const char *group, const char *topic, int32_t partition, int64_t *next_offset);
/* Forget everything (tests; a fresh job in the same process). */
void sl_kafka_handover_reset(void);

#endif
