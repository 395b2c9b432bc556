/* cmd_verify_compare.c -- expected versus actual records, one problem line each. */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "cli/cmd_verify.h"

void sl_verify_problem(sl_verify_report *r, const char *fmt, ...) {
    if (r->printed >= SL_VERIFY_SHOWN) {
        r->suppressed++;
        return;
    }
    r->printed++;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

bool sl_verify_report_ok(const sl_verify_report *r) {
    return !r->mismatches && !r->missing && !r->extra && !r->invalid_results && !r->late_unmatched;
}

/* The engine's distinct count is a sketch: exact or within ±1 below 100,
 * within 2 % from there on (issue 3's bound). With --exact-users: exact. */
static uint64_t unique_users_tolerance(const sl_verify_compare *c, uint64_t exact) {
    if (c->exact_users) return 0;
    return exact < 100 ? 1 : exact / 50;   /* floor(2 % of exact): the difference is an integer */
}

static bool doubles_equal(double want, double got) {
    double diff = fabs(want - got);
    return diff <= 1e-9 || diff <= 1e-9 * fmax(fabs(want), fabs(got));
}

/* "window [s, e) page "P"" or "window [s, e) top_pages": the record's name in reports. */
static void name_record(const sl_verify_compare *c, const sl_verify_record *r, char *buf, size_t size) {
    if (r->page == SL_VERIFY_NO_PAGE) {
        snprintf(buf, size, "window [%" PRId64 ", %" PRId64 ") top_pages", r->start, r->end);
        return;
    }
    snprintf(buf, size, "window [%" PRId64 ", %" PRId64 ") page \"%.*s\"", r->start, r->end,
             (int)c->pages->len[r->page], c->pages->ptr[r->page]);
}

static void mismatch(sl_verify_compare *c, const sl_verify_record *want, const char *field,
                     const char *expected, const char *got) {
    char name[320];
    name_record(c, want, name, sizeof(name));
    c->report->mismatches++;
    sl_verify_problem(c->report, "mismatch: %s: %s expected %s, got %s", name, field, expected, got);
}

static void check_int(sl_verify_compare *c, const sl_verify_record *want, const char *field, int64_t e, int64_t g) {
    if (e == g) return;
    char es[24], gs[24];
    snprintf(es, sizeof(es), "%" PRId64, e);
    snprintf(gs, sizeof(gs), "%" PRId64, g);
    mismatch(c, want, field, es, gs);
}

/* Counts come from JSON integers, so they fit in int64_t. */
static void check_count(sl_verify_compare *c, const sl_verify_record *want, const char *field, uint64_t e,
                        uint64_t g) {
    check_int(c, want, field, (int64_t)e, (int64_t)g);
}

static void check_double(sl_verify_compare *c, const sl_verify_record *want, const char *field, double e, double g) {
    if (doubles_equal(e, g)) return;
    char es[32], gs[32];
    snprintf(es, sizeof(es), "%.17g", e);
    snprintf(gs, sizeof(gs), "%.17g", g);
    mismatch(c, want, field, es, gs);
}

static void check_page(sl_verify_compare *c, const sl_verify_record *want, const char *field, uint32_t e, uint32_t g) {
    if (e == g) return;
    char es[160], gs[160];
    snprintf(es, sizeof(es), "\"%.*s\"", (int)c->pages->len[e], c->pages->ptr[e]);
    snprintf(gs, sizeof(gs), "\"%.*s\"", (int)c->pages->len[g], c->pages->ptr[g]);
    mismatch(c, want, field, es, gs);
}

static void compare_page(sl_verify_compare *c, const sl_verify_record *want, const sl_verify_record *got) {
    check_count(c, want, "view_count", want->view_count, got->view_count);
    check_count(c, want, "click_count", want->click_count, got->click_count);
    check_count(c, want, "cart_count", want->cart_count, got->cart_count);
    check_count(c, want, "conversion_count", want->conversion_count, got->conversion_count);
    uint64_t tol = unique_users_tolerance(c, want->unique_users);
    uint64_t diff = want->unique_users > got->unique_users ? want->unique_users - got->unique_users
                                                           : got->unique_users - want->unique_users;
    if (diff > tol) {
        char es[48], gs[24];
        snprintf(es, sizeof(es), "%" PRIu64 " (±%" PRIu64 ")", want->unique_users, tol);
        snprintf(gs, sizeof(gs), "%" PRIu64, got->unique_users);
        mismatch(c, want, "unique_users", es, gs);
    }
    check_double(c, want, "engagement_rate", want->engagement_rate, got->engagement_rate);
    check_double(c, want, "bounce_rate", want->bounce_rate, got->bounce_rate);
    check_double(c, want, "avg_session_duration", want->avg_session_duration, got->avg_session_duration);
}

static void compare_top(sl_verify_compare *c, const sl_verify_record *want, const sl_verify_record *got) {
    check_count(c, want, "pages.length", want->top_count, got->top_count);
    uint32_t n = want->top_count < got->top_count ? want->top_count : got->top_count;
    for (uint32_t i = 0; i < n; i++) {
        const sl_verify_top_entry *e = &want->top[i], *g = &got->top[i];
        char field[48];
        snprintf(field, sizeof(field), "pages[%u].page", i);
        check_page(c, want, field, e->page, g->page);
        snprintf(field, sizeof(field), "pages[%u].view_count", i);
        check_count(c, want, field, e->view_count, g->view_count);
        snprintf(field, sizeof(field), "pages[%u].rank", i);
        check_int(c, want, field, e->rank, g->rank);
        snprintf(field, sizeof(field), "pages[%u].trending", i);
        if (e->trending != g->trending)
            mismatch(c, want, field, e->trending ? "true" : "false", g->trending ? "true" : "false");
    }
}

static void compare_record(sl_verify_compare *c, const sl_verify_record *want) {
    c->records++;
    sl_verify_record *got = sl_verify_results_find(c->results, want->start, want->page);
    if (!got) {
        char name[320];
        name_record(c, want, name, sizeof(name));
        c->report->missing++;
        sl_verify_problem(c->report, "missing: %s: no %s record in the results", name,
                          want->page == SL_VERIFY_NO_PAGE ? "top_pages" : "page_analytics");
        return;
    }
    got->matched = true;
    check_int(c, want, "window_end", want->end, got->end);
    if (want->page == SL_VERIFY_NO_PAGE) compare_top(c, want, got);
    else compare_page(c, want, got);
}

void sl_verify_compare_window(const sl_verify_window *w, void *compare) {
    sl_verify_compare *c = compare;
    c->windows++;
    for (uint32_t i = 0; i < w->page_count; i++) compare_record(c, &w->pages[i]);
    compare_record(c, w->top);
}

void sl_verify_compare_extras(sl_verify_compare *c) {
    for (size_t i = 0; i < c->results->count; i++) {
        const sl_verify_record *r = &c->results->rec[i];
        if (r->matched) continue;
        char name[320];
        name_record(c, r, name, sizeof(name));
        c->report->extra++;
        sl_verify_problem(c->report, "extra: %s: results line %zu has no expected counterpart (%s)", name,
                          r->line, r->page == SL_VERIFY_NO_PAGE ? "no counted event in that window"
                                                                : "no counted event on that page in that window");
    }
}
