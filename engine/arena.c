/* arena.c -- bump allocator for a batch's variable-length data. */
#include "engine/arena.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sl_arena_chunk {
    sl_arena_chunk *next;
    size_t size, used;
    unsigned char data[];
};

static sl_arena_chunk *chunk_new(size_t size) {
    sl_arena_chunk *c = malloc(sizeof(*c) + size);
    if (!c) {
        fprintf(stderr, "sluice: out of memory allocating a %zu-byte arena chunk\n", size);
        abort();
    }
    c->next = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

void sl_arena_init(sl_arena *a, size_t chunk_size) {
    a->head = NULL;
    a->spare = NULL;
    a->chunk_size = chunk_size ? chunk_size : 64 * 1024;
}

void *sl_arena_alloc(sl_arena *a, size_t size) {
    size = (size + 7) & ~(size_t)7;
    if (!a->head || a->head->used + size > a->head->size) {
        sl_arena_chunk *c = NULL;
        if (a->spare && a->spare->size >= size) {
            c = a->spare;
            a->spare = c->next;
            c->used = 0;
        } else {
            c = chunk_new(size > a->chunk_size ? size : a->chunk_size);
        }
        c->next = a->head;
        a->head = c;
    }
    void *p = a->head->data + a->head->used;
    a->head->used += size;
    return p;
}

char *sl_arena_strndup(sl_arena *a, const char *s, size_t len) {
    char *p = sl_arena_alloc(a, len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

void sl_arena_reset(sl_arena *a) {
    while (a->head) {
        sl_arena_chunk *c = a->head;
        a->head = c->next;
        c->used = 0;
        c->next = a->spare;
        a->spare = c;
    }
}

static void free_list(sl_arena_chunk *c) {
    while (c) {
        sl_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
}

void sl_arena_free(sl_arena *a) {
    free_list(a->head);
    free_list(a->spare);
    a->head = a->spare = NULL;
}
