/*
 * deque.c - the slow paths of the split work-stealing deque (deque.h).
 *
 * The memory orders follow Le, Pop, Cohen and Zappa Nardelli, "Correct and
 * efficient work-stealing for weak memory models" (PPoPP 2013), adapted to
 * the split: split_pub plays the role their `bottom` plays for thieves.
 * Each atomic access below says why it has its order; docs/design.md puts
 * the pieces together into the proof that every job is taken exactly once.
 */
#include "deque.h"

#include <errno.h>
#include <string.h>

#include "alloc.h"
#include "rcu.h"
#include "sleep.h"

/* Largest buffer: 2^40 slots.  Far beyond memory; only a bound for the
 * arithmetic. */
#define WEFT__DEQUE_MAX_LOG2 40

static size_t buf_bytes(int64_t capacity)
{
    return sizeof(weft__dqbuf) + (size_t)capacity * sizeof(_Atomic(void *));
}

static weft__dqbuf *buf_new(int64_t capacity)
{
    weft__dqbuf *b = weft__alloc(buf_bytes(capacity), WEFT__CACHE_LINE);
    if (b == NULL)
        return NULL;
    b->next_retired = NULL;
    b->mask = capacity - 1;
    for (int64_t i = 0; i < capacity; i++)
        atomic_init(&b->slots[i], NULL);
    return b;
}

static void buf_free(weft__dqbuf *b)
{
    weft__free(b, buf_bytes(b->mask + 1), WEFT__CACHE_LINE);
}

/* call_rcu callback: runs after a grace period, when no thief can still
 * hold a pointer to the buffer (thieves only hold it inside a steal
 * attempt, and workers announce quiescent states only between attempts). */
static void buf_free_rcu(struct rcu_head *head)
{
    weft__dqbuf *b = WEFT__CONTAINER_OF(head, weft__dqbuf, rcu);
    WEFT__TSAN_ACQUIRE(b); /* pairs with the releases in steal and retire */
    buf_free(b);
}

int weft__deque_init(weft__deque *d, size_t capacity,
                     _Atomic uint32_t *searching, weft_pool *pool, bool use_rcu)
{
    int64_t cap = 2;
    while ((size_t)cap < capacity && cap < ((int64_t)1 << 20))
        cap <<= 1;
    memset(d, 0, sizeof(*d));
    d->buf = buf_new(cap);
    if (d->buf == NULL)
        return ENOMEM;
    d->own.slots = d->buf->slots;
    d->own.mask = d->buf->mask;
    d->own.limit = cap;
    d->own.searching = searching;
    d->pool = pool;
    d->use_rcu = use_rcu;
    atomic_init(&d->top, 0);
    atomic_init(&d->split_pub, 0);
    atomic_init(&d->buf_pub, d->buf);
    return 0;
}

void weft__deque_destroy(weft__deque *d)
{
    while (d->retired != NULL) {
        weft__dqbuf *next = d->retired->next_retired;
        buf_free(d->retired);
        d->retired = next;
    }
    if (d->buf != NULL)
        buf_free(d->buf);
    d->buf = NULL;
}

static void retire(weft__deque *d, weft__dqbuf *old)
{
    if (d->use_rcu) {
        WEFT__TSAN_RELEASE(old);
        weft__rcu_retire(&old->rcu, buf_free_rcu);
    } else {
        old->next_retired = d->retired;
        d->retired = old;
    }
}

static bool make_room(weft__deque *d)
{
    /* Acquire: synchronises with the thieves' CASes that advanced top
     * (their release sequence), so their reads of the slots we are about
     * to overwrite happen before our writes.  Without it a thief could
     * read a slot's new value and still win its CAS. */
    int64_t t = atomic_load_explicit(&d->top, memory_order_acquire);
    weft__dqbuf *old = d->buf;
    int64_t h = d->own.head;
    d->own.limit = t + old->mask + 1;
    if (h < d->own.limit)
        return true; /* thieves made room since limit was computed */
    if (old->mask + 1 >= ((int64_t)1 << WEFT__DEQUE_MAX_LOG2))
        return false;
    weft__dqbuf *nb = buf_new((old->mask + 1) * 2);
    if (nb == NULL)
        return false;
    /* Copy every index a thief could still take.  Thieves racing with the
     * copy decide ownership by CAS on top, so copying an index that is
     * being stolen is harmless: top has moved past it for good. */
    for (int64_t i = t; i < h; i++)
        atomic_store_explicit(&nb->slots[i & nb->mask],
                              atomic_load_explicit(&old->slots[i & old->mask],
                                                   memory_order_relaxed),
                              memory_order_relaxed);
    /* Release: a thief that sees this buffer sees the copied slots.
     * Thieves normally find it through split_pub: every later release
     * store of split_pub is sequenced after this store. */
    atomic_store_explicit(&d->buf_pub, nb, memory_order_release);
    d->buf = nb;
    d->own.slots = nb->slots;
    d->own.mask = nb->mask;
    d->own.limit = t + nb->mask + 1;
    /* Thieves may still be reading the old buffer: it is freed only after
     * a grace period (or when the deque is destroyed). */
    retire(d, old);
    return true;
}

