/* decode_cost.c -- per-event cost of decoding clickstream events: JSON parsers versus Avro.
 *
 * Generates events, encodes every one as a JSON line (sl_event_to_json) and
 * as an Avro wire record (sl_avro_encode_event), then times, per event:
 *   json_event   sl_event_from_json: the fast scanner (operators/event_json_scan.h),
 *                jansson for lines it declines, + validation -- what the sources run
 *   json_tree    sl_event_from_json_tree: jansson parse + field extraction + validation
 *   json_parse   jansson's json_loadb + json_decref alone (the parser's share)
 *   jsonc_parse  json-c's json_tokener_parse_ex + json_object_put alone
 *   cjson_parse  cJSON_ParseWithLength + cJSON_Delete alone
 * (the last two when libjson-c5 / libcjson1 are installed: json-c's names
 * clash with jansson's, so both are loaded with dlopen, not linked),
 *   avro_event   sl_avro_decode_event (avro-c, the Kafka source's Avro path)
 * and prints one "name ns/event" line each, the median of --runs passes.
 * Every pass decodes the same pre-encoded records; the timer covers only the
 * decode calls (and an arena reset per 1,024 records, as a recycled batch).
 *
 * The sinks' side, one page_analytics result per event's page, timed the same way:
 *   json_result  sl_result_encoder_encode, sink.format=json (the file, stdout and
 *                JSON Kafka sinks' line)
 *   avro_result  the same, sink.format=avro (the Avro Kafka sink's record)
 * Their counts and rates are drawn as a window's are (engagement = clicks /
 * views, ...), so about two in three doubles have a fraction, as in the
 * default job's output; a catalog of thousands of pages, whose windows
 * see most pages once, has far more whole numbers.
 *
 *   decode_cost --events 200000 --runs 3 */
#include <dlfcn.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "avro/avro_serde.h"
#include "engine/conf.h"
#include "operators/result_encoder.h"
#include "operators/event_json.h"
#include "operators/generator.h"

typedef struct encoded {
    char *bytes;          /* every record back to back */
    size_t *offsets;      /* record i is bytes[offsets[i] .. offsets[i+1]) */
    size_t len, cap;
    uint64_t n;
} encoded;

