/* event_avro.c -- sl_event <-> Avro ClickstreamEvent records.
 *
 * Decoding has two paths. avro-c's generic values cost about a microsecond
 * per event (a malloc and free per string, a lookup per field by name), most
 * of an Avro source's time. So when the writer schema has every reader field
 * with the same schema (the usual case: the writer is this .avsc, perhaps
 * with fields added), the body is read straight into the sl_event with the
 * bounds-checked cursor of body_walk.h, and writer fields the reader lacks
 * are walked over. Any other writer schema (a field missing, a type
 * changed) goes through avro-c's schema resolution (decoder.c). Both paths
 * give the same events and the same reasons for bad bodies; tests compare
 * them. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "avro/body_walk.h"

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

/* ---- the direct path ---- */

typedef enum { STEP_SKIP, STEP_STRING, STEP_NULLABLE_STRING, STEP_LONG, STEP_EVENT_TYPE } step_kind;

/* Where each reader field goes in sl_event, and the schema type it has. */
static const struct {
    const char *name;
    step_kind kind;
    size_t offset;
} EVENT_FIELDS[] = {
    {"event_id", STEP_STRING, offsetof(sl_event, event_id)},
    {"user_id", STEP_STRING, offsetof(sl_event, user_id)},
    {"session_id", STEP_STRING, offsetof(sl_event, session_id)},
    {"event_type", STEP_EVENT_TYPE, 0},
    {"page", STEP_STRING, offsetof(sl_event, page)},
    {"product_id", STEP_NULLABLE_STRING, offsetof(sl_event, product_id)},
    {"timestamp", STEP_LONG, offsetof(sl_event, timestamp_ms)},
    {"ip", STEP_STRING, offsetof(sl_event, ip)},
    {"user_agent", STEP_STRING, offsetof(sl_event, user_agent)},
    {"referrer", STEP_NULLABLE_STRING, offsetof(sl_event, referrer)},
    {"session_duration", STEP_LONG, offsetof(sl_event, session_duration_ms)},
};
#define N_EVENT_FIELDS (sizeof(EVENT_FIELDS) / sizeof(EVENT_FIELDS[0]))
#define MAX_SYMBOLS 64

/* How to read one writer field. */
typedef struct read_step {
    step_kind kind;
    const char *name;                 /* the writer's field name, for reasons */
    avro_schema_t schema;             /* the writer's field schema */
    size_t offset;                    /* STRING, NULLABLE_STRING, LONG: where in sl_event */
    int64_t null_branch;              /* NULLABLE_STRING: the union's null branch */
} read_step;

/* One per writer schema id, kept by the decoder (sl_avro_decoder_writer). */
typedef struct event_plan {
    bool direct;                      /* false: decode_resolved */
    uint32_t n_steps;
    int64_t n_symbols;                /* of the writer's EventType */
    avro_schema_t symbols;            /* the writer's EventType schema */
    int8_t type_of_symbol[MAX_SYMBOLS];   /* sl_event_type, or -1: not one sluice knows */
    read_step steps[];
} event_plan;

static int event_field(const char *name) {
    for (size_t i = 0; i < N_EVENT_FIELDS; i++)
        if (!strcmp(EVENT_FIELDS[i].name, name)) return (int)i;
    return -1;
}

/* Does the reader's field schema have the type the step reads? */
static bool reads_as(avro_schema_t s, step_kind kind) {
    switch (kind) {
    case STEP_STRING: return avro_typeof(s) == AVRO_STRING;
    case STEP_LONG: return avro_typeof(s) == AVRO_INT64;
    case STEP_EVENT_TYPE: return avro_typeof(s) == AVRO_ENUM && avro_schema_enum_number_of_symbols(s) <= MAX_SYMBOLS;
    case STEP_NULLABLE_STRING: {
        if (avro_typeof(s) != AVRO_UNION || avro_schema_union_size(s) != 2) return false;
        avro_type_t a = avro_typeof(avro_schema_union_branch(s, 0)), b = avro_typeof(avro_schema_union_branch(s, 1));
        return (a == AVRO_NULL && b == AVRO_STRING) || (a == AVRO_STRING && b == AVRO_NULL);
    }
    default: return false;
    }
}

/* Direct when every reader field is in the writer with an equal schema. */
static bool direct_possible(avro_schema_t reader, avro_schema_t writer) {
    if (!reader || avro_typeof(writer) != AVRO_RECORD || avro_schema_record_size(reader) != N_EVENT_FIELDS)
        return false;
    for (size_t i = 0; i < N_EVENT_FIELDS; i++) {
        const char *name = avro_schema_record_field_name(reader, (int)i);
        avro_schema_t r = avro_schema_record_field_get_by_index(reader, (int)i);
        avro_schema_t w = avro_schema_record_field_get(writer, name);
        int k = event_field(name);
        if (k < 0 || !w || !avro_schema_equal(r, w) || !reads_as(r, EVENT_FIELDS[k].kind)) return false;
    }
    return true;
}

