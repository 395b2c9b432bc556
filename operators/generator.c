/* generator.c -- deterministic sessionized clickstream traffic. */
#include "operators/generator.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "operators/gen_catalog.h"
#include "operators/gen_rng.h"

#define SECOND_MS 1000LL
#define MINUTE_MS (60 * SECOND_MS)
#define HOUR_MS (60 * MINUTE_MS)
#define DAY_MS (24 * HOUR_MS)

/* Think time between a session's events: a couple of seconds plus an
 * exponential tail, never more than a minute. */
#define THINK_MIN_MS (2 * SECOND_MS)
#define THINK_TAIL_MEAN_MS (6.0 * SECOND_MS)
#define THINK_MAX_MS (60 * SECOND_MS)
/* A session lasts until its sampled length is reached; the last event may
 * come up to one think time later, hence the upper bound minus THINK_MAX. */
#define SESSION_MIN_MS (15 * MINUTE_MS)
#define SESSION_MAX_MS (45 * MINUTE_MS)
/* Some visitors leave after the landing page: one-event sessions give the
 * bounce rate something to measure. */
#define BOUNCE_SHARE 0.08
/* Offline gap between sessions: mean GAP_BASE / activity², at least a minute. */
#define GAP_BASE_MS (8.0 * MINUTE_MS)
#define GAP_MIN_MS (1 * MINUTE_MS)
/* Internal referrers are sometimes stripped (privacy settings, apps). */
#define REFERRER_STRIPPED_SHARE 0.03
#define DIRECT_VISIT_SHARE 0.3

/* Relative activity by hour of day (UTC), interpolated linearly: a night
 * trough around 03:00–04:00 and an evening peak at 20:00, 4× apart. */
static const double HOURLY_ACTIVITY[24] = {
    0.55, 0.40, 0.30, 0.25, 0.25, 0.30, 0.40, 0.55, 0.65, 0.70, 0.72, 0.75,
    0.78, 0.75, 0.72, 0.72, 0.75, 0.82, 0.90, 0.97, 1.00, 0.95, 0.85, 0.70,
};

/* ---- The journey: a Markov chain over stages ----
 * A stage is where the visitor is; each step picks an action from the
 * stage's row. Navigations emit VIEW (or SEARCH, see search_q), CLICKs stay
 * on the page, ADD_TO_CART needs a product page and PURCHASE a non-empty
 * cart at checkout, so PURCHASE always follows an ADD_TO_CART of the same
 * session. The weights were tuned so that the overall mix lands on about
 * 70% VIEW, 20% CLICK, 7% ADD_TO_CART and 3% PURCHASE. */
typedef enum stage {
    ST_HOME = SL_GEN_PAGE_HOME,
    ST_SEARCH = SL_GEN_PAGE_SEARCH,
    ST_CART = SL_GEN_PAGE_CART,
    ST_CHECKOUT = SL_GEN_PAGE_CHECKOUT,
    ST_CATEGORY,
    ST_PRODUCT,
    N_STAGES
} stage;

typedef enum action {
    ACT_CLICK,
    ACT_ADD_TO_CART,
    ACT_PURCHASE,
    ACT_GO_HOME,
    ACT_GO_CATEGORY,
    ACT_GO_PRODUCT,
    ACT_GO_CART,
    ACT_GO_CHECKOUT,
    N_ACTIONS
} action;

/* Weights per [stage][cart is non-empty][action]. */
static const uint16_t CHAIN[N_STAGES][2][N_ACTIONS] = {
    /*                 CLICK  ATC  BUY HOME  CAT PROD CART CHKOUT */
    [ST_HOME] =     {{  225,   0,   0,  10, 450, 340,   0,   0},
                     {  225,   0,   0,  10, 380, 300, 110,   0}},
    [ST_SEARCH] =   {{  225,   0,   0,  20, 100, 680,   0,   0},
                     {  225,   0,   0,  20, 100, 600,  80,   0}},
    [ST_CATEGORY] = {{  225,   0,   0,  50, 120, 630,   0,   0},
                     {  225,   0,   0,  50, 110, 560,  80,   0}},
    [ST_PRODUCT] =  {{  225, 180,   0,  40, 220, 390,   0,   0},
                     {  225, 115,   0,  40, 200, 310, 150,   0}},
    [ST_CART] =     {{  150,   0,   0, 400, 300, 150,   0,   0},
                     {  150,   0,   0,  80, 120, 180,   0, 470}},
    [ST_CHECKOUT] = {{  100,   0,   0, 500, 400,   0,   0,   0},
                     {  100,   0, 700,   0,   0,   0, 200,   0}},
};

