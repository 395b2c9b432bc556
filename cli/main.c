/* main.c -- the `sluice` binary: dispatch to a subcommand. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"

const sl_command SL_COMMANDS[] = {
    {"run", "Run a job from a YAML job file", sl_cmd_run},
    {"list", "List the jobs started with `sluice run --detach`", sl_cmd_list},
    {"status", "Show a detached job's state, checkpoints and watermark", sl_cmd_status},
    {"savepoint", "Take a savepoint of a detached job", sl_cmd_savepoint},
    {"stop", "Stop a detached job with a savepoint", sl_cmd_stop},
    {"cancel", "Cancel a detached job (no savepoint)", sl_cmd_cancel},
    {"gen", "Generate sessionized clickstream traffic (JSON lines or Kafka)", sl_cmd_gen},
    {"verify", "Recompute the results from the events in batch and compare them", sl_cmd_verify},
    {"kafka-dev", "Run an in-process Kafka cluster (librdkafka mock) with sluice's topics", sl_cmd_kafka_dev},
    {"topics", "Create and check sluice's Kafka topics (Admin API)", sl_cmd_topics},
    {"results", "Read the committed results of a Kafka topic as JSON lines (for verify)", sl_cmd_results},
    {"avro", "Encode JSON lines to Confluent Avro records, or decode them", sl_cmd_avro},
    {"dlq", "Replay dead letters (optionally fixed) into the input file or topic", sl_cmd_dlq},
    {"operators", "List the operators (sources, windows, aggregates, sinks)", sl_cmd_operators},
    {"config", "List every configuration key with its default", sl_cmd_config},
    {"metrics", "List every exported metric (or --sample: an example /metrics page)", sl_cmd_metrics},
    {NULL, NULL, NULL},
};

static void usage(FILE *out) {
    fprintf(out,
            "sluice -- a stream-processing engine for clickstream analytics\n\n"
            "Usage: sluice COMMAND [OPTIONS]\n\nCommands:\n");
    for (const sl_command *c = SL_COMMANDS; c->name; c++)
        fprintf(out, "  %-12s %s\n", c->name, c->summary);
    fprintf(out, "\nRun 'sluice COMMAND --help' for a command's options.\n");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return SL_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return SL_EXIT_OK;
    }
    for (const sl_command *c = SL_COMMANDS; c->name; c++)
        if (!strcmp(argv[1], c->name)) return c->main(argc - 1, argv + 1);
    fprintf(stderr, "sluice: unknown command '%s'. Run 'sluice --help' for the list.\n", argv[1]);
    return SL_EXIT_USAGE;
}
