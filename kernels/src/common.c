/*
 * common.c - what every kernel needs from the runtime: the calling
 * worker's pool size, entering a pool, scratch memory, dtype sizes.
 */
#include <errno.h>

#include "../../runtime/src/alloc.h"
#include "../../runtime/src/registry.h"
#include "internal.h"

unsigned weft__kthreads(void)
{
    weft__worker *w = weft__tls_worker;
    return w != NULL ? w->pool->num_threads : 0;
}

void weft__kenter(weft_fn fn, void *arg)
{
    if (weft__tls_worker != NULL || !weft__run_outside(fn, arg))
        fn(arg);
}

/* Scratch is aligned for any element type and for SSE loads. */
#define WEFT__KALIGN 64

void *weft__kalloc(size_t size)
{
    return weft__alloc(size == 0 ? 1 : size, WEFT__KALIGN);
}

void weft__kfree(void *p, size_t size)
{
    weft__free(p, size == 0 ? 1 : size, WEFT__KALIGN);
}

size_t weft_dtype_size(weft_dtype type)
{
    switch (type) {
    case WEFT_I8:
    case WEFT_U8:
        return 1;
    case WEFT_I16:
    case WEFT_U16:
        return 2;
    case WEFT_I32:
    case WEFT_U32:
    case WEFT_F32:
        return 4;
    case WEFT_I64:
    case WEFT_U64:
    case WEFT_F64:
        return 8;
    }
    return 0;
}
