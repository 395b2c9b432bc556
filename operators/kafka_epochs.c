/* kafka_epochs.c -- the engine-side, durable record of committed Kafka transactions. */
#include "operators/kafka_epochs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/hash_index.h"

struct sl_kafka_epochs {
    sl_hash_index set;             /* hash of (attempt, epoch) → present */
};

static void epochs_path(const char *dir, char *out, size_t size) {
    snprintf(out, size, "%s/" SL_KAFKA_EPOCHS_FILE, dir);
}

/* FNV-1a over the attempt, mixed with the epoch: 64 bits, so collisions
 * between the few thousand committed epochs of a run are negligible. */
static uint64_t attempt_epoch_hash(const char *attempt, size_t len, int64_t epoch) {
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) h = (h ^ (uint8_t)attempt[i]) * 1099511628211ULL;
    h ^= (uint64_t)epoch * 0x9E3779B97F4A7C15ULL;
    return h ? h : 1;
}

sl_err sl_kafka_epochs_append(const char *dir, const char *txn_id, const char *attempt, int64_t epoch,
                              int64_t checkpoint_id, char *errstr, size_t errstr_size) {
    char path[1200], line[512];
    epochs_path(dir, path, sizeof(path));
    int n = snprintf(line, sizeof(line), "%s %s %" PRId64 " %" PRId64 "\n", txn_id, attempt, epoch, checkpoint_id);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return sl_errf(SL_ERR_IO, errstr, errstr_size, "cannot open %s to record committed epoch %" PRId64 ": %s",
                       path, epoch, strerror(errno));
    /* One write of a short line to an O_APPEND file: readers never see half of it. */
    bool ok = write(fd, line, (size_t)n) == n && fsync(fd) == 0;
    int saved = errno;
    close(fd);
    if (!ok)
        return sl_errf(SL_ERR_IO, errstr, errstr_size, "cannot record committed epoch %" PRId64 " in %s: %s", epoch,
                       path, strerror(saved));
    return SL_OK;
}

/* Call fn for every well-formed line of DIR's file; false when there is no file. */
static bool for_each_line(const char *dir, void (*fn)(void *, const char *, const char *, int64_t, int64_t),
                          void *arg) {
    char path[1200], line[512];
    epochs_path(dir, path, sizeof(path));
    FILE *f = fopen(path, "r");
    if (!f) return false;
    while (fgets(line, sizeof(line), f)) {
        char txn[256], attempt[64];
        long long epoch, checkpoint;
        if (sscanf(line, "%255s %63s %lld %lld", txn, attempt, &epoch, &checkpoint) == 4)
            fn(arg, txn, attempt, epoch, checkpoint);
    }
    fclose(f);
    return true;
}

typedef struct last_query {
    const char *txn_id;
    int64_t newest;
} last_query;

static void take_newest(void *arg, const char *txn, const char *attempt, int64_t epoch, int64_t checkpoint) {
    last_query *q = arg;
    if (!strcmp(txn, q->txn_id) && checkpoint > q->newest) q->newest = checkpoint;
}

int64_t sl_kafka_epochs_last(const char *dir, const char *txn_id) {
    last_query q = {txn_id, -1};
    for_each_line(dir, take_newest, &q);
    return q.newest;
}

static void add_to_set(void *arg, const char *txn, const char *attempt, int64_t epoch, int64_t checkpoint) {
    sl_kafka_epochs *e = arg;
    bool inserted;
    sl_hash_index_upsert(&e->set, attempt_epoch_hash(attempt, strlen(attempt), epoch), &inserted);
}

sl_kafka_epochs *sl_kafka_epochs_load(const char *dir, char *errstr, size_t errstr_size) {
    sl_kafka_epochs *e = calloc(1, sizeof(*e));
    if (!e) abort();
    sl_hash_index_init(&e->set);
    if (!for_each_line(dir, add_to_set, e)) {
        sl_errf(SL_ERR_NOT_FOUND, errstr, errstr_size,
                "%s/" SL_KAFKA_EPOCHS_FILE " does not exist: pass the checkpoint.dir of the job that wrote the "
                "topic (it is written only when checkpoint.dir is set)", dir);
        sl_kafka_epochs_free(e);
        return NULL;
    }
    return e;
}

bool sl_kafka_epochs_contains(const sl_kafka_epochs *e, const char *attempt, size_t attempt_len, int64_t epoch) {
    return sl_hash_index_find(&e->set, attempt_epoch_hash(attempt, attempt_len, epoch)) != UINT32_MAX;
}

size_t sl_kafka_epochs_count(const sl_kafka_epochs *e) { return e->set.count; }

void sl_kafka_epochs_free(sl_kafka_epochs *e) {
    if (!e) return;
    sl_hash_index_free(&e->set);
    free(e);
}
