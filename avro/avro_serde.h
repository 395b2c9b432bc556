/* avro_serde.h -- Avro in the Confluent wire format for sluice records.
 *
 * The schemas are the avro/ .avsc files, compiled into the binary at build time; the
 * C code never re-types them. A record on the wire is
 *     byte 0      magic 0x00
 *     bytes 1..4  schema id, big-endian
 *     bytes 5..   Avro binary body written with that schema
 * Ids come from an sl_avro_registry: the local registry file (avro/registry.json,
 * the default) or a Confluent-compatible Schema Registry (avro.schema_registry).
 *
 * Encoders and decoders are single-threaded objects meant to live as long as
 * the operator that uses them: they keep their Avro values and resolvers, so
 * after warm-up encoding and decoding allocate nothing per record.
 * See docs/avro.md. */
#ifndef SL_AVRO_SERDE_H
#define SL_AVRO_SERDE_H

#include <avro.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/arena.h"
#include "engine/conf.h"
#include "engine/error.h"
#include "engine/record.h"

#define SL_AVRO_NAMESPACE "io.sluice.clickstream"
#define SL_AVRO_WIRE_HEADER 5          /* magic byte + 4-byte schema id */

/* ---- schemas (avro/schemas.c) ---- */

/* The text of an embedded file ("ClickstreamEvent.avsc", "registry.json"),
 * or NULL when no such file was embedded. */
const char *sl_avro_embedded_text(const char *file_name);
/* Parse an embedded schema by record name ("ClickstreamEvent"); the caller
 * owns the returned reference (avro_schema_decref). */
sl_err sl_avro_schema_load(const char *record_name, avro_schema_t *out,
                           char *errstr, size_t errstr_size);

/* ---- wire format (avro/wire_format.c) ---- */

void sl_avro_wire_header_write(uint8_t *buf, int32_t schema_id);
/* Check the 5-byte header; reasons: "wrong magic byte 0x7b (expected 0x00: …)",
 * "truncated Confluent header: …". */
sl_err sl_avro_wire_header_read(const uint8_t *data, size_t len, int32_t *schema_id,
                                char *reason, size_t reason_size);
/* Walk an Avro body against its writer schema without allocating, checking
 * every length, index and varint: SL_ERR_CORRUPT with "truncated Avro body: …"
 * or "corrupt Avro body: …" (naming the field) when it is not exactly one
 * datum. avro-c trusts lengths in the input, so every body is checked first. */
sl_err sl_avro_body_check(avro_schema_t writer, const uint8_t *body, size_t len,
                          char *reason, size_t reason_size);

/* ---- registry (avro/registry.c, avro/schema_registry.c) ---- */

typedef struct sl_avro_registry sl_avro_registry;

/* From the avro.* keys: avro.schema_registry (none | URL), avro.registry_file,
 * avro.basic_auth, avro.ssl_ca_location, avro.ssl_verify. conf may be NULL
 * (local registry from the embedded avro/registry.json). */
sl_err sl_avro_registry_open(const sl_conf *conf, sl_avro_registry **out,
                             char *errstr, size_t errstr_size);
void sl_avro_registry_close(sl_avro_registry *reg);
/* Add a local id → schema mapping (e.g. an older version of a schema). */
sl_err sl_avro_registry_add(sl_avro_registry *reg, int32_t id, const char *schema_json,
                            char *errstr, size_t errstr_size);
/* The writer schema of an id (borrowed; lives as long as reg). Remote ids are
 * fetched once and cached. SL_ERR_NOT_FOUND: "unknown schema id 42 (…)". */
sl_err sl_avro_registry_lookup(sl_avro_registry *reg, int32_t id, avro_schema_t *schema,
                               char *errstr, size_t errstr_size);
/* The id under which records of the embedded schema `record_name` are written:
 * the local file's id, or the id the Schema Registry returns when the schema
 * is registered under subject "io.sluice.clickstream.<record_name>"
 * (RecordNameStrategy). Cached after the first call. */
sl_err sl_avro_registry_id_of(sl_avro_registry *reg, const char *record_name, int32_t *id,
                              char *errstr, size_t errstr_size);

/* ---- generic encoder / decoder (avro/encoder.c, avro/decoder.c) ---- */

typedef struct sl_avro_encoder sl_avro_encoder;
sl_err sl_avro_encoder_new(sl_avro_registry *reg, const char *record_name,
                           sl_avro_encoder **out, char *errstr, size_t errstr_size);
void sl_avro_encoder_free(sl_avro_encoder *enc);
/* The record to fill before sl_avro_encoder_write (reused across records). */
avro_value_t *sl_avro_encoder_value(sl_avro_encoder *enc);
int32_t sl_avro_encoder_schema_id(const sl_avro_encoder *enc);
/* Header + body into buf; *len is the size written, or the size needed when
 * cap is too small (then SL_ERR_INVALID_ARG). */
sl_err sl_avro_encoder_write(sl_avro_encoder *enc, uint8_t *buf, size_t cap, size_t *len,
                             char *errstr, size_t errstr_size);

/* For a record written without avro-c (avro/body_write.h): whether the
 * encoder's schema has exactly these fields, in this order, of these types
 * (checked once, then remembered; an encoder has one schema). */
