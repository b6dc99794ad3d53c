/*
 * injector.c - jobs from threads outside the pool: the injector queue and
 * weft_pool_run.
 *
 * The queue is liburcu's wfcqueue: enqueue is wait-free for any number of
 * threads (one atomic exchange on the tail), so outside threads never
 * contend on a lock to submit work.  wfcqueue requires dequeuers to
 * exclude each other; weft does that with a flag that is only ever
 * *tried*: a worker that finds it taken goes on to other sources of work
 * instead of waiting, so no worker blocks on the injector.
 *
 * The job itself lives in the submitting thread's stack frame (it blocks
 * until the job is done), so submission allocates nothing.
 */
#include <errno.h>
#include <stdlib.h>

#include "alloc.h"
#include "latch.h"
#include "registry.h"
#include "sleep.h"

typedef struct injected_job {
    weft__injectable inj; /* first: the queue hands back this header */
    weft_fn fn;
    void *arg;
    weft__worker *waiter; /* worker of another pool waiting, or NULL */
    weft__latch done;
} injected_job;

void weft__injector_push(weft_pool *pool, weft__injectable *j)
{
    cds_wfcq_node_init(&j->node);
    /* liburcu's exchange is inline assembly TSan cannot see. */
    WEFT__TSAN_RELEASE(j);
    /* Issues a full barrier before linking the node (wfcqueue.h). */
    cds_wfcq_enqueue(&pool->inj_head, &pool->inj_tail, &j->node);
    weft__sleep_new_work(pool);
}

bool weft__injector_nonempty(weft_pool *pool)
{
    return !cds_wfcq_empty(&pool->inj_head, &pool->inj_tail);
}

weft__job *weft__injector_pop(weft_pool *pool)
{
    if (cds_wfcq_empty(&pool->inj_head, &pool->inj_tail))
        return NULL;
    /* Acquire on success: the previous holder's dequeue (its writes to
     * the queue head) happens-before ours.  Relaxed load first so that
     * contending workers do not bounce the line with failed exchanges. */
    if (atomic_load_explicit(&pool->inj_busy, memory_order_relaxed) != 0 ||
        atomic_exchange_explicit(&pool->inj_busy, 1, memory_order_acquire) != 0)
        return NULL;
    struct cds_wfcq_node *node =
        __cds_wfcq_dequeue_nonblocking(&pool->inj_head, &pool->inj_tail);
    atomic_store_explicit(&pool->inj_busy, 0, memory_order_release);
    /* WOULDBLOCK: an enqueuer is between its exchange and its link; the
     * queue is non-empty, so the caller will not sleep and retries. */
    if (node == NULL || node == CDS_WFCQ_WOULDBLOCK)
        return NULL;
    weft__injectable *j = WEFT__CONTAINER_OF(node, weft__injectable, node);
    WEFT__TSAN_ACQUIRE(j);
    return &j->job;
}

static void injected_execute(weft__job *job, weft__worker *w,
                             weft__worker *owner)
{
    (void)w;
    (void)owner;
    injected_job *j = (injected_job *)job;
    weft__worker *waiter = j->waiter;
    j->fn(j->arg);
    /* j may be gone once the latch is set. */
    if (waiter == NULL) {
        weft__latch_set_blocking(&j->done);
        return;
    }
    /* A worker of another pool waits.  Its pool stays allocated until
     * foreign_refs drops (see registry.h); release: our wake-up's reads of
     * that pool happen before its destroy frees it.  After the decrement
     * the pool may be gone: only its address is used, for futex_wake,
     * which is harmless on memory that was freed. */
    weft_pool *theirs = waiter->pool;
    weft__latch_set_wake(&j->done, waiter);
    if (atomic_fetch_sub_explicit(&theirs->foreign_refs, 1,
                                  memory_order_release) == 1)
        weft__futex_wake(&theirs->foreign_refs, 1);
}