/* Share of events that are navigations a search can replace (measured on
 * the chain above); search_q = search_share / this. */
#define SEARCHABLE_SHARE 0.60

/* Where a session starts (as a navigation: it may become a SEARCH). */
static const uint16_t LANDING[N_ACTIONS] = {[ACT_GO_HOME] = 35, [ACT_GO_CATEGORY] = 25, [ACT_GO_PRODUCT] = 40};

/* An event before its strings are made: compact, so the out-of-order
 * buffer and fast-forwarding (seek) stay cheap. */
typedef struct gen_event {
    int64_t timestamp_ms, session_start_ms;
    uint64_t uuid_hi, uuid_lo;
    uint32_t user, session_seq, page;
    int32_t product;       /* SKU index or -1 (null) */
    int32_t referrer;      /* page index ≥ 0, -1 null, ≤ -2 external referrer -2-k */
    uint8_t type;
} gen_event;

typedef struct gen_pending {
    int64_t deliver_at;    /* timestamp + delivery delay */
    uint64_t seq;          /* production order: the stable tie-break */
    gen_event ev;
} gen_pending;

typedef struct gen_user {
    int64_t next_ms;       /* event time of this user's next event */
    int64_t session_start_ms, session_len_ms;
    uint32_t session_seq;  /* sessions started so far */
    uint32_t page;         /* the page being viewed */
    int32_t product;       /* SKU shown on that page, -1 if none */
    int32_t referrer;      /* that page's referrer */
    int32_t cart_product;  /* last SKU added to the cart, -1 when empty */
    uint8_t stage;
    bool in_session;
} gen_user;

struct sl_gen {
    sl_gen_conf conf;
    sl_gen_catalog cat;
    double search_q;               /* chance that a navigation is a search */
    gen_user *users;
    uint32_t *heap;                /* user indices, min-heap on (next_ms, index) */
    sl_gen_rng rng, delay_rng;
    gen_pending *pending;          /* min-heap on (deliver_at, seq) */
    size_t pending_len, pending_cap;
    uint64_t produced, delivered;
};

/* ---- configuration ---- */

static sl_err load_u32(const sl_conf *conf, const char *key, uint32_t *out, char *errstr, size_t sz) {
    int64_t v;
    sl_err err = sl_conf_get_int(conf, key, &v, errstr, sz);
    if (err) return err;
    if (v < 0 || v > UINT32_MAX)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, sz, "%s: %" PRId64 " is out of range (0 to %u)", key, v, UINT32_MAX);
    *out = (uint32_t)v;
    return SL_OK;
}

sl_err sl_gen_conf_load(sl_gen_conf *gc, const sl_conf *conf, char *errstr, size_t errstr_size) {
    int64_t seed, events;
    sl_err err;
    if ((err = sl_conf_get_int(conf, "generator.seed", &seed, errstr, errstr_size)) ||
        (err = sl_conf_get_int(conf, "generator.events", &events, errstr, errstr_size)) ||
        (err = load_u32(conf, "generator.users", &gc->users, errstr, errstr_size)) ||
        (err = load_u32(conf, "generator.pages", &gc->pages, errstr, errstr_size)) ||
        (err = load_u32(conf, "generator.products", &gc->products, errstr, errstr_size)) ||
        (err = sl_conf_get_double(conf, "generator.search_share", &gc->search_share, errstr, errstr_size)) ||
        (err = sl_conf_get_int(conf, "generator.out_of_order_ms", &gc->out_of_order_ms, errstr, errstr_size)) ||
        (err = sl_conf_get_double(conf, "generator.out_of_order_share", &gc->out_of_order_share, errstr, errstr_size)) ||
        (err = sl_conf_get_int(conf, "generator.start_ms", &gc->start_ms, errstr, errstr_size)))
        return err;
    if (events < 0)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                       "generator.events: %" PRId64 " is negative; give a count, or 0 for unbounded", events);
    gc->seed = (uint64_t)seed;
    gc->events = (uint64_t)events;
    return sl_gen_conf_validate(gc, errstr, errstr_size);
}

