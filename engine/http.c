/* http.c -- the embedded HTTP endpoint on libmicrohttpd's own polling thread. */
#include "engine/http.h"

#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "engine/log.h"

#define MAX_SEGMENTS 16

typedef struct route {
    char method[16];
    char *pattern;                  /* as registered, for messages and duplicates */
    char *segments_buf;             /* the pattern split at '/', braces removed */
    size_t n_segments;
    const char *segments[MAX_SEGMENTS];
    bool is_param[MAX_SEGMENTS];
    sl_http_handler handler;
    void *opaque;
} route;

struct sl_http_server {
    struct MHD_Daemon *daemon;
    sl_metrics *metrics;
    int port;
    pthread_mutex_t lock;           /* guards routes and readiness */
    route **routes;                 /* pointers: a route never moves once handed out */
    size_t n_routes, cap_routes;
    bool ready;
    char not_ready_reason[256];
    sl_http_readiness_fn readiness_fn;
    void *readiness_opaque;
};

/* One request in flight: the body accumulates across MHD's upload calls. */
typedef struct request_ctx {
    char *body;
    size_t len, cap;
    bool too_large;
    char path[1024];                /* split copy of the URL for parameter values */
} request_ctx;

/* ---- replies ---- */

static enum MHD_Result queue_text(struct MHD_Connection *conn, int status, char *text, size_t len,
                                  const char *content_type, const char *allow) {
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    if (allow) MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
    enum MHD_Result r = MHD_queue_response(conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return r;
}

/* Takes the reference to body (NULL: {}). */
static enum MHD_Result queue_json(struct MHD_Connection *conn, int status, json_t *body, const char *allow) {
    if (!body) body = json_object();
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (!text) return MHD_NO;
    return queue_text(conn, status, text, strlen(text), "application/json", allow);
}

static enum MHD_Result queue_error(struct MHD_Connection *conn, int status, const char *allow, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static enum MHD_Result queue_error(struct MHD_Connection *conn, int status, const char *allow, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return queue_json(conn, status, json_pack("{s:s}", "error", msg), allow);
}

static enum MHD_Result serve_metrics(sl_http_server *srv, struct MHD_Connection *conn) {
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (!out) return queue_error(conn, 500, NULL, "cannot allocate the /metrics page");
    int rc = srv->metrics ? sl_metrics_render(srv->metrics, out) : 0;
    if (fclose(out) || rc) {
        free(text);
        return queue_error(conn, 500, NULL, "rendering the metrics failed");
    }
    return queue_text(conn, 200, text, len, "text/plain; version=0.0.4; charset=utf-8", NULL);
}

/* ---- built-in probes (ordinary routes) ---- */

static int on_healthz(const sl_http_request *req, json_t **body, void *opaque) {
    *body = json_pack("{s:s}", "status", "ok");
    return 200;
}

static int on_readyz(const sl_http_request *req, json_t **body, void *opaque) {
    sl_http_server *srv = opaque;
    pthread_mutex_lock(&srv->lock);
    if (srv->readiness_fn) srv->ready = srv->readiness_fn(srv->readiness_opaque, srv->not_ready_reason,
                                                          sizeof(srv->not_ready_reason));
    bool ready = srv->ready;
    *body = ready ? json_pack("{s:s}", "status", "ready")
                  : json_pack("{s:s,s:s}", "status", "not ready", "reason", srv->not_ready_reason);
    pthread_mutex_unlock(&srv->lock);
    return ready ? 200 : 503;
}

void sl_http_set_ready(sl_http_server *srv, bool ready, const char *reason) {
    pthread_mutex_lock(&srv->lock);
    srv->ready = ready;
    snprintf(srv->not_ready_reason, sizeof(srv->not_ready_reason), "%s", reason ? reason : "");
    pthread_mutex_unlock(&srv->lock);
}

void sl_http_set_readiness_check(sl_http_server *srv, sl_http_readiness_fn fn, void *opaque) {
    pthread_mutex_lock(&srv->lock);
    srv->readiness_fn = fn;
    srv->readiness_opaque = opaque;
    pthread_mutex_unlock(&srv->lock);
}

/* ---- routes ---- */

/* Split "/a/{b}/c" in place into segments; false when malformed. */
static bool split_path(char *buf, const char **segments, bool *is_param, size_t *n) {
    if (buf[0] != '/') return false;
    *n = 0;
    char *p = buf + 1;
    if (!*p) return true;   /* "/" has no segments */
    for (;;) {
        if (*n == MAX_SEGMENTS) return false;
        char *slash = strchr(p, '/');
        if (slash) *slash = '\0';
        size_t len = strlen(p);
        bool param = is_param && len > 2 && p[0] == '{' && p[len - 1] == '}';
        if (param) {
            p[len - 1] = '\0';
            p++;
        }
        if (is_param) is_param[*n] = param;
        segments[(*n)++] = p;
        if (!slash) return true;
        p = slash + 1;
    }
}

static bool same_route(const route *r, const char *method, const char *pattern) {
    return !strcmp(r->method, method) && !strcmp(r->pattern, pattern);
}

static void route_free(route *r) {
    if (!r) return;
    free(r->pattern);
    free(r->segments_buf);
    free(r);
}

static route *route_new(const char *method, const char *pattern, char *errstr, size_t errstr_size) {
    route *r = calloc(1, sizeof(*r));
    if (!r || !(r->pattern = strdup(pattern)) || !(r->segments_buf = strdup(pattern))) {
        route_free(r);
        sl_errf(SL_ERR_INTERNAL, errstr, errstr_size, "out of memory registering route %s %s", method, pattern);
        return NULL;
    }
    if (strlen(method) >= sizeof(r->method) ||
        !split_path(r->segments_buf, r->segments, r->is_param, &r->n_segments)) {
        route_free(r);
        sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                "route %s %s: a pattern starts with '/' and has at most %d segments, e.g. /jobs/{id}/savepoint",
                method, pattern, MAX_SEGMENTS);
        return NULL;
    }
    snprintf(r->method, sizeof(r->method), "%s", method);
    return r;
}

sl_err sl_http_route(sl_http_server *srv, const char *method, const char *pattern, sl_http_handler handler,
                     void *opaque, char *errstr, size_t errstr_size) {
    if (!method || !pattern || !handler)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size, "sl_http_route needs a method, a pattern and a handler");
    route *r = route_new(method, pattern, errstr, errstr_size);
    if (!r) return SL_ERR_INVALID_ARG;
    r->handler = handler;
    r->opaque = opaque;
    sl_err err = SL_OK;
    pthread_mutex_lock(&srv->lock);
    for (size_t i = 0; i < srv->n_routes && !err; i++)
        if (same_route(srv->routes[i], method, pattern))
            err = sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size, "route %s %s is already registered", method, pattern);
    if (!err && srv->n_routes == srv->cap_routes) {
        size_t cap = srv->cap_routes ? srv->cap_routes * 2 : 8;
        route **grown = realloc(srv->routes, cap * sizeof(*grown));
        if (grown) {
            srv->routes = grown;
            srv->cap_routes = cap;
        } else {
            err = sl_errf(SL_ERR_INTERNAL, errstr, errstr_size, "out of memory registering route %s %s", method, pattern);
        }
    }
    if (!err) srv->routes[srv->n_routes++] = r;
    pthread_mutex_unlock(&srv->lock);
    if (err) route_free(r);
    return err;
}

