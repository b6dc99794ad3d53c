/*
 * latch.c - setting latches and blocking on them (see latch.h).
 */
#include "latch.h"

#include "registry.h"
#include "sleep.h"

#include <sched.h>

/* An outside thread that waits for a short job should not pay for a futex
 * sleep and wake-up (tens of microseconds on a VM): it spins this long,
 * then yields a few times, then blocks. */
#define WEFT__LATCH_SPIN_NS 20000
#define WEFT__LATCH_YIELDS 8

void weft__latch_set_wake(weft__latch *l, weft__worker *waiter)
{
    /* Release: the job's effects happen-before the waiter's acquire probe.
     * The waiter keeps probing; if it went to sleep, wake it (the fence
     * inside orders this store before the load of its sleep state; see
     * sleep.c).  waiter is not read from the latch: once the latch reads
     * as set its memory (often a stack frame) may be gone. */
    atomic_store_explicit(&l->state, WEFT__LATCH_SET, memory_order_release);
    if (waiter != NULL)
        weft__sleep_wake_worker(waiter);
}

void weft__latch_set_blocking(weft__latch *l)
{
    /* Release for the job's effects; the exchange tells
     * us whether the waiter is blocked in the futex.  Waking by address
     * after the memory may be gone is harmless: futex_wake on a stale
     * address at worst wakes nobody or causes a spurious wake-up, which
     * every futex waiter tolerates. */
    if (atomic_exchange_explicit(&l->state, WEFT__LATCH_SET,
                                 memory_order_release) == WEFT__LATCH_BLOCKED)
        weft__futex_wake(&l->state, 1);
}

void weft__latch_wait_blocking(weft__latch *l)
{
    uint64_t deadline = weft__now_ns() + WEFT__LATCH_SPIN_NS;
    do {
        for (int i = 0; i < 32; i++) {
            if (weft__latch_probe(l))
                return;
            weft__cpu_relax();
        }
    } while (weft__now_ns() < deadline);
    for (int i = 0; i < WEFT__LATCH_YIELDS; i++) {
        if (weft__latch_probe(l))
            return;
        sched_yield();
    }
    uint32_t expected = WEFT__LATCH_UNSET;
    /* Relaxed CAS: only announces that we will block; the acquire load in
     * the loop is what orders the job's effects before our return. */
    atomic_compare_exchange_strong_explicit(
        &l->state, &expected, WEFT__LATCH_BLOCKED, memory_order_relaxed,
        memory_order_relaxed);
    while (atomic_load_explicit(&l->state, memory_order_acquire) !=
           WEFT__LATCH_SET)
        weft__futex_wait(&l->state, WEFT__LATCH_BLOCKED);
}
