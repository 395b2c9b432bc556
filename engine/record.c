/* record.c -- helpers on sluice records. */
#include "engine/record.h"

#include <xxhash.h>

int sl_str_cmp(sl_str a, sl_str b) {
    uint32_t n = a.len < b.len ? a.len : b.len;
    int c = n ? memcmp(a.ptr, b.ptr, n) : 0;
    if (c) return c;
    return a.len < b.len ? -1 : a.len > b.len ? 1 : 0;
}

uint64_t sl_str_hash(sl_str s) {
    return s.ptr ? XXH3_64bits(s.ptr, s.len) : 0;
}

static const char *const EVENT_TYPE_NAMES[SL_EVENT_TYPE_COUNT] = {
    "VIEW", "CLICK", "ADD_TO_CART", "PURCHASE", "SEARCH",
};

const char *sl_event_type_name(sl_event_type t) {
    return (unsigned)t < SL_EVENT_TYPE_COUNT ? EVENT_TYPE_NAMES[t] : "UNKNOWN";
}

bool sl_event_type_parse(const char *s, size_t len, sl_event_type *out) {
    for (int i = 0; i < SL_EVENT_TYPE_COUNT; i++) {
        if (strlen(EVENT_TYPE_NAMES[i]) == len && memcmp(EVENT_TYPE_NAMES[i], s, len) == 0) {
            *out = (sl_event_type)i;
            return true;
        }
    }
    return false;
}

void sl_event_derive(sl_event *ev) {
    ev->user_hash = sl_str_hash(ev->user_id);
    ev->session_hash = sl_str_hash(ev->session_id);
    ev->page_hash = sl_str_hash(ev->page);
}
