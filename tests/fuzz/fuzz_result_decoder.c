/* fuzz_result_decoder.c -- libFuzzer target: reading a results topic's values back (operators/result_decoder.h).
 *
 * `sluice results` reads whatever a results topic holds. Any bytes either
 * fail with a reason or give a line; an Avro value's line is a JSON object
 * with a "type" (a JSON value comes back as it is, for verify to judge). */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "operators/result_decoder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static sl_result_decoder *dec;
    if (!dec && !(dec = sl_result_decoder_new(NULL))) abort();
    const char *line;
    size_t line_len;
    char reason[512] = "";
    if (sl_result_decoder_to_json(dec, data, size, "1767225600000", 13, &line, &line_len, reason, sizeof(reason)) !=
        SL_OK) {
        if (!reason[0]) abort();
        return 0;
    }
    if (size == 0 || data[0] != 0) return 0;   /* passed through */
    json_t *obj = json_loadb(line, line_len, JSON_ALLOW_NUL, NULL);   /* a page name may hold NUL */
    if (!json_is_string(json_object_get(obj, "type"))) abort();
    json_decref(obj);
    return 0;
}
