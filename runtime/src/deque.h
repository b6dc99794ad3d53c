/*
 * deque.h - the per-worker work-stealing deque: a Chase-Lev deque split
 * into a private and a shared part, as Lace does.  Owner fast paths are
 * inline here; steals, growth and the rare slow paths live in deque.c.
 *
 * Indices are 64-bit and only ever grow (no ABA on top, and an empty pop
 * can never wrap); the slot of index i is slots[i & mask] in a circular
 * buffer that doubles when full.
 *
 *        top            split                head
 *         |               |                    |
 *   ... [ shared: thieves CAS top ][ private: owner only ] ...
 *
 *  - [top, split) is shared: thieves take jobs at top with a CAS, oldest
 *    first, exactly as in Chase-Lev.
 *  - [split, head) is private: only the owner touches it, so pushing and
 *    popping there needs no atomic read-modify-write and no fence.  This
 *    is what makes weft_join cost a few nanoseconds.
 *  - The owner moves split up ("shares") when some worker of the pool is
 *    searching for work and the shared part has fewer jobs than searchers:
 *    it hands over the older half of its private jobs with one release
 *    store.  It moves split down ("reclaims") only when its private part
 *    is empty and it wants its newest shared job back; that path is the
 *    Chase-Lev take, with its seq_cst fence, and is rare.
 *
 * docs/design.md ("The deque") holds the correctness argument.
 */
#ifndef WEFT_DEQUE_H
#define WEFT_DEQUE_H

#include "job.h"
#include "platform.h"
#include "rcu.h"
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct weft_pool weft_pool;

typedef struct weft__dqbuf {
    struct rcu_head rcu;              /* linkage for call_rcu once retired */
    struct weft__dqbuf *next_retired; /* linkage when reclaimed at destroy */
    int64_t mask;                     /* capacity - 1; capacity is 2^k */
    _Atomic(weft__job *) slots[];     /* atomics: thieves may read a slot
                                         the owner is overwriting */
} weft__dqbuf;

typedef struct weft__deque {
    /* --- owner only (one cache line, read on every push and pop) ---
     * own (weft/inline.h) holds, for the inline join:
     *   head       index of the next push
     *   split      always equal to split_pub; the owner's cheap copy
     *   limit      push is fast while head < limit: a past value of top
     *              plus the capacity (top only grows)
     *   slots      buf->slots
     *   mask       buf->mask
     *   searching  the pool's count of idle workers */
    weft__deque_owner own;
    weft__dqbuf *buf; /* always equal to buf_pub */
    weft_pool *pool;  /* woken when jobs are shared; may be NULL */
    /* --- owner only, cold --- */
    weft__dqbuf *retired; /* buffers to free at destroy (no-RCU mode) */
    bool use_rcu;         /* retire buffers through liburcu's call_rcu */

    /* --- thieves --- */
    /* CASed by thieves, and by the owner for the last shared job. */
    WEFT__CACHE_ALIGNED _Atomic int64_t top;
    /* Written by the owner when it shares or reclaims (rare); read by
     * every steal attempt. */
    WEFT__CACHE_ALIGNED _Atomic int64_t split_pub;
    _Atomic(weft__dqbuf *) buf_pub;
} weft__deque;

/* capacity: initial slots, rounded up to a power of two (>= 2).
 * searching: counter read to decide when to share (never NULL).
 * pool: whose sleepers to wake on sharing, or NULL.
 * use_rcu: reclaim old buffers with call_rcu; else keep them until
 * weft__deque_destroy.  Returns 0 or ENOMEM. */
WEFT__INTERNAL int weft__deque_init(weft__deque *d, size_t capacity,
                                    _Atomic uint32_t *searching,
                                    weft_pool *pool, bool use_rcu);
/* Frees the buffer and retired buffers.  No thief may still run. */
WEFT__INTERNAL void weft__deque_destroy(weft__deque *d);

/* Slow paths of the inline functions below. */
WEFT__INTERNAL bool weft__deque_push_slow(weft__deque *d, weft__job *job);
WEFT__INTERNAL weft__job *weft__deque_pop_shared(weft__deque *d);

/* Any thread: take the oldest shared job, or NULL.  *contended is set
 * when a CAS was lost to another thief or the owner (the deque may still
 * hold work; try again later).  The caller must be a registered RCU
 * reader that is online (worker threads are), because the buffer it reads
 * may be retired concurrently. */
WEFT__INTERNAL weft__job *weft__deque_steal(weft__deque *d, bool *contended);

/* Any thread: does the shared part look non-empty?  Used by a worker
 * about to sleep; call after a seq_cst fence (see sleep.c). */
static inline bool weft__deque_has_shared(weft__deque *d)
{
    return atomic_load_explicit(&d->top, memory_order_relaxed) <
           atomic_load_explicit(&d->split_pub, memory_order_relaxed);
}

/*
 * Owner: push a job onto the private end if that needs no slow path: the
 * buffer has room and no worker is searching for work (else the push must
 * also share).  Calls nothing, so callers keep few registers live.
 */
static inline bool weft__deque_push_fast(weft__deque *d, weft__job *job)
{
    int64_t h = d->own.head;
    /* Full when h - top >= capacity.  limit uses a past value of top, so
     * this may report full too early, never too late; the slow path
     * re-reads top before it grows the buffer.
     * searching is read relaxed: a heuristic.  A stale zero only delays
     * sharing until the next push; sharing itself is what synchronises
     * with thieves. */
    if (WEFT__UNLIKELY(h >= d->own.limit) ||
        WEFT__UNLIKELY(
            atomic_load_explicit(d->own.searching, memory_order_relaxed) != 0))
        return false;
    /* Relaxed: the slot is private until a later release store of
     * split_pub (when sharing) publishes it with the job's fields. */
    atomic_store_explicit(&d->own.slots[h & d->own.mask], job,
                          memory_order_relaxed);
    d->own.head = h + 1;
    return true;
}

/*
 * Owner: push a job onto the private end, growing the buffer and sharing
 * jobs with searching workers as needed.  Returns false only when the
 * buffer is full and a bigger one cannot be allocated; the caller then
 * runs the job itself.
 */
static inline bool weft__deque_push(weft__deque *d, weft__job *job)
{
    return weft__deque_push_fast(d, job) || weft__deque_push_slow(d, job);
}

/*
 * Owner: if the newest job is `job` and still private, drop it and return
 * true.  weft_join uses this for its own b.  The newest job is usually b,
 * but not always: a scope task spawned while a ran (into a scope opened
 * further out), or left by a wait loop that ended as soon as its latch was
 * set, sits above b.  So the slot is compared, never assumed.
 */
static inline bool weft__deque_pop_if(weft__deque *d, weft__job *job)
{
    int64_t h = d->own.head;
    if (WEFT__LIKELY(h > d->own.split) &&
        WEFT__LIKELY(atomic_load_explicit(&d->own.slots[(h - 1) & d->own.mask],
                                          memory_order_relaxed) == job)) {
        d->own.head = h - 1;
        return true;
    }
    return false;
}

/* Owner: pop the newest job, or NULL if every job was stolen. */
static inline weft__job *weft__deque_pop(weft__deque *d)
{
    int64_t h = d->own.head;
    if (WEFT__LIKELY(h > d->own.split)) {
        d->own.head = --h;
        return atomic_load_explicit(&d->own.slots[h & d->own.mask],
                                    memory_order_relaxed);
    }
    return weft__deque_pop_shared(d);
}

#endif /* WEFT_DEQUE_H */
