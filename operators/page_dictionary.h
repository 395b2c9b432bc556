/* page_dictionary.h -- page names by hash, owned once per operator instance.
 *
 * Window state refers to pages by their 64-bit hash (fixed-size values, cheap
 * to merge); the dictionary turns a hash back into the page's name when a
 * result is emitted, and orders ties by name. It is part of the operator's
 * snapshot. */
#ifndef SL_PAGE_DICTIONARY_H
#define SL_PAGE_DICTIONARY_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/operator.h"
#include "engine/record.h"

typedef struct sl_page_dict sl_page_dict;

sl_page_dict *sl_page_dict_new(void);
void sl_page_dict_free(sl_page_dict *d);
/* Remember page under hash (no-op when known). Allocates only for new pages. */
void sl_page_dict_add(sl_page_dict *d, uint64_t hash, sl_str page);
/* The page for hash; an empty string when unknown. */
sl_str sl_page_dict_get(const sl_page_dict *d, uint64_t hash);

void sl_page_dict_snapshot(const sl_page_dict *d, sl_buf *out);
bool sl_page_dict_restore(sl_page_dict *d, sl_buf_reader *in);

#endif
