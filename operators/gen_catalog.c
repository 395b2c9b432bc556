/* gen_catalog.c -- the simulated shop behind the generator: pages, products, users. */
#include "operators/gen_catalog.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define SITE_URL "https://shop.example.com"

static const char *const CATEGORY_NAMES[] = {
    "shoes", "shirts", "jackets", "dresses", "bags", "watches", "phones", "laptops",
    "headphones", "books", "toys", "kitchen", "garden", "sports", "beauty", "jewelry",
};
#define N_CATEGORY_NAMES (sizeof(CATEGORY_NAMES) / sizeof(CATEGORY_NAMES[0]))

static const char *const USER_AGENTS[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
};
#define N_USER_AGENTS (sizeof(USER_AGENTS) / sizeof(USER_AGENTS[0]))

static const char *const EXTERNAL_REFERRERS[] = {
    "https://www.google.com/", "https://www.bing.com/", "https://duckduckgo.com/",
    "https://www.facebook.com/", "https://t.co/", "https://www.instagram.com/",
    "https://www.pinterest.com/", "https://mail.example.net/newsletter",
};
#define N_EXTERNAL_REFERRERS (sizeof(EXTERNAL_REFERRERS) / sizeof(EXTERNAL_REFERRERS[0]))

/* First octets of busy consumer ISP ranges, so addresses look like real traffic. */
static const uint8_t IP_FIRST_OCTETS[] = {24, 31, 37, 45, 62, 73, 81, 92, 98, 103, 109, 151, 176, 185, 188, 212, 217};
#define N_IP_FIRST_OCTETS (sizeof(IP_FIRST_OCTETS) / sizeof(IP_FIRST_OCTETS[0]))

static void *checked_calloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size);
    if (!p) {
        fprintf(stderr, "sluice: out of memory building a generator catalog of %zu entries\n", n);
        abort();
    }
    return p;
}

