/* schema_registry.c -- Schema Registry HTTP client: register and fetch schemas. */
#include "avro/schema_registry.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "engine/operator.h"   /* sl_buf */

#define SR_CONTENT_TYPE "application/vnd.schemaregistry.v1+json"
#define SR_TIMEOUT_MS 10000L

struct sl_schema_registry {
    CURL *curl;                 /* one handle: keeps the connection alive between calls */
    char *url;
    struct curl_slist *headers;
    sl_buf body;                /* last response body */
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *opaque) {
    sl_buf_append(opaque, data, size * nmemb);
    return size * nmemb;
}

sl_err sl_schema_registry_new(const sl_schema_registry_conf *rc, sl_schema_registry **out,
                              char *errstr, size_t errstr_size) {
    if (strncmp(rc->url, "http://", 7) != 0 && strncmp(rc->url, "https://", 8) != 0)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                       "avro.schema_registry: '%s' is not an http:// or https:// URL "
                       "(or 'none' for the local registry file)", rc->url);
    sl_schema_registry *r = calloc(1, sizeof(*r));
    r->curl = curl_easy_init();
    if (!r->curl) {
        free(r);
        return sl_errf(SL_ERR_INTERNAL, errstr, errstr_size, "libcurl could not create a handle");
    }
    r->url = strdup(rc->url);
    size_t n = strlen(r->url);
    while (n && r->url[n - 1] == '/') r->url[--n] = '\0';   /* we add the slashes */
    r->headers = curl_slist_append(NULL, "Content-Type: " SR_CONTENT_TYPE);
    r->headers = curl_slist_append(r->headers, "Accept: " SR_CONTENT_TYPE ", application/json");
    curl_easy_setopt(r->curl, CURLOPT_HTTPHEADER, r->headers);
    curl_easy_setopt(r->curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(r->curl, CURLOPT_WRITEDATA, &r->body);
    curl_easy_setopt(r->curl, CURLOPT_TIMEOUT_MS, SR_TIMEOUT_MS);
    curl_easy_setopt(r->curl, CURLOPT_NOSIGNAL, 1L);         /* threads: no SIGALRM */
    if (rc->basic_auth && *rc->basic_auth) {
        curl_easy_setopt(r->curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(r->curl, CURLOPT_USERPWD, rc->basic_auth);
    }
    if (rc->ca_file && *rc->ca_file) curl_easy_setopt(r->curl, CURLOPT_CAINFO, rc->ca_file);
    curl_easy_setopt(r->curl, CURLOPT_SSL_VERIFYPEER, rc->verify_tls ? 1L : 0L);
    curl_easy_setopt(r->curl, CURLOPT_SSL_VERIFYHOST, rc->verify_tls ? 2L : 0L);
    *out = r;
    return SL_OK;
}

void sl_schema_registry_free(sl_schema_registry *r) {
    if (!r) return;
    curl_easy_cleanup(r->curl);
    curl_slist_free_all(r->headers);
    sl_buf_free(&r->body);
    free(r->url);
    free(r);
}

/* One request; the parsed JSON answer on 2xx, else an error naming the URL. */
static sl_err request(sl_schema_registry *r, const char *path, const char *post_body,
                      json_t **answer, long *status, char *errstr, size_t errstr_size) {
    char url[2048];
    snprintf(url, sizeof(url), "%s%s", r->url, path);
    r->body.len = 0;
    curl_easy_setopt(r->curl, CURLOPT_URL, url);
    if (post_body) curl_easy_setopt(r->curl, CURLOPT_POSTFIELDS, post_body);
    else curl_easy_setopt(r->curl, CURLOPT_HTTPGET, 1L);
    CURLcode rc = curl_easy_perform(r->curl);
    if (rc != CURLE_OK)
        return sl_errf(SL_ERR_IO, errstr, errstr_size,
                       "Schema Registry request %s %s failed: %s (is the registry running? "
                       "check avro.schema_registry and the TLS settings)",
                       post_body ? "POST" : "GET", url, curl_easy_strerror(rc));
    curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, status);
    json_error_t jerr;
    *answer = json_loadb((const char *)r->body.data, r->body.len, 0, &jerr);
    if (*status / 100 != 2) {
        json_t *msg = *answer ? json_object_get(*answer, "message") : NULL;
        sl_err err = sl_errf(*status == 404 ? SL_ERR_NOT_FOUND : SL_ERR_IO, errstr, errstr_size,
                             "Schema Registry %s %s answered HTTP %ld: %s%s", post_body ? "POST" : "GET",
                             url, *status, json_is_string(msg) ? json_string_value(msg) : "(no message)",
                             *status == 401 ? " (check avro.basic_auth)" : "");
        json_decref(*answer);
        *answer = NULL;
        return err;
    }
    if (!*answer)
        return sl_errf(SL_ERR_PARSE, errstr, errstr_size,
                       "Schema Registry %s answered with invalid JSON: %s", url, jerr.text);
    return SL_OK;
}

sl_err sl_schema_registry_register(sl_schema_registry *r, const char *subject,
                                   const char *schema_json, int32_t *id,
                                   char *errstr, size_t errstr_size) {
    char path[512];
    snprintf(path, sizeof(path), "/subjects/%s/versions", subject);
    json_t *req = json_pack("{s:s}", "schema", schema_json);
    char *body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    json_t *answer = NULL;
    long status = 0;
    sl_err err = request(r, path, body, &answer, &status, errstr, errstr_size);
    free(body);
    if (err) return err;
    json_t *jid = json_object_get(answer, "id");
    if (json_is_integer(jid)) *id = (int32_t)json_integer_value(jid);
    else err = sl_errf(SL_ERR_PARSE, errstr, errstr_size,
                       "Schema Registry answer to registering subject '%s' has no integer \"id\"",
                       subject);
    json_decref(answer);
    return err;
}

sl_err sl_schema_registry_fetch(sl_schema_registry *r, int32_t id, char **schema_json,
                                char *errstr, size_t errstr_size) {
    char path[64];
    snprintf(path, sizeof(path), "/schemas/ids/%d", (int)id);
    json_t *answer = NULL;
    long status = 0;
    sl_err err = request(r, path, NULL, &answer, &status, errstr, errstr_size);
    if (err) return err;
    json_t *schema = json_object_get(answer, "schema");
    if (json_is_string(schema)) *schema_json = strdup(json_string_value(schema));
    else err = sl_errf(SL_ERR_PARSE, errstr, errstr_size,
                       "Schema Registry answer for schema id %d has no string \"schema\"", (int)id);
    json_decref(answer);
    return err;
}
