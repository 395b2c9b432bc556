/* fuzz_job_file.c -- libFuzzer target: the YAML job-file parser (sl_conf_load_yaml) and the typed getters. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "engine/conf.h"

static const char *const INT_KEYS[] = {"window.size_ms", "window.slide_ms", "parallelism", "generator.events",
                                       "source.max_record_bytes", "checkpoint.interval_ms", NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static char path[64];
    if (!path[0]) snprintf(path, sizeof(path), "/tmp/sluice-fuzz-job-%d.yaml", (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    fwrite(data, 1, size, f);
    fclose(f);
    sl_conf *conf = sl_conf_new();
    char err[512];
    if (sl_conf_load_yaml(conf, path, err, sizeof(err)) == SL_OK) {
        int64_t v;
        double d;
        bool b;
        for (int i = 0; INT_KEYS[i]; i++) sl_conf_get_int(conf, INT_KEYS[i], &v, err, sizeof(err));
        sl_conf_get_double(conf, "topn.trending_factor", &d, err, sizeof(err));
        sl_conf_get_bool(conf, "avro.ssl_verify", &b, err, sizeof(err));
        sl_conf_destroy(sl_conf_dup(conf));
    }
    sl_conf_destroy(conf);
    return 0;
}
