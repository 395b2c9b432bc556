/* arena.h -- bump allocator for a batch's variable-length data (strings).
 *
 * A batch's records point into its arena; resetting the arena when the batch
 * is recycled frees everything at once, so the hot path never calls malloc
 * per event once the first chunks have grown to the working-set size. */
#ifndef SL_ARENA_H
#define SL_ARENA_H

#include <stddef.h>

typedef struct sl_arena_chunk sl_arena_chunk;

typedef struct sl_arena {
    sl_arena_chunk *head;      /* chunk being filled */
    sl_arena_chunk *spare;     /* chunks kept for reuse after a reset */
    size_t chunk_size;
} sl_arena;

void  sl_arena_init(sl_arena *a, size_t chunk_size);
void *sl_arena_alloc(sl_arena *a, size_t size);     /* 8-byte aligned; aborts on OOM */
char *sl_arena_strndup(sl_arena *a, const char *s, size_t len); /* NUL-terminated copy */
void  sl_arena_reset(sl_arena *a);                  /* keep chunks, forget contents */
void  sl_arena_free(sl_arena *a);

#endif
