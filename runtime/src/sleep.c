/*
 * sleep.c - how idle workers sleep and how they are woken.
 *
 * An idle worker (one whose find-work loop came back empty) goes through
 * three phases, restarting at the first whenever it finds work:
 *
 *   spin   WEFT__SPIN_ROUNDS rounds of a short pause: work that appears
 *          within microseconds is picked up with no syscall;
 *   yield  WEFT__YIELD_ROUNDS rounds of sched_yield(): gives the core to
 *          any runnable thread, which matters when the pool has more
 *          workers than cores (oversubscription);
 *   sleep  futex_wait on the worker's own sleep_word, with no timeout, so
 *          an idle pool uses no CPU at all.
 *
 * No lost wake-ups.  Work becomes visible in three ways: an owner shares
 * jobs (release store of split_pub), a thread injects a job (wfcqueue
 * enqueue), or a latch is set (release store).  Each of those is followed
 * by a seq_cst fence and then a load of the sleep state (the pool's
 * sleeping count, or the waiter's sleep_word).  A worker going to sleep
 * does the mirror image: it stores SLEEPING to its sleep_word, increments
 * the sleeping count (seq_cst RMW), runs a seq_cst fence, and only then
 * looks again for work and at its latch.  This is the store-buffering
 * (Dekker) shape with a seq_cst fence on both sides, which C11 forbids
 * from losing both stores: either the waker sees the sleeper (and wakes
 * it) or the sleeper sees the work (and does not sleep).
 *
 * Private jobs need no wake-up: only their owner can run them, and it is
 * awake.  An owner shares jobs on push whenever someone is searching,
 * which includes sleepers, and sharing wakes them.
 *
 * The waker, not the sleeper, moves a sleeper from SLEEPING to NOTIFIED
 * and decrements the count (a CAS decides who does it when a sleeper
 * cancels at the same moment), so the count never goes negative and two
 * wakers never spend their wake-up on the same sleeper.
 */
#include "sleep.h"

#include <sched.h>

#include "latch.h"
#include "rcu.h"
#include "registry.h"

#define WEFT__SPIN_ROUNDS 64
#define WEFT__YIELD_ROUNDS 32
#define WEFT__PAUSES_PER_SPIN 32

/* Claim a sleeping worker and wake it.  Returns false if it was not
 * sleeping (awake, or already claimed by another waker). */
static bool claim_and_wake(weft_pool *pool, weft__worker *w)
{
    uint32_t expected = WEFT__SLEEPING;
    if (atomic_load_explicit(&w->sleep_word, memory_order_relaxed) !=
        WEFT__SLEEPING)
        return false;
    /* Release: the woken worker's acquire load of sleep_word then sees
     * the work we published before waking it. */
    if (!atomic_compare_exchange_strong_explicit(
            &w->sleep_word, &expected, WEFT__NOTIFIED, memory_order_release,
            memory_order_relaxed))
        return false;
    /* Relaxed: the count is a hint for wakers; it is decremented exactly
     * once per claimed sleeper, here. */
    atomic_fetch_sub_explicit(&pool->sleep.sleeping, 1, memory_order_relaxed);
    weft__futex_wake(&w->sleep_word, 1);
    return true;
}

void weft__sleep_new_work(weft_pool *pool)
{
    /* Orders the store that published the work before the load of the
     * sleeping count (see the file comment). */
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load_explicit(&pool->sleep.sleeping, memory_order_relaxed) == 0)
        return;
    unsigned n = pool->num_threads;
    unsigned start = atomic_fetch_add_explicit(&pool->sleep.wake_cursor, 1,
                                               memory_order_relaxed);
    for (unsigned i = 0; i < n; i++)
        if (claim_and_wake(pool, pool->workers[(start + i) % n]))
            return;
}

void weft__sleep_wake_worker(weft__worker *w)
{
    atomic_thread_fence(memory_order_seq_cst); /* as in new_work */
    claim_and_wake(w->pool, w);
}

void weft__sleep_wake_all(weft_pool *pool)
{
    atomic_thread_fence(memory_order_seq_cst); /* as in new_work */
    for (unsigned i = 0; i < pool->num_threads; i++)
        claim_and_wake(pool, pool->workers[i]);
}

static void sleep_until_woken(weft__worker *w, weft__latch *l)
{
    weft_pool *pool = w->pool;
    /* A sleeping worker must not hold up RCU grace periods. */
    if (pool->use_rcu)
        weft__rcu_offline();

    atomic_store_explicit(&w->sleep_word, WEFT__SLEEPING, memory_order_relaxed);
    atomic_fetch_add_explicit(&pool->sleep.sleeping, 1, memory_order_seq_cst);
    /* The sleeper's half of the Dekker pattern (file comment). */
    atomic_thread_fence(memory_order_seq_cst);

    if (weft__latch_probe(l) || weft__pool_has_work(pool)) {
        /* Work appeared: cancel.  If a waker claimed us in the meantime
         * it also decremented the count; otherwise we undo our own. */
        uint32_t expected = WEFT__SLEEPING;
        if (atomic_compare_exchange_strong_explicit(
                &w->sleep_word, &expected, WEFT__AWAKE, memory_order_relaxed,
                memory_order_relaxed))
            atomic_fetch_sub_explicit(&pool->sleep.sleeping, 1,
                                      memory_order_relaxed);
    } else {
        /* Acquire: pairs with the waker's release CAS. */
        while (atomic_load_explicit(&w->sleep_word, memory_order_acquire) ==
               WEFT__SLEEPING)
            weft__futex_wait(&w->sleep_word, WEFT__SLEEPING);
    }
    atomic_store_explicit(&w->sleep_word, WEFT__AWAKE, memory_order_relaxed);
    if (pool->use_rcu)
        weft__rcu_online();
}

void weft__sleep_idle(weft__worker *w, unsigned *rounds, weft__latch *l)
{
    unsigned r = (*rounds)++;
    if (r < WEFT__SPIN_ROUNDS) {
        for (int i = 0; i < WEFT__PAUSES_PER_SPIN; i++)
            weft__cpu_relax();
    } else if (r < WEFT__SPIN_ROUNDS + WEFT__YIELD_ROUNDS) {
        sched_yield();
    } else {
        sleep_until_woken(w, l);
        *rounds = 0;
    }
}
