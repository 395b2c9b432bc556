/* record_reader.c -- framed records from a file in bounded memory: JSON lines or length-prefixed. */
#include "operators/record_reader.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INITIAL_BUFFER (64 * 1024)
#define LENGTH_PREFIX 4

struct sl_record_reader {
    FILE *f;
    char path[1024];
    sl_framing framing;
    size_t max;
    uint8_t *buf;            /* buf[start, end) is read but not consumed */
    size_t cap, start, end;
    int64_t offset;          /* file offset of buf[start] */
    bool eof;
    bool failed;             /* a read error: errno_at_failure says which */
    int errno_at_failure;
    uint8_t keep[SL_RECORD_KEEP_BYTES];
};

int sl_framing_parse(const char *name, sl_framing *out) {
    if (!strcmp(name, "lines")) *out = SL_FRAMING_LINES;
    else if (!strcmp(name, "length")) *out = SL_FRAMING_LENGTH;
    else return 0;
    return 1;
}

sl_record_reader *sl_record_reader_open(const char *path, sl_framing framing, size_t max_record_bytes,
                                        char *errstr, size_t errstr_size) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        sl_errf(SL_ERR_IO, errstr, errstr_size, "cannot open input '%s': %s", path, strerror(errno));
        return NULL;
    }
    sl_record_reader *r = calloc(1, sizeof(*r));
    if (!r) abort();
    r->f = f;
    snprintf(r->path, sizeof(r->path), "%s", path);
    r->framing = framing;
    r->max = max_record_bytes;
    r->cap = INITIAL_BUFFER;
    r->buf = malloc(r->cap);
    if (!r->buf) abort();
    return r;
}

void sl_record_reader_close(sl_record_reader *r) {
    if (!r) return;
    fclose(r->f);
    free(r->buf);
    free(r);
}

int64_t sl_record_reader_offset(const sl_record_reader *r) { return r->offset; }

sl_err sl_record_reader_seek(sl_record_reader *r, int64_t offset, char *errstr, size_t errstr_size) {
    if (offset < 0 || fseeko(r->f, (off_t)offset, SEEK_SET))
        return sl_errf(SL_ERR_IO, errstr, errstr_size, "cannot seek '%s' to byte %lld: %s", r->path,
                       (long long)offset, offset < 0 ? "negative offset" : strerror(errno));
    r->start = r->end = 0;
    r->offset = offset;
    r->eof = r->failed = false;
    return SL_OK;
}

static size_t avail(const sl_record_reader *r) { return r->end - r->start; }

static void consume(sl_record_reader *r, size_t n) {
    r->start += n;
    r->offset += (int64_t)n;
}

/* Read until `need` bytes are buffered or the file ends. The buffer grows
 * only as far as `need`, which callers bound by max_record_bytes. */
static void fill(sl_record_reader *r, size_t need) {
    if (avail(r) >= need || r->eof) return;
    if (r->start) {
        memmove(r->buf, r->buf + r->start, avail(r));
        r->end -= r->start;
        r->start = 0;
    }
    if (need > r->cap) {
        r->cap = need > 2 * r->cap ? need : 2 * r->cap;
        r->buf = realloc(r->buf, r->cap);
        if (!r->buf) abort();
    }
    while (r->end < need && !r->eof) {
        size_t got = fread(r->buf + r->end, 1, r->cap - r->end, r->f);
        r->end += got;
        if (got == 0) {
            r->eof = true;
            if (ferror(r->f)) {
                r->failed = true;
                r->errno_at_failure = errno;
            }
        }
    }
}

/* Consume n buffered bytes of an unreadable record, keeping its first
 * SL_RECORD_KEEP_BYTES for the dead letter; returns how many are kept. */
static size_t keep_and_consume(sl_record_reader *r, size_t n, size_t kept) {
    if (kept < SL_RECORD_KEEP_BYTES) {
        size_t take = n < SL_RECORD_KEEP_BYTES - kept ? n : SL_RECORD_KEEP_BYTES - kept;
        memcpy(r->keep + kept, r->buf + r->start, take);
        kept += take;
    }
    consume(r, n);
    return kept;
}