void sl_gen_conf_default(sl_gen_conf *gc) {
    sl_conf *empty = sl_conf_new();
    char why[256];
    sl_err err = sl_gen_conf_load(gc, empty, why, sizeof(why));
    sl_conf_destroy(empty);
    if (err) {     /* the defaults in conf.c are part of the program */
        fprintf(stderr, "sluice: built-in generator defaults are invalid: %s\n", why);
        abort();
    }
}

sl_err sl_gen_conf_validate(const sl_gen_conf *gc, char *errstr, size_t errstr_size) {
    if (gc->users < 1 || gc->users > SL_GEN_MAX_USERS)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                       "generator.users: %u is out of range; give 1 to %u", gc->users, SL_GEN_MAX_USERS);
    if (gc->pages < SL_GEN_MIN_PAGES || gc->pages > SL_GEN_MAX_CATALOG)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                       "generator.pages: %u is out of range; the site needs %d to %u pages "
                       "(home, search, cart, checkout, a category and a product page)",
                       gc->pages, SL_GEN_MIN_PAGES, SL_GEN_MAX_CATALOG);
    if (gc->products < 1 || gc->products > SL_GEN_MAX_CATALOG)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                       "generator.products: %u is out of range; give 1 to %u", gc->products, SL_GEN_MAX_CATALOG);
    if (!(gc->search_share >= 0 && gc->search_share <= SL_GEN_MAX_SEARCH_SHARE))
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                       "generator.search_share: %g is out of range; give 0 to %g", gc->search_share,
                       SL_GEN_MAX_SEARCH_SHARE);
    if (gc->out_of_order_ms < 0 || gc->out_of_order_ms > DAY_MS)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                       "generator.out_of_order_ms: %" PRId64 " is out of range; give 0 to %lld (one day)",
                       gc->out_of_order_ms, DAY_MS);
    if (!(gc->out_of_order_share >= 0 && gc->out_of_order_share <= 1))
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                       "generator.out_of_order_share: %g is out of range; give a share from 0 to 1",
                       gc->out_of_order_share);
    if (gc->start_ms < 0 || gc->start_ms > SL_GEN_MAX_START_MS)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                       "generator.start_ms: %" PRId64 " is out of range; give ms since 1970 up to year 9999",
                       gc->start_ms);
    return SL_OK;
}

/* ---- time ---- */

static double activity_at(int64_t t_ms) {
    int64_t in_day = ((t_ms % DAY_MS) + DAY_MS) % DAY_MS;
    double h = (double)in_day / (double)HOUR_MS;
    int i = (int)h;
    double f = h - i;
    return HOURLY_ACTIVITY[i] * (1 - f) + HOURLY_ACTIVITY[(i + 1) % 24] * f;
}

static int64_t offline_gap_ms(sl_gen *g, int64_t now_ms) {
    double a = activity_at(now_ms);
    return GAP_MIN_MS + (int64_t)sl_gen_rng_exp(&g->rng, GAP_BASE_MS / (a * a));
}

static int64_t think_time_ms(sl_gen *g) {
    int64_t t = THINK_MIN_MS + (int64_t)sl_gen_rng_exp(&g->rng, THINK_TAIL_MEAN_MS);
    return t < THINK_MAX_MS ? t : THINK_MAX_MS;
}

/* ---- the users' schedule: a min-heap on (next_ms, user index) ---- */

static bool user_before(const sl_gen *g, uint32_t a, uint32_t b) {
    int64_t ta = g->users[a].next_ms, tb = g->users[b].next_ms;
    return ta < tb || (ta == tb && a < b);
}

