/* kafka_dev_control.c -- fault injection into a running `sluice kafka-dev`, one text command per line. */
#include "operators/kafka_dev_control.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/log.h"

static const struct {
    const char *name;
    int16_t key;
} API_KEYS[] = {
    {"Produce", 0},          {"Fetch", 1},          {"ListOffsets", 2},     {"Metadata", 3},
    {"OffsetCommit", 8},     {"OffsetFetch", 9},    {"FindCoordinator", 10}, {"JoinGroup", 11},
    {"Heartbeat", 12},       {"SyncGroup", 14},     {"InitProducerId", 22}, {"AddPartitionsToTxn", 24},
    {"AddOffsetsToTxn", 25}, {"EndTxn", 26},        {"TxnOffsetCommit", 28},
};

static int parse_api(const char *s) {
    for (size_t i = 0; i < sizeof(API_KEYS) / sizeof(API_KEYS[0]); i++)
        if (!strcmp(s, API_KEYS[i].name)) return API_KEYS[i].key;
    char *end;
    long v = strtol(s, &end, 10);
    return *end || end == s || v < 0 || v > 100 ? -1 : (int)v;
}

/* A Kafka error by name (as rd_kafka_err2name spells it) or number. */
static bool parse_error_code(const char *s, rd_kafka_resp_err_t *out) {
    char *end;
    long v = strtol(s, &end, 10);
    if (end != s && !*end) {
        *out = (rd_kafka_resp_err_t)v;
        return true;
    }
    const struct rd_kafka_err_desc *descs;
    size_t n;
    rd_kafka_get_err_descs(&descs, &n);
    for (size_t i = 0; i < n; i++)
        if (descs[i].name && !strcmp(descs[i].name, s)) {
            *out = descs[i].code;
            return true;
        }
    return false;
}

sl_err sl_kafka_dev_control(sl_kafka_dev *dev, const char *line, char *errstr, size_t errstr_size) {
    char verb[32] = "", a[64] = "", b[64] = "";
    int count = 1;
    int n = sscanf(line, "%31s %63s %63s %d", verb, a, b, &count);
    rd_kafka_mock_cluster_t *mc = sl_kafka_dev_mock(dev);
    if (n >= 2 && (!strcmp(verb, "down") || !strcmp(verb, "up"))) {
        int id = atoi(a);
        rd_kafka_resp_err_t err = !strcmp(verb, "down") ? rd_kafka_mock_broker_set_down(mc, id)
                                                          : rd_kafka_mock_broker_set_up(mc, id);
        if (err) return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size, "'%s': %s", line, rd_kafka_err2str(err));
        return SL_OK;
    }
    if (n >= 3 && !strcmp(verb, "error")) {
        int api = parse_api(a);
        rd_kafka_resp_err_t code;
        if (api < 0 || !parse_error_code(b, &code) || count < 1 || count > 1000)
            return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                           "'%s': expected error API CODE [COUNT] with a known API, a Kafka error name and "
                           "1 ≤ COUNT ≤ 1000", line);
        rd_kafka_resp_err_t codes[1000];
        for (int i = 0; i < count; i++) codes[i] = code;
        rd_kafka_mock_push_request_errors_array(mc, (int16_t)api, (size_t)count, codes);
        return SL_OK;
    }
    return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                   "'%s': unknown command (down ID | up ID | error API CODE [COUNT])", line);
}

struct sl_kafka_dev_control_server {
    sl_kafka_dev *dev;
    char *path;
    int fd;
    pthread_t thread;
    atomic_int stop;
};

static void serve_line(sl_kafka_dev_control_server *s, char *line) {
    line[strcspn(line, "\r\n")] = '\0';
    if (!*line) return;
    char why[256];
    if (sl_kafka_dev_control(s->dev, line, why, sizeof(why))) sl_log_warn("kafka-dev", "control: %s", why);
    else sl_log_info("kafka-dev", "control: %s", line);
}

static void *serve(void *arg) {
    sl_kafka_dev_control_server *s = arg;
    char buf[1024];
    size_t len = 0;
    while (!atomic_load(&s->stop)) {
        struct pollfd p = {s->fd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0) continue;
        ssize_t n = read(s->fd, buf + len, sizeof(buf) - 1 - len);
        if (n <= 0) {
            usleep(20000);   /* every writer closed: wait for the next one */
            continue;
        }
        len += (size_t)n;
        buf[len] = '\0';
        char *start = buf, *nl;
        while ((nl = strchr(start, '\n'))) {
            *nl = '\0';
            serve_line(s, start);
            start = nl + 1;
        }
        len = strlen(start);
        memmove(buf, start, len + 1);
        if (len == sizeof(buf) - 1) len = 0;   /* an endless line: drop it */
    }
    return NULL;
}

sl_kafka_dev_control_server *sl_kafka_dev_control_serve(sl_kafka_dev *dev, const char *path, char *errstr,
                                                        size_t errstr_size) {
    if (mkfifo(path, 0600) != 0 && errno != EEXIST) {
        sl_errf(SL_ERR_IO, errstr, errstr_size, "cannot create the control FIFO %s: %s", path, strerror(errno));
        return NULL;
    }
    sl_kafka_dev_control_server *s = calloc(1, sizeof(*s));
    if (!s) abort();
    s->dev = dev;
    s->path = strdup(path);
    /* O_RDWR keeps a writer open ourselves, so the FIFO never reports EOF
     * between two `echo … > fifo` commands. */
    s->fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (s->fd < 0 || pthread_create(&s->thread, NULL, serve, s) != 0) {
        sl_errf(SL_ERR_IO, errstr, errstr_size, "cannot open the control FIFO %s: %s", path, strerror(errno));
        if (s->fd >= 0) close(s->fd);
        free(s->path);
        free(s);
        return NULL;
    }
    return s;
}

void sl_kafka_dev_control_stop(sl_kafka_dev_control_server *s) {
    if (!s) return;
    atomic_store(&s->stop, 1);
    pthread_join(s->thread, NULL);
    close(s->fd);
    unlink(s->path);
    free(s->path);
    free(s);
}