/* Skip the rest of an oversized line, chunk by chunk, counting its length. */
static void skip_line(sl_record_reader *r, sl_record *rec) {
    rec->total_len = avail(r);
    size_t kept = keep_and_consume(r, avail(r), 0);
    while (!r->eof || avail(r)) {
        fill(r, 1);
        if (!avail(r)) break;
        const uint8_t *nl = memchr(r->buf + r->start, '\n', avail(r));
        if (nl) {
            size_t n = (size_t)(nl - (r->buf + r->start));
            rec->total_len += n;
            consume(r, n + 1);
            break;
        }
        rec->total_len += avail(r);
        consume(r, avail(r));
    }
    rec->data = r->keep;
    rec->len = kept;
}

static sl_record_status next_line(sl_record_reader *r, sl_record *rec) {
    size_t scanned = 0;
    for (;;) {
        const uint8_t *line = r->buf + r->start;
        const uint8_t *nl = memchr(line + scanned, '\n', avail(r) - scanned);
        if (nl || (r->eof && avail(r))) {
            size_t len = nl ? (size_t)(nl - line) : avail(r);
            rec->offset = r->offset;
            consume(r, nl ? len + 1 : len);
            while (len && line[len - 1] == '\r') len--;
            if (!len) {
                scanned = 0;
                continue;
            }
            bool oversized = len > r->max;
            *rec = (sl_record){line, oversized && len > SL_RECORD_KEEP_BYTES ? SL_RECORD_KEEP_BYTES : len,
                               rec->offset, len};
            return oversized ? SL_RECORD_OVERSIZED : SL_RECORD_OK;
        }
        if (r->eof) return SL_RECORD_END;
        scanned = avail(r);
        if (scanned > r->max) {
            rec->offset = r->offset;
            skip_line(r, rec);
            return SL_RECORD_OVERSIZED;
        }
        fill(r, scanned + 1);
    }
}

/* Skip `n` bytes of an oversized record body; false when the file ends first. */
static bool skip_bytes(sl_record_reader *r, uint64_t n, size_t *kept) {
    while (n) {
        fill(r, 1);
        if (!avail(r)) return false;
        size_t take = avail(r) < n ? avail(r) : (size_t)n;
        *kept = keep_and_consume(r, take, *kept);
        n -= take;
    }
    return true;
}

static sl_record_status next_framed(sl_record_reader *r, sl_record *rec) {
    fill(r, LENGTH_PREFIX);
    rec->offset = r->offset;
    if (avail(r) < LENGTH_PREFIX) {
        if (!avail(r)) return SL_RECORD_END;
        rec->total_len = avail(r);
        rec->len = keep_and_consume(r, avail(r), 0);
        rec->data = r->keep;
        return SL_RECORD_CUT;
    }
    const uint8_t *p = r->buf + r->start;
    uint64_t n = (uint64_t)p[0] << 24 | (uint64_t)p[1] << 16 | (uint64_t)p[2] << 8 | p[3];
    rec->total_len = n;
    if (n > r->max) {
        consume(r, LENGTH_PREFIX);
        size_t kept = 0;
        bool whole = skip_bytes(r, n, &kept);
        *rec = (sl_record){r->keep, kept, rec->offset, n};
        return whole ? SL_RECORD_OVERSIZED : SL_RECORD_CUT;
    }
    fill(r, LENGTH_PREFIX + (size_t)n);
    if (avail(r) < LENGTH_PREFIX + n) {
        consume(r, LENGTH_PREFIX);
        rec->len = keep_and_consume(r, avail(r), 0);
        rec->data = r->keep;
        return SL_RECORD_CUT;
    }
    *rec = (sl_record){r->buf + r->start + LENGTH_PREFIX, (size_t)n, rec->offset, n};
    consume(r, LENGTH_PREFIX + (size_t)n);
    return SL_RECORD_OK;
}

sl_record_status sl_record_reader_next(sl_record_reader *r, sl_record *rec, char *errstr, size_t errstr_size) {
    *rec = (sl_record){0};
    fill(r, 1);
    sl_record_status st = r->framing == SL_FRAMING_LENGTH ? next_framed(r, rec) : next_line(r, rec);
    if (r->failed) {
        sl_errf(SL_ERR_IO, errstr, errstr_size, "reading '%s' near byte %lld: %s", r->path, (long long)r->offset,
                strerror(r->errno_at_failure));
        return SL_RECORD_ERROR;
    }
    return st;
}