/* Move entry i down until the heap order holds below it. */
static void schedule_sift_down(sl_gen *g, uint32_t i) {
    uint32_t n = g->conf.users;
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && user_before(g, g->heap[l], g->heap[m])) m = l;
        if (r < n && user_before(g, g->heap[r], g->heap[m])) m = r;
        if (m == i) return;
        uint32_t tmp = g->heap[i];
        g->heap[i] = g->heap[m];
        g->heap[m] = tmp;
        i = m;
    }
}

/* ---- one step of one user's journey ---- */

static int pick_weighted(sl_gen_rng *r, const uint16_t *w, int n) {
    unsigned total = 0;
    for (int i = 0; i < n; i++) total += w[i];
    unsigned x = sl_gen_rng_below(r, total);
    for (int i = 0; i < n; i++) {
        if (x < w[i]) return i;
        x -= w[i];
    }
    return n - 1;
}

/* Move the user to a new page; returns the event type of the navigation. */
static sl_event_type navigate(sl_gen *g, gen_user *u, action a) {
    sl_gen_rng *r = &g->rng;
    bool searchable = a == ACT_GO_HOME || a == ACT_GO_CATEGORY || a == ACT_GO_PRODUCT;
    if (searchable && sl_gen_rng_unit(r) < g->search_q) a = N_ACTIONS;   /* a search instead */
    uint32_t page;
    switch (a) {
    case ACT_GO_HOME:     page = SL_GEN_PAGE_HOME; break;
    case ACT_GO_CATEGORY: page = sl_gen_catalog_pick_category(&g->cat, r); break;
    case ACT_GO_PRODUCT:  page = sl_gen_catalog_pick_product_page(&g->cat, r); break;
    case ACT_GO_CART:     page = SL_GEN_PAGE_CART; break;
    case ACT_GO_CHECKOUT: page = SL_GEN_PAGE_CHECKOUT; break;
    default:              page = SL_GEN_PAGE_SEARCH; break;
    }
    u->referrer = sl_gen_rng_unit(r) < REFERRER_STRIPPED_SHARE ? -1 : (int32_t)u->page;
    u->page = page;
    u->stage = page < SL_GEN_FIXED_PAGES ? (uint8_t)page
             : sl_gen_catalog_is_product_page(&g->cat, page) ? ST_PRODUCT : ST_CATEGORY;
    u->product = u->stage == ST_PRODUCT ? (int32_t)sl_gen_catalog_pick_sku(&g->cat, page, r) : -1;
    return page == SL_GEN_PAGE_SEARCH ? SL_EVENT_SEARCH : SL_EVENT_VIEW;
}

/* Take one step of the user's session at u->next_ms into *e. */
static void session_step(sl_gen *g, uint32_t uid, gen_event *e) {
    gen_user *u = &g->users[uid];
    sl_gen_rng *r = &g->rng;
    sl_event_type type;
    int32_t product;
    if (!u->in_session) {
        u->in_session = true;
        u->session_seq++;
        u->session_start_ms = u->next_ms;
        u->session_len_ms = sl_gen_rng_unit(r) < BOUNCE_SHARE
                                ? 0 : sl_gen_rng_range(r, SESSION_MIN_MS, SESSION_MAX_MS - THINK_MAX_MS);
        u->cart_product = -1;
        u->page = SL_GEN_PAGE_HOME;
        type = navigate(g, u, (action)pick_weighted(r, LANDING, N_ACTIONS));
        u->referrer = sl_gen_rng_unit(r) < DIRECT_VISIT_SHARE
                          ? -1 : -2 - (int32_t)sl_gen_rng_below(r, sl_gen_catalog_external_referrers());
        product = u->product;
    } else {
        action a = (action)pick_weighted(r, CHAIN[u->stage][u->cart_product >= 0], N_ACTIONS);
        switch (a) {
        case ACT_CLICK:
            type = SL_EVENT_CLICK;
            product = u->product;
            break;
        case ACT_ADD_TO_CART:
            type = SL_EVENT_ADD_TO_CART;
            product = u->cart_product = u->product;
            break;
        case ACT_PURCHASE:
            type = SL_EVENT_PURCHASE;
            product = u->cart_product;
            u->cart_product = -1;
            break;
        default:
            type = navigate(g, u, a);
            product = u->product;
            break;
        }
    }
    *e = (gen_event){
        .timestamp_ms = u->next_ms, .session_start_ms = u->session_start_ms,
        .uuid_hi = sl_gen_rng_u64(r), .uuid_lo = sl_gen_rng_u64(r),
        .user = uid, .session_seq = u->session_seq, .page = u->page,
        .product = product, .referrer = u->referrer, .type = (uint8_t)type,
    };
    if (u->next_ms - u->session_start_ms < u->session_len_ms) {
        u->next_ms += think_time_ms(g);
    } else {
        u->in_session = false;
        u->next_ms += offline_gap_ms(g, u->next_ms);
    }
}

