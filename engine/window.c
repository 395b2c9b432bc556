/* window.c -- window specs from configuration and session-window merging. */
#include "engine/window.h"

#include <stdlib.h>
#include <string.h>

static int64_t gcd(int64_t a, int64_t b) {
    while (b) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

sl_err sl_window_spec_load(sl_window_spec *w, const sl_conf *conf, char *errstr, size_t errstr_size) {
    memset(w, 0, sizeof(*w));
    const char *type = sl_conf_get(conf, "window.type");
    if (!strcmp(type, "sliding")) w->type = SL_WINDOW_SLIDING;
    else if (!strcmp(type, "tumbling")) w->type = SL_WINDOW_TUMBLING;
    else if (!strcmp(type, "session")) w->type = SL_WINDOW_SESSION;
    else
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                       "window.type: '%s' is not sliding, tumbling or session", type);
    sl_err err;
    if ((err = sl_conf_get_int(conf, "window.size_ms", &w->size, errstr, errstr_size))) return err;
    if ((err = sl_conf_get_int(conf, "window.slide_ms", &w->slide, errstr, errstr_size))) return err;
    if ((err = sl_conf_get_int(conf, "window.gap_ms", &w->gap, errstr, errstr_size))) return err;
    if ((err = sl_conf_get_int(conf, "window.allowed_lateness_ms", &w->allowed_lateness, errstr, errstr_size)))
        return err;
    if (w->type == SL_WINDOW_TUMBLING) w->slide = w->size;
    if (w->slide > w->size)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                       "window.slide_ms (%lld) is larger than window.size_ms (%lld): events between windows "
                       "would belong to none",
                       (long long)w->slide, (long long)w->size);
    /* Every event counts in size/slide windows, each with its own timer and
     * result: past this bound a job is a misconfiguration that would spend
     * minutes and gigabytes on its first event. */
    if ((w->size + w->slide - 1) / w->slide > SL_WINDOW_MAX_OVERLAP)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                       "window.size_ms / window.slide_ms = %lld / %lld puts each event in %lld windows, more than "
                       "%d: give a longer slide or a shorter window",
                       (long long)w->size, (long long)w->slide, (long long)((w->size + w->slide - 1) / w->slide),
                       SL_WINDOW_MAX_OVERLAP);
    w->pane = gcd(w->size, w->slide);
    return SL_OK;
}

int sl_session_windows_add(sl_session_window **list, int *n, int *cap, int64_t t, int64_t gap) {
    sl_session_window fresh = {t, t + gap};
    /* Windows are sorted by start and disjoint; find those overlapping fresh. */
    int first = 0;
    while (first < *n && (*list)[first].end < fresh.start) first++;
    int last = first;
    while (last < *n && (*list)[last].start <= fresh.end) {
        if ((*list)[last].start < fresh.start) fresh.start = (*list)[last].start;
        if ((*list)[last].end > fresh.end) fresh.end = (*list)[last].end;
        last++;
    }
    int merged = last - first;   /* windows replaced by fresh */
    if (merged == 0) {
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 4;
            *list = realloc(*list, (size_t)*cap * sizeof(sl_session_window));
        }
        memmove(&(*list)[first + 1], &(*list)[first], (size_t)(*n - first) * sizeof(sl_session_window));
        (*n)++;
    } else if (merged > 1) {
        memmove(&(*list)[first + 1], &(*list)[last], (size_t)(*n - last) * sizeof(sl_session_window));
        *n -= merged - 1;
    }
    (*list)[first] = fresh;
    return first;
}

/* ---- pane sets ---- */

#include "engine/timer.h"

bool sl_pane_set_add(sl_pane_set *s, int64_t pane) {
    /* Events fall into the newest panes but for their out-of-orderness (and
     * the drift between sources): step back over a few before searching. */
    uint32_t lo = s->count, steps = 0;
    while (lo > 0 && s->starts[lo - 1] > pane && steps++ < 4) lo--;
    if (lo > 0 && s->starts[lo - 1] > pane) {
        uint32_t hi = lo;
        lo = 0;
        while (lo < hi) {
            uint32_t mid = (lo + hi) / 2;
            if (s->starts[mid] < pane) lo = mid + 1;
            else hi = mid;
        }
        if (s->starts[lo] == pane) return false;
    } else if (lo > 0 && s->starts[lo - 1] == pane) {
        return false;
    }
    if (s->count == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->starts = realloc(s->starts, s->cap * sizeof(int64_t));
    }
    memmove(&s->starts[lo + 1], &s->starts[lo], (s->count - lo) * sizeof(int64_t));
    s->starts[lo] = pane;
    s->count++;
    return true;
}

void sl_pane_set_drop_first(sl_pane_set *s, uint32_t n) {
    if (n > s->count) n = s->count;
    if (n == 0) return;   /* also keeps memmove away from an empty set's NULL array */
    memmove(s->starts, s->starts + n, (s->count - n) * sizeof(int64_t));
    s->count -= n;
}

void sl_pane_set_free(sl_pane_set *s) {
    free(s->starts);
    memset(s, 0, sizeof(*s));
}

void sl_pane_set_snapshot(const sl_pane_set *s, sl_buf *out) {
    sl_buf_append_u64(out, s->count);
    for (uint32_t i = 0; i < s->count; i++) sl_buf_append_u64(out, (uint64_t)s->starts[i]);
}

bool sl_pane_set_restore(sl_pane_set *s, sl_buf_reader *in) {
    uint64_t n, v;
    if (!sl_buf_read_u64(in, &n)) return false;
    for (uint64_t i = 0; i < n; i++) {
        if (!sl_buf_read_u64(in, &v)) return false;
        sl_pane_set_add(s, (int64_t)v);
    }
    return true;
}

void sl_window_register_pane_timers(const sl_window_spec *w, sl_timers *timers, int64_t pane) {
    for (int64_t start = sl_window_first_start(w, pane); start <= sl_window_last_start(w, pane); start += w->slide)
        sl_timers_register(timers, start + w->size);
}
