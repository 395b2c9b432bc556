/* cmd_config.c -- `sluice config`: every configuration key with its default. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "engine/conf.h"

int sl_cmd_config(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--help") && strcmp(argv[1], "-h")) {
        fprintf(stderr, "sluice config: unexpected argument '%s'. Usage: sluice config\n", argv[1]);
        return SL_EXIT_USAGE;
    }
    printf("Configuration keys (YAML job file, --set key=value, or sl_conf_set):\n");
    sl_conf_describe(stdout);
    return SL_EXIT_OK;
}
