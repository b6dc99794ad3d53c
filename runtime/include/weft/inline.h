/*
 * weft/inline.h - weft_join_inline: weft_join's fast path, inlined into
 * the caller.
 *
 * weft_join() is an ordinary exported function: every fork pays a call
 * into libweft and two indirect calls (a and b).  weft_join_inline() has
 * exactly the same semantics, but its fast path is compiled into your
 * code, so when a and b are known functions the compiler calls them
 * directly.  On fib(35) with a fork at every call that is the difference
 * between about 4 and about 2 ns per call (docs/benchmarks.md).  Use it in
 * the hot recursive kernels of your program; use weft_join elsewhere.
 *
 * The price: the layouts below are libweft's internals.  Code compiled
 * with this header must run with the libweft of the same major.minor
 * version; the library's soname changes whenever they change.
 */
#ifndef WEFT_INLINE_H
#define WEFT_INLINE_H

#include <stdatomic.h>
#include <stdint.h>

#include "../weft.h"

#ifdef __cplusplus
#error "weft/inline.h is for C (it uses C11 _Atomic); C++ code calls weft_join"
#endif

/* ---- Layouts shared with libweft (not API: may change any release) ---- */

typedef struct weft__worker weft__worker;
typedef struct weft__job weft__job;

/* A job in a deque: the header every kind of job starts with. */
typedef void (*weft__execute_fn)(weft__job *job, weft__worker *w,
                                 weft__worker *owner);
struct weft__job {
    weft__execute_fn execute;
};

/* A one-shot signal: UNSET (0) until the job it guards is done. */
typedef struct weft__latch {
    _Atomic uint32_t state;
} weft__latch;

/* The second half of a join, in the joining function's stack frame. */
typedef struct weft__stack_job {
    weft__job job;
    weft_fn fn;
    void *arg;
    weft__latch done;
} weft__stack_job;

/* The owner-private line at the very start of every worker (see the
 * runtime's deque.h for what each field means). */
typedef struct weft__deque_owner {
    int64_t head;
    int64_t split;
    int64_t limit;
    _Atomic(weft__job *) *slots;
    int64_t mask;
    _Atomic uint32_t *searching;
} weft__deque_owner;

/* The worker the calling thread is, or NULL. */
WEFT_API extern __thread weft__worker *weft__tls_worker;

WEFT_API void weft__stack_job_execute(weft__job *job, weft__worker *w,
                                      weft__worker *owner);
WEFT_API void weft__join_push_slow(weft__worker *w, weft__stack_job *bj,
                                   weft_fn a, void *a_arg);
WEFT_API void weft__join_pop_slow(weft__worker *w, weft__stack_job *bj);
WEFT_API void weft__join_outside(weft_fn a, void *a_arg, weft_fn b,
                                 void *b_arg);

/* ---- The inline join ---- */

static inline void weft_join_inline(weft_fn a, void *a_arg, weft_fn b,
                                    void *b_arg)
{
    weft__worker *w = weft__tls_worker;
    if (__builtin_expect(w == NULL, 0)) {
        weft__join_outside(a, a_arg, b, b_arg);
        return;
    }
    /* A worker begins with its deque, which begins with the owner line. */
    weft__deque_owner *d = (weft__deque_owner *)(void *)w;
    weft__stack_job bj;
    bj.job.execute = weft__stack_job_execute;
    bj.fn = b;
    bj.arg = b_arg;
    atomic_init(&bj.done.state, 0);
    int64_t h = d->head;
    /* Slow path: the buffer is full, or a worker is searching for work
     * and jobs must be shared.  The relaxed load is a heuristic, as in
     * the runtime's weft__deque_push_fast. */
    if (__builtin_expect(h >= d->limit, 0) ||
        __builtin_expect(
            atomic_load_explicit(d->searching, memory_order_relaxed) != 0, 0)) {
        weft__join_push_slow(w, &bj, a, a_arg);
        return;
    }
    /* Relaxed: private until shared by a release store in the runtime. */
    atomic_store_explicit(&d->slots[h & d->mask], &bj.job,
                          memory_order_relaxed);
    d->head = h + 1;
    a(a_arg);
    h = d->head;
    /* b is the newest private job unless something (a scope task spawned
     * while a ran) sits above it: compare, as the runtime does. */
    if (__builtin_expect(h > d->split, 1) &&
        __builtin_expect(atomic_load_explicit(&d->slots[(h - 1) & d->mask],
                                              memory_order_relaxed) == &bj.job,
                         1)) {
        /* b is still private: nobody can have it.  Drop it, call it. */
        d->head = h - 1;
        b(b_arg);
        return;
    }
    weft__join_pop_slow(w, &bj);
}

#endif /* WEFT_INLINE_H */