static event_plan *plan_new(avro_schema_t reader, avro_schema_t writer) {
    bool direct = direct_possible(reader, writer);
    uint32_t n = direct ? (uint32_t)avro_schema_record_size(writer) : 0;
    event_plan *plan = calloc(1, sizeof(event_plan) + n * sizeof(read_step));
    if (!plan) abort();
    plan->direct = direct;
    plan->n_steps = n;
    for (uint32_t i = 0; i < n; i++) {
        read_step *st = &plan->steps[i];
        st->name = avro_schema_record_field_name(writer, (int)i);
        st->schema = avro_schema_record_field_get_by_index(writer, (int)i);
        int k = event_field(st->name);
        st->kind = k < 0 ? STEP_SKIP : EVENT_FIELDS[k].kind;
        st->offset = k < 0 ? 0 : EVENT_FIELDS[k].offset;
        if (st->kind == STEP_NULLABLE_STRING)
            st->null_branch = avro_typeof(avro_schema_union_branch(st->schema, 0)) == AVRO_NULL ? 0 : 1;
        if (st->kind == STEP_EVENT_TYPE) {
            plan->symbols = st->schema;
            plan->n_symbols = avro_schema_enum_number_of_symbols(st->schema);
            for (int64_t sym = 0; sym < plan->n_symbols; sym++) {
                const char *name = avro_schema_enum_get(st->schema, (int)sym);
                sl_event_type type;
                plan->type_of_symbol[sym] = sl_event_type_parse(name, strlen(name), &type) ? (int8_t)type : -1;
            }
        }
    }
    return plan;
}

static sl_err bad_event_type(const char *name, char *reason, size_t reason_size) {
    return sl_errf(SL_ERR_PARSE, reason, reason_size,
                   "event_type '%s' is not one of VIEW, CLICK, ADD_TO_CART, PURCHASE, SEARCH", name ? name : "?");
}

static sl_err read_string(sl_avro_cursor *c, sl_str *out, sl_arena *arena) {
    const uint8_t *bytes;
    size_t len;
    sl_err err = sl_avro_walk_length_prefixed(c, "a string", &bytes, &len);
    if (!err) *out = (sl_str){sl_arena_strndup(arena, (const char *)bytes, len), (uint32_t)len};
    return err;
}

static sl_err read_step_value(const event_plan *plan, const read_step *st, sl_avro_cursor *c, sl_event *ev,
                              sl_arena *arena) {
    sl_str *str = (sl_str *)((char *)ev + st->offset);   /* STRING, NULLABLE_STRING */
    int64_t v;
    sl_err err;
    switch (st->kind) {
    case STEP_SKIP: return sl_avro_walk_value(c, st->schema, 1);
    case STEP_STRING: return read_string(c, str, arena);
    case STEP_NULLABLE_STRING:
        if ((err = sl_avro_walk_index(c, 10, 2, "union branch index", &v))) return err;
        if (v != st->null_branch) return read_string(c, str, arena);
        *str = SL_STR_NULL;
        return SL_OK;
    case STEP_LONG:
        if ((err = sl_avro_walk_varint(c, 10, &v))) return err;
        *(int64_t *)((char *)ev + st->offset) = v;
        return SL_OK;
    case STEP_EVENT_TYPE:
        if ((err = sl_avro_walk_index(c, 5, plan->n_symbols, "enum symbol index", &v))) return err;
        if (plan->type_of_symbol[v] < 0)
            return bad_event_type(avro_schema_enum_get(plan->symbols, (int)v), c->reason, c->reason_size);
        ev->event_type = (sl_event_type)plan->type_of_symbol[v];
        return SL_OK;
    }
    return SL_OK;
}

static sl_err decode_direct(const event_plan *plan, avro_schema_t writer, const uint8_t *data, size_t len,
                            sl_event *ev, sl_arena *arena, char *reason, size_t reason_size) {
    sl_avro_cursor c = {data + SL_AVRO_WIRE_HEADER, data + len, "(record)", reason, reason_size};
    *ev = (sl_event){0};
    for (uint32_t i = 0; i < plan->n_steps; i++) {
        c.field = plan->steps[i].name;
        sl_err err = read_step_value(plan, &plan->steps[i], &c, ev, arena);
        if (err) return err;
    }
    sl_err err = sl_avro_walk_end(&c, writer);
    if (!err) sl_event_derive(ev);
    return err;
}

/* ---- the path through avro-c ---- */

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

/* Through avro-c: a writer schema that needs resolution. */
static sl_err decode_resolved(sl_avro_decoder *dec, const uint8_t *data, size_t len, sl_event *ev,
                              sl_arena *arena, char *reason, size_t reason_size) {
    avro_value_t *rec;
    sl_err err = sl_avro_decoder_read(dec, data, len, &rec, reason, reason_size);
    if (err) return err;
    avro_value_t f = sl_avro_field(rec, "event_type");
    int sym = 0;
    avro_value_get_enum(&f, &sym);
    const char *name = avro_schema_enum_get(avro_value_get_schema(&f), sym);
    sl_event_type type;
    if (!name || !sl_event_type_parse(name, strlen(name), &type)) return bad_event_type(name, reason, reason_size);
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

sl_err sl_avro_decode_event(sl_avro_decoder *dec, const uint8_t *data, size_t len,
                            sl_event *ev, sl_arena *arena, char *reason, size_t reason_size) {
    avro_schema_t writer;
    void **typed;
    sl_err err = sl_avro_decoder_writer(dec, data, len, &writer, &typed, reason, reason_size);
    if (err) return err;
    if (!*typed) *typed = plan_new(sl_avro_decoder_reader(dec), writer);
    const event_plan *plan = *typed;
    if (plan->direct) return decode_direct(plan, writer, data, len, ev, arena, reason, reason_size);
    return decode_resolved(dec, data, len, ev, arena, reason, reason_size);
}
