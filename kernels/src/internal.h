/*
 * internal.h - helpers shared by the kernels (not installed).
 *
 * The kernels are compiled into libweft itself, so they may look at the
 * calling worker (weft__tls_worker, declared in weft/inline.h) to drive the
 * same adaptive splitting as weft_parallel_for: a piece splits while its
 * budget lasts, and a stolen piece gets a fresh budget.  Everything here is
 * hidden (WEFT__KINTERNAL), never part of the ABI.
 */
#ifndef WEFT_KERNELS_INTERNAL_H
#define WEFT_KERNELS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "weft.h"
#include "weft/inline.h"
#include "weft/kernels.h"

#define WEFT__KINTERNAL __attribute__((visibility("hidden")))
#define WEFT__KLIKELY(x) __builtin_expect(!!(x), 1)
#define WEFT__KUNLIKELY(x) __builtin_expect(!!(x), 0)

/* Number of workers in the calling worker's pool; 0 on any other thread. */
WEFT__KINTERNAL unsigned weft__kthreads(void);

/*
 * Run fn(arg) on a worker: directly when the caller is one, else in the
 * default pool (blocking), else (no pool can exist) on the calling thread,
 * where the adaptive splitters below simply never split.
 */
WEFT__KINTERNAL void weft__kenter(weft_fn fn, void *arg);

/*
 * The adaptive split budget of one piece (rayon's Splitter, as in the
 * runtime's loop.c).  A piece starts with `threads` splits and halves them
 * at each split; a piece that runs on another worker than the one that
 * created it was stolen, which proves idle workers exist, so it gets
 * max(threads, splits / 2) again.
 */
typedef struct weft__kbudget {
    unsigned splits;
    const void *parent; /* worker that created the piece (identity only) */
} weft__kbudget;

/* A fresh budget for a piece that starts on the calling thread. */
static inline weft__kbudget weft__kbudget_root(void)
{
    weft__kbudget b = {weft__kthreads(), (const void *)weft__tls_worker};
    return b;
}

/*
 * May a piece of `len` bytes/elements split?  Never at or below `grain`;
 * always above `max_len` (when max_len is not 0: rayon's with_max_len);
 * otherwise while the budget allows.  On true, *b holds the budget each
 * half starts with (their parent is the calling worker).
 */
static inline bool weft__kbudget_split(weft__kbudget *b, size_t len,
                                       size_t grain, size_t max_len)
{
    const void *w = (const void *)weft__tls_worker;
    if (w == NULL || len <= grain)
        return false;
    unsigned threads = weft__kthreads();
    bool ok;
    if (w != b->parent) {
        b->splits = b->splits / 2 > threads ? b->splits / 2 : threads;
        ok = true;
    } else if (b->splits > 0) {
        b->splits /= 2;
        ok = true;
    } else {
        ok = max_len != 0 && len > max_len;
    }
    b->parent = w;
    return ok;
}

/* Scratch memory through libweft's allocator (jemalloc in release builds,
 * so fault injection and leak accounting see it). */
WEFT__KINTERNAL void *weft__kalloc(size_t size);
WEFT__KINTERNAL void weft__kfree(void *p, size_t size);

/* a * b without overflow, or false. */
static inline bool weft__kmul(size_t a, size_t b, size_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

#endif /* WEFT_KERNELS_INTERNAL_H */
