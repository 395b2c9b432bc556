/* kafka_topic_reader.h -- read a whole topic once, from the beginning to its current end.
 *
 * For tools (`sluice results`) and tests, not for the job: no consumer
 * group, no commits. Every partition is assigned from its first offset and
 * read until end-of-partition; read_committed, so against a real broker
 * records of aborted or open transactions are never seen. */
#ifndef SL_KAFKA_TOPIC_READER_H
#define SL_KAFKA_TOPIC_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/conf.h"
#include "engine/error.h"

typedef struct sl_topic_record {
    int32_t partition;
    int64_t offset;
    const char *key, *value;
    size_t key_len, value_len;
    const char *epoch, *attempt;       /* headers sluice.epoch / sluice.attempt, NULL when absent */
    size_t epoch_len, attempt_len;
    const void *message;               /* the rd_kafka_message_t, for sl_topic_record_header */
} sl_topic_record;

/* The last header `name` of the record (value not NUL-terminated); false when absent. */
bool sl_topic_record_header(const sl_topic_record *rec, const char *name, const char **value, size_t *len);

typedef void (*sl_topic_record_fn)(void *opaque, const sl_topic_record *rec);

/* Call fn for every record of `topic` in partition order of arrival. conf
 * may be NULL (its kafka.* keys are passed on). *records = records seen. */
sl_err sl_kafka_read_topic(const char *brokers, const char *topic, const sl_conf *conf, int timeout_ms,
                           sl_topic_record_fn fn, void *opaque, uint64_t *records, char *errstr, size_t errstr_size);

#endif
