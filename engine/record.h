/* record.h -- the records that flow between sluice operators.
 *
 * Strings are (pointer, length) views into the owning batch's arena or into
 * static tables; they are never freed one by one. A NULL ptr means the field
 * is null (JSON null / Avro null branch). */
#ifndef SL_RECORD_H
#define SL_RECORD_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef struct sl_str {
    const char *ptr;
    uint32_t len;
} sl_str;

#define SL_STR_NULL ((sl_str){NULL, 0})
static inline sl_str sl_str_c(const char *s) { return (sl_str){s, s ? (uint32_t)strlen(s) : 0}; }
static inline bool sl_str_is_null(sl_str s) { return s.ptr == NULL; }
static inline bool sl_str_eq(sl_str a, sl_str b) {
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}
int sl_str_cmp(sl_str a, sl_str b);     /* bytewise, shorter first on a common prefix */
uint64_t sl_str_hash(sl_str s);         /* XXH3-64; stable across runs and machines */

typedef enum sl_event_type {
    SL_EVENT_VIEW = 0,
    SL_EVENT_CLICK,
    SL_EVENT_ADD_TO_CART,
    SL_EVENT_PURCHASE,
    SL_EVENT_SEARCH,
    SL_EVENT_TYPE_COUNT
} sl_event_type;

const char *sl_event_type_name(sl_event_type t);               /* "VIEW", … */
bool sl_event_type_parse(const char *s, size_t len, sl_event_type *out);

/* The event times the engine accepts: years 1 to 9999 (UTC). Sources
 * reject events outside the configured limits, which lie inside these
 * (conf.c); with spans of time bounded too (SL_SPAN_MAX_MS), a window's end
 * plus its lateness or a watermark minus its bound never overflows. */
#define SL_EVENT_TIME_MIN_MS (-62135596800000LL)   /* 0001-01-01T00:00:00Z */
#define SL_EVENT_TIME_MAX_MS 253402300799999LL     /* 9999-12-31T23:59:59.999Z */

/* One clickstream event. What the session stage reads of every event comes
 * first, in 72 bytes: it reads two cache lines of an event instead of all
 * three, and with pipelined workers those lines come from the core that
 * wrote the batch. */
typedef struct sl_event {
    int64_t timestamp_ms;          /* event time, ms since the epoch */
    /* Derived once when the event enters the engine (sl_event_derive), so no
     * operator hashes the same string twice. */
    uint64_t session_hash, page_hash, user_hash;
    sl_str session_id;
    sl_str page;
    sl_event_type event_type;
    int64_t session_duration_ms;   /* ms since the session's first event */
    sl_str event_id;               /* UUID text */
    sl_str user_id;
    sl_str product_id;             /* null unless the event concerns a product */
    sl_str ip;
    sl_str user_agent;
    sl_str referrer;               /* nullable */
} sl_event;

void sl_event_derive(sl_event *ev);

/* What the page stage reads of an event. The session stage, which needs the
 * whole event (a late one goes out whole), projects the events it accepts
 * to these in place before they go on, so the exchange by page and the page
 * stage move 48 bytes per event instead of sizeof(sl_event) = 176. */
typedef struct sl_page_event {
    int64_t timestamp_ms;
    uint64_t page_hash, user_hash;
    sl_str page;
    sl_event_type event_type;
} sl_page_event;

/* Page analytics for one (window, page): the job's main result. */
typedef struct sl_page_stats {
    int64_t window_start, window_end;
    sl_str page;
    uint64_t page_hash;
    uint64_t view_count, click_count, cart_count, conversion_count;
    uint64_t unique_users;
    double engagement_rate;        /* click_count / view_count, 0 when no views */
    double bounce_rate;            /* bounced entry sessions / entry sessions */
    double avg_session_duration;   /* ms */
} sl_page_stats;

/* Session metrics of one (window, page) contributed by one upstream subtask.
 * A re-fired window sends a new partial that replaces the earlier one from
 * the same subtask. It names the page by hash only: the page stage knows the
 * name from the page's events, which reached it, over the same channel,
 * before any partial could count them. */
typedef struct sl_session_partial {
    int64_t window_start, window_end;
    uint64_t page_hash;
    uint32_t from_subtask;
    uint64_t sessions;             /* sessions with ≥ 1 event on the page */
    int64_t duration_sum_ms;       /* Σ (latest − earliest) over those sessions */
    uint64_t entry_sessions;       /* sessions whose earliest event is on the page */
    uint64_t bounced_sessions;     /* … of which had exactly one event */
} sl_session_partial;

typedef struct sl_top_entry {
    sl_str page;
    uint64_t view_count;
    uint32_t rank;                 /* 1-based */
    bool trending;
} sl_top_entry;

/* The most pages a Top-N record may rank (topn.n): a record of 10,000
 * pages is about 600 kB of JSON, within one Kafka message of the default
 * 1 MB. */
#define SL_TOP_PAGES_MAX 10000

/* The Top-N pages of one window. */
typedef struct sl_top_pages {
    int64_t window_start, window_end;
    uint32_t count;
    sl_top_entry *entries;         /* in the batch arena */
} sl_top_pages;

/* An event that missed at least one of its windows because the watermark had
 * passed that window's end + allowed lateness. */
typedef struct sl_late_event {
    sl_event event;
    int64_t watermark;             /* the watermark that judged it late */
} sl_late_event;

/* Input that could not become a valid event (see docs/dead-letters.md). */
typedef struct sl_dead_letter {
    sl_str payload;                /* the original bytes */
    sl_str reason;                 /* a sentence: what was wrong */
    sl_str source;                 /* topic or file name */
    int32_t partition;             /* -1 for files */
    int64_t offset;                /* Kafka offset or byte offset in the file */
    int64_t time_ms;               /* when it was dead-lettered (wall clock) */
} sl_dead_letter;

#endif
