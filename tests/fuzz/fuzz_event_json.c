/* fuzz_event_json.c -- libFuzzer target: JSON event decoding and the dead-letter envelope. */
#include "tests/fuzz/fuzz_decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    sl_fuzz_decode("json", data, size);
    return 0;
}
