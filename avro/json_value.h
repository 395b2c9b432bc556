/* json_value.h -- plain JSON (jansson) <-> avro-c values, driven by the value's schema. */
#ifndef SL_AVRO_JSON_VALUE_H
#define SL_AVRO_JSON_VALUE_H

#include <avro.h>
#include <jansson.h>

#include "engine/error.h"

/* Set value (already reset) from j; errstr names the field path that failed. */
sl_err sl_avro_value_from_json(avro_value_t *value, json_t *j, char *errstr, size_t errstr_size);
/* A new reference, or NULL when a string is not valid UTF-8 or a type is unsupported. */
json_t *sl_avro_value_to_json(const avro_value_t *value);

#endif
