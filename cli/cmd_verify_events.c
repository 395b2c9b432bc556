/* cmd_verify_events.c -- the oracle's inputs: the events file and the late side output. */
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_verify.h"

/* Invalid input lines are expected (the engine dead-letters them): the first
 * few are shown so a wrong file is obvious, the rest only counted. */
#define NOTES_SHOWN 10

static const char *const TYPE_NAMES[] = {"VIEW", "CLICK", "ADD_TO_CART", "PURCHASE", "SEARCH"};

void sl_verify_events_init(sl_verify_events *e) {
    memset(e, 0, sizeof(*e));
    sl_verify_strings_init(&e->pages);
    sl_verify_strings_init(&e->users);
    sl_verify_strings_init(&e->sessions);
    sl_verify_strings_init(&e->ids);
}

void sl_verify_events_free(sl_verify_events *e) {
    free(e->ev);
    sl_verify_strings_free(&e->pages);
    sl_verify_strings_free(&e->users);
    sl_verify_strings_free(&e->sessions);
    sl_verify_strings_free(&e->ids);
}

/* A string field: required (never null) unless nullable. */
static bool get_string(json_t *obj, const char *name, bool nullable, const char **p, size_t *n,
                       char *why, size_t why_size) {
    json_t *v = json_object_get(obj, name);
    if (nullable && (!v || json_is_null(v))) {
        *p = NULL;
        *n = 0;
        return true;
    }
    if (!json_is_string(v)) {
        snprintf(why, why_size, "field '%s' is %s, expected a string", name, v ? "not a string" : "missing");
        return false;
    }
    *p = json_string_value(v);
    *n = json_string_length(v);
    return true;
}

static bool get_integer(json_t *obj, const char *name, int64_t *out, char *why, size_t why_size) {
    json_t *v = json_object_get(obj, name);
    if (!json_is_integer(v)) {
        snprintf(why, why_size, "field '%s' is %s, expected an integer", name, v ? "not an integer" : "missing");
        return false;
    }
    *out = (int64_t)json_integer_value(v);
    return true;
}

/* Decode and validate one event object; strings are interned into e. */
static bool parse_event(sl_verify_events *e, json_t *obj, const sl_verify_params *p, bool keep_id,
                        sl_verify_event *out, char *why, size_t why_size) {
    if (!json_is_object(obj)) {
        snprintf(why, why_size, "not a JSON object");
        return false;
    }
    const char *id, *user, *session, *page, *type, *ip, *agent, *product, *referrer;
    size_t id_n, user_n, session_n, page_n, type_n, ip_n, agent_n, product_n, referrer_n;
    int64_t duration;
    if (!get_string(obj, "event_id", false, &id, &id_n, why, why_size) ||
        !get_string(obj, "user_id", false, &user, &user_n, why, why_size) ||
        !get_string(obj, "session_id", false, &session, &session_n, why, why_size) ||
        !get_string(obj, "event_type", false, &type, &type_n, why, why_size) ||
        !get_string(obj, "page", false, &page, &page_n, why, why_size) ||
        !get_string(obj, "product_id", true, &product, &product_n, why, why_size) ||
        !get_string(obj, "ip", false, &ip, &ip_n, why, why_size) ||
        !get_string(obj, "user_agent", false, &agent, &agent_n, why, why_size) ||
        !get_string(obj, "referrer", true, &referrer, &referrer_n, why, why_size) ||
        !get_integer(obj, "timestamp", &out->ts, why, why_size) ||
        !get_integer(obj, "session_duration", &duration, why, why_size))
        return false;
    int t = -1;
    for (int i = 0; i < 5; i++)
        if (strlen(TYPE_NAMES[i]) == type_n && !memcmp(TYPE_NAMES[i], type, type_n)) t = i;
    if (t < 0) {
        snprintf(why, why_size, "event_type '%.40s' is not VIEW, CLICK, ADD_TO_CART, PURCHASE or SEARCH", type);
        return false;
    }
    if (out->ts < p->min_timestamp_ms || out->ts > p->max_timestamp_ms) {
        snprintf(why, why_size, "timestamp %" PRId64 " is outside [%" PRId64 ", %" PRId64 "]", out->ts,
                 p->min_timestamp_ms, p->max_timestamp_ms);
        return false;
    }
    out->type = (uint8_t)t;
    out->page = sl_verify_strings_intern(&e->pages, page, page_n);
    out->user = sl_verify_strings_intern(&e->users, user, user_n);
    out->session = sl_verify_strings_intern(&e->sessions, session, session_n);
    out->id = keep_id ? sl_verify_strings_intern(&e->ids, id, id_n) : 0;
    out->late = false;
    out->late_watermark = 0;
    return true;
}

typedef struct events_ctx {
    sl_verify_events *e;
    const sl_verify_params *p;
    const char *path;
    bool keep_ids;
} events_ctx;

