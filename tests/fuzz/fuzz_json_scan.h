/* fuzz_json_scan.h -- the check that the fast JSON event scanner changes no decoding result.
 *
 * For any input bytes, sl_event_from_json (the scanner, jansson for what it
 * declines) and sl_event_from_json_tree (jansson only) must agree: the same
 * error code and reason sentence, or the same event field by field. Used by
 * the fuzz target tests/fuzz/fuzz_event_json_scan.c and by
 * tests/unit/test_event_json_scan.c on mutated events. */
#ifndef SL_FUZZ_JSON_SCAN_H
#define SL_FUZZ_JSON_SCAN_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "operators/event_json.h"

#define SL_FUZZ_SCAN_NOW_MS 1767225600000LL

static bool sl_fuzz_same_str(sl_str a, sl_str b) { return sl_str_is_null(a) == sl_str_is_null(b) && sl_str_eq(a, b); }

static bool sl_fuzz_same_event(const sl_event *a, const sl_event *b) {
    return a->timestamp_ms == b->timestamp_ms && a->session_duration_ms == b->session_duration_ms &&
           a->event_type == b->event_type && sl_fuzz_same_str(a->event_id, b->event_id) &&
           sl_fuzz_same_str(a->user_id, b->user_id) && sl_fuzz_same_str(a->session_id, b->session_id) &&
           sl_fuzz_same_str(a->page, b->page) && sl_fuzz_same_str(a->product_id, b->product_id) &&
           sl_fuzz_same_str(a->ip, b->ip) && sl_fuzz_same_str(a->user_agent, b->user_agent) &&
           sl_fuzz_same_str(a->referrer, b->referrer) && a->user_hash == b->user_hash &&
           a->session_hash == b->session_hash && a->page_hash == b->page_hash;
}

/* Do both decoding paths give the same result for these bytes? */
static bool sl_fuzz_json_scan_agrees(const uint8_t *data, size_t size) {
    static sl_arena arena;
    if (!arena.chunk_size) sl_arena_init(&arena, 1 << 16);
    sl_arena_reset(&arena);
    sl_event_limits lim;
    sl_event_limits_default(&lim);
    lim.now_ms = SL_FUZZ_SCAN_NOW_MS;
    lim.max_record_bytes = 65536;
    sl_event fast, tree;
    char fast_reason[512] = "", tree_reason[512] = "";
    sl_err a = sl_event_from_json((const char *)data, size, &lim, &fast, &arena, fast_reason, sizeof(fast_reason));
    sl_err b = sl_event_from_json_tree((const char *)data, size, &lim, &tree, &arena, tree_reason, sizeof(tree_reason));
    if (a != b) return false;
    return a ? strcmp(fast_reason, tree_reason) == 0 : sl_fuzz_same_event(&fast, &tree);
}

#endif
