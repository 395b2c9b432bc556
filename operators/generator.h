/* generator.h -- deterministic sessionized clickstream traffic.
 *
 * Users start sessions that follow plausible journeys (landing → category →
 * product → cart → checkout) with think times between events, session
 * lengths of 15–45 minutes of event time (about 8% of sessions are bounces:
 * a single landing event), and a daily peak/off-peak curve.
 * Events are produced in event-time order and then, with out_of_order_ms > 0,
 * a share of them is delivered late by up to that much. The same
 * configuration gives the same sequence, byte for byte. */
#ifndef SL_GENERATOR_H
#define SL_GENERATOR_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/arena.h"
#include "engine/conf.h"
#include "engine/error.h"
#include "engine/record.h"

typedef struct sl_gen_conf {
    uint64_t seed;
    uint64_t events;             /* 0 = unbounded */
    uint32_t users, pages, products;
    double search_share;
    int64_t out_of_order_ms;
    double out_of_order_share;
    int64_t start_ms;
} sl_gen_conf;

/* Read the generator.* keys of conf (defaults from conf.c) and validate them. */
sl_err sl_gen_conf_load(sl_gen_conf *gc, const sl_conf *conf, char *errstr, size_t errstr_size);
/* The defaults of conf.c's generator.* keys. */
void sl_gen_conf_default(sl_gen_conf *gc);
/* Check ranges; the error names the generator.* key and the allowed range. */
sl_err sl_gen_conf_validate(const sl_gen_conf *gc, char *errstr, size_t errstr_size);

#define SL_GEN_MAX_USERS 10000000u
#define SL_GEN_MAX_CATALOG 1000000u          /* pages, products */
#define SL_GEN_MAX_SEARCH_SHARE 0.5
#define SL_GEN_MAX_START_MS 253402300799999LL /* 9999-12-31T23:59:59.999Z */

typedef struct sl_gen sl_gen;

/* NULL when gc does not pass sl_gen_conf_validate. */
sl_gen *sl_gen_new(const sl_gen_conf *gc);
void sl_gen_free(sl_gen *g);
/* The next event in delivery order; its strings live in `arena` or in the
 * generator's catalog (valid for the generator's lifetime). false at the end. */
bool sl_gen_next(sl_gen *g, sl_event *ev, sl_arena *arena);
/* Events delivered so far (the checkpointed position). */
uint64_t sl_gen_position(const sl_gen *g);
/* Fast-forward to `position` events delivered (regenerates deterministically). */
void sl_gen_seek(sl_gen *g, uint64_t position);

#endif
