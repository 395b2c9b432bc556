/* http.h -- the embedded HTTP endpoint: /metrics, health probes and the job API.
 *
 * Runs on libmicrohttpd's own thread, so serving a scrape never blocks the
 * pipeline. Built-in routes:
 *   GET /metrics  Prometheus text format 0.0.4 (sl_metrics_render)
 *   GET /healthz  200 {"status":"ok"} while the process serves requests
 *   GET /readyz   200 {"status":"ready"} once sl_http_set_ready(true), else
 *                 503 {"status":"not ready","reason":"..."}
 * The engine adds its job API with sl_http_route, e.g.
 *
 *     static int on_savepoint(const sl_http_request *req, json_t **body, void *job) {
 *         const char *id = sl_http_param(req, "id");
 *         ...
 *         *body = json_pack("{s:s}", "savepoint", path);
 *         return 200;
 *     }
 *     sl_http_route(srv, "POST", "/jobs/{id}/savepoint", on_savepoint, job);
 *
 * Errors are JSON too: 404 {"error":...} for an unknown path, 405 for a known
 * path with another method, 400 for a request body that is not JSON, 413 for a
 * body over SL_HTTP_MAX_BODY. */
#ifndef SL_HTTP_H
#define SL_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "engine/error.h"
#include "engine/metrics.h"

#define SL_HTTP_MAX_PARAMS 8
#define SL_HTTP_MAX_BODY (1024 * 1024)

typedef struct sl_http_server sl_http_server;

typedef struct sl_http_request {
    const char *method;                  /* "GET", "POST", ... */
    const char *path;                    /* "/jobs/clickstream/savepoint" */
    size_t n_params;                     /* path parameters, e.g. {id} */
    const char *param_names[SL_HTTP_MAX_PARAMS];
    const char *param_values[SL_HTTP_MAX_PARAMS];
    const char *body;                    /* request body, NUL-terminated ("" when none) */
    size_t body_len;
    json_t *json;                        /* the body parsed (NULL when the body is empty) */
} sl_http_request;

/* Handle one request: return the HTTP status and set *body to the JSON reply
 * (the server takes the reference; left NULL, the reply is {}). Called on the
 * HTTP thread: take the locks your data needs and return promptly. */
typedef int (*sl_http_handler)(const sl_http_request *req, json_t **body, void *opaque);

/* Listen on bind_addr ("127.0.0.1", "0.0.0.0", "::1") and port (0: any free
 * port, see sl_http_port). metrics may be NULL (then /metrics is empty).
 * Returns NULL with errstr filled when the address is bad or the port is taken. */
sl_http_server *sl_http_start(const char *bind_addr, int port, sl_metrics *metrics,
                              char *errstr, size_t errstr_size);
/* Stops serving (in-flight requests finish) and frees the server. */
void sl_http_stop(sl_http_server *server);

/* The port actually bound. */
int sl_http_port(const sl_http_server *server);

/* Readiness for /readyz; reason says what is awaited ("restoring checkpoint 7"). */
void sl_http_set_ready(sl_http_server *server, bool ready, const char *reason);

/* Readiness computed on each /readyz instead: fn returns true when ready,
 * else fills reason. Called on the HTTP thread; replaces sl_http_set_ready. */
typedef bool (*sl_http_readiness_fn)(void *opaque, char *reason, size_t reason_size);
void sl_http_set_readiness_check(sl_http_server *server, sl_http_readiness_fn fn, void *opaque);

/* Register a handler for method + path pattern; "{name}" matches one path
 * segment and is read with sl_http_param. Safe while the server runs.
 * SL_ERR_INVALID_ARG for a malformed pattern or a duplicate method+pattern. */
sl_err sl_http_route(sl_http_server *server, const char *method, const char *path_pattern,
                     sl_http_handler handler, void *opaque, char *errstr, size_t errstr_size);

/* The value of path parameter `name`, NULL when the route has none. */
const char *sl_http_param(const sl_http_request *req, const char *name);

#endif
