/* cmd_operators.c -- `sluice operators`: the registered sources, operators and sinks. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "engine/operator.h"

int sl_cmd_operators(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--help") && strcmp(argv[1], "-h")) {
        fprintf(stderr, "sluice operators: unexpected argument '%s'. Usage: sluice operators\n", argv[1]);
        return SL_EXIT_USAGE;
    }
    sl_list_operators(stdout);
    return SL_EXIT_OK;
}
