/* json_value.c -- plain JSON <-> Avro values: `sluice avro encode|decode` and field defaults.
 *
 * The plain form is the one sluice's JSON lines use: a union is its bare value
 * (null or the branch's value), an enum is its symbol, bytes are a string of
 * code points 0-255 (as in Avro's own JSON encoding). */
#include "avro/json_value.h"

#include <stdlib.h>
#include <string.h>

#include "avro/avro_serde.h"

static sl_err mismatch(const char *path, const char *want, char *errstr, size_t errstr_size) {
    return sl_errf(SL_ERR_PARSE, errstr, errstr_size, "field '%s': expected %s", path, want);
}

/* Does JSON j fit a value of Avro type t without conversion? (for union branches) */
static bool json_fits(json_t *j, avro_type_t t) {
    switch (t) {
    case AVRO_NULL: return json_is_null(j);
    case AVRO_BOOLEAN: return json_is_boolean(j);
    case AVRO_INT32: case AVRO_INT64: return json_is_integer(j);
    case AVRO_FLOAT: case AVRO_DOUBLE: return json_is_number(j);
    case AVRO_STRING: case AVRO_BYTES: case AVRO_ENUM: case AVRO_FIXED: return json_is_string(j);
    case AVRO_RECORD: case AVRO_MAP: return json_is_object(j);
    case AVRO_ARRAY: return json_is_array(j);
    default: return false;
    }
}

static sl_err set_bytes_latin1(avro_value_t *v, json_t *j, const char *path, char *errstr, size_t errstr_size) {
    const unsigned char *s = (const unsigned char *)json_string_value(j);
    size_t n = json_string_length(j), out = 0;
    unsigned char *buf = malloc(n + 1);
    for (size_t i = 0; i < n; i++) {
        if (s[i] < 0x80) buf[out++] = s[i];
        else if ((s[i] & 0xfe) == 0xc2 && i + 1 < n) {   /* U+0080..U+00FF: two UTF-8 bytes */
            buf[out++] = (unsigned char)((s[i] & 0x03) << 6 | (s[i + 1] & 0x3f));
            i++;
        }
        else {
            free(buf);
            return mismatch(path, "bytes as a string of code points 0-255", errstr, errstr_size);
        }
    }
    int rc = avro_value_set_bytes(v, buf, out);
    free(buf);
    return rc ? mismatch(path, "bytes", errstr, errstr_size) : SL_OK;
}

static sl_err from_json(avro_value_t *v, json_t *j, const char *path, char *errstr, size_t errstr_size);

static sl_err record_from_json(avro_value_t *v, json_t *j, const char *path, char *errstr, size_t errstr_size) {
    if (!json_is_object(j)) return mismatch(path, "an object", errstr, errstr_size);
    avro_schema_t s = avro_value_get_schema(v);
    size_t n = avro_schema_record_size(s);
    for (size_t i = 0; i < n; i++) {
        const char *name = avro_schema_record_field_name(s, (int)i);
        avro_value_t field;
        avro_value_get_by_index(v, i, &field, NULL);
        json_t *fj = json_object_get(j, name);
        if (!fj) {
            /* An absent nullable field is null, as in sluice's JSON lines. */
            if (avro_value_get_type(&field) == AVRO_UNION) fj = json_null();
            else return sl_errf(SL_ERR_PARSE, errstr, errstr_size, "missing required field '%s'", name);
        }
        sl_err err = from_json(&field, fj, name, errstr, errstr_size);
        if (err) return err;
    }
    const char *key;
    json_t *val;
    json_object_foreach(j, key, val) {
        if (avro_schema_record_field_get_index(s, key) < 0)
            return sl_errf(SL_ERR_PARSE, errstr, errstr_size,
                           "field '%s' is not in schema %s (typo, or the wrong --schema?)", key,
                           avro_schema_name(s));
    }
    return SL_OK;
}

static sl_err union_from_json(avro_value_t *v, json_t *j, const char *path, char *errstr, size_t errstr_size) {
    avro_schema_t s = avro_value_get_schema(v);
    for (size_t i = 0; i < avro_schema_union_size(s); i++) {
        if (!json_fits(j, avro_typeof(avro_schema_union_branch(s, (int)i)))) continue;
        avro_value_t branch;
        avro_value_set_branch(v, (int)i, &branch);
        return from_json(&branch, j, path, errstr, errstr_size);
    }
    return mismatch(path, "a value of one of the union's types", errstr, errstr_size);
}

static sl_err list_from_json(avro_value_t *v, json_t *j, const char *path, char *errstr, size_t errstr_size) {
    bool is_map = avro_value_get_type(v) == AVRO_MAP;
    if (is_map ? !json_is_object(j) : !json_is_array(j))
        return mismatch(path, is_map ? "an object (map)" : "an array", errstr, errstr_size);
    avro_value_t item;
    sl_err err = SL_OK;
    if (is_map) {
        const char *key;
        json_t *val;
        json_object_foreach(j, key, val) {
            avro_value_add(v, key, &item, NULL, NULL);
            if ((err = from_json(&item, val, path, errstr, errstr_size))) return err;
        }
        return SL_OK;
    }
    size_t i;
    json_t *val;
    json_array_foreach(j, i, val) {
        avro_value_append(v, &item, NULL);
        if ((err = from_json(&item, val, path, errstr, errstr_size))) return err;
    }
    return SL_OK;
}

