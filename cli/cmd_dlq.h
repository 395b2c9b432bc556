/* cmd_dlq.h -- the parts of `sluice dlq replay` that talk to Kafka (cli/cmd_dlq_kafka.c). */
#ifndef SL_CMD_DLQ_H
#define SL_CMD_DLQ_H

#include <stddef.h>

#include "engine/conf.h"
#include "engine/error.h"

/* Called with each record value of the topic, in partition order; return
 * non-zero to stop. */
typedef int (*sl_dlq_value_fn)(const char *value, size_t len, void *opaque);

/* Read every record of `topic` (all partitions) from the beginning up to the
 * end offsets it had when reading started. kafka.* keys of conf apply. */
sl_err sl_dlq_kafka_read(const char *brokers, const char *topic, const sl_conf *conf, sl_dlq_value_fn fn,
                         void *opaque, char *errstr, size_t errstr_size);

typedef struct sl_dlq_kafka_writer sl_dlq_kafka_writer;
/* An idempotent acks=all producer to `topic`. */
sl_dlq_kafka_writer *sl_dlq_kafka_writer_new(const char *brokers, const char *topic, const sl_conf *conf,
                                             char *errstr, size_t errstr_size);
sl_err sl_dlq_kafka_write(sl_dlq_kafka_writer *w, const void *value, size_t len, char *errstr, size_t errstr_size);
/* Wait until every record is acknowledged; then free. */
sl_err sl_dlq_kafka_writer_close(sl_dlq_kafka_writer *w, char *errstr, size_t errstr_size);

#endif
