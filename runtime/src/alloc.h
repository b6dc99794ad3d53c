/*
 * alloc.h - every heap allocation weft makes goes through these functions.
 *
 * Release builds allocate with jemalloc's own API (mallocx / sdallocx),
 * never through malloc: weft is loaded into processes such as Python that
 * keep their own malloc, and it must not replace it.  The jemalloc in use is
 * Debian's 5.3.0 source package built with the symbol prefix "weft_je_" and
 * linked privately into libweft (see cmake/WeftJemalloc.cmake for why).
 *
 * Sanitizer builds (WEFT_ALLOC_SYSTEM) use malloc/free instead, so that
 * AddressSanitizer, LeakSanitizer and ThreadSanitizer can see task memory.
 *
 * Fault-injection builds (WEFT_FAULT_INJECTION, fault.h) can make the Nth
 * allocation fail, to test that every caller handles NULL.
 */
#ifndef WEFT_ALLOC_H
#define WEFT_ALLOC_H

#include <stddef.h>

#include "platform.h"
#include "weft.h"

/* size bytes, aligned to `align` (a power of two; 0 means the natural
 * alignment).  NULL when out of memory. */
WEFT__INTERNAL void *weft__alloc(size_t size, size_t align);
/* Same, zero-filled. */
WEFT__INTERNAL void *weft__calloc(size_t size, size_t align);
/* Free memory from weft__alloc; size and align must be those passed to
 * it (jemalloc uses them to skip a size lookup).  NULL is ignored. */
WEFT__INTERNAL void weft__free(void *p, size_t size, size_t align);

/* Bytes currently allocated through this allocator, or -1 when the build
 * cannot tell (system allocator).  For the leak tests. */
WEFT_API long long weft__debug_allocated_bytes(void);

#endif /* WEFT_ALLOC_H */
