/* schema_registry.h -- a client of a Confluent-compatible Schema Registry (HTTP, libcurl).
 *
 * Only the two calls sluice needs: register a schema under a subject and fetch
 * a schema by id. Caching is the caller's (avro/registry.c). */
#ifndef SL_SCHEMA_REGISTRY_H
#define SL_SCHEMA_REGISTRY_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/error.h"

typedef struct sl_schema_registry sl_schema_registry;

typedef struct sl_schema_registry_conf {
    const char *url;            /* base URL, e.g. http://127.0.0.1:8081 */
    const char *basic_auth;     /* "user:password" or NULL */
    const char *ca_file;        /* PEM CA bundle or NULL (system default) */
    bool verify_tls;            /* verify peer certificate and host name */
} sl_schema_registry_conf;

sl_err sl_schema_registry_new(const sl_schema_registry_conf *rc, sl_schema_registry **out,
                              char *errstr, size_t errstr_size);
void sl_schema_registry_free(sl_schema_registry *r);
/* POST /subjects/{subject}/versions {"schema": "..."} -> {"id": N} */
sl_err sl_schema_registry_register(sl_schema_registry *r, const char *subject,
                                   const char *schema_json, int32_t *id,
                                   char *errstr, size_t errstr_size);
/* GET /schemas/ids/{id} -> {"schema": "..."}; *schema_json is malloc'd.
 * SL_ERR_NOT_FOUND when the registry answers 404. */
sl_err sl_schema_registry_fetch(sl_schema_registry *r, int32_t id, char **schema_json,
                                char *errstr, size_t errstr_size);

#endif
