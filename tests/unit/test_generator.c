/* test_generator.c -- the clickstream generator: determinism, traffic shape, delivery order, seek. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "operators/event_json.h"
#include "operators/generator.h"

#define MINUTE_MS 60000LL
#define HOUR_MS (60 * MINUTE_MS)

static sl_gen_conf conf_with(uint64_t seed, uint64_t events, int64_t out_of_order_ms) {
    sl_gen_conf gc;
    sl_gen_conf_default(&gc);
    gc.seed = seed;
    gc.events = events;
    gc.out_of_order_ms = out_of_order_ms;
    return gc;
}

static size_t to_json(const sl_event *ev, char *buf, size_t cap) {
    size_t n = sl_event_to_json(ev, buf, cap);
    assert_true(n < cap);
    return n;
}

/* ---- a set of 64-bit hashes, for distinct counts ---- */

typedef struct hash_set {
    uint64_t *slots;   /* 0 = empty; a real 0 hash is stored as 1 */
    size_t cap, count;
} hash_set;

static void set_init(hash_set *s, size_t expected) {
    s->cap = 16;
    while (s->cap < expected * 2) s->cap *= 2;
    s->slots = calloc(s->cap, sizeof(uint64_t));
    s->count = 0;
    assert_non_null(s->slots);
}

static void set_add(hash_set *s, uint64_t h) {
    h = h ? h : 1;
    size_t i = (size_t)(h & (s->cap - 1));
    while (s->slots[i] && s->slots[i] != h) i = (i + 1) & (s->cap - 1);
    if (!s->slots[i]) {
        s->slots[i] = h;
        s->count++;
        assert_true(s->count * 2 <= s->cap);
    }
}

static void set_free(hash_set *s) { free(s->slots); }

/* ---- determinism ---- */

static void test_same_seed_same_bytes(void **state) {
    (void)state;
    sl_gen_conf gc = conf_with(42, 200000, 3000);
    sl_gen *a = sl_gen_new(&gc), *b = sl_gen_new(&gc);
    gc.seed = 43;
    sl_gen *c = sl_gen_new(&gc);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    sl_arena arena;
    sl_arena_init(&arena, 0);
    sl_event ea, eb, ec;
    char ja[2048], jb[2048], jc[2048];
    uint64_t n = 0, differ = 0;
    while (sl_gen_next(a, &ea, &arena)) {
        assert_true(sl_gen_next(b, &eb, &arena));
        assert_true(sl_gen_next(c, &ec, &arena));
        size_t la = to_json(&ea, ja, sizeof(ja)), lb = to_json(&eb, jb, sizeof(jb));
        size_t lc = to_json(&ec, jc, sizeof(jc));
        assert_int_equal(la, lb);
        assert_memory_equal(ja, jb, la);
        differ += la != lc || memcmp(ja, jc, la) != 0;
        n++;
        sl_arena_reset(&arena);
    }
    assert_int_equal(n, 200000);
    assert_false(sl_gen_next(b, &eb, &arena));
    assert_int_equal(sl_gen_position(a), 200000);
    /* Another seed gives other traffic, not a shifted copy of the same. */
    assert_true(differ > n - n / 100);
    sl_arena_free(&arena);
    sl_gen_free(a);
    sl_gen_free(b);
    sl_gen_free(c);
}

/* ---- the shape of one million events ---- */

typedef struct user_track {
    sl_str session;            /* copy in the test's arena */
    int64_t first_ms, last_ms;
    uint64_t events;
    sl_str page;               /* page of the previous event in the session */
    bool added_to_cart;
} user_track;

typedef struct shape_stats {
    uint64_t n, by_type[SL_EVENT_TYPE_COUNT];
    uint64_t complete_sessions, single_event_sessions, long_sessions;
    int64_t first_ms, last_ms;
    hash_set users, pages, products, event_ids, sessions;
} shape_stats;

