/* event_json.h -- clickstream events as JSON lines, and event validation.
 *
 * The JSON form has exactly the fields of avro/ClickstreamEvent.avsc:
 * {"event_id":"…","user_id":"…","session_id":"…","event_type":"VIEW",
 *  "page":"…","product_id":null,"timestamp":1767225600000,"ip":"…",
 *  "user_agent":"…","referrer":null,"session_duration":0}
 * Encoding is deterministic (fixed field order, no whitespace). */
#ifndef SL_EVENT_JSON_H
#define SL_EVENT_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "engine/arena.h"
#include "engine/error.h"
#include "engine/record.h"

/* Write one event (no trailing newline) into buf; returns the length needed
 * (nothing useful is written when it is ≥ cap). */
size_t sl_event_to_json(const sl_event *ev, char *buf, size_t cap);

/* Limits that decide whether a decoded event is valid. */
typedef struct sl_event_limits {
    int64_t min_timestamp_ms;     /* default 2000-01-01 */
    int64_t max_future_ms;        /* default one day past the wall clock */
    int64_t now_ms;               /* wall clock at decode time (0 = read the clock) */
    size_t max_record_bytes;      /* default 1 MiB */
} sl_event_limits;
void sl_event_limits_default(sl_event_limits *lim);

/* Parse one JSON line into ev (strings copied into arena) and validate it:
 * required fields present with the right types, event_type in the enum,
 * timestamp within limits, size within limits. On failure returns
 * SL_ERR_PARSE and a reason sentence such as
 * "field 'timestamp' is a string, expected an integer (ms since epoch)". */
sl_err sl_event_from_json(const char *line, size_t len, const sl_event_limits *lim,
                          sl_event *ev, sl_arena *arena, char *reason, size_t reason_size);

/* The same with jansson only, never the fast scanner (operators/event_json_scan.h):
 * the reference the scanner is fuzzed and measured against. */
sl_err sl_event_from_json_tree(const char *line, size_t len, const sl_event_limits *lim,
                               sl_event *ev, sl_arena *arena, char *reason, size_t reason_size);
/* The validation shared by every decoder (JSON and Avro). */
sl_err sl_event_validate(const sl_event *ev, const sl_event_limits *lim, char *reason, size_t reason_size);

#endif
