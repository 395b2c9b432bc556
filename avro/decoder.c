/* decoder.c -- read Confluent wire records, resolving each writer schema to the reader's.
 *
 * avro-c's resolvers skip writer fields the reader lacks but refuse reader
 * fields the writer lacks (it ignores "default"). So for each writer id we
 * resolve into a projection of the reader schema (the reader's fields that
 * the writer has), then copy those fields into a full reader value whose
 * other fields were set once to their defaults from the .avsc JSON. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avro/avro_serde.h"
#include "avro/json_value.h"

typedef struct writer_plan {
    int32_t id;
    avro_schema_t projected;          /* NULL when reading in the writer's own schema */
    avro_value_iface_t *resolver;     /* avro_resolved_writer: writer bytes -> projection */
    avro_value_iface_t *value_iface;
    avro_value_t resolved;            /* what avro_value_read reads into */
    avro_value_t direct;              /* generic value: writer schema, or the projection */
    avro_value_iface_t *reader_iface;
    avro_value_t reader_value;        /* full reader value (defaults + copied fields) */
    bool copy_fields;                 /* reader has fields the writer lacks */
    void *typed;                      /* a typed reader's own plan (sl_avro_decoder_typed_plan) */
} writer_plan;

struct sl_avro_decoder {
    sl_avro_registry *reg;
    avro_schema_t reader;             /* NULL: every record in its writer schema */
    json_t *reader_json;              /* the reader .avsc, for field defaults */
    char reader_name[64];
    writer_plan *plans;
    size_t count, cap;
    avro_reader_t mem;
};

sl_err sl_avro_decoder_new(sl_avro_registry *reg, const char *record_name,
                           sl_avro_decoder **out, char *errstr, size_t errstr_size) {
    sl_avro_decoder *dec = calloc(1, sizeof(*dec));
    dec->reg = reg;
    static const char no_buffer_yet[1];
    dec->mem = avro_reader_memory(no_buffer_yet, 0);
    if (record_name) {
        snprintf(dec->reader_name, sizeof(dec->reader_name), "%s", record_name);
        sl_err err = sl_avro_schema_load(record_name, &dec->reader, errstr, errstr_size);
        if (err) {
            sl_avro_decoder_free(dec);
            return err;
        }
        char file[128];
        snprintf(file, sizeof(file), "%s.avsc", record_name);
        dec->reader_json = json_loads(sl_avro_embedded_text(file), 0, NULL);
    }
    *out = dec;
    return SL_OK;
}

/* Also frees a plan whose init failed half-way (fields still NULL). */
static void plan_free(writer_plan *p) {
    if (p->resolver) {
        avro_value_decref(&p->resolved);
        avro_value_iface_decref(p->resolver);
    }
    if (p->reader_iface) {
        avro_value_decref(&p->reader_value);
        avro_value_iface_decref(p->reader_iface);
    }
    if (p->value_iface) {
        avro_value_decref(&p->direct);
        avro_value_iface_decref(p->value_iface);
    }
    if (p->projected) avro_schema_decref(p->projected);
    free(p->typed);
}

void sl_avro_decoder_free(sl_avro_decoder *dec) {
    if (!dec) return;
    for (size_t i = 0; i < dec->count; i++) plan_free(&dec->plans[i]);
    free(dec->plans);
    if (dec->reader) avro_schema_decref(dec->reader);
    json_decref(dec->reader_json);
    avro_reader_free(dec->mem);
    free(dec);
}

static json_t *field_default(sl_avro_decoder *dec, const char *name) {
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(dec->reader_json, "fields"), i, f) {
        if (json_is_string(json_object_get(f, "name")) &&
            strcmp(json_string_value(json_object_get(f, "name")), name) == 0)
            return json_object_get(f, "default");
    }
    return NULL;
}

/* The reader's fields the writer also has; every other reader field needs a default. */
static sl_err project(sl_avro_decoder *dec, writer_plan *p, avro_schema_t writer,
                      char *errstr, size_t errstr_size) {
    avro_schema_t r = dec->reader;
    p->projected = avro_schema_record(avro_schema_name(r), avro_schema_namespace(r));
    for (size_t i = 0; i < avro_schema_record_size(r); i++) {
        const char *name = avro_schema_record_field_name(r, (int)i);
        if (avro_schema_record_field_get_index(writer, name) >= 0)
            avro_schema_record_field_append(p->projected, name,
                                            avro_schema_record_field_get_by_index(r, (int)i));
        else if (!field_default(dec, name))
            return sl_errf(SL_ERR_PARSE, errstr, errstr_size,
                           "schema id %d cannot be read as %s: it lacks field '%s', which has no "
                           "default in avro/%s.avsc (give the field a default)",
                           (int)p->id, dec->reader_name, name, dec->reader_name);
        else
            p->copy_fields = true;
    }
    return SL_OK;
}

