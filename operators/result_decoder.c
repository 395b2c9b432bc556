/* result_decoder.c -- a value read back from a results topic as the JSON line `sluice verify` reads. */
#include "operators/result_decoder.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "avro/avro_serde.h"
#include "avro/json_value.h"

struct sl_result_decoder {
    sl_conf *conf;                    /* avro.* keys for the registry */
    sl_avro_registry *registry;       /* opened at the first Avro value */
    sl_avro_decoder *avro;            /* generic: every record in its writer schema */
    char *line;                       /* the last Avro value's JSON line (jansson's) */
};

sl_result_decoder *sl_result_decoder_new(const sl_conf *conf) {
    sl_result_decoder *dec = calloc(1, sizeof(*dec));
    if (!dec) abort();
    dec->conf = conf ? sl_conf_dup(conf) : NULL;
    return dec;
}

void sl_result_decoder_free(sl_result_decoder *dec) {
    if (!dec) return;
    sl_avro_decoder_free(dec->avro);
    sl_avro_registry_close(dec->registry);
    sl_conf_destroy(dec->conf);
    free(dec->line);
    free(dec);
}

static sl_err open_avro(sl_result_decoder *dec, char *reason, size_t reason_size) {
    if (dec->avro) return SL_OK;
    sl_err err = dec->registry ? SL_OK : sl_avro_registry_open(dec->conf, &dec->registry, reason, reason_size);
    return err ? err : sl_avro_decoder_new(dec->registry, NULL, &dec->avro, reason, reason_size);
}

/* The "type" of the JSON line of a record named `name`, NULL if it is not a result. */
static const char *line_type(const char *name) {
    static const char *const TYPES[][2] = {
        {"PageAnalytics", "page_analytics"}, {"TopPages", "top_pages"},
        {"DeadLetter", "dead_letter"},       {"ClickstreamEvent", "late_event"},
    };
    for (size_t i = 0; name && i < sizeof(TYPES) / sizeof(TYPES[0]); i++)
        if (!strcmp(name, TYPES[i][0])) return TYPES[i][1];
    return NULL;
}

/* {"type":…, fields…}, or for a late event {"type":"late_event","watermark":W,"event":{…}}. */
static json_t *wrap(const char *type, json_t *fields, const char *watermark, size_t watermark_len) {
    json_t *out = json_object();
    json_object_set_new(out, "type", json_string(type));
    if (strcmp(type, "late_event")) {
        json_object_update(out, fields);
        json_decref(fields);
        return out;
    }
    char digits[24] = "";
    if (watermark && watermark_len < sizeof(digits)) memcpy(digits, watermark, watermark_len);
    char *end;
    long long wm = strtoll(digits, &end, 10);
    json_object_set_new(out, "watermark", *digits && !*end ? json_integer(wm) : json_null());
    json_object_set_new(out, "event", fields);
    return out;
}

sl_err sl_result_decoder_to_json(sl_result_decoder *dec, const void *value, size_t len, const char *watermark,
                                 size_t watermark_len, const char **line, size_t *line_len, char *reason,
                                 size_t reason_size) {
    const uint8_t *bytes = value;
    if (len == 0 || bytes[0] != 0) {   /* a JSON line (or whatever it is: verify judges it) */
        *line = value;
        *line_len = len;
        return SL_OK;
    }
    avro_value_t *v;
    sl_err err = open_avro(dec, reason, reason_size);
    if (!err) err = sl_avro_decoder_read(dec->avro, bytes, len, &v, reason, reason_size);
    if (err) return err;
    const char *name = avro_schema_name(avro_value_get_schema(v));
    const char *type = line_type(name);
    json_t *fields = type ? sl_avro_value_to_json(v) : NULL;
    if (!fields)
        return sl_errf(SL_ERR_PARSE, reason, reason_size, "an Avro %s record is not a sluice result%s",
                       name ? name : "(unnamed)", type ? " (a string is not UTF-8)" : "");
    json_t *out = wrap(type, fields, watermark, watermark_len);
    free(dec->line);
    dec->line = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
    json_decref(out);
    if (!dec->line) abort();
    *line = dec->line;
    *line_len = strlen(dec->line);
    return SL_OK;
}
