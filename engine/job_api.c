/* job_api.c -- the REST job API handlers: thin JSON wrappers over engine/job.h. */
#include "engine/job_api.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/log.h"

struct sl_job_api {
    sl_job *job;
    char id[128];
    char savepoint_dir[1024];    /* default target; "" when there is none */
};
typedef struct sl_job_api job_api;

static int error_reply(json_t **body, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int error_reply(json_t **body, int status, const char *fmt, ...) {
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    *body = json_pack("{s:s}", "error", msg);
    return status;
}

int sl_job_api_status_for(sl_err err) {
    switch (err) {
    case SL_OK: return 200;
    case SL_ERR_INVALID_ARG: return 409;   /* not running, or a savepoint already under way */
    case SL_ERR_CANCELLED: return 504;     /* no checkpoint completed in time */
    default: return 500;
    }
}

/* The job named in the path, or NULL with a 404 reply in *body. */
static job_api *this_job(const sl_http_request *req, json_t **body, void *opaque, int *status) {
    job_api *api = opaque;
    const char *id = sl_http_param(req, "id");
    if (id && !strcmp(id, api->id)) return api;
    *status = error_reply(body, 404, "no job '%s' here; GET /jobs lists this process's job ('%s')", id ? id : "",
                          api->id);
    return NULL;
}

static int on_list(const sl_http_request *req, json_t **body, void *opaque) {
    job_api *api = opaque;
    json_t *d = sl_job_describe(api->job);
    *body = json_pack("{s:[{s:O,s:O,s:O}]}", "jobs", "id", json_object_get(d, "id"), "name",
                      json_object_get(d, "name"), "state", json_object_get(d, "state"));
    json_decref(d);
    return 200;
}

static int on_describe(const sl_http_request *req, json_t **body, void *opaque) {
    int status = 0;
    job_api *api = this_job(req, body, opaque, &status);
    if (!api) return status;
    *body = sl_job_describe(api->job);
    return 200;
}

/* The savepoint request's options: {"directory": DIR, "timeout_ms": N}, both optional. */
static int savepoint_options(const sl_http_request *req, const job_api *api, const char **dir, int *timeout_ms,
                             json_t **body) {
    *dir = api->savepoint_dir;
    *timeout_ms = SL_JOB_API_SAVEPOINT_TIMEOUT_MS;
    if (req->json) {
        if (!json_is_object(req->json)) return error_reply(body, 400, "the request body must be a JSON object");
        json_t *d = json_object_get(req->json, "directory"), *t = json_object_get(req->json, "timeout_ms");
        if (d && (!json_is_string(d) || !*json_string_value(d)))
            return error_reply(body, 400, "\"directory\" must be a non-empty string (a directory path)");
        if (t && (!json_is_integer(t) || json_integer_value(t) < 1 || json_integer_value(t) > 3600000))
            return error_reply(body, 400, "\"timeout_ms\" must be an integer between 1 and 3600000");
        if (d) *dir = json_string_value(d);
        if (t) *timeout_ms = (int)json_integer_value(t);
    }
    if (!**dir)
        return error_reply(body, 400, "no savepoint directory: send {\"directory\": DIR}, or start the job with "
                           "savepoint.dir or checkpoint.dir set");
    return 0;
}

static int take_savepoint(const sl_http_request *req, json_t **body, void *opaque, bool stop) {
    int status = 0;
    job_api *api = this_job(req, body, opaque, &status);
    if (!api) return status;
    const char *dir;
    int timeout_ms;
    if ((status = savepoint_options(req, api, &dir, &timeout_ms, body))) return status;
    char path[1400], errstr[768];
    sl_err err = sl_job_savepoint(api->job, dir, stop, timeout_ms, path, sizeof(path), errstr, sizeof(errstr));
    if (err) return error_reply(body, sl_job_api_status_for(err), "%s", errstr);
    *body = json_pack("{s:s,s:s,s:s}", "id", api->id, "savepoint", path, "state",
                      sl_job_status_name(sl_job_get_status(api->job)));
    return 200;
}

static int on_savepoint(const sl_http_request *req, json_t **body, void *opaque) {
    return take_savepoint(req, body, opaque, false);
}

static int on_stop(const sl_http_request *req, json_t **body, void *opaque) {
    return take_savepoint(req, body, opaque, true);
}

static int on_cancel(const sl_http_request *req, json_t **body, void *opaque) {
    int status = 0;
    job_api *api = this_job(req, body, opaque, &status);
    if (!api) return status;
    sl_job_status st = sl_job_get_status(api->job);
    if (st == SL_JOB_FINISHED || st == SL_JOB_FAILED || st == SL_JOB_CANCELED)
        return error_reply(body, 409, "job '%s' already ended (%s)", api->id, sl_job_status_name(st));
    sl_job_cancel(api->job);
    *body = json_pack("{s:s,s:s}", "id", api->id, "state", "CANCELING");
    return 202;
}

static int on_latest(const sl_http_request *req, json_t **body, void *opaque) {
    int status = 0;
    job_api *api = this_job(req, body, opaque, &status);
    if (!api) return status;
    json_t *doc = sl_job_latest_results(api->job);
    if (!doc) return error_reply(body, 404, "job '%s' has not fired a window yet", api->id);
    *body = doc;
    return 200;
}

static bool job_ready(void *opaque, char *reason, size_t reason_size) {
    return sl_job_ready(((job_api *)opaque)->job, reason, reason_size);
}

void sl_job_api_free(sl_job_api *api) {
    free(api);
}

sl_job_api *sl_job_api_register(sl_http_server *srv, sl_job *job, const sl_conf *conf, char *errstr,
                                size_t errstr_size) {
    job_api *api = calloc(1, sizeof(*api));
    if (!api) {
        sl_errf(SL_ERR_INTERNAL, errstr, errstr_size, "out of memory registering the job API");
        return NULL;
    }
    api->job = job;
    const char *id = sl_conf_get(conf, "job.id");
    snprintf(api->id, sizeof(api->id), "%s", id && *id ? id : sl_conf_get(conf, "job.name"));
    const char *sp = sl_conf_get(conf, "savepoint.dir"), *ck = sl_conf_get(conf, "checkpoint.dir");
    if (sp && *sp) snprintf(api->savepoint_dir, sizeof(api->savepoint_dir), "%s", sp);
    else if (ck && *ck) snprintf(api->savepoint_dir, sizeof(api->savepoint_dir), "%s/savepoints", ck);
    else api->savepoint_dir[0] = '\0';
    sl_job_keep_latest_results(job);
    static const struct {
        const char *method, *pattern;
        sl_http_handler handler;
    } ROUTES[] = {
        {"GET", "/jobs", on_list},
        {"GET", "/jobs/{id}", on_describe},
        {"DELETE", "/jobs/{id}", on_cancel},
        {"POST", "/jobs/{id}/savepoint", on_savepoint},
        {"POST", "/jobs/{id}/stop", on_stop},
        {"GET", "/jobs/{id}/results/latest", on_latest},
    };
    for (size_t i = 0; i < sizeof(ROUTES) / sizeof(ROUTES[0]); i++) {
        if (sl_http_route(srv, ROUTES[i].method, ROUTES[i].pattern, ROUTES[i].handler, api, errstr, errstr_size)) {
            /* Routes registered so far stay and point at api: keep it, the server is about to be unusable anyway. */
            sl_log_error("http", "job API not registered: %s", errstr);
            return api;
        }
    }
    sl_http_set_readiness_check(srv, job_ready, api);
    return api;
}
