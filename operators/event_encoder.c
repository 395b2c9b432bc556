/* event_encoder.c -- an sl_event as input-record bytes: a JSON line or a Confluent Avro record (source.format). */
#include "operators/event_encoder.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "avro/avro_serde.h"
#include "operators/event_json.h"

#define FILE_FRAME_BYTES 4   /* the big-endian length before each Avro record in a file */

struct sl_event_encoder {
    sl_avro_registry *registry;   /* NULL for JSON */
    sl_avro_encoder *avro;
};

sl_err sl_event_encoder_new(const sl_conf *conf, sl_event_encoder **out, char *errstr, size_t errstr_size) {
    const char *format = conf ? sl_conf_get(conf, "source.format") : NULL;
    if (format && *format && strcmp(format, "json") && strcmp(format, "avro"))
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                       "source.format: '%s' is not an event format (use json or avro)", format);
    sl_event_encoder *enc = calloc(1, sizeof(*enc));
    if (!enc) abort();
    if (format && !strcmp(format, "avro")) {
        sl_err err = sl_avro_registry_open(conf, &enc->registry, errstr, errstr_size);
        if (!err) err = sl_avro_encoder_new(enc->registry, "ClickstreamEvent", &enc->avro, errstr, errstr_size);
        if (err) {
            sl_event_encoder_free(enc);
            return err;
        }
    }
    *out = enc;
    return SL_OK;
}

void sl_event_encoder_free(sl_event_encoder *enc) {
    if (!enc) return;
    sl_avro_encoder_free(enc->avro);
    sl_avro_registry_close(enc->registry);
    free(enc);
}

sl_event_format sl_event_encoder_format(const sl_event_encoder *enc) {
    return enc->avro ? SL_EVENT_FORMAT_AVRO : SL_EVENT_FORMAT_JSON;
}

size_t sl_event_encoder_record(void *self, const sl_event *ev, char *buf, size_t cap) {
    sl_event_encoder *enc = self;
    if (!enc->avro) return sl_event_to_json(ev, buf, cap);
    size_t len = 0;
    char errstr[256];
    sl_err err = sl_avro_encode_event(enc->avro, ev, (uint8_t *)buf, cap, &len, errstr, sizeof(errstr));
    if (err == SL_ERR_INVALID_ARG && len > cap) return len;   /* too small: the size needed */
    return err ? SIZE_MAX : len;
}

size_t sl_event_encoder_file_record(sl_event_encoder *enc, const sl_event *ev, char *buf, size_t cap) {
    size_t head = enc->avro ? FILE_FRAME_BYTES : 0;
    if (cap <= head + 1) return head + 2;
    /* JSON keeps one byte for the '\n'; sl_event_to_json also wants room for its NUL. */
    size_t n = sl_event_encoder_record(enc, ev, buf + head, cap - head - 1);
    if (n == SIZE_MAX || n >= cap - head - 1) return n == SIZE_MAX ? n : head + n + 2;
    if (!enc->avro) {
        buf[n] = '\n';
        return n + 1;
    }
    for (size_t i = 0; i < FILE_FRAME_BYTES; i++) buf[i] = (char)(n >> (8 * (FILE_FRAME_BYTES - 1 - i)));
    return head + n;
}
