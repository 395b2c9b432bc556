/* event_avro.c -- sl_event <-> Avro ClickstreamEvent records. */
#include <string.h>

#include "avro/avro_serde.h"

sl_err sl_avro_event_fill(sl_avro_encoder *enc, const sl_event *ev, char *errstr, size_t errstr_size) {
    if ((unsigned)ev->event_type >= SL_EVENT_TYPE_COUNT)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                       "event %.*s has event_type %d, not one of the %d EventType symbols",
                       (int)ev->event_id.len, ev->event_id.ptr ? ev->event_id.ptr : "",
                       (int)ev->event_type, SL_EVENT_TYPE_COUNT);
    avro_value_t *rec = sl_avro_encoder_value(enc);
    sl_avro_put_str(enc, rec, "event_id", ev->event_id);
    sl_avro_put_str(enc, rec, "user_id", ev->user_id);
    sl_avro_put_str(enc, rec, "session_id", ev->session_id);
    /* By symbol name, so the C enum and the .avsc need not list symbols in the same order. */
    avro_value_t type = sl_avro_field(rec, "event_type");
    avro_value_set_enum(&type, avro_schema_enum_get_by_name(avro_value_get_schema(&type),
                                                            sl_event_type_name(ev->event_type)));
    sl_avro_put_str(enc, rec, "page", ev->page);
    sl_avro_put_nullable(enc, rec, "product_id", ev->product_id);
    sl_avro_put_long(rec, "timestamp", ev->timestamp_ms);
    sl_avro_put_str(enc, rec, "ip", ev->ip);
    sl_avro_put_str(enc, rec, "user_agent", ev->user_agent);
    sl_avro_put_nullable(enc, rec, "referrer", ev->referrer);
    sl_avro_put_long(rec, "session_duration", ev->session_duration_ms);
    return SL_OK;
}

sl_err sl_avro_encode_event(sl_avro_encoder *enc, const sl_event *ev, uint8_t *buf,
                            size_t cap, size_t *len, char *errstr, size_t errstr_size) {
    sl_err err = sl_avro_event_fill(enc, ev, errstr, errstr_size);
    return err ? err : sl_avro_encoder_write(enc, buf, cap, len, errstr, errstr_size);
}

/* A string (or, for a nullable field, null) copied into the arena. */
static sl_str get_str(avro_value_t *rec, const char *name, sl_arena *arena) {
    avro_value_t f = sl_avro_field(rec, name), branch;
    if (avro_value_get_type(&f) == AVRO_UNION) {
        avro_value_get_current_branch(&f, &branch);
        if (avro_value_get_type(&branch) == AVRO_NULL) return SL_STR_NULL;
        f = branch;
    }
    const char *s = "";
    size_t size = 0;
    avro_value_get_string(&f, &s, &size);
    size_t len = size ? size - 1 : 0;     /* avro-c sizes count the NUL */
    return (sl_str){sl_arena_strndup(arena, s, len), (uint32_t)len};
}

static int64_t get_long(avro_value_t *rec, const char *name) {
    avro_value_t f = sl_avro_field(rec, name);
    int64_t v = 0;
    avro_value_get_long(&f, &v);
    return v;
}

sl_err sl_avro_decode_event(sl_avro_decoder *dec, const uint8_t *data, size_t len,
                            sl_event *ev, sl_arena *arena, char *reason, size_t reason_size) {
    avro_value_t *rec;
    sl_err err = sl_avro_decoder_read(dec, data, len, &rec, reason, reason_size);
    if (err) return err;
    avro_value_t f = sl_avro_field(rec, "event_type");
    int sym = 0;
    avro_value_get_enum(&f, &sym);
    const char *name = avro_schema_enum_get(avro_value_get_schema(&f), sym);
    sl_event_type type;
    if (!name || !sl_event_type_parse(name, strlen(name), &type))
        return sl_errf(SL_ERR_PARSE, reason, reason_size,
                       "event_type '%s' is not one of VIEW, CLICK, ADD_TO_CART, PURCHASE, SEARCH",
                       name ? name : "?");
    *ev = (sl_event){
        .timestamp_ms = get_long(rec, "timestamp"),
        .session_duration_ms = get_long(rec, "session_duration"),
        .event_id = get_str(rec, "event_id", arena),
        .user_id = get_str(rec, "user_id", arena),
        .session_id = get_str(rec, "session_id", arena),
        .page = get_str(rec, "page", arena),
        .product_id = get_str(rec, "product_id", arena),
        .ip = get_str(rec, "ip", arena),
        .user_agent = get_str(rec, "user_agent", arena),
        .referrer = get_str(rec, "referrer", arena),
        .event_type = type,
    };
    sl_event_derive(ev);
    return SL_OK;
}
