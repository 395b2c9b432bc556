/* event_check.c -- Avro event decoding plus the validation every event decoder shares.
 *
 * Kept apart from event_avro.c so that only programs that validate link
 * operators/event_json.c's sl_event_validate. */
#include "avro/avro_serde.h"
#include "operators/event_json.h"

sl_err sl_avro_decode_event_checked(sl_avro_decoder *dec, const uint8_t *data, size_t len,
                                    const sl_event_limits *lim, sl_event *ev,
                                    sl_arena *arena, char *reason, size_t reason_size) {
    if (lim->max_record_bytes && len > lim->max_record_bytes)
        return sl_errf(SL_ERR_PARSE, reason, reason_size,
                       "record of %zu bytes exceeds the limit of %zu bytes", len, lim->max_record_bytes);
    sl_err err = sl_avro_decode_event(dec, data, len, ev, arena, reason, reason_size);
    return err ? err : sl_event_validate(ev, lim, reason, reason_size);
}
