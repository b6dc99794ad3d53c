/*
 * latch.h - one-shot "it is done" signals.
 *
 * A latch starts unset and is set exactly once.  Who waits decides how it
 * is set:
 *
 *  - A worker never blocks on a latch while work exists: it keeps finding
 *    and running jobs (weft__worker_wait_until) and sleeps through the
 *    sleep module only when there is nothing to do.  The setter names that
 *    worker (weft__latch_set_wake) so it can be woken if it went to sleep.
 *    A stolen join job's waiter is the worker it was stolen from, so the
 *    job does not even store it.
 *  - A thread outside every pool blocks on a futex on the state word
 *    (weft__latch_wait_blocking / weft__latch_set_blocking).
 *
 * Ordering: the set is a release store (or exchange) and probe an acquire
 * load, so everything the job did before the set is visible to the waiter
 * once probe returns true.  The wake-up protocol on top (a seq_cst fence
 * between storing SET and reading the waiter's sleep state, paired with
 * the fence a sleeper runs between announcing sleep and probing again) is
 * argued in sleep.c and docs/design.md.
 */
#ifndef WEFT_LATCH_H
#define WEFT_LATCH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "platform.h"

#include "weft/inline.h" /* struct weft__latch: inline joins build one */

enum {
    WEFT__LATCH_UNSET = 0,
    WEFT__LATCH_SET = 1,
    /* Only for external waiters: unset, and a thread is (about to be)
     * blocked in futex_wait on the state word. */
    WEFT__LATCH_BLOCKED = 2,
};

static inline void weft__latch_init(weft__latch *l)
{
    atomic_init(&l->state, WEFT__LATCH_UNSET);
}

static inline bool weft__latch_probe(const weft__latch *l)
{
    /* Acquire: pairs with the release in the set functions, so the job's
     * effects are visible once the latch reads as set. */
    return atomic_load_explicit((_Atomic uint32_t *)&l->state,
                                memory_order_acquire) == WEFT__LATCH_SET;
}

/* Set a latch that worker `waiter` (NULL: nobody in particular) waits on
 * with weft__worker_wait_until, and wake it if it sleeps.  The latch's
 * memory may be gone as soon as the store inside is done. */
WEFT__INTERNAL void weft__latch_set_wake(weft__latch *l, weft__worker *waiter);

/* Set a latch that a non-worker thread waits on with
 * weft__latch_wait_blocking. */
WEFT__INTERNAL void weft__latch_set_blocking(weft__latch *l);

/* For a thread that is not a worker: spin briefly, then block on the futex
 * until the latch is set. */
WEFT__INTERNAL void weft__latch_wait_blocking(weft__latch *l);

#endif /* WEFT_LATCH_H */