static void finish_session(shape_stats *st, const user_track *t) {
    int64_t span = t->last_ms - t->first_ms;
    st->complete_sessions++;
    if (t->events == 1) st->single_event_sessions++;
    else if (span < 15 * MINUTE_MS) fail_msg("a %llu-event session lasted only %lld ms",
                                             (unsigned long long)t->events, (long long)span);
    if (span >= 15 * MINUTE_MS) st->long_sessions++;
}

static bool has_prefix(sl_str s, const char *p) { return s.len >= strlen(p) && !memcmp(s.ptr, p, strlen(p)); }

static void check_uuid_v4(sl_str id) {
    assert_int_equal(id.len, 36);
    assert_true(id.ptr[8] == '-' && id.ptr[13] == '-' && id.ptr[18] == '-' && id.ptr[23] == '-');
    assert_int_equal(id.ptr[14], '4');
    assert_non_null(strchr("89ab", id.ptr[19]));
}

/* Checks one event against its user's session so far. */
static void track_event(shape_stats *st, user_track *t, const sl_event *ev, sl_arena *keep) {
    if (!sl_str_eq(t->session, ev->session_id)) {
        if (t->session.ptr) finish_session(st, t);
        set_add(&st->sessions, ev->session_hash);
        t->session = (sl_str){sl_arena_strndup(keep, ev->session_id.ptr, ev->session_id.len), ev->session_id.len};
        t->first_ms = ev->timestamp_ms;
        t->events = 0;
        t->added_to_cart = false;
        t->page = SL_STR_NULL;
        assert_int_equal(ev->session_duration_ms, 0);
    }
    assert_true(ev->timestamp_ms >= t->first_ms);
    assert_int_equal(ev->session_duration_ms, ev->timestamp_ms - t->first_ms);
    if (ev->timestamp_ms - t->first_ms > 45 * MINUTE_MS)
        fail_msg("session %.*s lasts more than 45 minutes", (int)ev->session_id.len, ev->session_id.ptr);
    if (ev->event_type == SL_EVENT_ADD_TO_CART) t->added_to_cart = true;
    if (ev->event_type == SL_EVENT_PURCHASE && !t->added_to_cart)
        fail_msg("PURCHASE without ADD_TO_CART in session %.*s", (int)ev->session_id.len, ev->session_id.ptr);
    if (ev->event_type == SL_EVENT_CLICK) assert_true(sl_str_eq(ev->page, t->page));   /* clicks stay on the page */
    if (t->events == 0) assert_false(has_prefix(ev->referrer, "https://shop.example.com"));
    t->page = ev->page;   /* catalog strings outlive the event */
    t->last_ms = ev->timestamp_ms;
    t->events++;
}

static void check_product_rule(const sl_event *ev) {
    bool product_event = has_prefix(ev->page, "/product/") || ev->event_type == SL_EVENT_ADD_TO_CART ||
                         ev->event_type == SL_EVENT_PURCHASE;
    if (product_event == sl_str_is_null(ev->product_id))
        fail_msg("%s on %.*s has product_id %s", sl_event_type_name(ev->event_type), (int)ev->page.len,
                 ev->page.ptr, sl_str_is_null(ev->product_id) ? "null" : "set");
}

static void assert_share(const shape_stats *st, sl_event_type t, double target, double tolerance) {
    double share = (double)st->by_type[t] / (double)st->n;
    if (share < target - tolerance || share > target + tolerance)
        fail_msg("%s is %.2f%% of events, expected %.1f%% ± %.1f", sl_event_type_name(t), 100 * share,
                 100 * target, 100 * tolerance);
}

