/* kafka_epochs.h -- the engine-side, durable record of committed Kafka transactions.
 *
 * After each successful commit_transaction the Kafka sink appends one line
 * "<transactional.id> <attempt> <epoch> <checkpoint>" to checkpoint.dir/kafka-committed-epochs
 * and fsyncs it. Two readers use it:
 *  - recovery (cb_last_committed): a real broker stores the commit metadata
 *    "sluice-checkpoint=N" with the group's offsets, but librdkafka 2.0.2's
 *    mock does not; this file is the fallback that says N was committed.
 *  - the test consumer (`sluice results --committed-epochs-from DIR`): the
 *    mock shows aborted records to read_committed consumers, so a record
 *    counts only when its (sluice.attempt, sluice.epoch) headers name a
 *    committed transaction (`epoch` is the stamp its records carry, normally
 *    equal to `checkpoint`). `attempt` identifies one sink instance (one
 *    process run): after a restart the same epoch number is reused by the
 *    new run, and only the run that committed it counts. Against a real
 *    broker this filter removes nothing. */
#ifndef SL_KAFKA_EPOCHS_H
#define SL_KAFKA_EPOCHS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"

#define SL_KAFKA_EPOCHS_FILE "kafka-committed-epochs"
#define SL_KAFKA_HEADER_EPOCH "sluice.epoch"
#define SL_KAFKA_HEADER_ATTEMPT "sluice.attempt"

/* Append (txn_id, attempt, epoch, checkpoint) to DIR/kafka-committed-epochs and fsync. */
sl_err sl_kafka_epochs_append(const char *dir, const char *txn_id, const char *attempt, int64_t epoch,
                              int64_t checkpoint_id, char *errstr, size_t errstr_size);

/* The newest checkpoint recorded as committed for txn_id in DIR, -1 when none (or no file). */
int64_t sl_kafka_epochs_last(const char *dir, const char *txn_id);

/* Every committed (attempt, epoch) of DIR, for filtering records. */
typedef struct sl_kafka_epochs sl_kafka_epochs;
sl_kafka_epochs *sl_kafka_epochs_load(const char *dir, char *errstr, size_t errstr_size);
bool sl_kafka_epochs_contains(const sl_kafka_epochs *e, const char *attempt, size_t attempt_len, int64_t epoch);
size_t sl_kafka_epochs_count(const sl_kafka_epochs *e);
void sl_kafka_epochs_free(sl_kafka_epochs *e);

#endif
