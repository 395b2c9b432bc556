/* channel.h -- bounded queues between worker threads, grouped into input gates.
 *
 * Every consumer task owns one input gate with one channel per upstream
 * producer. A channel carries batches and the control messages that must stay
 * in order with them: watermarks, checkpoint barriers, idleness and end of
 * input. Producers block when a channel is full (back-pressure); the consumer
 * blocks until any channel it is not blocking (barrier alignment) has
 * something. One mutex per gate keeps this simple and is taken once per
 * batch, not per record. */
#ifndef SL_CHANNEL_H
#define SL_CHANNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/batch.h"
#include "engine/doorbell.h"

typedef enum sl_msg_type {
    SL_MSG_BATCH,
    SL_MSG_WATERMARK,   /* value = watermark */
    SL_MSG_IDLE,        /* producer has no data for a while; rejoins with its next watermark */
    SL_MSG_BARRIER,     /* value = checkpoint id */
    SL_MSG_COMMIT,      /* value = checkpoint id: the coordinator asks the sink to commit */
    SL_MSG_END          /* the producer finished */
} sl_msg_type;

typedef struct sl_msg {
    sl_msg_type type;
    int64_t value;
    sl_batch *batch;
} sl_msg;

typedef struct sl_gate sl_gate;

sl_gate *sl_gate_new(uint32_t n_channels, uint32_t capacity);
void sl_gate_free(sl_gate *g);
uint32_t sl_gate_channels(const sl_gate *g);

/* Worker threads run many tasks and must never block inside one, so the
 * gate rings doorbells instead: the consumer's when a message arrives, a
 * channel's producer's when its full channel gets room again. NULL: nobody
 * to ring (the coordinator's channel, tests). */
void sl_gate_set_doorbells(sl_gate *g, sl_doorbell *consumer, sl_doorbell *const *producers);

/* Producer side: blocks while the channel is full; returns false when the
 * gate was closed (the job is being cancelled). For the coordinator, which
 * runs no tasks. */
bool sl_gate_push(sl_gate *g, uint32_t channel, sl_msg msg);

typedef enum sl_push_result { SL_PUSH_OK, SL_PUSH_FULL, SL_PUSH_CLOSED } sl_push_result;
/* Producer side without blocking: a worker that gets SL_PUSH_FULL runs the
 * tasks downstream of it until the channel has room (runtime.c). */
sl_push_result sl_gate_try_push(sl_gate *g, uint32_t channel, sl_msg msg);

/* Consumer side: the next message from any unblocked channel, fair across
 * channels. Blocks; returns false when closed. *channel says where from. */
bool sl_gate_pop(sl_gate *g, sl_msg *msg, uint32_t *channel);
/* Like pop, but gives up after timeout_ms (returns false with *channel = UINT32_MAX).
 * timeout_ms = 0 never waits (a worker's task). */
bool sl_gate_pop_timed(sl_gate *g, sl_msg *msg, uint32_t *channel, int timeout_ms);

/* Barrier alignment: a blocked channel is not popped until unblocked. */
void sl_gate_block(sl_gate *g, uint32_t channel);
void sl_gate_unblock_all(sl_gate *g);

/* Wake every waiter and make push/pop fail (cancellation); rings the doorbells. */
void sl_gate_close(sl_gate *g);

#endif