/* ---- delivery order: a min-heap on (deliver_at, seq) ---- */

static bool pending_before(const gen_pending *a, const gen_pending *b) {
    return a->deliver_at < b->deliver_at || (a->deliver_at == b->deliver_at && a->seq < b->seq);
}

static void pending_push(sl_gen *g, const gen_pending *p) {
    if (g->pending_len == g->pending_cap) {
        /* Grows with out_of_order_ms × rate, not per event: doubling. */
        size_t cap = g->pending_cap * 2;
        gen_pending *np = realloc(g->pending, cap * sizeof(*np));
        if (!np) {
            fprintf(stderr, "sluice: out of memory growing the generator's out-of-order buffer to %zu events\n", cap);
            abort();
        }
        g->pending = np;
        g->pending_cap = cap;
    }
    size_t i = g->pending_len++;
    while (i > 0 && pending_before(p, &g->pending[(i - 1) / 2])) {
        g->pending[i] = g->pending[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    g->pending[i] = *p;
}

static gen_event pending_pop(sl_gen *g) {
    gen_event top = g->pending[0].ev;
    gen_pending last = g->pending[--g->pending_len];
    size_t n = g->pending_len, i = 0;
    for (;;) {
        size_t l = 2 * i + 1, m = l;
        if (l >= n) break;
        if (l + 1 < n && pending_before(&g->pending[l + 1], &g->pending[l])) m = l + 1;
        if (!pending_before(&g->pending[m], &last)) break;
        g->pending[i] = g->pending[m];
        i = m;
    }
    if (n) g->pending[i] = last;
    return top;
}

static void produce_one(sl_gen *g) {
    uint32_t uid = g->heap[0];
    gen_pending p = {.seq = g->produced++};
    session_step(g, uid, &p.ev);
    schedule_sift_down(g, 0);      /* the root's next_ms grew */
    int64_t delay = 0;
    if (g->conf.out_of_order_ms > 0 && sl_gen_rng_unit(&g->delay_rng) < g->conf.out_of_order_share)
        delay = sl_gen_rng_range(&g->delay_rng, 1, g->conf.out_of_order_ms);
    p.deliver_at = p.ev.timestamp_ms + delay;
    pending_push(g, &p);
}

/* The next event in delivery order. Every event still to be produced has a
 * timestamp ≥ the schedule's head, hence deliver_at ≥ it and a larger seq:
 * the pending head may go once its deliver_at is not after that. */
static bool deliver(sl_gen *g, gen_event *out) {
    for (;;) {
        bool more = g->conf.events == 0 || g->produced < g->conf.events;
        if (g->pending_len && (!more || g->pending[0].deliver_at <= g->users[g->heap[0]].next_ms)) {
            *out = pending_pop(g);
            g->delivered++;
            return true;
        }
        if (!more) return false;
        produce_one(g);
    }
}

/* ---- lifecycle ---- */

/* Back to the first event: everything derives from the seed. */
static void gen_reset(sl_gen *g) {
    sl_gen_rng_seed(&g->rng, g->conf.seed, 1);
    sl_gen_rng_seed(&g->delay_rng, g->conf.seed, 2);
    /* Users arrive over the first stretch of the run rather than all at once. */
    double spread = 2 * GAP_BASE_MS / (activity_at(g->conf.start_ms) * activity_at(g->conf.start_ms));
    for (uint32_t i = 0; i < g->conf.users; i++) {
        g->users[i] = (gen_user){.next_ms = g->conf.start_ms + (int64_t)(sl_gen_rng_unit(&g->rng) * spread),
                                 .product = -1, .cart_product = -1};
        g->heap[i] = i;
    }
    for (uint32_t i = g->conf.users / 2; i-- > 0;) schedule_sift_down(g, i);
    g->pending_len = 0;
    g->produced = g->delivered = 0;
}

sl_gen *sl_gen_new(const sl_gen_conf *gc) {
    char why[256];
    if (sl_gen_conf_validate(gc, why, sizeof(why)) != SL_OK) return NULL;
    sl_gen *g = calloc(1, sizeof(*g));
    if (!g) return NULL;
    g->conf = *gc;
    /* Navigations to home, a category or a product are about SEARCHABLE_SHARE
     * of all events; searches replace part of them. */
    g->search_q = gc->search_share / SEARCHABLE_SHARE;
    sl_gen_catalog_init(&g->cat, gc->users, gc->pages, gc->products, gc->seed);
    g->users = calloc(gc->users, sizeof(gen_user));
    g->heap = calloc(gc->users, sizeof(uint32_t));
    g->pending_cap = 1024;
    g->pending = malloc(g->pending_cap * sizeof(gen_pending));
    if (!g->users || !g->heap || !g->pending) {
        sl_gen_free(g);
        return NULL;
    }
    gen_reset(g);
    return g;
}

void sl_gen_free(sl_gen *g) {
    if (!g) return;
    sl_gen_catalog_free(&g->cat);
    free(g->users);
    free(g->heap);
    free(g->pending);
    free(g);
}

static void format_uuid(char out[37], uint64_t hi, uint64_t lo) {
    static const char HEX[] = "0123456789abcdef";
    /* Version 4 (random) and the RFC 4122 variant. */
    hi = (hi & ~0xf000ULL) | 0x4000ULL;
    lo = (lo & ~(3ULL << 62)) | (2ULL << 62);
    int pos = 0;
    for (int i = 0; i < 32; i++) {
        if (i == 8 || i == 12 || i == 16 || i == 20) out[pos++] = '-';
        uint64_t word = i < 16 ? hi : lo;
        out[pos++] = HEX[(word >> (60 - 4 * (i % 16))) & 0xf];
    }
    out[pos] = '\0';
}

static sl_str referrer_str(const sl_gen *g, int32_t ref) {
    if (ref >= 0) return g->cat.page_url[ref];
    if (ref == -1) return SL_STR_NULL;
    return sl_gen_catalog_external_referrer((uint32_t)(-2 - ref));
}

static void materialize(const sl_gen *g, const gen_event *e, sl_event *ev, sl_arena *arena) {
    char *uuid = sl_arena_alloc(arena, 37);
    format_uuid(uuid, e->uuid_hi, e->uuid_lo);
    char sid[48];
    int n = snprintf(sid, sizeof(sid), "s-%06u-%05u", e->user, e->session_seq);
    *ev = (sl_event){
        .timestamp_ms = e->timestamp_ms,
        .session_duration_ms = e->timestamp_ms - e->session_start_ms,
        .event_id = {uuid, 36},
        .user_id = g->cat.user_id[e->user],
        .session_id = {sl_arena_strndup(arena, sid, (size_t)n), (uint32_t)n},
        .page = g->cat.page_path[e->page],
        .product_id = e->product >= 0 ? g->cat.product_id[e->product] : SL_STR_NULL,
        .ip = g->cat.user_ip[e->user],
        .user_agent = sl_gen_catalog_user_agent(&g->cat, e->user),
        .referrer = referrer_str(g, e->referrer),
        .event_type = (sl_event_type)e->type,
    };
    sl_event_derive(ev);
}

bool sl_gen_next(sl_gen *g, sl_event *ev, sl_arena *arena) {
    gen_event e;
    if (!deliver(g, &e)) return false;
    materialize(g, &e, ev, arena);
    return true;
}

uint64_t sl_gen_position(const sl_gen *g) { return g->delivered; }

void sl_gen_seek(sl_gen *g, uint64_t position) {
    gen_reset(g);
    gen_event e;
    while (g->delivered < position && deliver(g, &e)) {
    }
}
