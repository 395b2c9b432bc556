/* fuzz_exchange_record.c -- libFuzzer target: decoding scale-out exchange records (operators/exchange_record.h).
 *
 * The exchange topic is read as untrusted input. Any bytes either fail with
 * a reason or decode into a record whose encoding gives back the same bytes
 * (the format has one encoding per record): so a decoder that accepted a
 * length it did not check, or read a field it did not consume, aborts here. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "operators/exchange_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static sl_buf again;
    sl_exchange_record rec;
    char reason[256];
    if (sl_exchange_decode(data, size, &rec, reason, sizeof(reason)) != SL_OK) {
        if (!reason[0]) abort();
        return 0;
    }
    switch (rec.kind) {
    case SL_EXCHANGE_EVENT:
        sl_exchange_encode_event(&again, rec.partition, rec.offset, &rec.event);
        break;
    case SL_EXCHANGE_DEAD_LETTER:
        sl_exchange_encode_dead_letter(&again, rec.partition, rec.offset, &rec.dead);
        break;
    case SL_EXCHANGE_END:
        sl_exchange_encode_end(&again, rec.partition, rec.offset, rec.partition_count);
        break;
    case SL_EXCHANGE_IDLE:
        sl_exchange_encode_idle(&again, rec.partition, rec.offset);
        break;
    default:
        abort();
    }
    if (again.len != size || memcmp(again.data, data, size)) abort();
    return 0;
}