static sl_err from_json(avro_value_t *v, json_t *j, const char *path, char *errstr, size_t errstr_size) {
    avro_type_t t = avro_value_get_type(v);
    if (t != AVRO_UNION && !json_fits(j, t))
        return mismatch(path, avro_schema_type_name(avro_value_get_schema(v)), errstr, errstr_size);
    switch (t) {
    case AVRO_NULL: avro_value_set_null(v); return SL_OK;
    case AVRO_BOOLEAN: avro_value_set_boolean(v, json_is_true(j)); return SL_OK;
    case AVRO_INT32: {
        json_int_t x = json_integer_value(j);
        if (x < INT32_MIN || x > INT32_MAX) return mismatch(path, "a 32-bit int", errstr, errstr_size);
        avro_value_set_int(v, (int32_t)x);
        return SL_OK;
    }
    case AVRO_INT64: avro_value_set_long(v, json_integer_value(j)); return SL_OK;
    case AVRO_FLOAT: avro_value_set_float(v, (float)json_number_value(j)); return SL_OK;
    case AVRO_DOUBLE: avro_value_set_double(v, json_number_value(j)); return SL_OK;
    case AVRO_STRING:   /* avro-c string sizes count the terminating NUL */
        avro_value_set_string_len(v, json_string_value(j), json_string_length(j) + 1);
        return SL_OK;
    case AVRO_BYTES: return set_bytes_latin1(v, j, path, errstr, errstr_size);
    case AVRO_ENUM: {
        int sym = avro_schema_enum_get_by_name(avro_value_get_schema(v), json_string_value(j));
        if (sym < 0)
            return sl_errf(SL_ERR_PARSE, errstr, errstr_size, "field '%s': '%s' is not a symbol of enum %s",
                           path, json_string_value(j), avro_schema_name(avro_value_get_schema(v)));
        avro_value_set_enum(v, sym);
        return SL_OK;
    }
    case AVRO_UNION: return union_from_json(v, j, path, errstr, errstr_size);
    case AVRO_RECORD: return record_from_json(v, j, path, errstr, errstr_size);
    case AVRO_ARRAY: case AVRO_MAP: return list_from_json(v, j, path, errstr, errstr_size);
    default: return mismatch(path, "a type sluice's JSON form supports (not fixed)", errstr, errstr_size);
    }
}

sl_err sl_avro_value_from_json(avro_value_t *value, json_t *j, char *errstr, size_t errstr_size) {
    return from_json(value, j, "(record)", errstr, errstr_size);
}

sl_err sl_avro_value_from_json_text(avro_value_t *value, const char *json, size_t len,
                                    char *errstr, size_t errstr_size) {
    json_error_t jerr;
    json_t *j = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!j) return sl_errf(SL_ERR_PARSE, errstr, errstr_size, "not valid JSON: %s at column %d",
                           jerr.text, jerr.column);
    avro_value_reset(value);
    sl_err err = sl_avro_value_from_json(value, j, errstr, errstr_size);
    json_decref(j);
    return err;
}

static json_t *bytes_to_json(const avro_value_t *v) {
    const void *buf;
    size_t n;
    avro_value_get_bytes(v, &buf, &n);
    const unsigned char *b = buf;
    char *utf8 = malloc(2 * n + 1);
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        if (b[i] < 0x80) utf8[out++] = (char)b[i];
        else {
            utf8[out++] = (char)(0xc0 | b[i] >> 6);
            utf8[out++] = (char)(0x80 | (b[i] & 0x3f));
        }
    }
    json_t *j = json_stringn(utf8, out);
    free(utf8);
    return j;
}

/* Records (named fields) and arrays/maps (indexed children) share the walk. */
static json_t *children_to_json(const avro_value_t *v, avro_type_t t) {
    size_t n = 0;
    avro_value_get_size(v, &n);
    json_t *out = t == AVRO_ARRAY ? json_array() : json_object();
    for (size_t i = 0; i < n; i++) {
        avro_value_t child;
        const char *name = NULL;
        avro_value_get_by_index(v, i, &child, &name);
        json_t *cj = sl_avro_value_to_json(&child);
        if (!cj) {
            json_decref(out);
            return NULL;
        }
        if (t == AVRO_ARRAY) json_array_append_new(out, cj);
        else json_object_set_new(out, name, cj);
    }
    return out;
}

json_t *sl_avro_value_to_json(const avro_value_t *v) {
    avro_type_t t = avro_value_get_type(v);
    switch (t) {
    case AVRO_NULL: return json_null();
    case AVRO_BOOLEAN: { int b; avro_value_get_boolean(v, &b); return json_boolean(b); }
    case AVRO_INT32: { int32_t x; avro_value_get_int(v, &x); return json_integer(x); }
    case AVRO_INT64: { int64_t x; avro_value_get_long(v, &x); return json_integer(x); }
    case AVRO_FLOAT: { float x; avro_value_get_float(v, &x); return json_real(x); }
    case AVRO_DOUBLE: { double x; avro_value_get_double(v, &x); return json_real(x); }
    case AVRO_STRING: {
        const char *s;
        size_t n;
        avro_value_get_string(v, &s, &n);
        return json_stringn(s, n ? n - 1 : 0);
    }
    case AVRO_BYTES: return bytes_to_json(v);
    case AVRO_ENUM: {
        int sym;
        avro_value_get_enum(v, &sym);
        const char *name = avro_schema_enum_get(avro_value_get_schema(v), sym);
        return name ? json_string(name) : NULL;
    }
    case AVRO_UNION: {
        avro_value_t branch;
        if (avro_value_get_current_branch(v, &branch)) return NULL;
        return sl_avro_value_to_json(&branch);
    }
    case AVRO_RECORD: case AVRO_ARRAY: case AVRO_MAP: return children_to_json(v, t);
    default: return NULL;
    }
}

char *sl_avro_value_to_json_text(const avro_value_t *value) {
    json_t *j = sl_avro_value_to_json(value);
    if (!j) return NULL;
    char *text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
    json_decref(j);
    return text;
}