/* A formatted string that lives in the catalog's arena. */
static sl_str catalog_str(sl_gen_catalog *cat, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static sl_str catalog_str(sl_gen_catalog *cat, const char *fmt, ...) {
    char tmp[160];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    size_t len = n < (int)sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1;
    return (sl_str){sl_arena_strndup(&cat->text, tmp, len), (uint32_t)len};
}

/* Zipf weights 1/rank^s, cumulative and normalised to end at 1. */
static double *zipf_cdf(uint32_t n, double s) {
    double *cdf = checked_calloc(n, sizeof(double));
    double sum = 0;
    for (uint32_t i = 0; i < n; i++) cdf[i] = (sum += pow((double)(i + 1), -s));
    for (uint32_t i = 0; i < n; i++) cdf[i] /= sum;
    cdf[n - 1] = 1.0;
    return cdf;
}

static uint32_t zipf_pick(const double *cdf, uint32_t n, sl_gen_rng *r) {
    double u = sl_gen_rng_unit(r);
    uint32_t lo = 0, hi = n - 1;
    while (lo < hi) {               /* first index with cdf > u */
        uint32_t mid = lo + (hi - lo) / 2;
        if (cdf[mid] > u) hi = mid;
        else lo = mid + 1;
    }
    return lo;
}

static void build_pages(sl_gen_catalog *cat) {
    static const char *const FIXED[SL_GEN_FIXED_PAGES] = {"/", "/search", "/cart", "/checkout"};
    cat->page_path = checked_calloc(cat->n_pages, sizeof(sl_str));
    cat->page_url = checked_calloc(cat->n_pages, sizeof(sl_str));
    for (uint32_t p = 0; p < cat->n_pages; p++) {
        if (p < SL_GEN_FIXED_PAGES) {
            cat->page_path[p] = sl_str_c(FIXED[p]);
        } else if (p < SL_GEN_FIXED_PAGES + cat->n_categories) {
            uint32_t c = p - SL_GEN_FIXED_PAGES;
            cat->page_path[p] = c < N_CATEGORY_NAMES ? catalog_str(cat, "/category/%s", CATEGORY_NAMES[c])
                                                     : catalog_str(cat, "/category/c-%03u", c);
        } else {
            cat->page_path[p] = catalog_str(cat, "/product/p-%03u", p - SL_GEN_FIXED_PAGES - cat->n_categories);
        }
        cat->page_url[p] = catalog_str(cat, SITE_URL "%s", cat->page_path[p].ptr);
    }
}

static void build_users(sl_gen_catalog *cat, sl_gen_rng *r) {
    cat->user_id = checked_calloc(cat->n_users, sizeof(sl_str));
    cat->user_ip = checked_calloc(cat->n_users, sizeof(sl_str));
    cat->user_agent = checked_calloc(cat->n_users, sizeof(uint8_t));
    for (uint32_t u = 0; u < cat->n_users; u++) {
        cat->user_id[u] = catalog_str(cat, "user-%06u", u);
        cat->user_ip[u] = catalog_str(cat, "%u.%u.%u.%u",
                                      IP_FIRST_OCTETS[sl_gen_rng_below(r, N_IP_FIRST_OCTETS)],
                                      sl_gen_rng_below(r, 256), sl_gen_rng_below(r, 256),
                                      1 + sl_gen_rng_below(r, 254));
        cat->user_agent[u] = (uint8_t)sl_gen_rng_below(r, N_USER_AGENTS);
    }
}

void sl_gen_catalog_init(sl_gen_catalog *cat, uint32_t users, uint32_t pages, uint32_t products,
                         uint64_t seed) {
    cat->n_users = users;
    cat->n_pages = pages;
    cat->n_products = products;
    /* About one category per eight pages: a shop has many more products than aisles. */
    uint32_t browsable = pages - SL_GEN_FIXED_PAGES;
    cat->n_categories = browsable / 8 ? browsable / 8 : 1;
    cat->n_product_pages = browsable - cat->n_categories;
    sl_arena_init(&cat->text, 64 * 1024);

    sl_gen_rng r;
    sl_gen_rng_seed(&r, seed, 3);
    build_pages(cat);
    build_users(cat, &r);
    cat->product_id = checked_calloc(products, sizeof(sl_str));
    for (uint32_t i = 0; i < products; i++) cat->product_id[i] = catalog_str(cat, "sku-%05u", i);
    cat->category_cdf = zipf_cdf(cat->n_categories, 0.8);
    cat->product_page_cdf = zipf_cdf(cat->n_product_pages, 1.0);
}

void sl_gen_catalog_free(sl_gen_catalog *cat) {
    free(cat->page_path);
    free(cat->page_url);
    free(cat->product_id);
    free(cat->user_id);
    free(cat->user_ip);
    free(cat->user_agent);
    free(cat->category_cdf);
    free(cat->product_page_cdf);
    sl_arena_free(&cat->text);
}

uint32_t sl_gen_catalog_pick_category(const sl_gen_catalog *cat, sl_gen_rng *r) {
    return SL_GEN_FIXED_PAGES + zipf_pick(cat->category_cdf, cat->n_categories, r);
}

uint32_t sl_gen_catalog_pick_product_page(const sl_gen_catalog *cat, sl_gen_rng *r) {
    return SL_GEN_FIXED_PAGES + cat->n_categories + zipf_pick(cat->product_page_cdf, cat->n_product_pages, r);
}

bool sl_gen_catalog_is_product_page(const sl_gen_catalog *cat, uint32_t page) {
    return page >= SL_GEN_FIXED_PAGES + cat->n_categories && page < cat->n_pages;
}

/* Product page j shows the SKUs j, j + P, j + 2P, … (its variants: sizes,
 * colours); with fewer products than pages, pages share SKUs. */
uint32_t sl_gen_catalog_pick_sku(const sl_gen_catalog *cat, uint32_t page, sl_gen_rng *r) {
    uint32_t j = page - SL_GEN_FIXED_PAGES - cat->n_categories;
    uint32_t step = cat->n_product_pages;
    if (j >= cat->n_products) return j % cat->n_products;
    uint32_t variants = (cat->n_products - 1 - j) / step + 1;
    return j + step * sl_gen_rng_below(r, variants);
}

sl_str sl_gen_catalog_user_agent(const sl_gen_catalog *cat, uint32_t user) {
    return sl_str_c(USER_AGENTS[cat->user_agent[user]]);
}

uint32_t sl_gen_catalog_external_referrers(void) { return N_EXTERNAL_REFERRERS; }

sl_str sl_gen_catalog_external_referrer(uint32_t i) { return sl_str_c(EXTERNAL_REFERRERS[i]); }
