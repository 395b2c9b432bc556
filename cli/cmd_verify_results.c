/* cmd_verify_results.c -- the engine's results as the oracle reads them: the last record per key. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_verify.h"

/* Lines of a type the oracle does not check are shown this often, then counted. */
#define OTHER_SHOWN 5

void sl_verify_results_init(sl_verify_results *res) {
    memset(res, 0, sizeof(*res));
    sl_arena_init(&res->arena, 1 << 20);
}

void sl_verify_results_free(sl_verify_results *res) {
    free(res->rec);
    free(res->slots);
    sl_arena_free(&res->arena);
}

static size_t key_hash(int64_t start, uint32_t page) {
    uint64_t x = (uint64_t)start * 0x9E3779B97F4A7C15ull ^ ((uint64_t)page + 1) * 0xC2B2AE3D27D4EB4Full;
    x ^= x >> 31;
    x *= 0x94D049BB133111EBull;
    return (size_t)(x ^ (x >> 29));
}

/* Slot of key (start, page), or the empty slot where it belongs. */
static uint32_t *slot_of(const sl_verify_results *res, int64_t start, uint32_t page) {
    size_t mask = res->slot_cap - 1;
    for (size_t i = key_hash(start, page) & mask;; i = (i + 1) & mask) {
        uint32_t s = res->slots[i];
        if (!s || (res->rec[s - 1].start == start && res->rec[s - 1].page == page)) return &res->slots[i];
    }
}

sl_verify_record *sl_verify_results_find(sl_verify_results *res, int64_t start, uint32_t page) {
    if (!res->slot_cap) return NULL;
    uint32_t s = *slot_of(res, start, page);
    return s ? &res->rec[s - 1] : NULL;
}

static void grow(sl_verify_results *res) {
    free(res->slots);
    res->slot_cap = res->slot_cap ? res->slot_cap * 2 : 4096;
    res->slots = calloc(res->slot_cap, sizeof(uint32_t));
    if (!res->slots) abort();
    for (size_t i = 0; i < res->count; i++) *slot_of(res, res->rec[i].start, res->rec[i].page) = (uint32_t)i + 1;
}

/* Store rec; a later record with the same key replaces the earlier one (a
 * window re-fired by late events supersedes its first firing). */
static void put(sl_verify_results *res, const sl_verify_record *rec) {
    sl_verify_record *old = sl_verify_results_find(res, rec->start, rec->page);
    if (old) {
        *old = *rec;
        res->superseded++;
        return;
    }
    if (2 * (res->count + 1) > res->slot_cap) grow(res);
    if (res->count == res->cap) {
        res->cap = res->cap ? res->cap * 2 : 4096;
        res->rec = realloc(res->rec, res->cap * sizeof(*res->rec));
        if (!res->rec) abort();
    }
    res->rec[res->count] = *rec;
    *slot_of(res, rec->start, rec->page) = (uint32_t)++res->count;
}

/* ---- field readers: each names the field that is wrong ---- */

static bool count_field(json_t *o, const char *name, uint64_t *out, const char **bad) {
    json_t *v = json_object_get(o, name);
    if (!json_is_integer(v) || json_integer_value(v) < 0) return *bad = name, false;
    *out = (uint64_t)json_integer_value(v);
    return true;
}

static bool time_field(json_t *o, const char *name, int64_t *out, const char **bad) {
    json_t *v = json_object_get(o, name);
    if (!json_is_integer(v)) return *bad = name, false;
    *out = (int64_t)json_integer_value(v);
    return true;
}

static bool real_field(json_t *o, const char *name, double *out, const char **bad) {
    json_t *v = json_object_get(o, name);
    if (!json_is_number(v)) return *bad = name, false;
    *out = json_number_value(v);
    return true;
}

static bool page_field(json_t *o, sl_verify_strings *pages, uint32_t *out, const char **bad) {
    json_t *v = json_object_get(o, "page");
    if (!json_is_string(v)) return *bad = "page", false;
    *out = sl_verify_strings_intern(pages, json_string_value(v), json_string_length(v));
    return true;
}

static bool read_page_analytics(json_t *o, sl_verify_strings *pages, sl_verify_record *r, const char **bad) {
    return page_field(o, pages, &r->page, bad) && count_field(o, "view_count", &r->view_count, bad) &&
           count_field(o, "unique_users", &r->unique_users, bad) &&
           count_field(o, "click_count", &r->click_count, bad) &&
           count_field(o, "cart_count", &r->cart_count, bad) &&
           count_field(o, "conversion_count", &r->conversion_count, bad) &&
           real_field(o, "engagement_rate", &r->engagement_rate, bad) &&
           real_field(o, "bounce_rate", &r->bounce_rate, bad) &&
           real_field(o, "avg_session_duration", &r->avg_session_duration, bad);
}

static bool read_top_pages(json_t *o, sl_verify_results *res, sl_verify_strings *pages, sl_verify_record *r,
                           const char **bad) {
    json_t *list = json_object_get(o, "pages");
    if (!json_is_array(list)) return *bad = "pages", false;
    r->page = SL_VERIFY_NO_PAGE;
    r->top_count = (uint32_t)json_array_size(list);
    r->top = sl_arena_alloc(&res->arena, (r->top_count + 1) * sizeof(sl_verify_top_entry));
    for (uint32_t i = 0; i < r->top_count; i++) {
        json_t *entry = json_array_get(list, i), *trending = json_object_get(entry, "trending");
        sl_verify_top_entry *t = &r->top[i];
        if (!page_field(entry, pages, &t->page, bad) || !count_field(entry, "view_count", &t->view_count, bad) ||
            !time_field(entry, "rank", &t->rank, bad))
            return false;
        if (!json_is_boolean(trending)) return *bad = "trending", false;
        t->trending = json_is_true(trending);
    }
    return true;
}

typedef struct results_ctx {
    sl_verify_results *res;
    sl_verify_strings *pages;
    sl_verify_report *r;
    const char *path;
} results_ctx;

static void result_line(const char *line, size_t len, size_t lineno, void *opaque) {
    results_ctx *c = opaque;
    sl_verify_results *res = c->res;
    res->lines++;
    json_error_t jerr;
    json_t *o = json_loadb(line, len, JSON_ALLOW_NUL, &jerr);
    const char *type = json_string_value(json_object_get(o, "type")), *bad = NULL;
    sl_verify_record rec = {.line = lineno};
    bool ok = false;
    if (!type) {
        bad = o ? "type" : "(not JSON)";
    } else if (!strcmp(type, "page_analytics") || !strcmp(type, "top_pages")) {
        ok = time_field(o, "window_start", &rec.start, &bad) && time_field(o, "window_end", &rec.end, &bad) &&
             (type[0] == 'p' ? read_page_analytics(o, c->pages, &rec, &bad)
                             : read_top_pages(o, res, c->pages, &rec, &bad));
    } else {
        if (res->other++ < OTHER_SHOWN)
            fprintf(stderr, "note: %s:%zu: record of type '%s' not checked\n", c->path, lineno, type);
        json_decref(o);
        return;
    }
    json_decref(o);
    if (ok) {
        put(res, &rec);
        return;
    }
    c->r->invalid_results++;
    sl_verify_problem(c->r, "invalid: %s:%zu: malformed result record (field '%s' missing or of the wrong type)",
                      c->path, lineno, bad);
}

sl_err sl_verify_results_load(sl_verify_results *res, const char *path, sl_verify_strings *pages,
                              sl_verify_report *r, char *errstr, size_t errstr_size) {
    results_ctx c = {res, pages, r, path};
    return sl_verify_each_line(path, result_line, &c, errstr, errstr_size);
}