const char *sl_http_param(const sl_http_request *req, const char *name) {
    for (size_t i = 0; i < req->n_params; i++)
        if (!strcmp(req->param_names[i], name)) return req->param_values[i];
    return NULL;
}

static bool segments_match(const route *r, const char *const *segs, size_t n, sl_http_request *req) {
    if (r->n_segments != n) return false;
    for (size_t i = 0; i < n; i++)
        if (!r->is_param[i] && strcmp(r->segments[i], segs[i])) return false;
    req->n_params = 0;
    for (size_t i = 0; i < n && req->n_params < SL_HTTP_MAX_PARAMS; i++)
        if (r->is_param[i]) {
            req->param_names[req->n_params] = r->segments[i];
            req->param_values[req->n_params++] = segs[i];
        }
    return true;
}

/* HEAD is served by the GET handler (libmicrohttpd drops the body). */
static bool method_matches(const route *r, const char *method) {
    return !strcmp(r->method, method) || (!strcmp(r->method, "GET") && !strcmp(method, "HEAD"));
}

/* Find the route for req; on a path that exists with other methods, list
 * them in `allow` (empty when the path is unknown). */
static const route *find_route(sl_http_server *srv, const char *const *segs, size_t n, sl_http_request *req,
                               char *allow, size_t allow_size) {
    const route *found = NULL;
    allow[0] = '\0';
    pthread_mutex_lock(&srv->lock);
    for (size_t i = 0; i < srv->n_routes && !found; i++) {
        sl_http_request probe = *req;
        if (!segments_match(srv->routes[i], segs, n, &probe)) continue;
        if (method_matches(srv->routes[i], req->method)) {
            found = srv->routes[i];
            *req = probe;
        } else {
            size_t used = strlen(allow);
            snprintf(allow + used, allow_size - used, "%s%s", used ? ", " : "", srv->routes[i]->method);
        }
    }
    pthread_mutex_unlock(&srv->lock);
    return found;
}

