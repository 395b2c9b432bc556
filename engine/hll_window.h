/* hll_window.h -- HyperLogLog registers of the distinct hashes in a sliding window of panes.
 *
 * A window operator that keeps the hashes of its window (each with its
 * latest pane, as the page stage keeps a page's users) must report their
 * distinct count as a sketch of exactly those hashes would: past
 * SL_HLL_EXACT_LIMIT, the estimate of the registers. Adding every hash of
 * the window to a fresh sketch at each firing costs O(hashes in the
 * window) per firing -- a cost per event that grows with the overlap (with
 * 10,000 users, 300 panes cost 15 times one pane). Here the registers
 * follow the window instead:
 *
 * - a hash seen raises its register to its rank;
 * - a register remembers the latest pane among the hashes that give it its
 *   rank (it is "held" by that pane), and a pane the registers it holds;
 * - when a pane leaves, only the registers it held can fall: each is
 *   recomputed from the hashes still in the window, which the owner
 *   enumerates for it (it keeps them anyway), so this keeps no hashes.
 *
 * The histogram of register values is kept with them: a count costs
 * O(ranks), not O(registers), and equals sl_hll_count of a dense sketch
 * with the same registers.
 *
 * Panes are the owner's 32-bit sequence numbers, consecutive and wrapping
 * (newer is greater modulo 2^32); they leave oldest first. */
#ifndef SL_HLL_WINDOW_H
#define SL_HLL_WINDOW_H

#include <stdint.h>

#include "engine/hll.h"

typedef struct sl_hll_window sl_hll_window;

/* The owner's answer for register `reg`, once the leaving pane is out of
 * its window: the highest rank among the window's hashes that go to `reg`
 * (0: there are none) and the latest pane among those with that rank. */
typedef void (*sl_hll_window_rescan_fn)(uint32_t reg, uint8_t *rank, uint32_t *latest, void *opaque);

/* Empty registers for a window whose oldest pane is `oldest`. */
sl_hll_window *sl_hll_window_new(uint32_t oldest);
void sl_hll_window_free(sl_hll_window *w);

/* `hash` is in the window with latest pane `pane` (not older than the
 * window's oldest). Seeing a hash again in a newer pane moves it there. */
void sl_hll_window_seen(sl_hll_window *w, uint64_t hash, uint32_t pane);

/* The window's panes up to `pane` have left it (the owner no longer counts
 * the hashes whose latest pane they were): the registers they held are
 * recomputed through `rescan`. */
void sl_hll_window_leave(sl_hll_window *w, uint32_t pane, sl_hll_window_rescan_fn rescan, void *opaque);

/* The estimate of the window's distinct hashes (see sl_hll_estimate). */
uint64_t sl_hll_window_count(const sl_hll_window *w);
/* Register reg's value: the highest rank among the window's hashes that go to it. */
uint8_t sl_hll_window_register(const sl_hll_window *w, uint32_t reg);

#endif
