/* kafka_txn.h -- a transactional producer whose transactions follow checkpoints.
 *
 * The commit protocol of the Kafka sink (docs/kafka.md, ../shared/EXACTLY-ONCE.md),
 * independent of what the records are:
 *  - new: transactional.id "<job.id>-sink-<subtask>"; init_transactions fences
 *    any older producer with that id and aborts its open transaction (the
 *    "abort" half of recovery); then a transaction is begun.
 *  - produce: a record into the open transaction, with header sluice.epoch =
 *    the checkpoint that will cover it and sluice.attempt = this instance
 *    (produce_record adds the caller's own headers after those two).
 *    Records produced after prepare(N) and before commit(N) came after
 *    barrier N: they are held and produced into N + 1's transaction.
 *  - prepare(N), phase one: flush until every record is acknowledged; a
 *    delivery failure fails the checkpoint (the transaction is aborted).
 *  - commit(N), phase two: send the source offsets recorded for N
 *    (kafka_offsets.h) with commit metadata "sluice-checkpoint=N", commit,
 *    record the epoch in checkpoint.dir (kafka_epochs.h), begin the next
 *    transaction. Retriable errors are retried; abortable ones abort and
 *    fail; fencing returns SL_ERR_FENCED.
 *  - last_committed: the N named by the group's committed offsets, or the
 *    newest one recorded in checkpoint.dir, whichever is larger (-1 if none).
 * acks=all and enable.idempotence=true are forced; compression.type defaults
 * to gzip; every kafka.* key is passed through. */
#ifndef SL_KAFKA_TXN_H
#define SL_KAFKA_TXN_H

#include <librdkafka/rdkafka.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/conf.h"
#include "engine/error.h"

typedef struct sl_kafka_txn sl_kafka_txn;

/* marker_topic: where a checkpoint without Kafka input offsets records its id
 * (partition 0, offset 0); source_topic: whose committed offsets are read
 * back by last_committed. */
sl_kafka_txn *sl_kafka_txn_new(const sl_conf *conf, uint32_t subtask, const char *marker_topic,
                               const char *source_topic, char *errstr, size_t errstr_size);
sl_err sl_kafka_txn_produce(sl_kafka_txn *t, const char *topic, const char *key, size_t key_len,
                           const void *value, size_t len, char *errstr, size_t errstr_size);
/* A record with headers of its own (dead letters: sl_dead_letter_headers).
 * Every pointer is borrowed for the call only: a record held for the next
 * transaction is copied, headers included. */
#define SL_KAFKA_TXN_MAX_HEADERS 8
typedef struct sl_kafka_txn_header {
    const char *name;              /* NUL-terminated */
    const void *value;
    size_t len;
} sl_kafka_txn_header;
typedef struct sl_kafka_txn_record {
    const char *topic;
    const char *key;
    size_t key_len;
    const void *value;
    size_t len;
    const sl_kafka_txn_header *headers;   /* at most SL_KAFKA_TXN_MAX_HEADERS */
    size_t n_headers;
    /* What set_echo prints for this record when it commits (a JSON line for
     * an Avro value); NULL prints the value itself. */
    const char *echo;
    size_t echo_len;
} sl_kafka_txn_record;
sl_err sl_kafka_txn_produce_record(sl_kafka_txn *t, const sl_kafka_txn_record *r, char *errstr, size_t errstr_size);
/* Serve delivery reports (call after producing a batch). */
void sl_kafka_txn_serve(sl_kafka_txn *t);
sl_err sl_kafka_txn_prepare(sl_kafka_txn *t, int64_t checkpoint_id, char *errstr, size_t errstr_size);
sl_err sl_kafka_txn_commit(sl_kafka_txn *t, int64_t checkpoint_id, char *errstr, size_t errstr_size);
int64_t sl_kafka_txn_last_committed(sl_kafka_txn *t);
/* After restoring checkpoint R the next records belong to R + 1. */
void sl_kafka_txn_set_epoch(sl_kafka_txn *t, int64_t next_checkpoint_id);
int64_t sl_kafka_txn_epoch(const sl_kafka_txn *t);
const char *sl_kafka_txn_id(const sl_kafka_txn *t);
/* This instance's run id (header sluice.attempt; see kafka_epochs.h). */
const char *sl_kafka_txn_attempt(const sl_kafka_txn *t);
/* Print the values written to the results topic to `out`, one per line,
 * when (and only when) their transaction commits; NULL turns it off. */
void sl_kafka_txn_set_echo(sl_kafka_txn *t, FILE *out);
/* Aborts the open transaction (its checkpoint never completed) and frees. */
void sl_kafka_txn_free(sl_kafka_txn *t);

/* The commit metadata naming checkpoint N, and its parser (-1 when `s` is not one). */
#define SL_KAFKA_COMMIT_METADATA_PREFIX "sluice-checkpoint="
long long sl_kafka_parse_commit_metadata(const char *s, size_t len);

#endif
