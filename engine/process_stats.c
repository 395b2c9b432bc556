/* process_stats.c -- read this process's resource usage from /proc/self. */
#include "engine/process_stats.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* utime, stime and starttime from /proc/self/stat. The command name (field 2)
 * may hold spaces and parentheses, so fields are counted after its last ')'. */
static bool read_stat(double *cpu_seconds, unsigned long long *start_ticks) {
    FILE *f = fopen("/proc/self/stat", "r");
    if (!f) return false;
    char line[1024];
    bool ok = fgets(line, sizeof(line), f) != NULL;
    fclose(f);
    char *p = ok ? strrchr(line, ')') : NULL;
    if (!p) return false;
    unsigned long long utime = 0, stime = 0;
    /* After ')': field 3 (state) is token 0, so utime (14) is token 11,
     * stime (15) token 12 and starttime (22) token 19. */
    char *save = NULL;
    int idx = 0;
    for (char *tok = strtok_r(p + 1, " ", &save); tok; tok = strtok_r(NULL, " ", &save), idx++) {
        if (idx == 11) utime = strtoull(tok, NULL, 10);
        else if (idx == 12) stime = strtoull(tok, NULL, 10);
        else if (idx == 19) {
            *start_ticks = strtoull(tok, NULL, 10);
            break;
        }
    }
    if (idx != 19) return false;
    double hz = (double)sysconf(_SC_CLK_TCK);
    *cpu_seconds = (double)(utime + stime) / hz;
    return true;
}

/* System boot time (epoch seconds), the origin of starttime. */
static bool read_boot_time(double *btime) {
    FILE *f = fopen("/proc/stat", "r");
    if (!f) return false;
    char line[512];
    bool found = false;
    while (!found && fgets(line, sizeof(line), f)) {
        unsigned long long v;
        if (sscanf(line, "btime %llu", &v) == 1) {
            *btime = (double)v;
            found = true;
        }
    }
    fclose(f);
    return found;
}

static bool read_resident(double *bytes) {
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return false;
    unsigned long long size, resident;
    bool ok = fscanf(f, "%llu %llu", &size, &resident) == 2;
    fclose(f);
    if (ok) *bytes = (double)resident * (double)sysconf(_SC_PAGESIZE);
    return ok;
}

static bool count_fds(double *n) {
    DIR *d = opendir("/proc/self/fd");
    if (!d) return false;
    long count = 0;
    for (struct dirent *e = readdir(d); e; e = readdir(d))
        if (e->d_name[0] != '.') count++;
    closedir(d);
    *n = (double)(count - 1);   /* the directory stream's own descriptor */
    return true;
}

bool sl_process_stats_read(sl_process_stats *out) {
    memset(out, 0, sizeof(*out));
    unsigned long long start_ticks = 0;
    double btime = 0;
    bool ok = read_stat(&out->cpu_seconds, &start_ticks);
    ok = read_boot_time(&btime) && ok;
    if (ok) out->start_time_seconds = btime + (double)start_ticks / (double)sysconf(_SC_CLK_TCK);
    ok = read_resident(&out->resident_bytes) && ok;
    ok = count_fds(&out->open_fds) && ok;
    return ok;
}
