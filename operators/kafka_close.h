/* kafka_close.h -- closing a group consumer without waiting for good.
 *
 * rd_kafka_consumer_close() leaves the group, and serves the rebalance
 * callback for the revoke that leaving brings. In librdkafka 2.0.2 that
 * can block forever: a reader whose partitions the group had already given
 * to another member (the mock cluster does this when a reader stops
 * polling at the end of its bounded input) gets a revoke during the close,
 * and the rd_kafka_assign(NULL) that answers it waits for a reply that never
 * comes (librdkafka issue #4884; test_kafka_source's handover case hung
 * this way in about 1 close of 8). A process must still end: the close runs
 * on a thread of its own, and after `wait_ms` the caller goes on without it. */
#ifndef SL_KAFKA_CLOSE_H
#define SL_KAFKA_CLOSE_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>

/* Close and destroy the consumer rk, then call release(opaque) -- the
 * memory its rebalance callback reads, freed only once no callback can
 * run. Returns true when all that finished within wait_ms; false when it
 * goes on in the background (logged under `name`): the group drops the
 * member after its session timeout, and release runs if the close ever
 * returns. */
bool sl_kafka_consumer_close_within(rd_kafka_t *rk, int wait_ms, const char *name, void (*release)(void *opaque),
                                    void *opaque);

#endif