static void event_line(const char *line, size_t len, size_t lineno, void *opaque) {
    events_ctx *c = opaque;
    sl_verify_events *e = c->e;
    e->lines++;
    char why[256] = "";
    sl_verify_event ev;
    json_error_t jerr;
    json_t *obj = NULL;
    bool ok;
    if (len > c->p->max_record_bytes) {
        snprintf(why, sizeof(why), "%zu bytes is more than source.max_record_bytes", len);
        ok = false;
    } else if (!(obj = json_loadb(line, len, JSON_ALLOW_NUL, &jerr))) {
        snprintf(why, sizeof(why), "not JSON: %.160s", jerr.text);
        ok = false;
    } else {
        ok = parse_event(e, obj, c->p, c->keep_ids, &ev, why, sizeof(why));
    }
    json_decref(obj);
    if (!ok) {
        if (e->invalid++ < NOTES_SHOWN)
            fprintf(stderr, "note: %s:%zu: invalid event ignored: %s\n", c->path, lineno, why);
        return;
    }
    if (e->count == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 4096;
        e->ev = realloc(e->ev, e->cap * sizeof(*e->ev));
        if (!e->ev) abort();
    }
    e->ev[e->count++] = ev;
}

sl_err sl_verify_events_load(sl_verify_events *e, const sl_verify_params *p, const char *path,
                             bool keep_ids, char *errstr, size_t errstr_size) {
    events_ctx c = {e, p, path, keep_ids};
    return sl_verify_each_line(path, event_line, &c, errstr, errstr_size);
}

/* ---- the late side output ---- */

typedef struct late_ctx {
    sl_verify_events *e;
    sl_verify_report *r;
    const char *path;
    uint32_t *first_with_id;      /* event id → first event index + 1 */
    uint32_t *next_with_id;       /* event index → next event with the same id + 1 */
} late_ctx;

static void link_ids(late_ctx *c) {
    sl_verify_events *e = c->e;
    c->first_with_id = calloc(e->ids.count + 1, sizeof(uint32_t));
    c->next_with_id = calloc(e->count + 1, sizeof(uint32_t));
    if (!c->first_with_id || !c->next_with_id) abort();
    for (size_t i = e->count; i-- > 0;) {   /* backwards, so chains run in file order */
        c->next_with_id[i] = c->first_with_id[e->ev[i].id];
        c->first_with_id[e->ev[i].id] = (uint32_t)i + 1;
    }
}

static void late_line(const char *line, size_t len, size_t lineno, void *opaque) {
    late_ctx *c = opaque;
    c->e->late_records++;
    json_error_t jerr;
    json_t *obj = json_loadb(line, len, JSON_ALLOW_NUL, &jerr);
    json_t *wm = json_object_get(obj, "watermark"), *ev = json_object_get(obj, "event");
    const char *id = json_string_value(json_object_get(ev, "event_id"));
    json_t *ts = json_object_get(ev, "timestamp");
    const char *type = json_string_value(json_object_get(obj, "type"));
    if (!obj || !type || strcmp(type, "late_event") || !json_is_integer(wm) || !id || !json_is_integer(ts)) {
        c->r->late_unmatched++;
        sl_verify_problem(c->r, "late: %s:%zu: not a late_event record with an integer watermark and an "
                          "event with event_id and timestamp", c->path, lineno);
        json_decref(obj);
        return;
    }
    uint32_t idn, i = 0;
    if (sl_verify_strings_find(&c->e->ids, id, json_string_length(json_object_get(ev, "event_id")), &idn))
        for (i = c->first_with_id[idn]; i && c->e->ev[i - 1].late; i = c->next_with_id[i - 1]) continue;
    if (!i) {
        c->r->late_unmatched++;
        sl_verify_problem(c->r, "late: %s:%zu: event_id \"%s\" matches no input event (or was already reported late)",
                          c->path, lineno, id);
    } else if (c->e->ev[i - 1].ts != (int64_t)json_integer_value(ts)) {
        c->r->late_unmatched++;
        sl_verify_problem(c->r, "late: %s:%zu: event_id \"%s\" has timestamp %" PRId64 " but the input event has %" PRId64,
                          c->path, lineno, id, (int64_t)json_integer_value(ts), c->e->ev[i - 1].ts);
    } else {
        c->e->ev[i - 1].late = true;
        c->e->ev[i - 1].late_watermark = (int64_t)json_integer_value(wm);
    }
    json_decref(obj);
}

sl_err sl_verify_late_load(sl_verify_events *e, const char *path, sl_verify_report *r,
                           char *errstr, size_t errstr_size) {
    late_ctx c = {e, r, path, NULL, NULL};
    link_ids(&c);
    sl_err err = sl_verify_each_line(path, late_line, &c, errstr, errstr_size);
    free(c.first_with_id);
    free(c.next_with_id);
    return err;
}

static int cmp_time(const void *a, const void *b) {
    const sl_verify_event *x = a, *y = b;
    return x->ts < y->ts ? -1 : x->ts > y->ts;
}

void sl_verify_events_sort(sl_verify_events *e) {
    if (e->count) qsort(e->ev, e->count, sizeof(*e->ev), cmp_time);   /* ev is NULL when empty */
}
