/*
 * fault.c - countdowns behind fault.h.
 */
#include "fault.h"

#include <stdatomic.h>

#ifdef WEFT_FAULT_INJECTION
/* Per kind: calls left before the failing one (0: off), and failures so
 * far.  Relaxed: a test arms a countdown from one thread; which of several
 * racing calls fails does not matter, only that exactly one does. */
static _Atomic long long countdown[2];
static _Atomic long long injected[2];

bool weft__fault_inject(weft__fault_kind kind)
{
    long long c = atomic_load_explicit(&countdown[kind], memory_order_relaxed);
    while (c > 0) {
        if (atomic_compare_exchange_weak_explicit(&countdown[kind], &c, c - 1,
                                                  memory_order_relaxed,
                                                  memory_order_relaxed)) {
            if (c != 1)
                return false;
            atomic_fetch_add_explicit(&injected[kind], 1, memory_order_relaxed);
            return true;
        }
    }
    return false;
}

static long long arm(weft__fault_kind kind, long long n)
{
    atomic_store_explicit(&countdown[kind], n < 0 ? 0 : n,
                          memory_order_relaxed);
    return atomic_load_explicit(&injected[kind], memory_order_relaxed);
}
#else
static long long arm(weft__fault_kind kind, long long n)
{
    (void)kind;
    (void)n;
    return -1;
}
#endif

long long weft__debug_fail_alloc_after(long long n)
{
    return arm(WEFT__FAULT_ALLOC, n);
}

long long weft__debug_fail_thread_after(long long n)
{
    return arm(WEFT__FAULT_THREAD, n);
}
