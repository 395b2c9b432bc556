/* cmd_topics.c -- `sluice topics create`: create and check sluice's Kafka topics. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "engine/conf.h"
#include "operators/kafka_topics.h"

static void topics_usage(FILE *out) {
    fprintf(out,
            "Usage: sluice topics create --brokers HOST:PORT[,…] [OPTIONS]\n\n"
            "Creates sluice's topics with the Kafka Admin API and checks existing ones:\n"
            "  clickstream-events      6 partitions, compression.type=snappy, retention.ms=7200000\n"
            "  analytics-results       3 partitions, compression.type=lz4, retention.ms=86400000,\n"
            "                          cleanup.policy=compact,delete (keys are window+page)\n"
            "  clickstream-events.dlq  1 partition, retention.ms=604800000\n"
            "  analytics-results.late  1 partition, retention.ms=86400000\n"
            "  ID-exchange             with --job-id ID (scale-out, docs/kafka.md): as many\n"
            "                          partitions as clickstream-events, lz4, retention.ms=86400000\n"
            "A topic that already exists is fine; every partition count or config that\n"
            "differs is reported as a 'warning:' line (exit 0, or 1 with --strict).\n"
            "Configs the broker cannot report are listed as 'note:' lines.\n\n"
            "Options:\n"
            "  --brokers LIST             bootstrap servers (required)\n"
            "  --replication-factor R     replication factor (default: the broker's default)\n"
            "  --partitions-events N      partitions of clickstream-events (default 6)\n"
            "  --partitions-results N     partitions of analytics-results (default 3)\n"
            "  --job-id ID                also create ID-exchange for `sluice run --scale-out`\n"
            "  --strict                   exit 1 when an existing topic differs\n"
            "  --timeout-ms MS            wait this long per admin request (default 10000)\n"
            "  --set kafka.KEY=VALUE      a librdkafka property for the admin client (repeatable)\n"
            "  --help                     this text\n");
}

static int parse_count(const char *flag, const char *s, int min, int *out) {
    char *end;
    errno = 0;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || errno || end == s || *end || v < min || v > 100000) {
        fprintf(stderr, "sluice topics: %s needs a whole number ≥ %d, got '%s'\n", flag, min, s ? s : "");
        return -1;
    }
    *out = (int)v;
    return 0;
}

/* Parse the options after "create"; returns an exit code ≥ 0 to stop with, or -1 to go on. */
static int parse_create_args(int argc, char **argv, const char **brokers, sl_topics_opts *o, int *strict,
                             sl_conf *conf) {
    char errstr[512];
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            topics_usage(stdout);
            return SL_EXIT_OK;
        } else if (!strcmp(a, "--strict")) {
            *strict = 1;
            continue;
        } else if (!v) {
            fprintf(stderr, "sluice topics: %s needs a value (or is unknown). Run 'sluice topics --help'.\n", a);
            return SL_EXIT_USAGE;
        } else if (!strcmp(a, "--brokers")) {
            *brokers = v;
        } else if (!strcmp(a, "--replication-factor")) {
            if (parse_count(a, v, 1, &o->replication_factor) < 0) return SL_EXIT_USAGE;
        } else if (!strcmp(a, "--partitions-events")) {
            if (parse_count(a, v, 1, &o->partitions_events) < 0) return SL_EXIT_USAGE;
        } else if (!strcmp(a, "--partitions-results")) {
            if (parse_count(a, v, 1, &o->partitions_results) < 0) return SL_EXIT_USAGE;
        } else if (!strcmp(a, "--job-id")) {
            static char exchange[300];   /* the name outlives the parse */
            snprintf(exchange, sizeof(exchange), "%s-exchange", v);
            o->exchange_topic = exchange;
        } else if (!strcmp(a, "--timeout-ms")) {
            if (parse_count(a, v, 100, &o->timeout_ms) < 0) return SL_EXIT_USAGE;
        } else if (!strcmp(a, "--set")) {
            if (strncmp(v, "kafka.", 6) || sl_conf_set_pair(conf, v, errstr, sizeof(errstr)) != SL_OK) {
                fprintf(stderr, "sluice topics: --set takes kafka.KEY=VALUE, got '%s'\n", v);
                return SL_EXIT_USAGE;
            }
        } else {
            fprintf(stderr, "sluice topics: unknown option '%s'. Run 'sluice topics --help'.\n", a);
            return SL_EXIT_USAGE;
        }
        i++;
    }
    if (!*brokers) {
        fprintf(stderr, "sluice topics create: --brokers is required (e.g. --brokers localhost:9092)\n");
        return SL_EXIT_USAGE;
    }
    return -1;
}

int sl_cmd_topics(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        topics_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? SL_EXIT_USAGE : SL_EXIT_OK;
    }
    if (strcmp(argv[1], "create")) {
        fprintf(stderr, "sluice topics: unknown action '%s' (the only action is 'create')\n", argv[1]);
        return SL_EXIT_USAGE;
    }
    const char *brokers = NULL;
    int strict = 0;
    sl_topics_opts o;
    sl_topics_opts_default(&o);
    sl_conf *conf = sl_conf_new();
    int rc = parse_create_args(argc, argv, &brokers, &o, &strict, conf);
    if (rc < 0) {
        char errstr[512];
        sl_topics_report rep;
        sl_err err = sl_kafka_topics_create(brokers, conf, &o, stdout, &rep, errstr, sizeof(errstr));
        if (err == SL_ERR_INVALID_ARG) {
            fprintf(stderr, "sluice topics: %s\n", errstr);
            rc = SL_EXIT_USAGE;
        } else if (err) {
            fprintf(stderr, "sluice topics: %s\n", errstr);
            rc = SL_EXIT_FAILURE;
        } else {
            printf("%d created, %d already existed, %d differences, %d configs not verifiable\n", rep.created,
                   rep.existed, rep.mismatches, rep.unverified);
            rc = strict && rep.mismatches ? SL_EXIT_FAILURE : SL_EXIT_OK;
        }
    }
    sl_conf_destroy(conf);
    return rc;
}