typedef struct sl_avro_field_layout {
    const char *name;
    avro_type_t type;
} sl_avro_field_layout;
bool sl_avro_encoder_layout_is(sl_avro_encoder *enc, const sl_avro_field_layout *fields, size_t n);

typedef struct sl_avro_decoder sl_avro_decoder;
/* Decode into the embedded reader schema `record_name`; NULL reads every
 * record in its own writer schema. Writers whose schema differs from the
 * reader are resolved (Avro schema resolution); resolvers are cached per id. */
sl_err sl_avro_decoder_new(sl_avro_registry *reg, const char *record_name,
                           sl_avro_decoder **out, char *errstr, size_t errstr_size);
void sl_avro_decoder_free(sl_avro_decoder *dec);
/* Decode one wire record; *value is valid until the next call. */
sl_err sl_avro_decoder_read(sl_avro_decoder *dec, const uint8_t *data, size_t len,
                            avro_value_t **value, char *reason, size_t reason_size);
/* For a typed reader that reads bodies itself (event_avro.c): check a wire
 * record's header, find its writer schema, and point *typed at a slot the
 * decoder keeps per writer id for the reader's own plan (NULL at first; the
 * decoder free()s it). Errors as for sl_avro_decoder_read. */
sl_err sl_avro_decoder_writer(sl_avro_decoder *dec, const uint8_t *data, size_t len, avro_schema_t *writer,
                              void ***typed, char *reason, size_t reason_size);
/* The decoder's reader schema (borrowed), NULL when it reads every record in its writer schema. */
avro_schema_t sl_avro_decoder_reader(const sl_avro_decoder *dec);

/* ---- JSON <-> Avro values (avro/json_value.c) ---- */

/* The plain JSON form sluice uses everywhere (unions as the bare value,
 * enums as their symbol, bytes as a Latin-1 string like Avro's JSON). */
sl_err sl_avro_value_from_json_text(avro_value_t *value, const char *json, size_t len,
                                    char *errstr, size_t errstr_size);
/* Malloc'd, compact JSON text (free()), or NULL on failure. */
char *sl_avro_value_to_json_text(const avro_value_t *value);

/* ---- sluice records (avro/event_avro.c, avro/result_avro.c) ---- */

sl_err sl_avro_encode_event(sl_avro_encoder *enc, const sl_event *ev, uint8_t *buf,
                            size_t cap, size_t *len, char *errstr, size_t errstr_size);
sl_err sl_avro_encode_page_stats(sl_avro_encoder *enc, const sl_page_stats *s, uint8_t *buf,
                                 size_t cap, size_t *len, char *errstr, size_t errstr_size);
sl_err sl_avro_encode_top_pages(sl_avro_encoder *enc, const sl_top_pages *t, uint8_t *buf,
                                size_t cap, size_t *len, char *errstr, size_t errstr_size);
sl_err sl_avro_encode_dead_letter(sl_avro_encoder *enc, const sl_dead_letter *d, sl_str key,
                                  uint8_t *buf, size_t cap, size_t *len,
                                  char *errstr, size_t errstr_size);

/* Decode one wire record into ev (strings copied into arena; hashes derived).
 * Reasons as for sl_avro_decoder_read, plus "field 'x' …" when a value does
 * not fit sl_event. Does not apply sl_event_limits: sl_avro_decode_event_checked
 * (avro/event_check.c) adds sl_event_validate, as sl_event_from_json does. */
sl_err sl_avro_decode_event(sl_avro_decoder *dec, const uint8_t *data, size_t len,
                            sl_event *ev, sl_arena *arena, char *reason, size_t reason_size);
struct sl_event_limits;
sl_err sl_avro_decode_event_checked(sl_avro_decoder *dec, const uint8_t *data, size_t len,
                                    const struct sl_event_limits *lim, sl_event *ev,
                                    sl_arena *arena, char *reason, size_t reason_size);

/* Fill the encoder's value from a record without writing it (the encode_*
 * functions are fill + sl_avro_encoder_write; `sluice avro decode` uses the
 * fill to print events read through the typed path). */
sl_err sl_avro_event_fill(sl_avro_encoder *enc, const sl_event *ev, char *errstr, size_t errstr_size);
/* The same for page analytics: sl_avro_encode_page_stats writes the body
 * directly when the schema is the one it knows, and tests compare its bytes
 * with avro-c's, written from this fill. */
void sl_avro_page_stats_fill(sl_avro_encoder *enc, const sl_page_stats *s);

/* For the record fillers: set field `name` of rec. Strings need not be
 * NUL-terminated; nothing is allocated once the encoder's scratch space has
 * grown. put_nullable sets a ["null", string|bytes] union (NULL ptr = null). */
void sl_avro_put_str(sl_avro_encoder *enc, avro_value_t *rec, const char *name, sl_str s);
void sl_avro_put_nullable(sl_avro_encoder *enc, avro_value_t *rec, const char *name, sl_str s);
void sl_avro_put_long(avro_value_t *rec, const char *name, int64_t v);
void sl_avro_put_double(avro_value_t *rec, const char *name, double v);
/* rec's field `name`; the schemas are ours, so a missing name is a bug. */
avro_value_t sl_avro_field(avro_value_t *rec, const char *name);

#endif