/* Register a use of pool (a run or a spawn in flight) so that destroy
 * waits for it.  Returns 0, ESHUTDOWN or ESRCH. */
static int enter(weft_pool *pool)
{
    if (pool->fork_generation !=
        atomic_load_explicit(&weft__fork_generation, memory_order_relaxed))
        return ESRCH;
    /* Register as a user before checking `closing`; destroy sets closing
     * before waiting for users to drain.  seq_cst on both sides (a Dekker
     * pair): either we see closing, or destroy sees our count. */
    atomic_fetch_add_explicit(&pool->users, 1, memory_order_seq_cst);
    if (atomic_load_explicit(&pool->closing, memory_order_seq_cst)) {
        if (atomic_fetch_sub_explicit(&pool->users, 1, memory_order_release) ==
            1)
            weft__futex_wake(&pool->users, 1);
        return ESHUTDOWN;
    }
    return 0;
}

static void leave(weft_pool *pool)
{
    /* Release: our use of the pool happens-before destroy frees it.  Once
     * the count drops, only the address is used (futex_wake is harmless on
     * freed memory). */
    if (atomic_fetch_sub_explicit(&pool->users, 1, memory_order_release) == 1)
        weft__futex_wake(&pool->users, 1);
}

int weft_pool_run(weft_pool *pool, weft_fn fn, void *arg)
{
    if (pool == NULL || fn == NULL)
        return EINVAL;
    weft__worker *w = weft__tls_worker;
    if (w != NULL && w->pool == pool) {
        fn(arg); /* already inside: everything fn forks is structured */
        return 0;
    }
    int err = enter(pool);
    if (err != 0)
        return err;

    injected_job j;
    j.inj.job.execute = injected_execute;
    j.fn = fn;
    j.arg = arg;
    /* A worker of another pool keeps working in its own pool while it
     * waits (and is woken through its sleep word); any other thread
     * blocks on the latch's futex. */
    j.waiter = w;
    weft__latch_init(&j.done);
    if (w != NULL)
        atomic_fetch_add_explicit(&w->pool->foreign_refs, 1,
                                  memory_order_relaxed);
    weft__injector_push(pool, &j.inj);
    if (w != NULL)
        weft__worker_wait_until(w, &j.done);
    else
        weft__latch_wait_blocking(&j.done);
    leave(pool);
    return 0;
}

/* weft_pool_spawn's job: on the heap, since nobody waits in a frame. */
typedef struct spawned_job {
    weft__injectable inj;
    weft_fn fn;
    void *arg;
    weft_pool *pool;
} spawned_job;

static void spawned_execute(weft__job *job, weft__worker *w,
                            weft__worker *owner)
{
    (void)w;
    (void)owner;
    spawned_job *j = (spawned_job *)job;
    weft_fn fn = j->fn;
    void *arg = j->arg;
    weft_pool *pool = j->pool;
    weft__free(j, sizeof(*j), 0);
    fn(arg);
    leave(pool);
}

int weft_pool_spawn(weft_pool *pool, weft_fn fn, void *arg)
{
    if (pool == NULL || fn == NULL)
        return EINVAL;
    int err = enter(pool);
    if (err != 0)
        return err;
    spawned_job *j = weft__alloc(sizeof(*j), 0);
    if (j == NULL) {
        leave(pool);
        return ENOMEM;
    }
    j->inj.job.execute = spawned_execute;
    j->fn = fn;
    j->arg = arg;
    j->pool = pool;
    weft__worker *w = weft__tls_worker;
    if (w != NULL && w->pool == pool && weft__deque_push(&w->dq, &j->inj.job))
        return 0;
    weft__injector_push(pool, &j->inj);
    return 0;
}

bool weft__run_outside(weft_fn fn, void *arg)
{
    weft_pool *pool = weft_default_pool();
    return pool != NULL && weft_pool_run(pool, fn, arg) == 0;
}
