/* process_stats.h -- this process's CPU time, memory and start time from /proc/self. */
#ifndef SL_PROCESS_STATS_H
#define SL_PROCESS_STATS_H

#include <stdbool.h>

typedef struct sl_process_stats {
    double cpu_seconds;           /* user + system CPU time */
    double resident_bytes;        /* resident set size */
    double start_time_seconds;    /* process start, seconds since the Unix epoch */
    double open_fds;              /* open file descriptors */
} sl_process_stats;

/* Fill *out from /proc; false when /proc is not readable (fields left 0). */
bool sl_process_stats_read(sl_process_stats *out);

#endif
