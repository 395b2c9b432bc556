/* cmd_kafka_dev.c -- `sluice kafka-dev`: run an in-process Kafka cluster until interrupted. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "engine/log.h"
#include "operators/kafka_dev_cluster.h"
#include "operators/kafka_dev_control.h"

static void kafka_dev_usage(FILE *out) {
    fprintf(out,
            "Usage: sluice kafka-dev [--brokers N] [--partitions-events N] [--control-fifo PATH]\n\n"
            "Starts librdkafka's mock Kafka cluster inside this process (brokers on\n"
            "127.0.0.1, ephemeral ports) with sluice's topics created:\n"
            "  clickstream-events (6 partitions), analytics-results (3),\n"
            "  clickstream-events.dlq (1), analytics-results.late (1).\n"
            "The first line on stdout is the bootstrap list (for --brokers or\n"
            "kafka.bootstrap.servers). Runs until SIGINT or SIGTERM, then exits 0.\n"
            "It keeps data in memory only and does not implement every broker\n"
            "feature; see docs/kafka.md.\n\n"
            "Options:\n"
            "  --brokers N            number of brokers, 1..16 (default 1)\n"
            "  --partitions-events N  partitions of clickstream-events, 1..256 (default 6); the\n"
            "                         mock keeps only about 5 MiB per partition and drops the\n"
            "                         oldest records beyond that, so give large inputs more\n"
            "  --control-fifo PATH    create a FIFO at PATH and apply fault-injection commands\n"
            "                         written to it, one per line:\n"
            "                           down ID | up ID          take broker ID (1..N) down / up\n"
            "                           error API CODE [COUNT]   fail the next COUNT requests of API\n"
            "                                                    (Produce, EndTxn, ...) with CODE\n"
            "                                                    (e.g. NOT_LEADER_OR_FOLLOWER)\n"
            "  --help                 this text\n");
}

static int parse_brokers(const char *s, int *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 1 || v > 16) return -1;
    *out = (int)v;
    return 0;
}

int sl_cmd_kafka_dev(int argc, char **argv) {
    int brokers = 1, event_partitions = 6;
    const char *fifo = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            kafka_dev_usage(stdout);
            return SL_EXIT_OK;
        } else if (!strcmp(argv[i], "--brokers")) {
            if (i + 1 >= argc || parse_brokers(argv[i + 1], &brokers) < 0) {
                fprintf(stderr, "sluice kafka-dev: --brokers needs a number from 1 to 16\n");
                return SL_EXIT_USAGE;
            }
            i++;
        } else if (!strcmp(argv[i], "--partitions-events")) {
            char *end;
            long v = i + 1 < argc ? strtol(argv[i + 1], &end, 10) : 0;
            if (i + 1 >= argc || *end || v < 1 || v > 256) {
                fprintf(stderr, "sluice kafka-dev: --partitions-events needs a number from 1 to 256\n");
                return SL_EXIT_USAGE;
            }
            event_partitions = (int)v;
            i++;
        } else if (!strcmp(argv[i], "--control-fifo")) {
            if (i + 1 >= argc || !*argv[i + 1]) {
                fprintf(stderr, "sluice kafka-dev: --control-fifo needs a path\n");
                return SL_EXIT_USAGE;
            }
            fifo = argv[++i];
        } else {
            fprintf(stderr, "sluice kafka-dev: unknown option '%s'. Run 'sluice kafka-dev --help'.\n", argv[i]);
            return SL_EXIT_USAGE;
        }
    }

    /* Block the stop signals before librdkafka starts its threads, so they
     * inherit the mask and the signal is taken only by sigwait below. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    char errstr[512];
    sl_kafka_dev *dev = sl_kafka_dev_start_partitioned(brokers, event_partitions, errstr, sizeof(errstr));
    if (!dev) {
        fprintf(stderr, "sluice kafka-dev: %s\n", errstr);
        return SL_EXIT_FAILURE;
    }
    sl_kafka_dev_control_server *control = NULL;
    if (fifo && !(control = sl_kafka_dev_control_serve(dev, fifo, errstr, sizeof(errstr)))) {
        fprintf(stderr, "sluice kafka-dev: %s\n", errstr);
        sl_kafka_dev_stop(dev);
        return SL_EXIT_FAILURE;
    }
    printf("%s\n", sl_kafka_dev_bootstrap(dev));
    fflush(stdout);
    sl_log_info("kafka-dev", "running; stop with Ctrl-C or SIGTERM");

    int sig = 0;
    sigwait(&stop, &sig);
    sl_log_info("kafka-dev", "got %s, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
    sl_kafka_dev_control_stop(control);
    sl_kafka_dev_stop(dev);
    return SL_EXIT_OK;
}
