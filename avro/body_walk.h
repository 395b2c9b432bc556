/* body_walk.h -- a bounds-checked cursor over an Avro binary body (internal to avro/).
 *
 * body_check.c walks a whole body with it before avro-c reads the body;
 * event_avro.c's direct path reads ClickstreamEvent fields with it, so both
 * give the same "truncated Avro body: …" / "corrupt Avro body: …" reasons. */
#ifndef SL_AVRO_BODY_WALK_H
#define SL_AVRO_BODY_WALK_H

#include "avro/avro_serde.h"

typedef struct sl_avro_cursor {
    const uint8_t *p, *end;
    const char *field;               /* innermost record field, for messages */
    char *reason;
    size_t reason_size;
} sl_avro_cursor;

/* A zig-zag varint of at most max_bytes bytes (5 for int, 10 for long). */
sl_err sl_avro_walk_varint(sl_avro_cursor *c, int max_bytes, int64_t *out);
/* A length-prefixed string or bytes: where its bytes are, and how many. */
sl_err sl_avro_walk_length_prefixed(sl_avro_cursor *c, const char *what, const uint8_t **bytes, size_t *len);
/* An index (enum symbol or union branch) that must lie in [0, count). */
sl_err sl_avro_walk_index(sl_avro_cursor *c, int max_bytes, int64_t count, const char *what, int64_t *out);
/* Pass over one value of schema s, checking it. */
sl_err sl_avro_walk_value(sl_avro_cursor *c, avro_schema_t s, int depth);
/* The body must end where the writer's record ended. */
sl_err sl_avro_walk_end(const sl_avro_cursor *c, avro_schema_t writer);

#endif
