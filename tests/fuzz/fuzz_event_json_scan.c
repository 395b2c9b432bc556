/* fuzz_event_json_scan.c -- libFuzzer target: the fast JSON event scanner against jansson (fuzz_json_scan.h). */
#include <stdlib.h>

#include "tests/fuzz/fuzz_json_scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!sl_fuzz_json_scan_agrees(data, size)) abort();
    return 0;
}