static void test_traffic_shape(void **state) {
    (void)state;
    sl_gen_conf gc = conf_with(7, 1000000, 0);
    sl_gen *g = sl_gen_new(&gc);
    assert_non_null(g);
    shape_stats st = {0};
    set_init(&st.users, gc.users);
    set_init(&st.pages, gc.pages);
    set_init(&st.products, gc.products);
    set_init(&st.event_ids, gc.events);
    set_init(&st.sessions, 100000);
    user_track *tracks = calloc(gc.users, sizeof(user_track));
    sl_arena arena, keep;
    sl_arena_init(&arena, 0);
    sl_arena_init(&keep, 0);
    sl_event ev;
    int64_t prev_ms = INT64_MIN;
    while (sl_gen_next(g, &ev, &arena)) {
        if (st.n == 0) st.first_ms = ev.timestamp_ms;
        assert_true(ev.timestamp_ms >= prev_ms);     /* out_of_order_ms = 0: event-time order */
        prev_ms = st.last_ms = ev.timestamp_ms;
        st.n++;
        st.by_type[ev.event_type]++;
        check_uuid_v4(ev.event_id);
        check_product_rule(&ev);
        assert_false(sl_str_is_null(ev.ip));
        assert_false(sl_str_is_null(ev.user_agent));
        assert_int_equal(ev.page_hash, sl_str_hash(ev.page));
        set_add(&st.users, ev.user_hash);
        set_add(&st.pages, ev.page_hash);
        if (!sl_str_is_null(ev.product_id)) set_add(&st.products, sl_str_hash(ev.product_id));
        set_add(&st.event_ids, sl_str_hash(ev.event_id));
        unsigned long uid = strtoul(ev.user_id.ptr + strlen("user-"), NULL, 10);
        assert_true(uid < gc.users);
        track_event(&st, &tracks[uid], &ev, &keep);
        sl_arena_reset(&arena);
    }
    assert_int_equal(st.n, 1000000);
    assert_int_equal(st.event_ids.count, st.n);          /* event ids are unique */
    assert_share(&st, SL_EVENT_VIEW, 0.70 - gc.search_share, 0.03);
    assert_share(&st, SL_EVENT_SEARCH, gc.search_share, 0.01);
    assert_share(&st, SL_EVENT_CLICK, 0.20, 0.03);
    assert_share(&st, SL_EVENT_ADD_TO_CART, 0.07, 0.02);
    assert_share(&st, SL_EVENT_PURCHASE, 0.03, 0.015);
    assert_true(st.users.count <= gc.users && st.users.count > gc.users * 9 / 10);
    assert_int_equal(st.pages.count, gc.pages);
    assert_true(st.products.count <= gc.products && st.products.count > gc.products / 2);
    /* Sessions: most of those that ended within the run lasted 15–45 min. */
    assert_true(st.complete_sessions > 1000);
    assert_true(st.long_sessions > st.complete_sessions * 85 / 100);
    assert_true(st.single_event_sessions > 0);
    /* Roughly 30–80 events per second of event time. */
    double rate = (double)st.n / ((double)(st.last_ms - st.first_ms) / 1000.0);
    if (rate < 30 || rate > 80) fail_msg("%.1f events per second of event time", rate);
    assert_true(st.first_ms >= gc.start_ms);

    set_free(&st.users);
    set_free(&st.pages);
    set_free(&st.products);
    set_free(&st.event_ids);
    set_free(&st.sessions);
    free(tracks);
    sl_arena_free(&arena);
    sl_arena_free(&keep);
    sl_gen_free(g);
}

/* A small audience over a day and a half: the evening is much busier than the night. */
static void test_daily_curve(void **state) {
    (void)state;
    sl_gen_conf gc = conf_with(5, 0, 0);
    gc.users = 100;
    sl_gen *g = sl_gen_new(&gc);
    assert_non_null(g);
    uint64_t by_hour[24] = {0};
    sl_arena arena;
    sl_arena_init(&arena, 0);
    sl_event ev;
    /* Skip the first six hours, where users are still arriving. */
    int64_t from = gc.start_ms + 6 * HOUR_MS, to = from + 24 * HOUR_MS;
    while (sl_gen_next(g, &ev, &arena) && ev.timestamp_ms < to) {
        if (ev.timestamp_ms >= from) by_hour[(ev.timestamp_ms / HOUR_MS) % 24]++;
        sl_arena_reset(&arena);
    }
    uint64_t evening = by_hour[19] + by_hour[20] + by_hour[21];
    uint64_t night = by_hour[2] + by_hour[3] + by_hour[4];
    if (evening < 2.5 * night)
        fail_msg("evening (19–22h) %llu events vs night (2–5h) %llu", (unsigned long long)evening,
                 (unsigned long long)night);
    sl_arena_free(&arena);
    sl_gen_free(g);
}

