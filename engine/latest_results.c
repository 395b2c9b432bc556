/* latest_results.c -- the newest fired window's page analytics and Top-N, as JSON. */
#include "engine/latest_results.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "engine/record.h"
#include "operators/result_json.h"

/* Windows whose page analytics arrived but whose Top-N has not. Top-N
 * fires at the slowest page_metrics subtask's watermark, so a fast subtask
 * can be many windows ahead of it when event time moves fast (a replayed
 * file: tens of windows per second); beyond this the oldest is dropped. */
#define MAX_PENDING 512

typedef struct pending_window {
    int64_t start;
    char *json;          /* "{...},{...}": the page-analytics lines joined */
    size_t len, cap;
} pending_window;

struct sl_latest_results {
    pending_window pending[MAX_PENDING];
    size_t n_pending;
    char *line;          /* rendering buffer */
    size_t line_cap;
    pthread_mutex_t lock;   /* guards published */
    char *published;     /* the latest window's document */
};

sl_latest_results *sl_latest_results_new(void) {
    sl_latest_results *r = calloc(1, sizeof(*r));
    if (!r) return NULL;
    pthread_mutex_init(&r->lock, NULL);
    return r;
}

void sl_latest_results_free(sl_latest_results *r) {
    if (!r) return;
    for (size_t i = 0; i < r->n_pending; i++) free(r->pending[i].json);
    free(r->line);
    free(r->published);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

/* Render one record into r->line; NULL when out of memory. */
static const char *render(sl_latest_results *r, sl_batch_kind kind, const void *rec, size_t *len) {
    size_t n = sl_record_to_json(kind, rec, r->line, r->line_cap);
    if (n >= r->line_cap) {
        char *grown = realloc(r->line, n + 1);
        if (!grown) return NULL;
        r->line = grown;
        r->line_cap = n + 1;
        sl_record_to_json(kind, rec, r->line, r->line_cap);
    }
    *len = n;
    return r->line;
}

static pending_window *find_pending(sl_latest_results *r, int64_t start, bool create) {
    for (size_t i = 0; i < r->n_pending; i++)
        if (r->pending[i].start == start) return &r->pending[i];
    if (!create) return NULL;
    if (r->n_pending == MAX_PENDING) {   /* drop the oldest */
        free(r->pending[0].json);
        memmove(r->pending, r->pending + 1, (MAX_PENDING - 1) * sizeof(pending_window));
        r->n_pending--;
    }
    pending_window *w = &r->pending[r->n_pending++];
    *w = (pending_window){.start = start};
    return w;
}

static void append(pending_window *w, const char *text, size_t len) {
    size_t need = w->len + len + 2;
    if (need > w->cap) {
        size_t cap = w->cap ? w->cap : 4096;
        while (cap < need) cap *= 2;
        char *grown = realloc(w->json, cap);
        if (!grown) return;   /* the snapshot misses a record; the pipeline goes on */
        w->json = grown;
        w->cap = cap;
    }
    if (w->len) w->json[w->len++] = ',';
    memcpy(w->json + w->len, text, len);
    w->len += len;
    w->json[w->len] = '\0';
}

static void publish(sl_latest_results *r, const sl_top_pages *top) {
    size_t top_len;
    const char *top_json = render(r, SL_BATCH_TOP_PAGES, top, &top_len);
    if (!top_json) return;
    pending_window *w = find_pending(r, top->window_start, false);
    const char *pages = w && w->json ? w->json : "";
    size_t cap = strlen(pages) + top_len + 128;
    char *doc = malloc(cap);
    if (!doc) return;
    snprintf(doc, cap, "{\"window_start\":%lld,\"window_end\":%lld,\"page_analytics\":[%s],\"top_pages\":%.*s}",
             (long long)top->window_start, (long long)top->window_end, pages, (int)top_len, top_json);
    pthread_mutex_lock(&r->lock);
    free(r->published);
    r->published = doc;
    pthread_mutex_unlock(&r->lock);
    /* This window and every older one are done. */
    size_t keep = 0;
    for (size_t i = 0; i < r->n_pending; i++) {
        if (r->pending[i].start <= top->window_start) free(r->pending[i].json);
        else r->pending[keep++] = r->pending[i];
    }
    r->n_pending = keep;
}

void sl_latest_results_feed(sl_latest_results *r, const sl_batch *b) {
    if (!r) return;
    if (b->kind == SL_BATCH_PAGE_STATS) {
        const sl_page_stats *s = SL_BATCH_ITEMS(b, const sl_page_stats);
        for (uint32_t i = 0; i < b->count; i++) {
            size_t len;
            const char *text = render(r, SL_BATCH_PAGE_STATS, &s[i], &len);
            if (text) append(find_pending(r, s[i].window_start, true), text, len);
        }
    } else if (b->kind == SL_BATCH_TOP_PAGES) {
        const sl_top_pages *t = SL_BATCH_ITEMS(b, const sl_top_pages);
        for (uint32_t i = 0; i < b->count; i++) publish(r, &t[i]);
    }
}

json_t *sl_latest_results_get(sl_latest_results *r) {
    if (!r) return NULL;
    pthread_mutex_lock(&r->lock);
    json_t *doc = r->published ? json_loads(r->published, 0, NULL) : NULL;
    pthread_mutex_unlock(&r->lock);
    return doc;
}
