/* source_file.c -- events from a file (bounded): JSON lines, or length-prefixed Avro records.
 *
 * source.format json reads one event per line; avro reads Confluent wire
 * records each preceded by its 4-byte big-endian length (what `sluice avro
 * encode --framing length` writes). Its checkpointed position is a byte
 * offset, always at a record start. Records that are not valid events --
 * including oversized and cut ones, which are skipped without being read into
 * memory -- become dead letters with the reason and their byte offset; the
 * job goes on. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "engine/operator.h"
#include "operators/event_decoder.h"
#include "operators/record_reader.h"

typedef struct file_source {
    char path[1024];
    sl_record_reader *in;
    sl_event_decoder *dec;
    int64_t max_ts;
    int64_t bound;
} file_source;

static void fs_destroy(void *self) {
    file_source *s = self;
    sl_record_reader_close(s->in);
    sl_event_decoder_free(s->dec);
    free(s);
}

static sl_err fs_init(sl_operator_ctx *ctx, void **self, char *errstr, size_t errstr_size) {
    const char *path = sl_conf_get(ctx->conf, "source.path");
    if (!path || !*path)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size,
                       "the file source needs source.path (use --input FILE)");
    if (ctx->parallelism != 1)
        return sl_errf(SL_ERR_INVALID_ARG, errstr, errstr_size, "the file source runs at parallelism 1");
    file_source *s = calloc(1, sizeof(*s));
    if (!s) abort();
    snprintf(s->path, sizeof(s->path), "%s", path);
    s->max_ts = INT64_MIN;
    sl_err err = sl_conf_get_int(ctx->conf, "watermark.out_of_orderness_ms", &s->bound, errstr, errstr_size);
    if (!err) err = sl_event_decoder_new(ctx->conf, ctx->metrics, &s->dec, errstr, errstr_size);
    if (!err) {
        sl_framing framing = sl_event_decoder_format(s->dec) == SL_EVENT_FORMAT_AVRO ? SL_FRAMING_LENGTH
                                                                                      : SL_FRAMING_LINES;
        s->in = sl_record_reader_open(path, framing, sl_event_decoder_max_record_bytes(s->dec), errstr, errstr_size);
        if (!s->in) err = SL_ERR_IO;
    }
    if (err) {
        fs_destroy(s);
        return err;
    }
    *self = s;
    return SL_OK;
}

/* The sentence for a record the reader could not hand over whole. */
static void reject(file_source *s, sl_record_status st, const sl_record *rec) {
    char reason[512];
    if (st == SL_RECORD_OVERSIZED) {
        snprintf(reason, sizeof(reason),
                 "record of %llu bytes exceeds source.max_record_bytes (%zu); the dead letter keeps its first %zu bytes",
                 (unsigned long long)rec->total_len, sl_event_decoder_max_record_bytes(s->dec), rec->len);
        sl_event_decoder_reject(s->dec, SL_DEAD_OVERSIZED, reason);
        return;
    }
    if (rec->total_len == rec->len && rec->len < 4)
        snprintf(reason, sizeof(reason), "truncated length prefix at the end of the file: %zu byte(s), a prefix has 4 "
                 "(was the file cut short?)", rec->len);
    else
        snprintf(reason, sizeof(reason), "truncated length-prefixed record at the end of the file: its prefix announces "
                 "%llu byte(s) but the file ends first (was the file cut short?)", (unsigned long long)rec->total_len);
    sl_event_decoder_reject(s->dec, SL_DEAD_CORRUPT_AVRO, reason);
}

static sl_source_status fs_poll(void *self, sl_batch *out, sl_batch *dead, int64_t *watermark, char *errstr,
                                size_t errstr_size) {
    file_source *s = self;
    sl_source_status status = SL_SOURCE_MORE;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    sl_event_decoder_set_now(s->dec, (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000);
    while (!sl_batch_full(out) && !sl_batch_full(dead)) {
        sl_record rec;
        sl_record_status st = sl_record_reader_next(s->in, &rec, errstr, errstr_size);
        if (st == SL_RECORD_ERROR) return SL_SOURCE_ERROR;
        if (st == SL_RECORD_END) {
            status = SL_SOURCE_END;
            break;
        }
        if (st == SL_RECORD_OK) {
            sl_event *ev = sl_batch_push(out);
            if (sl_event_decoder_decode(s->dec, rec.data, rec.len, ev, &out->arena) == SL_OK) {
                if (ev->timestamp_ms > s->max_ts) s->max_ts = ev->timestamp_ms;
                continue;
            }
            out->count--;
        } else {
            reject(s, st, &rec);
        }
        sl_event_decoder_dead_letter(s->dec, dead, (sl_str){(const char *)rec.data, (uint32_t)rec.len},
                                     sl_str_c(s->path), -1, rec.offset);
    }
    if (s->max_ts != INT64_MIN) *watermark = s->max_ts - s->bound - 1;
    return status;
}

static sl_err fs_snapshot(void *self, sl_buf *out) {
    file_source *s = self;
    sl_buf_append_u64(out, (uint64_t)sl_record_reader_offset(s->in));
    sl_buf_append_u64(out, (uint64_t)s->max_ts);
    return SL_OK;
}

static sl_err fs_restore(void *self, const sl_buf *const *snaps, size_t n, char *errstr, size_t errstr_size) {
    file_source *s = self;
    uint64_t offset, max_ts;
    sl_buf_reader r = {n == 1 ? snaps[0]->data : NULL, n == 1 ? snaps[0]->data + snaps[0]->len : NULL};
    if (n != 1 || !sl_buf_read_u64(&r, &offset) || !sl_buf_read_u64(&r, &max_ts))
        return sl_errf(SL_ERR_CORRUPT, errstr, errstr_size, "file source: the checkpoint holds %zu positions, "
                       "expected 1 complete one", n);
    sl_err err = sl_record_reader_seek(s->in, (int64_t)offset, errstr, errstr_size);
    if (err) return err;
    s->max_ts = (int64_t)max_ts;
    return SL_OK;
}

const sl_source_plugin sl_source_file = {
    .name = "file",
    .description = "Events from source.path (bounded): JSON lines, or length-prefixed Avro with source.format=avro; "
                   "invalid records become dead letters",
    .cb_init = fs_init,
    .cb_poll = fs_poll,
    .cb_snapshot = fs_snapshot,
    .cb_restore = fs_restore,
    .cb_destroy = fs_destroy,
};
