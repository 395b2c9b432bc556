/* kafka_event_producer.h -- write a stream of events to a Kafka topic as fast as asked.
 *
 * Events come from an iterator callback and are encoded by an encoder
 * callback (sl_event_to_json's shape), keyed by session_id so one session
 * stays in one partition and in order. acks=all, idempotence on, batching
 * tuned for throughput (linger.ms=20, batch.size=1 MiB, lz4); every kafka.*
 * key of conf overrides those. kafka_gen_producer.h binds it to the generator. */
#ifndef SL_KAFKA_EVENT_PRODUCER_H
#define SL_KAFKA_EVENT_PRODUCER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/arena.h"
#include "engine/conf.h"
#include "engine/error.h"
#include "engine/record.h"

/* Next event (strings may live in arena, which is reset between calls); false at the end. */
typedef bool (*sl_event_next_fn)(void *opaque, sl_event *ev, sl_arena *arena);
typedef size_t (*sl_event_encode_fn)(const sl_event *ev, char *buf, size_t cap);
/* The same for an encoder with state (Avro: operators/event_encoder.h). */
typedef size_t (*sl_event_encode_with_fn)(void *encoder, const sl_event *ev, char *buf, size_t cap);
/* Called about once a second and at the end: events acknowledged, events/s achieved. */
typedef void (*sl_produce_progress_fn)(void *opaque, uint64_t acked, double rate, bool final);

typedef struct sl_kafka_event_stream {
    sl_event_next_fn next;
    sl_event_encode_fn encode;
    sl_event_encode_with_fn encode_with;   /* used instead of encode when set */
    void *encoder;                         /* its first argument */
    void *opaque;
    sl_produce_progress_fn progress;   /* may be NULL */
    void *progress_opaque;
    volatile int *stop;                /* may be NULL; set non-zero to stop early */
} sl_kafka_event_stream;

/* Produce every event of `stream` to `topic` at up to `rate` events/s of wall
 * clock (0 = unthrottled), then wait until all are acknowledged. */
sl_err sl_kafka_produce_events(const sl_kafka_event_stream *stream, const char *brokers, const char *topic,
                               double rate, const sl_conf *conf, uint64_t *produced,
                               char *errstr, size_t errstr_size);

#endif