/* ---- dispatch ---- */

static enum MHD_Result dispatch_route(sl_http_server *srv, struct MHD_Connection *conn, request_ctx *ctx,
                                      const char *url, const char *method) {
    sl_http_request req = {.method = method, .path = url, .body = ctx->body ? ctx->body : "", .body_len = ctx->len};
    const char *segs[MAX_SEGMENTS];
    size_t n = 0;
    snprintf(ctx->path, sizeof(ctx->path), "%s", url);
    if (strlen(url) >= sizeof(ctx->path) || !split_path(ctx->path, segs, NULL, &n))
        return queue_error(conn, 404, NULL, "no such endpoint: %.200s", url);
    char allow[128];
    const route *r = find_route(srv, segs, n, &req, allow, sizeof(allow));
    if (!r && allow[0])
        return queue_error(conn, 405, allow, "%s is not allowed on %.200s; use %s", method, url, allow);
    if (!r) return queue_error(conn, 404, NULL, "no such endpoint: %.200s", url);
    if (req.body_len) {
        json_error_t jerr;
        req.json = json_loadb(req.body, req.body_len, 0, &jerr);
        if (!req.json)
            return queue_error(conn, 400, NULL, "request body is not valid JSON: %s at line %d column %d",
                               jerr.text, jerr.line, jerr.column);
    }
    json_t *body = NULL;
    int status = r->handler(&req, &body, r->opaque);
    json_decref(req.json);
    if (status < 100 || status > 599) {
        sl_log_error("http", "handler of %s %s returned HTTP status %d", method, url, status);
        json_decref(body);
        return queue_error(conn, 500, NULL, "internal error handling %s %.200s", method, url);
    }
    return queue_json(conn, status, body, NULL);
}

static bool append_body(request_ctx *ctx, const char *data, size_t len) {
    if (ctx->too_large || ctx->len + len > SL_HTTP_MAX_BODY) {
        ctx->too_large = true;
        return true;
    }
    if (ctx->len + len + 1 > ctx->cap) {
        size_t cap = ctx->cap ? ctx->cap : 1024;
        while (cap < ctx->len + len + 1) cap *= 2;
        char *grown = realloc(ctx->body, cap);
        if (!grown) return false;
        ctx->body = grown;
        ctx->cap = cap;
    }
    memcpy(ctx->body + ctx->len, data, len);
    ctx->len += len;
    ctx->body[ctx->len] = '\0';
    return true;
}

/* libmicrohttpd calls this once with the headers, once per body chunk, and
 * once more when the body is complete; only that last call replies. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls) {
    sl_http_server *srv = cls;
    request_ctx *ctx = *con_cls;
    if (!ctx) {
        ctx = calloc(1, sizeof(*ctx));
        *con_cls = ctx;
        return ctx ? MHD_YES : MHD_NO;
    }
    if (*upload_data_size) {
        bool ok = append_body(ctx, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return ok ? MHD_YES : MHD_NO;
    }
    if (ctx->too_large)
        return queue_error(conn, 413, NULL, "request body is larger than %d bytes", SL_HTTP_MAX_BODY);
    if (!strcmp(url, "/metrics")) {
        if (strcmp(method, "GET") && strcmp(method, "HEAD"))
            return queue_error(conn, 405, "GET", "%s is not allowed on /metrics; use GET", method);
        return serve_metrics(srv, conn);
    }
    return dispatch_route(srv, conn, ctx, url, method);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
    request_ctx *ctx = *con_cls;
    if (ctx) free(ctx->body);
    free(ctx);
    *con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap) {
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t len = strlen(msg);
    if (len && msg[len - 1] == '\n') msg[len - 1] = '\0';
    sl_log_warn("http", "%s", msg);
}

/* ---- lifecycle ---- */

