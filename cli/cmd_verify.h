/* cmd_verify.h -- the batch oracle behind `sluice verify`: its shared types.
 *
 * The oracle recomputes the job's results from the input events with none of
 * the streaming code (no windows, operators or sketches from engine/ or
 * operators/), so that a bug there cannot hide itself. It is split by concept:
 *   cmd_verify.c          the command: options, order of work, summary, exit code
 *   cmd_verify_strings.c  interning of pages, users, sessions and event ids
 *   cmd_verify_events.c   reading the events and the late side output
 *   cmd_verify_results.c  reading the engine's results (last occurrence wins)
 *   cmd_verify_windows.c  computing every window's expected records from scratch
 *   cmd_verify_compare.c  comparing expected with actual records and reporting
 * The metric definitions it implements are in docs/metrics.md. */
#ifndef SL_CMD_VERIFY_H
#define SL_CMD_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/arena.h"
#include "engine/error.h"

/* ---- parameters (window.*, topn.*, source.* limits) ---- */

typedef struct sl_verify_params {
    int64_t size_ms, slide_ms, lateness_ms;
    int64_t top_n;
    double trending_factor;
    int64_t min_timestamp_ms;     /* events before this are invalid */
    int64_t max_timestamp_ms;     /* now + source.max_future_ms */
    size_t max_record_bytes;
} sl_verify_params;

/* Call fn for every non-empty line of a JSON-lines file (newline stripped,
 * lineno 1-based); fails only when the file cannot be read. */
typedef void (*sl_verify_line_fn)(const char *line, size_t len, size_t lineno, void *ctx);
sl_err sl_verify_each_line(const char *path, sl_verify_line_fn fn, void *ctx, char *errstr, size_t errstr_size);

/* ---- interned strings: equal bytes get the same dense id ---- */

typedef struct sl_verify_strings {
    sl_arena arena;
    const char **ptr;
    uint32_t *len;
    uint32_t count, cap;
    uint32_t *slots;              /* open addressing: id + 1, 0 = empty */
    uint32_t slot_cap;
} sl_verify_strings;

void sl_verify_strings_init(sl_verify_strings *s);
void sl_verify_strings_free(sl_verify_strings *s);
uint32_t sl_verify_strings_intern(sl_verify_strings *s, const char *p, size_t n);
bool sl_verify_strings_find(const sl_verify_strings *s, const char *p, size_t n, uint32_t *id);
/* rank[id] = position of string id in bytewise order (caller frees). */
uint32_t *sl_verify_strings_ranks(const sl_verify_strings *s);

/* ---- problems: the first SL_VERIFY_SHOWN are printed, the rest counted ---- */

#define SL_VERIFY_SHOWN 50

typedef struct sl_verify_report {
    uint64_t mismatches, missing, extra;
    uint64_t invalid_results;     /* result lines that are not well-formed records */
    uint64_t late_unmatched;      /* late records that match no input event */
    uint64_t printed, suppressed;
} sl_verify_report;

void sl_verify_problem(sl_verify_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool sl_verify_report_ok(const sl_verify_report *r);

/* ---- events ---- */

enum { SL_VERIFY_VIEW, SL_VERIFY_CLICK, SL_VERIFY_CART, SL_VERIFY_PURCHASE, SL_VERIFY_SEARCH };

typedef struct sl_verify_event {
    int64_t ts;
    int64_t late_watermark;       /* valid when late */
    uint32_t page, user, session, id;
    uint8_t type;
    bool late;
} sl_verify_event;

typedef struct sl_verify_events {
    sl_verify_event *ev;
    size_t count, cap;
    sl_verify_strings pages, users, sessions, ids;
    uint64_t lines, invalid, late_records;
} sl_verify_events;

void sl_verify_events_init(sl_verify_events *e);
void sl_verify_events_free(sl_verify_events *e);
/* Read the events file; invalid lines are noted on stderr and counted.
 * keep_ids interns event ids (needed to match late records). Fails only
 * when the file cannot be read. */
sl_err sl_verify_events_load(sl_verify_events *e, const sl_verify_params *p, const char *path,
                             bool keep_ids, char *errstr, size_t errstr_size);
/* Mark the events named by the late side output (before sorting). */
sl_err sl_verify_late_load(sl_verify_events *e, const char *path, sl_verify_report *r,
                           char *errstr, size_t errstr_size);
void sl_verify_events_sort(sl_verify_events *e);

/* ---- records: expected (computed) and actual (read) alike ---- */

#define SL_VERIFY_NO_PAGE UINT32_MAX   /* the page of a top_pages record */

typedef struct sl_verify_top_entry {
    uint32_t page;
    uint64_t view_count;
    int64_t rank;
    bool trending;
} sl_verify_top_entry;

typedef struct sl_verify_record {
    int64_t start, end;
    uint32_t page;                /* SL_VERIFY_NO_PAGE for top_pages */
    uint64_t view_count, unique_users, click_count, cart_count, conversion_count;
    double engagement_rate, bounce_rate, avg_session_duration;
    sl_verify_top_entry *top;
    uint32_t top_count;
    size_t line;                  /* results line of an actual record */
    bool matched;                 /* an expected record claimed it */
} sl_verify_record;

typedef struct sl_verify_results {
    sl_verify_record *rec;
    size_t count, cap;
    uint32_t *slots;              /* (start, page) → index + 1 */
    size_t slot_cap;
    sl_arena arena;               /* top_pages entries */
    uint64_t lines, other, superseded;
} sl_verify_results;

void sl_verify_results_init(sl_verify_results *res);
void sl_verify_results_free(sl_verify_results *res);
/* Pages are interned into `pages` so they compare with the events' ids. */
sl_err sl_verify_results_load(sl_verify_results *res, const char *path, sl_verify_strings *pages,
                              sl_verify_report *r, char *errstr, size_t errstr_size);
sl_verify_record *sl_verify_results_find(sl_verify_results *res, int64_t start, uint32_t page);

/* ---- windows ---- */

typedef struct sl_verify_window {
    int64_t start, end;
    const sl_verify_record *pages;   /* one per page with events, in page order */
    uint32_t page_count;
    const sl_verify_record *top;
} sl_verify_window;

typedef void (*sl_verify_window_fn)(const sl_verify_window *w, void *opaque);

/* Call fn for every window with at least one (non-excluded) event, in order
 * of window start; events must be sorted. Returns the number of windows. */
uint64_t sl_verify_sweep(const sl_verify_events *e, const uint32_t *page_rank,
                         const sl_verify_params *p, sl_verify_window_fn fn, void *opaque);

/* ---- comparison ---- */

typedef struct sl_verify_compare {
    sl_verify_results *results;
    const sl_verify_strings *pages;
    sl_verify_report *report;
    bool exact_users;             /* unique_users with no tolerance */
    uint64_t windows, records;
} sl_verify_compare;

void sl_verify_compare_window(const sl_verify_window *w, void *compare);
/* Report every actual record no expected record claimed. */
void sl_verify_compare_extras(sl_verify_compare *c);

#endif
