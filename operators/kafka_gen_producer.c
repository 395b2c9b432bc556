/* kafka_gen_producer.c -- generated events to Kafka (the generator bound to kafka_event_producer). */
#include "operators/kafka_gen_producer.h"

#include "operators/event_encoder.h"

static bool next_generated(void *opaque, sl_event *ev, sl_arena *arena) { return sl_gen_next(opaque, ev, arena); }

sl_err sl_kafka_produce_generated(const sl_gen_conf *gc, const char *brokers, const char *topic, double rate,
                                  const sl_conf *conf, sl_produce_progress_fn progress, void *progress_opaque,
                                  char *errstr, size_t errstr_size) {
    sl_event_encoder *enc;
    sl_err err = sl_event_encoder_new(conf, &enc, errstr, errstr_size);
    if (err) return err;
    sl_gen *g = sl_gen_new(gc);
    sl_kafka_event_stream stream = {
        .next = next_generated, .encode_with = sl_event_encoder_record, .encoder = enc, .opaque = g,
        .progress = progress, .progress_opaque = progress_opaque,
    };
    err = sl_kafka_produce_events(&stream, brokers, topic, rate, conf, NULL, errstr, errstr_size);
    sl_gen_free(g);
    sl_event_encoder_free(enc);
    return err;
}
