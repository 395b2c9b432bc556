/* page_dictionary.h -- page names by hash, owned once per operator instance.
 *
 * Window state refers to pages by their 64-bit hash (fixed-size values, cheap
 * to merge); the dictionary turns a hash back into the page's name when a
 * result is emitted, and orders ties by name. It is part of the operator's
 * snapshot.
 *
 * A page is kept only while a window may still name it: each add says until
 * which window end the page is needed, and forgetting the pages of closed
 * windows keeps the dictionary (and every checkpoint, which holds it) as
 * large as the pages of the open windows, not of every page ever seen -- a
 * shop's catalog churns, and a job runs for months. */
#ifndef SL_PAGE_DICTIONARY_H
#define SL_PAGE_DICTIONARY_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/operator.h"
#include "engine/record.h"

typedef struct sl_page_dict sl_page_dict;

sl_page_dict *sl_page_dict_new(void);
void sl_page_dict_free(sl_page_dict *d);
/* Remember page under hash, needed until the window ending at `until` is
 * closed (the latest such end of all adds of the page counts). Allocates
 * only for new pages. */
void sl_page_dict_add(sl_page_dict *d, uint64_t hash, sl_str page, int64_t until);
/* The page for hash; an empty string when unknown. */
sl_str sl_page_dict_get(const sl_page_dict *d, uint64_t hash);
/* Forget the pages needed only until window ends at or before `closed_upto`
 * (INT64_MIN, from sl_window_closed_upto: no window is closed yet)
 * -- when a pass over the table pays: once the pages have doubled since the
 * last pass, or when every page can go (see the .c). Cheap when none is due. */
void sl_page_dict_forget(sl_page_dict *d, int64_t closed_upto);
/* Pages known. */
uint32_t sl_page_dict_count(const sl_page_dict *d);

void sl_page_dict_snapshot(const sl_page_dict *d, sl_buf *out);
/* The snapshot holds names only (its format predates forgetting): restored
 * pages are kept until sl_page_dict_keep_until says otherwise. */
bool sl_page_dict_restore(sl_page_dict *d, sl_buf_reader *in);
/* Every page is needed until `until` and no longer: after a restore, once
 * the caller knows the newest window its restored state can name. */
void sl_page_dict_keep_until(sl_page_dict *d, int64_t until);

#endif
