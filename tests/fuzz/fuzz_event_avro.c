/* fuzz_event_avro.c -- libFuzzer target: Confluent Avro event decoding and the dead-letter envelope. */
#include "tests/fuzz/fuzz_decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    sl_fuzz_decode("avro", data, size);
    return 0;
}
