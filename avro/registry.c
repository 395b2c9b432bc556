/* registry.c -- schema ids <-> schemas: the local registry file or a cached Schema Registry. */
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avro/avro_serde.h"
#include "avro/schema_registry.h"

#define REGISTRY_MAX_NAMES 16

typedef struct reg_entry {
    int32_t id;
    avro_schema_t schema;
} reg_entry;

struct sl_avro_registry {
    reg_entry *entries;                  /* every id seen: local file or fetched (cache) */
    size_t count, cap;
    struct { char name[64]; int32_t id; } names[REGISTRY_MAX_NAMES];  /* record -> id cache */
    size_t n_names;
    sl_schema_registry *remote;          /* NULL: local registry only */
    char where[300];                     /* for "not in the registry" messages */
};

static reg_entry *find_id(sl_avro_registry *reg, int32_t id) {
    for (size_t i = 0; i < reg->count; i++)
        if (reg->entries[i].id == id) return &reg->entries[i];
    return NULL;
}

static void put_id(sl_avro_registry *reg, int32_t id, avro_schema_t schema) {
    if (reg->count == reg->cap) {
        reg->cap = reg->cap ? reg->cap * 2 : 8;
        reg->entries = realloc(reg->entries, reg->cap * sizeof(reg_entry));
    }
    reg->entries[reg->count++] = (reg_entry){id, schema};
}

sl_err sl_avro_registry_add(sl_avro_registry *reg, int32_t id, const char *schema_json,
                            char *errstr, size_t errstr_size) {
    if (find_id(reg, id))
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                       "schema id %d is registered twice (each id names one schema)", (int)id);
    avro_schema_t schema;
    if (avro_schema_from_json_length(schema_json, strlen(schema_json), &schema) != 0)
        return sl_errf(SL_ERR_PARSE, errstr, errstr_size,
                       "schema for id %d does not parse: %s", (int)id, avro_strerror());
    put_id(reg, id, schema);
    return SL_OK;
}

/* The text of dir/name; with or_embedded, the embedded file of that name
 * when dir has none (a registry file may name the shipped schemas). */
static char *read_schema_file(const char *dir, const char *name, bool or_embedded) {
    if (dir) {
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        FILE *f = fopen(path, "rb");
        if (f) {
            char *text = NULL;
            size_t cap = 0;
            FILE *mem = open_memstream(&text, &cap);
            char chunk[4096];
            size_t n;
            while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) fwrite(chunk, 1, n, mem);
            fclose(f);
            fclose(mem);
            return text;
        }
    }
    const char *embedded = or_embedded ? sl_avro_embedded_text(name) : NULL;
    return embedded ? strdup(embedded) : NULL;
}

/* registry JSON: {"1": "ClickstreamEvent.avsc", ...} */
static sl_err load_local(sl_avro_registry *reg, const char *text, const char *dir,
                         char *errstr, size_t errstr_size) {
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr);
    if (!json_is_object(root)) {
        json_decref(root);
        return sl_errf(SL_ERR_PARSE, errstr, errstr_size,
                       "local Avro registry %s is not a JSON object {\"id\": \"file.avsc\"}: %s",
                       reg->where, root ? "wrong type" : jerr.text);
    }
    const char *key;
    json_t *val;
    sl_err err = SL_OK;
    json_object_foreach(root, key, val) {
        char *end;
        long id = strtol(key, &end, 10);
        char *schema = json_is_string(val) ? read_schema_file(dir, json_string_value(val), true) : NULL;
        if (*end || end == key || id < 0 || id > INT32_MAX || !schema)
            err = sl_errf(SL_ERR_PARSE, errstr, errstr_size,
                          "local Avro registry %s: entry \"%s\" must map a non-negative integer id "
                          "to an existing .avsc file", reg->where, key);
        else
            err = sl_avro_registry_add(reg, (int32_t)id, schema, errstr, errstr_size);
        free(schema);
        if (err) break;
    }
    json_decref(root);
    return err;
}

static sl_err open_local(sl_avro_registry *reg, const char *file, char *errstr, size_t errstr_size) {
    if (!file) {
        snprintf(reg->where, sizeof(reg->where), "avro/registry.json (embedded)");
        return load_local(reg, sl_avro_embedded_text("registry.json"), NULL, errstr, errstr_size);
    }
    snprintf(reg->where, sizeof(reg->where), "%s", file);
    /* Schema files named in a registry file are looked up next to it first. */
    char *dir_copy = strdup(file), *base_copy = strdup(file);
    char *dir = dirname(dir_copy);
    char *text = read_schema_file(dir, basename(base_copy), false);
    sl_err err = text ? load_local(reg, text, dir, errstr, errstr_size)
                      : sl_errf(SL_ERR_IO, errstr, errstr_size,
                                "avro.registry_file: cannot read '%s' (check the path)", file);
    free(text);
    free(dir_copy);
    free(base_copy);
    return err;
}