/* Set the reader fields the writer lacks to their defaults, once per plan. */
static sl_err set_defaults(sl_avro_decoder *dec, writer_plan *p, char *errstr, size_t errstr_size) {
    p->reader_iface = avro_generic_class_from_schema(dec->reader);
    avro_generic_value_new(p->reader_iface, &p->reader_value);
    for (size_t i = 0; i < avro_schema_record_size(dec->reader); i++) {
        const char *name = avro_schema_record_field_name(dec->reader, (int)i);
        if (avro_schema_record_field_get_index(p->projected, name) >= 0) continue;
        avro_value_t field;
        avro_value_get_by_index(&p->reader_value, i, &field, NULL);
        sl_err err = sl_avro_value_from_json(&field, field_default(dec, name), errstr, errstr_size);
        if (err) return err;
    }
    return SL_OK;
}

static sl_err plan_init(sl_avro_decoder *dec, writer_plan *p, avro_schema_t writer,
                        char *errstr, size_t errstr_size) {
    bool same = !dec->reader || avro_schema_equal(writer, dec->reader);
    sl_err err = same ? SL_OK : project(dec, p, writer, errstr, errstr_size);
    if (err) return err;
    p->value_iface = avro_generic_class_from_schema(same ? writer : p->projected);
    avro_generic_value_new(p->value_iface, &p->direct);
    if (same) return SL_OK;
    if (p->copy_fields && (err = set_defaults(dec, p, errstr, errstr_size))) return err;
    p->resolver = avro_resolved_writer_new(writer, p->projected);
    if (!p->resolver)
        return sl_errf(SL_ERR_PARSE, errstr, errstr_size,
                       "schema id %d cannot be read as %s: %s (incompatible schema change)",
                       (int)p->id, dec->reader_name, avro_strerror());
    avro_resolved_writer_new_value(p->resolver, &p->resolved);
    avro_resolved_writer_set_dest(&p->resolved, &p->direct);
    return SL_OK;
}

static sl_err find_plan(sl_avro_decoder *dec, int32_t id, writer_plan **out,
                        char *errstr, size_t errstr_size) {
    for (size_t i = 0; i < dec->count; i++) {
        if (dec->plans[i].id == id) {
            *out = &dec->plans[i];
            return SL_OK;
        }
    }
    avro_schema_t writer;
    sl_err err = sl_avro_registry_lookup(dec->reg, id, &writer, errstr, errstr_size);
    if (err) return err;
    writer_plan p = {.id = id};
    if ((err = plan_init(dec, &p, writer, errstr, errstr_size))) {
        plan_free(&p);
        return err;
    }
    if (dec->count == dec->cap) {
        dec->cap = dec->cap ? dec->cap * 2 : 4;
        dec->plans = realloc(dec->plans, dec->cap * sizeof(writer_plan));
    }
    dec->plans[dec->count] = p;
    *out = &dec->plans[dec->count++];
    return SL_OK;
}

static void copy_projected(writer_plan *p) {
    size_t n = avro_schema_record_size(p->projected);
    for (size_t i = 0; i < n; i++) {
        avro_value_t src, dst;
        const char *name;
        avro_value_get_by_index(&p->direct, i, &src, &name);
        avro_value_get_by_name(&p->reader_value, name, &dst, NULL);
        avro_value_copy_fast(&dst, &src);   /* same field schemas by construction */
    }
}

/* The plan of a wire record's writer id, and its writer schema. */
static sl_err plan_of(sl_avro_decoder *dec, const uint8_t *data, size_t len, writer_plan **p,
                      avro_schema_t *writer, char *reason, size_t reason_size) {
    int32_t id;
    sl_err err = sl_avro_wire_header_read(data, len, &id, reason, reason_size);
    if (!err) err = find_plan(dec, id, p, reason, reason_size);
    if (!err) err = sl_avro_registry_lookup(dec->reg, id, writer, reason, reason_size);
    return err;
}

sl_err sl_avro_decoder_writer(sl_avro_decoder *dec, const uint8_t *data, size_t len, avro_schema_t *writer,
                              void ***typed, char *reason, size_t reason_size) {
    writer_plan *p;
    sl_err err = plan_of(dec, data, len, &p, writer, reason, reason_size);
    if (!err) *typed = &p->typed;
    return err;
}

avro_schema_t sl_avro_decoder_reader(const sl_avro_decoder *dec) { return dec->reader; }

sl_err sl_avro_decoder_read(sl_avro_decoder *dec, const uint8_t *data, size_t len,
                            avro_value_t **value, char *reason, size_t reason_size) {
    writer_plan *p;
    avro_schema_t writer;
    sl_err err = plan_of(dec, data, len, &p, &writer, reason, reason_size);
    const uint8_t *body = data + SL_AVRO_WIRE_HEADER;
    size_t body_len = len - SL_AVRO_WIRE_HEADER;
    if (!err) err = sl_avro_body_check(writer, body, body_len, reason, reason_size);
    if (err) return err;
    avro_reader_memory_set_source(dec->mem, (const char *)body, (int64_t)body_len);
    avro_value_reset(&p->direct);
    if (avro_value_read(dec->mem, p->resolver ? &p->resolved : &p->direct) != 0)
        return sl_errf(SL_ERR_CORRUPT, reason, reason_size, "corrupt Avro body: %s (schema id %d)",
                       avro_strerror(), (int)p->id);
    if (p->copy_fields) copy_projected(p);
    *value = p->copy_fields ? &p->reader_value : &p->direct;
    return SL_OK;
}
