/* encoder.c -- write one Avro value in the Confluent wire format, reusing the value and writer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avro/avro_serde.h"
#include "avro/body_write.h"
#include "engine/operator.h"   /* sl_buf */

struct sl_avro_encoder {
    avro_schema_t schema;
    avro_value_iface_t *iface;
    avro_value_t value;           /* filled by the caller, reused for every record */
    avro_writer_t writer;         /* memory writer re-pointed at each caller buffer */
    int32_t id;
    char record_name[64];
    sl_buf scratch;               /* NUL-terminated copies for avro-c's string setter */
    enum { LAYOUT_UNCHECKED, LAYOUT_OTHER, LAYOUT_MATCHES } layout;
};

sl_err sl_avro_encoder_new(sl_avro_registry *reg, const char *record_name,
                           sl_avro_encoder **out, char *errstr, size_t errstr_size) {
    int32_t id;
    sl_err err = sl_avro_registry_id_of(reg, record_name, &id, errstr, errstr_size);
    if (err) return err;
    sl_avro_encoder *enc = calloc(1, sizeof(*enc));
    if ((err = sl_avro_schema_load(record_name, &enc->schema, errstr, errstr_size))) {
        free(enc);
        return err;
    }
    static const char no_buffer_yet[1];
    enc->id = id;
    snprintf(enc->record_name, sizeof(enc->record_name), "%s", record_name);
    enc->iface = avro_generic_class_from_schema(enc->schema);
    avro_generic_value_new(enc->iface, &enc->value);
    enc->writer = avro_writer_memory(no_buffer_yet, 0);
    *out = enc;
    return SL_OK;
}

void sl_avro_encoder_free(sl_avro_encoder *enc) {
    if (!enc) return;
    avro_value_decref(&enc->value);
    avro_value_iface_decref(enc->iface);
    avro_schema_decref(enc->schema);
    avro_writer_free(enc->writer);
    sl_buf_free(&enc->scratch);
    free(enc);
}

avro_value_t *sl_avro_encoder_value(sl_avro_encoder *enc) { return &enc->value; }
int32_t sl_avro_encoder_schema_id(const sl_avro_encoder *enc) { return enc->id; }

static sl_err too_small(const sl_avro_encoder *enc, size_t need, size_t cap, char *errstr, size_t errstr_size) {
    return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                   "%s record needs %zu bytes, the buffer has %zu (retry with a larger one)", enc->record_name, need,
                   cap);
}

sl_err sl_avro_encoder_write(sl_avro_encoder *enc, uint8_t *buf, size_t cap, size_t *len,
                             char *errstr, size_t errstr_size) {
    size_t body = 0;
    if (avro_value_sizeof(&enc->value, &body) != 0)
        return sl_errf(SL_ERR_INTERNAL, errstr, errstr_size, "cannot size the %s record: %s",
                       enc->record_name, avro_strerror());
    *len = SL_AVRO_WIRE_HEADER + body;
    if (*len > cap) return too_small(enc, *len, cap, errstr, errstr_size);
    sl_avro_wire_header_write(buf, enc->id);
    avro_writer_memory_set_dest(enc->writer, (const char *)buf + SL_AVRO_WIRE_HEADER, (int64_t)body);
    if (avro_value_write(enc->writer, &enc->value) != 0)
        return sl_errf(SL_ERR_INTERNAL, errstr, errstr_size, "cannot write the %s record: %s",
                       enc->record_name, avro_strerror());
    return SL_OK;
}

bool sl_avro_encoder_layout_is(sl_avro_encoder *enc, const sl_avro_field_layout *fields, size_t n) {
    if (enc->layout == LAYOUT_UNCHECKED) {
        bool same = avro_typeof(enc->schema) == AVRO_RECORD && avro_schema_record_size(enc->schema) == n;
        for (size_t i = 0; same && i < n; i++)
            same = !strcmp(avro_schema_record_field_name(enc->schema, (int)i), fields[i].name) &&
                   avro_typeof(avro_schema_record_field_get_by_index(enc->schema, (int)i)) == fields[i].type;
        enc->layout = same ? LAYOUT_MATCHES : LAYOUT_OTHER;
    }
    return enc->layout == LAYOUT_MATCHES;
}

sl_avro_body sl_avro_body_begin(const sl_avro_encoder *enc, uint8_t *buf, size_t cap) {
    if (cap >= SL_AVRO_WIRE_HEADER) sl_avro_wire_header_write(buf, enc->id);
    return (sl_avro_body){buf, cap, SL_AVRO_WIRE_HEADER};
}

sl_err sl_avro_body_end(const sl_avro_encoder *enc, const sl_avro_body *b, size_t *len, char *errstr,
                        size_t errstr_size) {
    *len = b->len;
    return b->len > b->cap ? too_small(enc, b->len, b->cap, errstr, errstr_size) : SL_OK;
}

avro_value_t sl_avro_field(avro_value_t *rec, const char *name) {
    avro_value_t field = {0};
    if (avro_value_get_by_name(rec, name, &field, NULL) != 0) {
        fprintf(stderr, "sluice: bug: Avro schema %s has no field '%s'\n",
                avro_schema_name(avro_value_get_schema(rec)), name);
        abort();
    }
    return field;
}

/* avro-c's string setter copies size bytes and counts the final NUL in size,
 * so the source must be NUL-terminated: copy through the scratch buffer. */
static void set_str(sl_avro_encoder *enc, avro_value_t *field, sl_str s) {
    if (avro_value_get_type(field) == AVRO_BYTES) {
        avro_value_set_bytes(field, (void *)(s.ptr ? s.ptr : ""), s.len);
        return;
    }
    enc->scratch.len = 0;
    sl_buf_append(&enc->scratch, s.ptr, s.len);
    sl_buf_append(&enc->scratch, "", 1);
    avro_value_set_string_len(field, (const char *)enc->scratch.data, enc->scratch.len);
}

void sl_avro_put_str(sl_avro_encoder *enc, avro_value_t *rec, const char *name, sl_str s) {
    avro_value_t f = sl_avro_field(rec, name);
    set_str(enc, &f, s);
}

void sl_avro_put_nullable(sl_avro_encoder *enc, avro_value_t *rec, const char *name, sl_str s) {
    avro_value_t f = sl_avro_field(rec, name);
    avro_schema_t u = avro_value_get_schema(&f);
    for (size_t i = 0; i < avro_schema_union_size(u); i++) {
        bool is_null = avro_typeof(avro_schema_union_branch(u, (int)i)) == AVRO_NULL;
        if (is_null != (s.ptr == NULL)) continue;
        avro_value_t branch;
        avro_value_set_branch(&f, (int)i, &branch);
        if (is_null) avro_value_set_null(&branch);
        else set_str(enc, &branch, s);
        return;
    }
}

void sl_avro_put_long(avro_value_t *rec, const char *name, int64_t v) {
    avro_value_t f = sl_avro_field(rec, name);
    avro_value_set_long(&f, v);
}

void sl_avro_put_double(avro_value_t *rec, const char *name, double v) {
    avro_value_t f = sl_avro_field(rec, name);
    avro_value_set_double(&f, v);
}
