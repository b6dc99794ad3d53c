/*
 * alloc.c - the allocator behind weft__alloc (see alloc.h).
 */
#include "alloc.h"

#include "fault.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifndef WEFT_ALLOC_SYSTEM
/* Keep the je_ names mapped to the configured prefix (weft_je_ when
 * bundled, none for Debian's package). */
#define JEMALLOC_NO_DEMANGLE
#include <jemalloc/jemalloc.h>
#endif

static inline int inject_failure(void)
{
    return weft__fault_inject(WEFT__FAULT_ALLOC);
}

#ifdef WEFT_ALLOC_SYSTEM

void *weft__alloc(size_t size, size_t align)
{
    if (inject_failure() || size == 0)
        return NULL;
    if (align <= _Alignof(max_align_t))
        return malloc(size);
    void *p = NULL;
    return posix_memalign(&p, align, size) == 0 ? p : NULL;
}

void weft__free(void *p, size_t size, size_t align)
{
    (void)size;
    (void)align;
    free(p);
}

long long weft__debug_allocated_bytes(void)
{
    return -1;
}

#else /* jemalloc */

static inline int flags_for(size_t align)
{
    return align > 1 ? MALLOCX_ALIGN(align) : 0;
}

void *weft__alloc(size_t size, size_t align)
{
    /* mallocx with size 0 is undefined behaviour in jemalloc's API. */
    if (inject_failure() || size == 0)
        return NULL;
    return je_mallocx(size, flags_for(align));
}

void weft__free(void *p, size_t size, size_t align)
{
    if (p != NULL)
        je_sdallocx(p, size, flags_for(align));
}

long long weft__debug_allocated_bytes(void)
{
    /* Statistics are snapshots refreshed by writing to "epoch". */
    uint64_t epoch = 1;
    size_t sz = sizeof(epoch);
    if (je_mallctl("epoch", &epoch, &sz, &epoch, sz) != 0)
        return -1;
    size_t allocated = 0;
    sz = sizeof(allocated);
    if (je_mallctl("stats.allocated", &allocated, &sz, NULL, 0) != 0)
        return -1;
    return (long long)allocated;
}

#endif

void *weft__calloc(size_t size, size_t align)
{
    void *p = weft__alloc(size, align);
    if (p != NULL)
        memset(p, 0, size);
    return p;
}