/* ---- out-of-order delivery ---- */

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Hashes of the JSON of every event, sorted: the run's multiset. */
static uint64_t *run_multiset(sl_gen *g, uint64_t n, int64_t bound_ms, uint64_t *out_of_order) {
    uint64_t *h = malloc(n * sizeof(uint64_t));
    sl_arena arena;
    sl_arena_init(&arena, 0);
    sl_event ev;
    char buf[2048];
    int64_t max_seen = INT64_MIN;
    uint64_t i = 0;
    *out_of_order = 0;
    while (sl_gen_next(g, &ev, &arena)) {
        assert_true(i < n);
        if (max_seen > ev.timestamp_ms) {
            (*out_of_order)++;
            if (max_seen - ev.timestamp_ms > bound_ms)
                fail_msg("event %llu arrived %lld ms after a later-stamped one (bound %lld)",
                         (unsigned long long)i, (long long)(max_seen - ev.timestamp_ms), (long long)bound_ms);
        }
        if (ev.timestamp_ms > max_seen) max_seen = ev.timestamp_ms;
        size_t len = to_json(&ev, buf, sizeof(buf));
        h[i++] = sl_str_hash((sl_str){buf, (uint32_t)len});
        sl_arena_reset(&arena);
    }
    assert_int_equal(i, n);
    qsort(h, n, sizeof(uint64_t), cmp_u64);
    sl_arena_free(&arena);
    return h;
}

static void test_out_of_order(void **state) {
    (void)state;
    const uint64_t n = 200000;
    sl_gen_conf ordered = conf_with(11, n, 0), late = conf_with(11, n, 5000);
    sl_gen *a = sl_gen_new(&ordered), *b = sl_gen_new(&late);
    uint64_t ooo_ordered, ooo_late;
    uint64_t *ha = run_multiset(a, n, 0, &ooo_ordered);
    uint64_t *hb = run_multiset(b, n, 5000, &ooo_late);
    assert_int_equal(ooo_ordered, 0);
    /* About a fifth of events is delayed; many of those overtake nothing,
     * but a clear share must arrive after later-stamped events. */
    assert_true(ooo_late > n / 50);
    assert_memory_equal(ha, hb, n * sizeof(uint64_t));   /* same events, other order */
    free(ha);
    free(hb);
    sl_gen_free(a);
    sl_gen_free(b);
}

/* ---- seek ---- */

static void test_seek(void **state) {
    (void)state;
    enum { nk = 6 };
    const uint64_t ks[nk] = {0, 1, 137, 5000, 54321, 99999};
    sl_gen_conf gc = conf_with(3, 100000, 5000);
    sl_gen *fresh = sl_gen_new(&gc), *seeker = sl_gen_new(&gc);
    sl_arena arena;
    sl_arena_init(&arena, 0);
    sl_event ev;
    char want[nk][2048], got[2048];
    size_t want_len[nk];
    for (uint64_t i = 0, j = 0; j < nk; i++) {
        assert_true(sl_gen_next(fresh, &ev, &arena));
        if (i == ks[j]) {
            want_len[j] = to_json(&ev, want[j], sizeof(want[0]));
            j++;
        }
        sl_arena_reset(&arena);
    }
    /* Forward and backward seeks, from a generator already part-way through. */
    for (size_t step = 0; step < 2 * nk; step++) {
        size_t j = step < nk ? nk - 1 - step : step - nk;
        sl_gen_seek(seeker, ks[j]);
        assert_int_equal(sl_gen_position(seeker), ks[j]);
        assert_true(sl_gen_next(seeker, &ev, &arena));
        assert_int_equal(sl_gen_position(seeker), ks[j] + 1);
        size_t len = to_json(&ev, got, sizeof(got));
        assert_int_equal(len, want_len[j]);
        assert_memory_equal(got, want[j], len);
        sl_arena_reset(&arena);
    }
    /* Seeking to the end leaves nothing to deliver. */
    sl_gen_seek(seeker, gc.events);
    assert_false(sl_gen_next(seeker, &ev, &arena));
    sl_arena_free(&arena);
    sl_gen_free(fresh);
    sl_gen_free(seeker);
}