sl_err sl_avro_registry_open(const sl_conf *conf, sl_avro_registry **out,
                             char *errstr, size_t errstr_size) {
    sl_avro_registry *reg = calloc(1, sizeof(*reg));
    const char *url = conf ? sl_conf_get(conf, "avro.schema_registry") : NULL;
    sl_err err;
    if (url && strcmp(url, "none") != 0) {
        bool verify = true;
        err = sl_conf_get_bool(conf, "avro.ssl_verify", &verify, errstr, errstr_size);
        sl_schema_registry_conf rc = {url, sl_conf_get(conf, "avro.basic_auth"),
                                      sl_conf_get(conf, "avro.ssl_ca_location"), verify};
        if (!err) err = sl_schema_registry_new(&rc, &reg->remote, errstr, errstr_size);
        snprintf(reg->where, sizeof(reg->where), "Schema Registry %s", url);
    } else {
        err = open_local(reg, conf ? sl_conf_get(conf, "avro.registry_file") : NULL,
                         errstr, errstr_size);
    }
    if (err) {
        sl_avro_registry_close(reg);
        return err;
    }
    *out = reg;
    return SL_OK;
}

void sl_avro_registry_close(sl_avro_registry *reg) {
    if (!reg) return;
    for (size_t i = 0; i < reg->count; i++) avro_schema_decref(reg->entries[i].schema);
    free(reg->entries);
    sl_schema_registry_free(reg->remote);
    free(reg);
}

sl_err sl_avro_registry_lookup(sl_avro_registry *reg, int32_t id, avro_schema_t *schema,
                               char *errstr, size_t errstr_size) {
    reg_entry *e = find_id(reg, id);
    if (e) {
        *schema = e->schema;
        return SL_OK;
    }
    if (!reg->remote)
        return sl_errf(SL_ERR_NOT_FOUND, errstr, errstr_size,
                       "unknown schema id %d (not in the registry: %s)", (int)id, reg->where);
    char *json = NULL;
    sl_err err = sl_schema_registry_fetch(reg->remote, id, &json, errstr, errstr_size);
    if (err == SL_ERR_NOT_FOUND)
        return sl_errf(SL_ERR_NOT_FOUND, errstr, errstr_size,
                       "unknown schema id %d (not in the registry: %s)", (int)id, reg->where);
    if (!err) err = sl_avro_registry_add(reg, id, json, errstr, errstr_size);
    free(json);
    if (!err) *schema = find_id(reg, id)->schema;
    return err;
}

/* Local registry: the id whose schema is exactly the embedded one. */
static sl_err local_id_of(sl_avro_registry *reg, const char *record_name, int32_t *id,
                          char *errstr, size_t errstr_size) {
    avro_schema_t want;
    sl_err err = sl_avro_schema_load(record_name, &want, errstr, errstr_size);
    if (err) return err;
    err = sl_errf(SL_ERR_NOT_FOUND, errstr, errstr_size,
                  "no schema id for %s: %s maps no id to the current avro/%s.avsc (add one)",
                  record_name, reg->where, record_name);
    for (size_t i = 0; i < reg->count; i++) {
        if (avro_schema_equal(reg->entries[i].schema, want)) {
            *id = reg->entries[i].id;
            err = SL_OK;
            break;
        }
    }
    avro_schema_decref(want);
    return err;
}

static sl_err remote_id_of(sl_avro_registry *reg, const char *record_name, int32_t *id,
                           char *errstr, size_t errstr_size) {
    char file[128], subject[192];
    snprintf(file, sizeof(file), "%s.avsc", record_name);
    snprintf(subject, sizeof(subject), SL_AVRO_NAMESPACE ".%s", record_name);   /* RecordNameStrategy */
    const char *text = sl_avro_embedded_text(file);
    if (!text)
        return sl_errf(SL_ERR_NOT_FOUND, errstr, errstr_size, "no embedded Avro schema '%s'", file);
    sl_err err = sl_schema_registry_register(reg->remote, subject, text, id, errstr, errstr_size);
    /* Remember the schema too, so decoding our own records needs no fetch. */
    if (!err && !find_id(reg, *id)) err = sl_avro_registry_add(reg, *id, text, errstr, errstr_size);
    return err;
}

sl_err sl_avro_registry_id_of(sl_avro_registry *reg, const char *record_name, int32_t *id,
                              char *errstr, size_t errstr_size) {
    for (size_t i = 0; i < reg->n_names; i++) {
        if (strcmp(reg->names[i].name, record_name) == 0) {
            *id = reg->names[i].id;
            return SL_OK;
        }
    }
    sl_err err = reg->remote ? remote_id_of(reg, record_name, id, errstr, errstr_size)
                             : local_id_of(reg, record_name, id, errstr, errstr_size);
    if (!err && reg->n_names < REGISTRY_MAX_NAMES && strlen(record_name) < sizeof(reg->names[0].name)) {
        snprintf(reg->names[reg->n_names].name, sizeof(reg->names[0].name), "%s", record_name);
        reg->names[reg->n_names++].id = *id;
    }
    return err;
}