/* Numeric addresses only: starting the endpoint never waits on DNS. */
static sl_err resolve(const char *bind_addr, int port, struct sockaddr_storage *sa, char *errstr, size_t errstr_size) {
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICHOST};
    struct addrinfo *res = NULL;
    char service[16];
    snprintf(service, sizeof(service), "%d", port);
    int rc = getaddrinfo(bind_addr, service, &hints, &res);
    if (rc || !res)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                       "http.bind: cannot use '%s' as a listen address (%s); give an IP address such as 127.0.0.1",
                       bind_addr, gai_strerror(rc));
    memcpy(sa, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    return SL_OK;
}

static void server_free(sl_http_server *srv) {
    for (size_t i = 0; i < srv->n_routes; i++) route_free(srv->routes[i]);
    free(srv->routes);
    pthread_mutex_destroy(&srv->lock);
    free(srv);
}

static sl_err start_daemon(sl_http_server *srv, const char *bind_addr, int port, char *errstr, size_t errstr_size) {
    struct sockaddr_storage sa;
    sl_err err = resolve(bind_addr, port, &sa, errstr, errstr_size);
    if (err) return err;
    unsigned flags = MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    if (sa.ss_family == AF_INET6) flags |= MHD_USE_IPv6;
    errno = 0;
    srv->daemon = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, on_request, srv,
                                   MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, srv,   /* first, to catch all */
                                   MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                                   MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
                                   MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10, MHD_OPTION_END);
    if (!srv->daemon)
        return sl_errf(SL_ERR_IO, errstr, errstr_size,
                       "cannot listen on %s:%d (%s): set http.port to a free port, or 0 to disable the endpoint",
                       bind_addr, port, errno ? strerror(errno) : "libmicrohttpd refused");
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : port;
    return SL_OK;
}

sl_http_server *sl_http_start(const char *bind_addr, int port, sl_metrics *metrics, char *errstr,
                              size_t errstr_size) {
    if (port < 0 || port > 65535) {
        sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size, "http.port: %d is not a TCP port (0..65535)", port);
        return NULL;
    }
    sl_http_server *srv = calloc(1, sizeof(*srv));
    if (!srv) {
        sl_errf(SL_ERR_INTERNAL, errstr, errstr_size, "out of memory starting the HTTP endpoint");
        return NULL;
    }
    pthread_mutex_init(&srv->lock, NULL);
    srv->metrics = metrics;
    snprintf(srv->not_ready_reason, sizeof(srv->not_ready_reason), "starting");
    /* Probes are routes before the daemon starts, so no request can miss them. */
    if (sl_http_route(srv, "GET", "/healthz", on_healthz, srv, errstr, errstr_size) ||
        sl_http_route(srv, "GET", "/readyz", on_readyz, srv, errstr, errstr_size) ||
        start_daemon(srv, bind_addr ? bind_addr : "127.0.0.1", port, errstr, errstr_size)) {
        server_free(srv);
        return NULL;
    }
    sl_log_info("http", "serving /metrics, /healthz, /readyz on %s:%d", bind_addr ? bind_addr : "127.0.0.1",
                srv->port);
    return srv;
}

int sl_http_port(const sl_http_server *srv) {
    return srv->port;
}

/* A response queued just before the stop (a `sluice cancel` whose job then
 * ends at once) is still being written by the daemon's thread: give open
 * connections a moment to finish before they are cut. */
#define STOP_DRAIN_MS 300

void sl_http_stop(sl_http_server *srv) {
    if (!srv) return;
    for (int waited = 0; waited < STOP_DRAIN_MS; waited += 10) {
        const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
        if (!info || info->num_connections == 0) break;
        usleep(10 * 1000);
    }
    MHD_stop_daemon(srv->daemon);
    server_free(srv);
}
