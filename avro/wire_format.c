/* wire_format.c -- the Confluent wire-format header (magic byte, schema id). */
#include "avro/avro_serde.h"

void sl_avro_wire_header_write(uint8_t *buf, int32_t schema_id) {
    uint32_t id = (uint32_t)schema_id;
    buf[0] = 0;
    buf[1] = (uint8_t)(id >> 24);
    buf[2] = (uint8_t)(id >> 16);
    buf[3] = (uint8_t)(id >> 8);
    buf[4] = (uint8_t)id;
}

sl_err sl_avro_wire_header_read(const uint8_t *data, size_t len, int32_t *schema_id,
                                char *reason, size_t reason_size) {
    if (len >= 1 && data[0] != 0) {
        /* The usual mistake is a JSON topic read as Avro: say so. */
        const char *hint = data[0] == '{' || data[0] == '[' ? "is this JSON?" : "was it written by another serializer?";
        return sl_errf(SL_ERR_PARSE, reason, reason_size,
                       "wrong magic byte 0x%02x (expected 0x00: not Confluent Avro; %s)", data[0], hint);
    }
    if (len < SL_AVRO_WIRE_HEADER)
        return sl_errf(SL_ERR_CORRUPT, reason, reason_size,
                       "truncated Confluent header: %zu byte(s), a wire record needs at least %d "
                       "(magic byte and 4-byte schema id)", len, SL_AVRO_WIRE_HEADER);
    *schema_id = (int32_t)((uint32_t)data[1] << 24 | (uint32_t)data[2] << 16 |
                           (uint32_t)data[3] << 8 | (uint32_t)data[4]);
    return SL_OK;
}