/* ---- configuration ---- */

static void test_conf(void **state) {
    (void)state;
    sl_conf *conf = sl_conf_new();
    char err[256];
    sl_gen_conf gc;
    assert_int_equal(sl_gen_conf_load(&gc, conf, err, sizeof(err)), SL_OK);
    assert_int_equal(gc.users, 1000);
    assert_int_equal(gc.pages, 100);
    assert_int_equal(gc.products, 500);
    assert_int_equal(gc.start_ms, 1767225600000LL);
    assert_int_equal(gc.out_of_order_ms, 0);
    assert_true(gc.search_share == 0.02 && gc.out_of_order_share == 0.2);

    assert_int_equal(sl_conf_set(conf, "generator.users", "250", err, sizeof(err)), SL_OK);
    assert_int_equal(sl_conf_set(conf, "generator.seed", "99", err, sizeof(err)), SL_OK);
    assert_int_equal(sl_gen_conf_load(&gc, conf, err, sizeof(err)), SL_OK);
    assert_int_equal(gc.users, 250);
    assert_int_equal(gc.seed, 99);

    assert_int_equal(sl_conf_set(conf, "generator.pages", "3", err, sizeof(err)), SL_OK);
    assert_int_equal(sl_gen_conf_load(&gc, conf, err, sizeof(err)), SL_ERR_INVALID_ARG);
    assert_non_null(strstr(err, "generator.pages: 3 is out of range"));
    assert_int_equal(sl_conf_set(conf, "generator.pages", "many", err, sizeof(err)), SL_OK);
    assert_int_equal(sl_gen_conf_load(&gc, conf, err, sizeof(err)), SL_ERR_INVALID_ARG);
    assert_non_null(strstr(err, "generator.pages: 'many' is not a whole number"));
    assert_int_equal(sl_conf_set(conf, "generator.pages", "6", err, sizeof(err)), SL_OK);
    assert_int_equal(sl_conf_set(conf, "generator.search_share", "0.9", err, sizeof(err)), SL_OK);
    assert_int_equal(sl_gen_conf_load(&gc, conf, err, sizeof(err)), SL_ERR_INVALID_ARG);
    assert_non_null(strstr(err, "generator.search_share"));
    sl_conf_destroy(conf);

    /* An invalid configuration makes no generator; the smallest site works. */
    sl_gen_conf_default(&gc);
    gc.users = 0;
    assert_null(sl_gen_new(&gc));
    sl_gen_conf_default(&gc);
    gc.pages = 6;
    gc.products = 1;
    gc.users = 1;
    gc.events = 5000;
    sl_gen *g = sl_gen_new(&gc);
    assert_non_null(g);
    sl_arena arena;
    sl_arena_init(&arena, 0);
    sl_event ev;
    hash_set pages;
    set_init(&pages, 16);
    while (sl_gen_next(g, &ev, &arena)) {
        set_add(&pages, ev.page_hash);
        check_product_rule(&ev);
        sl_arena_reset(&arena);
    }
    assert_int_equal(sl_gen_position(g), 5000);
    assert_int_equal(pages.count, 6);
    set_free(&pages);
    sl_arena_free(&arena);
    sl_gen_free(g);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_same_bytes),
        cmocka_unit_test(test_traffic_shape),
        cmocka_unit_test(test_daily_curve),
        cmocka_unit_test(test_out_of_order),
        cmocka_unit_test(test_seek),
        cmocka_unit_test(test_conf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
