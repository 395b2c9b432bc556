/* fuzz_decode.h -- what the event-decoder fuzz targets check for any input bytes.
 *
 * A record either decodes into an event that passes sl_event_validate, or
 * fails with a reason; then its dead-letter envelope must be valid JSON whose
 * payload gives back the input byte for byte. Anything else aborts. */
#ifndef SL_FUZZ_DECODE_H
#define SL_FUZZ_DECODE_H

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "operators/event_decoder.h"
#include "operators/event_json.h"
#include "operators/result_json.h"

#define FUZZ_NOW_MS 1767225600000LL

static sl_event_decoder *fuzz_decoder(const char *format) {
    static sl_event_decoder *dec[2];
    int i = !strcmp(format, "avro");
    if (!dec[i]) {
        sl_conf *conf = sl_conf_new();
        char err[512];
        if (sl_conf_set(conf, "source.format", format, err, sizeof(err)) ||
            sl_conf_set(conf, "source.max_record_bytes", "65536", err, sizeof(err)) ||
            sl_event_decoder_new(conf, NULL, &dec[i], err, sizeof(err)))
            abort();
        sl_conf_destroy(conf);
        sl_event_decoder_set_now(dec[i], FUZZ_NOW_MS);
    }
    return dec[i];
}

/* The envelope's payload, decoded from "payload" or "payload_hex". */
static int envelope_payload_is(const char *line, size_t n, const uint8_t *data, size_t size) {
    json_t *env = json_loadb(line, n, 0, NULL);
    json_t *text = json_object_get(env, "payload"), *hex = json_object_get(env, "payload_hex");
    int same = 0;
    if (json_is_string(text)) {
        same = json_string_length(text) == size && !memcmp(json_string_value(text), data, size);
    } else if (json_is_string(hex) && json_string_length(hex) == 2 * size) {
        same = 1;
        for (size_t i = 0; i < size && same; i++) {
            unsigned byte;
            same = sscanf(json_string_value(hex) + 2 * i, "%2x", &byte) == 1 && byte == data[i];
        }
    }
    json_decref(env);
    return same;
}

static void sl_fuzz_decode(const char *format, const uint8_t *data, size_t size) {
    static sl_arena arena;
    static char line[1 << 18];
    if (!arena.chunk_size) sl_arena_init(&arena, 1 << 16);
    sl_arena_reset(&arena);
    sl_event_decoder *dec = fuzz_decoder(format);
    sl_event ev;
    if (sl_event_decoder_decode(dec, data, size, &ev, &arena) == SL_OK) {
        sl_event_limits lim;
        sl_event_limits_default(&lim);
        lim.now_ms = FUZZ_NOW_MS;
        char reason[512];
        if (sl_event_validate(&ev, &lim, reason, sizeof(reason)) != SL_OK) abort();
        sl_event_to_json(&ev, line, sizeof(line));
        return;
    }
    sl_dead_letter d = {{(const char *)data, (uint32_t)size}, sl_str_c(sl_event_decoder_reason(dec)),
                        sl_str_c("fuzz"), -1, 0, FUZZ_NOW_MS};
    size_t n = sl_dead_letter_to_json(&d, line, sizeof(line));
    if (n < sizeof(line) && !envelope_payload_is(line, n, data, size)) abort();
}

#endif
