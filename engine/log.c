/* log.c -- structured logging. */
#include "engine/log.h"

#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct {
    int json;
    sl_log_level min;
    char job[64];
    pthread_mutex_t lock;
} g_log = {0, SL_LOG_INFO, "sluice", PTHREAD_MUTEX_INITIALIZER};

static const char *const LEVEL_NAMES[] = {"debug", "info", "warn", "error"};

int sl_log_configure(const char *format, const char *level, const char *job) {
    if (format) {
        if (!strcmp(format, "json")) g_log.json = 1;
        else if (!strcmp(format, "text")) g_log.json = 0;
        else return -1;
    }
    if (level) {
        int found = -1;
        for (int i = 0; i < 4; i++)
            if (!strcmp(level, LEVEL_NAMES[i])) found = i;
        if (found < 0) return -1;
        g_log.min = (sl_log_level)found;
    }
    if (job) snprintf(g_log.job, sizeof(g_log.job), "%s", job);
    return 0;
}

void sl_log(sl_log_level level, const char *component, const char *fmt, ...) {
    if (level < g_log.min) return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);

    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[40];
    size_t n = strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(when + n, sizeof(when) - n, ".%03ldZ", ts.tv_nsec / 1000000);

    pthread_mutex_lock(&g_log.lock);
    if (g_log.json) {
        json_t *line = json_pack("{s:s,s:s,s:s,s:s,s:s}", "time", when, "level", LEVEL_NAMES[level],
                                 "job", g_log.job, "operator", component ? component : "", "message", msg);
        char *text = json_dumps(line, JSON_COMPACT);
        fprintf(stderr, "%s\n", text);
        free(text);
        json_decref(line);
    } else {
        fprintf(stderr, "%s %-5s [%s] %s: %s\n", when, LEVEL_NAMES[level], g_log.job,
                component ? component : "-", msg);
    }
    pthread_mutex_unlock(&g_log.lock);
}
