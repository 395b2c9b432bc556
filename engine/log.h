/* log.h -- structured log lines (text or JSON) on stderr.
 *
 * Every line carries time, level, job, component (operator or subsystem) and
 * message. Log what an operator needs to know once (checkpoints, restarts,
 * rebalances, errors) -- never per event. */
#ifndef SL_LOG_H
#define SL_LOG_H

typedef enum sl_log_level { SL_LOG_DEBUG, SL_LOG_INFO, SL_LOG_WARN, SL_LOG_ERROR } sl_log_level;

/* format: "text" or "json"; level: "debug" … "error". Returns -1 on a bad value. */
int sl_log_configure(const char *format, const char *level, const char *job);
void sl_log(sl_log_level level, const char *component, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define sl_log_info(comp, ...)  sl_log(SL_LOG_INFO, comp, __VA_ARGS__)
#define sl_log_warn(comp, ...)  sl_log(SL_LOG_WARN, comp, __VA_ARGS__)
#define sl_log_error(comp, ...) sl_log(SL_LOG_ERROR, comp, __VA_ARGS__)
#define sl_log_debug(comp, ...) sl_log(SL_LOG_DEBUG, comp, __VA_ARGS__)

#endif
