/* kafka_offsets.h -- input offsets per checkpoint, handed from Kafka source to Kafka sink.
 *
 * Exactly-once needs the consumed offsets of checkpoint N inside the
 * transaction that commits N's output (../docs/kafka.md). The source and the
 * sink are separate operators on separate threads, so they meet here: a
 * process-wide, mutex-protected table.
 *
 * The source's cb_snapshot does not learn the checkpoint id, so positions are
 * first *staged*; the sink, whose barrier for N arrives only after every
 * source reader snapshotted N (aligned barriers, one checkpoint in flight at
 * a time), *binds* everything staged to N in its phase one. */
#ifndef SL_KAFKA_OFFSETS_H
#define SL_KAFKA_OFFSETS_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stdint.h>

/* Source side: the next offset to read of topic/partition at this snapshot
 * (the largest staged value per partition wins). */
void sl_kafka_offsets_stage(const char *topic, int32_t partition, int64_t next_offset);

/* Sink side, phase one of checkpoint N: everything staged now belongs to N. */
void sl_kafka_offsets_bind(int64_t checkpoint_id);

/* A new list with checkpoint N's offsets (empty when none); the caller
 * destroys it. */
rd_kafka_topic_partition_list_t *sl_kafka_offsets_get(int64_t checkpoint_id);

/* Drop checkpoints ≤ N (after N's transaction committed). */
void sl_kafka_offsets_forget_upto(int64_t checkpoint_id);

/* The process-side record of committed transactions: the sink notes every
 * checkpoint whose transaction committed, per transactional.id. Tests use it
 * to keep only committed epochs, because the 2.0.2 mock shows aborted records
 * to read_committed consumers. Not a recovery source (memory only). */
void sl_kafka_txn_note_committed(const char *transactional_id, int64_t checkpoint_id);
bool sl_kafka_txn_was_committed(const char *transactional_id, int64_t checkpoint_id);

/* Forget everything (tests; a fresh job in the same process). */
void sl_kafka_offsets_reset(void);

#endif
