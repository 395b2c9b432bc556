/* result_json.h -- the JSON-lines form of results, shared by every sink.
 *
 * One line per record, fixed field order, doubles with 17 significant digits
 * so that a value survives a round trip exactly. See docs/metrics.md. */
#ifndef SL_RESULT_JSON_H
#define SL_RESULT_JSON_H

#include <stddef.h>

#include "engine/batch.h"
#include "engine/record.h"

/* Each writes one line (no newline) into buf and returns the length it needs;
 * when that is ≥ cap, buf holds a truncated prefix: retry with more room. */
size_t sl_page_stats_to_json(const sl_page_stats *s, char *buf, size_t cap);
size_t sl_top_pages_to_json(const sl_top_pages *t, char *buf, size_t cap);
size_t sl_late_event_to_json(const sl_late_event *l, char *buf, size_t cap);
size_t sl_dead_letter_to_json(const sl_dead_letter *d, char *buf, size_t cap);

/* Any result kind (page stats, Top-N, late event, dead letter). */
size_t sl_record_to_json(sl_batch_kind kind, const void *record, char *buf, size_t cap);

/* A reusable line buffer: the JSON of one record, grown as needed. */
typedef struct sl_json_line {
    char *text;
    size_t cap;
} sl_json_line;
/* The record's JSON line (no newline) and its length; valid until the next call. */
const char *sl_json_line_of(sl_json_line *line, sl_batch_kind kind, const void *record, size_t *len);
void sl_json_line_free(sl_json_line *line);

/* A JSON string literal (quotes included) for s, or null. */
size_t sl_json_quote(sl_str s, char *buf, size_t cap);

#endif