static void push(encoded *e, const void *data, size_t len) {
    while (e->len + len > e->cap) {
        e->cap = e->cap ? 2 * e->cap : 1 << 20;
        e->bytes = realloc(e->bytes, e->cap);
    }
    memcpy(e->bytes + e->len, data, len);
    e->len += len;
    e->offsets[++e->n] = e->len;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef int (*decode_fn)(void *ctx, const char *data, size_t len, sl_arena *arena);

static int json_event(void *ctx, const char *data, size_t len, sl_arena *arena) {
    sl_event ev;
    char reason[256];
    return sl_event_from_json(data, len, ctx, &ev, arena, reason, sizeof(reason)) != SL_OK;
}

static int json_tree(void *ctx, const char *data, size_t len, sl_arena *arena) {
    sl_event ev;
    char reason[256];
    return sl_event_from_json_tree(data, len, ctx, &ev, arena, reason, sizeof(reason)) != SL_OK;
}

static int json_parse(void *ctx, const char *data, size_t len, sl_arena *arena) {
    json_t *j = json_loadb(data, len, 0, NULL);
    json_decref(j);
    return j == NULL;
}

/* The other parsers' entry points, looked up at run time. */
typedef struct other_parsers {
    void *jsonc_lib, *cjson_lib, *tokener;
    void *(*jsonc_tokener_new)(void);
    void (*jsonc_tokener_reset)(void *tok);
    void *(*jsonc_parse_ex)(void *tok, const char *s, int len);
    int (*jsonc_put)(void *obj);
    void (*jsonc_tokener_free)(void *tok);
    void *(*cjson_parse)(const char *s, size_t len);
    void (*cjson_delete)(void *j);
} other_parsers;

static void *symbol(void *lib, const char *name) { return lib ? dlsym(lib, name) : NULL; }

static void load_other_parsers(other_parsers *o) {
    *o = (other_parsers){.jsonc_lib = dlopen("libjson-c.so.5", RTLD_NOW | RTLD_LOCAL),
                         .cjson_lib = dlopen("libcjson.so.1", RTLD_NOW | RTLD_LOCAL)};
    *(void **)&o->jsonc_tokener_new = symbol(o->jsonc_lib, "json_tokener_new");
    *(void **)&o->jsonc_tokener_reset = symbol(o->jsonc_lib, "json_tokener_reset");
    *(void **)&o->jsonc_parse_ex = symbol(o->jsonc_lib, "json_tokener_parse_ex");
    *(void **)&o->jsonc_put = symbol(o->jsonc_lib, "json_object_put");
    *(void **)&o->jsonc_tokener_free = symbol(o->jsonc_lib, "json_tokener_free");
    *(void **)&o->cjson_parse = symbol(o->cjson_lib, "cJSON_ParseWithLength");
    *(void **)&o->cjson_delete = symbol(o->cjson_lib, "cJSON_Delete");
    if (o->jsonc_tokener_new && o->jsonc_tokener_reset && o->jsonc_parse_ex && o->jsonc_put && o->jsonc_tokener_free)
        o->tokener = o->jsonc_tokener_new();
}

static void unload_other_parsers(other_parsers *o) {
    if (o->tokener) o->jsonc_tokener_free(o->tokener);
    if (o->jsonc_lib) dlclose(o->jsonc_lib);
    if (o->cjson_lib) dlclose(o->cjson_lib);
}

static int jsonc_parse(void *ctx, const char *data, size_t len, sl_arena *arena) {
    other_parsers *o = ctx;
    o->jsonc_tokener_reset(o->tokener);
    void *j = o->jsonc_parse_ex(o->tokener, data, (int)len);
    o->jsonc_put(j);
    return j == NULL;
}

static int cjson_parse(void *ctx, const char *data, size_t len, sl_arena *arena) {
    other_parsers *o = ctx;
    void *j = o->cjson_parse(data, len);
    o->cjson_delete(j);
    return j == NULL;
}

static int avro_event(void *ctx, const char *data, size_t len, sl_arena *arena) {
    sl_event ev;
    char reason[256];
    return sl_avro_decode_event(ctx, (const uint8_t *)data, len, &ev, arena, reason, sizeof(reason)) != SL_OK;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of the runs' ns (sorted in place). */
static double median_of(double *ns, int runs) {
    qsort(ns, (size_t)runs, sizeof(double), by_value);
    return ns[runs / 2];
}

/* Page analytics results over the events' pages, with counts and rates as a window's. */
static sl_page_stats *make_results(const sl_event *events, uint64_t n) {
    sl_page_stats *out = calloc(n, sizeof(*out));
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (uint64_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        sl_page_stats *s = &out[i];
        s->window_start = events[i].timestamp_ms / 10000 * 10000 - 290000;
        s->window_end = s->window_start + 300000;
        s->page = events[i].page;
        s->view_count = 1 + x % 400;
        s->unique_users = 1 + (x >> 9) % s->view_count;
        s->click_count = (x >> 18) % (s->view_count + 1);
        s->cart_count = (x >> 27) % (s->click_count + 1);
        s->conversion_count = (x >> 36) % (s->cart_count + 1);
        uint64_t sessions = 1 + (x >> 45) % 40, bounced = (x >> 51) % (sessions + 1);
        s->engagement_rate = (double)s->click_count / (double)s->view_count;
        s->bounce_rate = (double)bounced / (double)sessions;
        s->avg_session_duration = (double)((x >> 20) % 1800000) / (double)sessions;
    }
    return out;
}

/* Median ns/result over `runs` passes encoding every result; -1 on an error. */
static double time_encoder(sl_result_encoder *enc, const sl_page_stats *results, uint64_t n, int runs) {
    double ns[16];
    char err[256];
    size_t bytes = 0;
    for (int r = 0; r < runs; r++) {
        double t0 = now_s();
        for (uint64_t i = 0; i < n; i++) {
            const uint8_t *data;
            size_t len;
            if (sl_result_encoder_encode(enc, SL_BATCH_PAGE_STATS, &results[i], &data, &len, err, sizeof(err)))
                return -1;
            bytes += len;
        }
        ns[r] = (now_s() - t0) * 1e9 / (double)n;
    }
    return bytes ? median_of(ns, runs) : -1;
}

static double time_result_format(const char *format, const sl_page_stats *results, uint64_t n, int runs) {
    char err[512];
    sl_conf *conf = sl_conf_new();
    sl_result_encoder *enc = NULL;
    if (sl_conf_set(conf, "sink.format", format, err, sizeof(err)) || sl_result_encoder_new(conf, &enc, err, sizeof(err))) {
        fprintf(stderr, "decode_cost: cannot make a %s result encoder: %s\n", format, err);
        sl_conf_destroy(conf);
        return -1;
    }
    double ns = time_encoder(enc, results, n, runs);
    sl_result_encoder_free(enc);
    sl_conf_destroy(conf);
    return ns;
}

/* Median ns/event over `runs` passes; -1 when a record fails to decode. */
static double time_decoder(decode_fn fn, void *ctx, const encoded *e, int runs) {
    double ns[16];
    sl_arena arena;
    sl_arena_init(&arena, 1 << 20);
    for (int r = 0; r < runs; r++) {
        double t0 = now_s();
        for (uint64_t i = 0; i < e->n; i++) {
            if (fn(ctx, e->bytes + e->offsets[i], e->offsets[i + 1] - e->offsets[i], &arena)) {
                sl_arena_free(&arena);
                return -1;
            }
            if ((i & 1023) == 1023) sl_arena_reset(&arena);   /* as a recycled batch would */
        }
        ns[r] = (now_s() - t0) * 1e9 / (double)e->n;
        sl_arena_reset(&arena);
    }
    sl_arena_free(&arena);
    return median_of(ns, runs);
}

int main(int argc, char **argv) {
    static const struct option opts[] = {{"events", 1, 0, 'e'}, {"runs", 1, 0, 'r'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    uint64_t events = 200000;
    int runs = 3, c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'e') events = strtoull(optarg, NULL, 10);
        else if (c == 'r') runs = atoi(optarg);
        else {
            fprintf(c == 'h' ? stdout : stderr, "Usage: decode_cost [--events N] [--runs R (1..15)]\n");
            return c == 'h' ? 0 : 2;
        }
    }
    if (events == 0 || runs < 1 || runs > 15) {
        fprintf(stderr, "decode_cost: --events must be > 0 and --runs 1..15\n");
        return 2;
    }
    char err[512];
    sl_avro_registry *reg = NULL;
    sl_avro_encoder *enc = NULL;
    sl_avro_decoder *dec = NULL;
    if (sl_avro_registry_open(NULL, &reg, err, sizeof(err)) ||
        sl_avro_encoder_new(reg, "ClickstreamEvent", &enc, err, sizeof(err)) ||
        sl_avro_decoder_new(reg, "ClickstreamEvent", &dec, err, sizeof(err))) {
        fprintf(stderr, "decode_cost: cannot set up Avro: %s\n", err);
        return 1;
    }
    sl_gen_conf gc;
    sl_gen_conf_default(&gc);
    gc.events = events;
    sl_gen *gen = sl_gen_new(&gc);
    sl_arena arena;
    sl_arena_init(&arena, 1 << 20);
    encoded json = {.offsets = calloc(events + 1, sizeof(size_t))};
    encoded avro = {.offsets = calloc(events + 1, sizeof(size_t))};
    char buf[8192];
    sl_event ev;
    /* The events' pages, for the results: the arena is reset per event, so their names are kept apart. */
    sl_event *kept = calloc(events, sizeof(*kept));
    sl_arena names;
    sl_arena_init(&names, 1 << 20);
    while (json.n < events && sl_gen_next(gen, &ev, &arena)) {
        kept[json.n] = ev;
        kept[json.n].page.ptr = memcpy(sl_arena_alloc(&names, ev.page.len + 1), ev.page.ptr, ev.page.len);
        size_t n = sl_event_to_json(&ev, buf, sizeof(buf));
        size_t alen = 0;
        if (n >= sizeof(buf) ||
            sl_avro_encode_event(enc, &ev, (uint8_t *)buf + n, sizeof(buf) - n, &alen, err, sizeof(err))) {
            fprintf(stderr, "decode_cost: cannot encode event %llu: %s\n", (unsigned long long)json.n, err);
            return 1;
        }
        push(&json, buf, n);
        push(&avro, buf + n, alen);
        sl_arena_reset(&arena);
    }
    sl_event_limits lim;
    sl_event_limits_default(&lim);
    printf("events %llu json_bytes_per_event %.1f avro_bytes_per_event %.1f\n", (unsigned long long)json.n,
           (double)json.len / (double)json.n, (double)avro.len / (double)avro.n);
    printf("json_event %.1f ns/event\n", time_decoder(json_event, &lim, &json, runs));
    printf("json_tree %.1f ns/event\n", time_decoder(json_tree, &lim, &json, runs));
    printf("json_parse %.1f ns/event\n", time_decoder(json_parse, NULL, &json, runs));
    other_parsers other;
    load_other_parsers(&other);
    if (other.tokener) printf("jsonc_parse %.1f ns/event\n", time_decoder(jsonc_parse, &other, &json, runs));
    if (other.cjson_parse && other.cjson_delete)
        printf("cjson_parse %.1f ns/event\n", time_decoder(cjson_parse, &other, &json, runs));
    unload_other_parsers(&other);
    printf("avro_event %.1f ns/event\n", time_decoder(avro_event, dec, &avro, runs));
    sl_page_stats *results = make_results(kept, json.n);
    printf("json_result %.1f ns/result\n", time_result_format("json", results, json.n, runs));
    printf("avro_result %.1f ns/result\n", time_result_format("avro", results, json.n, runs));
    free(results);
    free(kept);
    sl_arena_free(&names);

    free(json.bytes);
    free(json.offsets);
    free(avro.bytes);
    free(avro.offsets);
    sl_arena_free(&arena);
    sl_gen_free(gen);
    sl_avro_decoder_free(dec);
    sl_avro_encoder_free(enc);
    sl_avro_registry_close(reg);
    return 0;
}
