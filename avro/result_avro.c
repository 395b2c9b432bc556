/* result_avro.c -- PageAnalytics, TopPages and DeadLetter records from sluice results. */
#include "avro/avro_serde.h"
#include "avro/body_write.h"

void sl_avro_page_stats_fill(sl_avro_encoder *enc, const sl_page_stats *s) {
    avro_value_t *rec = sl_avro_encoder_value(enc);
    sl_avro_put_long(rec, "window_start", s->window_start);
    sl_avro_put_long(rec, "window_end", s->window_end);
    sl_avro_put_str(enc, rec, "page", s->page);
    sl_avro_put_long(rec, "view_count", (int64_t)s->view_count);
    sl_avro_put_long(rec, "unique_users", (int64_t)s->unique_users);
    sl_avro_put_long(rec, "click_count", (int64_t)s->click_count);
    sl_avro_put_long(rec, "cart_count", (int64_t)s->cart_count);
    sl_avro_put_long(rec, "conversion_count", (int64_t)s->conversion_count);
    sl_avro_put_double(rec, "engagement_rate", s->engagement_rate);
    sl_avro_put_double(rec, "bounce_rate", s->bounce_rate);
    sl_avro_put_double(rec, "avg_session_duration", s->avg_session_duration);
}

/* PageAnalytics.avsc's fields, in its order: the direct writer below writes these. */
static const sl_avro_field_layout PAGE_ANALYTICS[] = {
    {"window_start", AVRO_INT64},  {"window_end", AVRO_INT64},     {"page", AVRO_STRING},
    {"view_count", AVRO_INT64},    {"unique_users", AVRO_INT64},   {"click_count", AVRO_INT64},
    {"cart_count", AVRO_INT64},    {"conversion_count", AVRO_INT64}, {"engagement_rate", AVRO_DOUBLE},
    {"bounce_rate", AVRO_DOUBLE},  {"avg_session_duration", AVRO_DOUBLE},
};

sl_err sl_avro_encode_page_stats(sl_avro_encoder *enc, const sl_page_stats *s, uint8_t *buf,
                                 size_t cap, size_t *len, char *errstr, size_t errstr_size) {
    if (!sl_avro_encoder_layout_is(enc, PAGE_ANALYTICS, sizeof(PAGE_ANALYTICS) / sizeof(*PAGE_ANALYTICS))) {
        sl_avro_page_stats_fill(enc, s);
        return sl_avro_encoder_write(enc, buf, cap, len, errstr, errstr_size);
    }
    sl_avro_body b = sl_avro_body_begin(enc, buf, cap);
    sl_avro_body_long(&b, s->window_start);
    sl_avro_body_long(&b, s->window_end);
    sl_avro_body_string(&b, s->page);
    sl_avro_body_long(&b, (int64_t)s->view_count);
    sl_avro_body_long(&b, (int64_t)s->unique_users);
    sl_avro_body_long(&b, (int64_t)s->click_count);
    sl_avro_body_long(&b, (int64_t)s->cart_count);
    sl_avro_body_long(&b, (int64_t)s->conversion_count);
    sl_avro_body_double(&b, s->engagement_rate);
    sl_avro_body_double(&b, s->bounce_rate);
    sl_avro_body_double(&b, s->avg_session_duration);
    return sl_avro_body_end(enc, &b, len, errstr, errstr_size);
}

sl_err sl_avro_encode_top_pages(sl_avro_encoder *enc, const sl_top_pages *t, uint8_t *buf,
                                size_t cap, size_t *len, char *errstr, size_t errstr_size) {
    avro_value_t *rec = sl_avro_encoder_value(enc);
    sl_avro_put_long(rec, "window_start", t->window_start);
    sl_avro_put_long(rec, "window_end", t->window_end);
    avro_value_t pages = sl_avro_field(rec, "pages");
    avro_value_reset(&pages);   /* the value is reused: drop the previous window's entries */
    for (uint32_t i = 0; i < t->count; i++) {
        const sl_top_entry *e = &t->entries[i];
        avro_value_t entry, rank, trending;
        avro_value_append(&pages, &entry, NULL);
        sl_avro_put_str(enc, &entry, "page", e->page);
        sl_avro_put_long(&entry, "view_count", (int64_t)e->view_count);
        rank = sl_avro_field(&entry, "rank");
        avro_value_set_int(&rank, (int32_t)e->rank);
        trending = sl_avro_field(&entry, "trending");
        avro_value_set_boolean(&trending, e->trending);
    }
    return sl_avro_encoder_write(enc, buf, cap, len, errstr, errstr_size);
}

sl_err sl_avro_encode_dead_letter(sl_avro_encoder *enc, const sl_dead_letter *d, sl_str key,
                                  uint8_t *buf, size_t cap, size_t *len,
                                  char *errstr, size_t errstr_size) {
    avro_value_t *rec = sl_avro_encoder_value(enc);
    sl_avro_put_str(enc, rec, "payload", d->payload);
    sl_avro_put_str(enc, rec, "reason", d->reason);
    sl_avro_put_str(enc, rec, "source", d->source);
    avro_value_t partition = sl_avro_field(rec, "partition");
    avro_value_set_int(&partition, d->partition);
    sl_avro_put_long(rec, "offset", d->offset);
    sl_avro_put_long(rec, "time", d->time_ms);
    sl_avro_put_nullable(enc, rec, "key", key);
    return sl_avro_encoder_write(enc, buf, cap, len, errstr, errstr_size);
}
