/* event_json_scan.h -- a fast scanner for well-formed clickstream event lines, with no JSON tree.
 *
 * jansson builds a tree for every line (an allocation per string and per
 * object member, a hash table per object) and that parse is most of the cost
 * of a JSON event (bench/README.md, "Decoding"). This scanner reads the
 * event's fields straight out of the line, but only for a strict subset of
 * JSON whose meaning it fully knows: one object of the schema's fields (any
 * order, each at most once), string values of printable ASCII without
 * escapes, integers of at most 18 digits, null, and JSON whitespace. Anything
 * else -- escapes, non-ASCII bytes, reals, booleans, nesting, unknown or
 * repeated keys, a missing required field, a value of the wrong type,
 * trailing bytes -- is declined, and the caller decodes the line with
 * jansson as before. So every line the scanner accepts is one the jansson
 * path accepts with the same field values, and every rejection (with its
 * reason sentence and dead-letter kind) still comes from the jansson path.
 * tests/fuzz/fuzz_event_json_scan.c checks this against jansson. */
#ifndef SL_EVENT_JSON_SCAN_H
#define SL_EVENT_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/arena.h"
#include "engine/record.h"

/* Fill ev's decoded fields from line (strings copied into arena) and return
 * true, or return false (ev and arena contents unspecified) when the line is
 * outside the subset. Validation (sl_event_validate) and derived fields are
 * the caller's, as on the jansson path. */
bool sl_event_json_scan(const char *line, size_t len, sl_event *ev, sl_arena *arena);

#endif