static void share(weft__deque *d)
{
    int64_t s = d->own.split;
    int64_t priv = d->own.head - s;
    if (priv <= 0)
        return;
    /* Relaxed loads: heuristics.  top only grows, and top <= split. */
    int64_t shared = s - atomic_load_explicit(&d->top, memory_order_relaxed);
    uint32_t want =
        atomic_load_explicit(d->own.searching, memory_order_relaxed);
    if (shared >= (int64_t)want)
        return;
    /* Hand over the older half of the private jobs (at least one): the
     * oldest jobs are the biggest in divide-and-conquer code, and the
     * newest stay private for the fence-free pops that follow. */
    d->own.split = s + (priv + 1) / 2;
    /* Release: publishes the slots and the jobs they point to (written
     * before, in program order) to thieves, whose acquire load of
     * split_pub synchronises with it. */
    atomic_store_explicit(&d->split_pub, d->own.split, memory_order_release);
    if (d->pool != NULL)
        weft__sleep_new_work(d->pool);
}

bool weft__deque_push_slow(weft__deque *d, weft__job *job)
{
    int64_t h = d->own.head;
    if (h >= d->own.limit && !make_room(d))
        return false;
    /* Relaxed: published by a later release store of split_pub. */
    atomic_store_explicit(&d->own.slots[h & d->own.mask], job,
                          memory_order_relaxed);
    d->own.head = h + 1;
    if (atomic_load_explicit(d->own.searching, memory_order_relaxed) != 0)
        share(d);
    return true;
}

weft__job *weft__deque_pop_shared(weft__deque *d)
{
    int64_t s = d->own.split; /* == head: the private part is empty */
    /* Relaxed: only a hint for how much to reclaim; the decision below is
     * made on a load after the fence. */
    int64_t t = atomic_load_explicit(&d->top, memory_order_relaxed);
    if (t >= s)
        return NULL; /* every shared job was stolen */

    /* Reclaim the newer half of the shared jobs, [new_s, s), at least
     * the one we want (s - 1). */
    int64_t new_s = s - (s - t + 1) / 2;
    atomic_store_explicit(&d->split_pub, new_s, memory_order_release);
    /* The seq_cst fence of Chase-Lev's take.  Together with the fence in
     * steal (between its load of top and its load of split_pub) it
     * guarantees: any thief whose load of top returns a value above the
     * one we load next also sees new_s (or later) in split_pub. */
    atomic_thread_fence(memory_order_seq_cst);
    /* Acquire: limit is derived from it (see make_room). */
    t = atomic_load_explicit(&d->top, memory_order_acquire);
    d->own.limit = t + d->own.mask + 1;

    int64_t priv_lo;
    if (t < new_s) {
        /* No thief can take an index >= new_s: to CAS top from x >= new_s
         * it must have loaded top == x > t, hence also seen new_s. */
        priv_lo = new_s;
    } else if (t < s - 1) {
        /* Thieves raced past new_s with a stale split.  Index t may still
         * be taken by a thief that loaded top == t; every index above t
         * is safe by the same argument.  Give t back to the shared part.
         * Release: as in share (this raises split_pub again). */
        priv_lo = t + 1;
        atomic_store_explicit(&d->split_pub, priv_lo, memory_order_release);
    } else {
        /* t == s - 1: our job is the last shared one and a thief may be
         * about to take it: race for it with a CAS, as Chase-Lev does for
         * its last element.  t >= s: everything was stolen. */
        weft__job *job = NULL;
        if (t == s - 1 &&
            atomic_compare_exchange_strong_explicit(
                &d->top, &t, t + 1, memory_order_seq_cst, memory_order_relaxed))
            job = atomic_load_explicit(&d->own.slots[(s - 1) & d->own.mask],
                                       memory_order_relaxed);
        /* Either way top == s now: the deque is empty.  head stays at s
         * (indices are never reused), and split_pub returns to s so that
         * top <= split_pub holds again. */
        atomic_store_explicit(&d->split_pub, s, memory_order_release);
        d->own.limit = s + d->own.mask + 1;
        return job;
    }
    d->own.split = priv_lo;
    d->own.head = s - 1;
    return atomic_load_explicit(&d->own.slots[(s - 1) & d->own.mask],
                                memory_order_relaxed);
}

weft__job *weft__deque_steal(weft__deque *d, bool *contended)
{
    /* Acquire, as in Le et al.: orders this load before the loads below
     * even on weak hardware, and synchronises with the CAS that wrote it. */
    int64_t t = atomic_load_explicit(&d->top, memory_order_acquire);
    /* Pairs with the fence in pop_shared (see there). */
    atomic_thread_fence(memory_order_seq_cst);
    /* Acquire: synchronises with the owner's release store that shared
     * the jobs below it, so the slot and the job's fields are visible. */
    int64_t s = atomic_load_explicit(&d->split_pub, memory_order_acquire);
    if (t >= s)
        return NULL;
    /* Acquire: the buffer's contents were written before it was
     * published.  Reading it is safe even if the owner retires it right
     * now: it is freed only after a grace period, and we are an online
     * RCU reader until our next quiescent state. */
    weft__dqbuf *b = atomic_load_explicit(&d->buf_pub, memory_order_acquire);
    /* Relaxed: the slot was ordered by the acquire above.  If the owner
     * has since reused it (after top moved on), the CAS below fails and
     * the value is dropped. */
    weft__job *job =
        atomic_load_explicit(&b->slots[t & b->mask], memory_order_relaxed);
    WEFT__TSAN_RELEASE(b); /* our read of b precedes its reclamation */
    /* seq_cst, as in Le et al.: the CAS is what makes the job ours, and it
     * must be ordered with the owner's fence-protected reads of top. */
    if (!atomic_compare_exchange_strong_explicit(
            &d->top, &t, t + 1, memory_order_seq_cst, memory_order_relaxed)) {
        *contended = true;
        return NULL;
    }
    return job;
}
