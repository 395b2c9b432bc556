/* kafka_dev_control.h -- fault injection into a running `sluice kafka-dev`, one text command per line.
 *
 * Tests drive broker outages and request errors from a shell through a FIFO
 * (`sluice kafka-dev --control-fifo PATH`):
 *   down ID                    rd_kafka_mock_broker_set_down (ID from 1)
 *   up ID                      rd_kafka_mock_broker_set_up
 *   error API CODE [COUNT]     the next COUNT (default 1) requests of API fail with
 *                              CODE: API is a name (Produce, EndTxn, AddOffsetsToTxn,
 *                              TxnOffsetCommit, InitProducerId, AddPartitionsToTxn,
 *                              Fetch, OffsetCommit, FindCoordinator) or a number, CODE
 *                              a Kafka error name (NOT_LEADER_OR_FOLLOWER, ...) or number
 * Each command is logged with its result. */
#ifndef SL_KAFKA_DEV_CONTROL_H
#define SL_KAFKA_DEV_CONTROL_H

#include <stddef.h>

#include "engine/error.h"
#include "operators/kafka_dev_cluster.h"

/* Apply one command line to dev; errstr says what is wrong with it. */
sl_err sl_kafka_dev_control(sl_kafka_dev *dev, const char *line, char *errstr, size_t errstr_size);

/* Create the FIFO at path and serve its commands on a background thread
 * until sl_kafka_dev_control_stop. NULL with errstr on failure. */
typedef struct sl_kafka_dev_control_server sl_kafka_dev_control_server;
sl_kafka_dev_control_server *sl_kafka_dev_control_serve(sl_kafka_dev *dev, const char *path, char *errstr,
                                                        size_t errstr_size);
void sl_kafka_dev_control_stop(sl_kafka_dev_control_server *s);

#endif
