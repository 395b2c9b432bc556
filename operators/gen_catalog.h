/* gen_catalog.h -- the simulated shop behind the generator: pages, products, users.
 *
 * Built once per generator from its seed; every string an event points to
 * (paths, product ids, user ids, IPs, user agents, referrer URLs) lives here
 * for the generator's lifetime, so producing an event copies none of them.
 * Page popularity is Zipf-like, as on real sites, so Top-N results have a
 * head and a long tail. */
#ifndef SL_GEN_CATALOG_H
#define SL_GEN_CATALOG_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/arena.h"
#include "engine/record.h"
#include "operators/gen_rng.h"

/* Fixed pages come first, in this order, then categories, then product pages. */
enum {
    SL_GEN_PAGE_HOME = 0,
    SL_GEN_PAGE_SEARCH,
    SL_GEN_PAGE_CART,
    SL_GEN_PAGE_CHECKOUT,
    SL_GEN_FIXED_PAGES
};

/* The smallest site: the fixed pages, one category and one product page. */
#define SL_GEN_MIN_PAGES (SL_GEN_FIXED_PAGES + 2)

typedef struct sl_gen_catalog {
    uint32_t n_users, n_pages, n_products;
    uint32_t n_categories, n_product_pages;
    sl_str *page_path;          /* "/", "/category/shoes", "/product/p-042", … */
    sl_str *page_url;           /* the same page as a full URL (internal referrers) */
    sl_str *product_id;         /* "sku-00042" */
    sl_str *user_id;            /* "user-000123" */
    sl_str *user_ip;            /* stable per user */
    uint8_t *user_agent;        /* index into the agent table, stable per user */
    double *category_cdf;       /* Zipf popularity, cumulative */
    double *product_page_cdf;
    sl_arena text;              /* every string above */
} sl_gen_catalog;

/* pages ≥ SL_GEN_MIN_PAGES, users ≥ 1, products ≥ 1 (checked by the caller). */
void sl_gen_catalog_init(sl_gen_catalog *cat, uint32_t users, uint32_t pages, uint32_t products,
                         uint64_t seed);
void sl_gen_catalog_free(sl_gen_catalog *cat);

uint32_t sl_gen_catalog_pick_category(const sl_gen_catalog *cat, sl_gen_rng *r);      /* page index */
uint32_t sl_gen_catalog_pick_product_page(const sl_gen_catalog *cat, sl_gen_rng *r);  /* page index */
/* A product (SKU) shown on product page `page`. */
uint32_t sl_gen_catalog_pick_sku(const sl_gen_catalog *cat, uint32_t page, sl_gen_rng *r);
bool sl_gen_catalog_is_product_page(const sl_gen_catalog *cat, uint32_t page);

sl_str sl_gen_catalog_user_agent(const sl_gen_catalog *cat, uint32_t user);
/* External referrers of a session's first event (search engines, social, mail). */
uint32_t sl_gen_catalog_external_referrers(void);
sl_str sl_gen_catalog_external_referrer(uint32_t i);

#endif
