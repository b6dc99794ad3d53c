/*
 * registry.h - pools and their workers (rayon's registry.rs).
 *
 * A pool is an array of workers, a sleep module, an injector queue for
 * jobs from outside threads, and the bookkeeping to shut down.  A worker
 * is a thread with a deque; the thread-local weft__tls_worker tells code
 * running on it which worker (and so which pool) it is.
 */
#ifndef WEFT_REGISTRY_H
#define WEFT_REGISTRY_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <urcu/wfcqueue.h>

#include "deque.h"
#include "job.h"
#include "latch.h"
#include "platform.h"
#include "sleep.h"
#include "weft.h"

struct weft__worker {
    weft__deque dq; /* first, so the owner's hot line leads the struct */
    weft_pool *pool;
    unsigned index;
    uint64_t rng; /* xorshift64* state: random victims, no shared state */
    pthread_t thread;
    /* Lowest usable address of this worker's stack plus a reserve: below
     * it the worker stops taking foreign jobs while it waits (a stolen job
     * runs on top of the waiter's stack). */
    uintptr_t stack_floor;
    /* The scope task whose body is running on this worker, innermost
     * first (scope.c); NULL between tasks.  Spawns count against it. */
    struct weft__scope_task *task;
    /* Finished task records kept for reuse by this worker's spawns
     * (scope.c): a list through their first word, at most
     * WEFT__TASK_CACHE long.  Only this worker touches it. */
    struct weft__scope_task *task_cache;
    unsigned task_cache_len;
    /* The futex word of this worker (see sleep.h), on its own line:
     * wakers write it. */
    WEFT__CACHE_ALIGNED _Atomic uint32_t sleep_word;
};

struct weft_pool {
    unsigned num_threads;
    weft__worker **workers;
    bool use_rcu;
    bool is_default;
    weft_thread_fn start_handler, exit_handler;
    void *handler_arg;
    unsigned long fork_generation; /* weft__fork_generation at creation */
    weft__sleep sleep;

    /* Injector: liburcu's wait-free concurrent queue.  Enqueue (any
     * thread) is wait-free; dequeuers must exclude each other, which
     * inj_busy does with a try-only flag (see injector.c). */
    WEFT__CACHE_ALIGNED struct __cds_wfcq_head inj_head;
    _Atomic uint32_t inj_busy;
    WEFT__CACHE_ALIGNED struct cds_wfcq_tail inj_tail;

    /* Lifecycle. */
    WEFT__CACHE_ALIGNED weft__latch terminate; /* set by destroy */
    _Atomic uint32_t users;   /* weft_pool_run calls in flight */
    _Atomic uint32_t closing; /* destroy has begun */
    /* Jobs this pool's workers injected into other pools and wait for.
     * The other pool's worker that finishes such a job wakes our worker,
     * touching this pool's memory after our worker may already have moved
     * on; destroy waits for this to drop to zero (rayon keeps the target
     * registry alive with a reference count for the same reason). */
    _Atomic uint32_t foreign_refs;
};

/* weft__tls_worker (declared in weft/inline.h) is the worker the calling
 * thread is, or NULL.  libweft is compiled with TLS descriptors
 * (-mtls-dialect=gnu2 on x86-64; the default elsewhere): reading it costs
 * a few instructions when libweft sits in static TLS (linked at start-up),
 * and libweft still loads with dlopen (Python), which the initial-exec
 * model would forbid.  Programs using weft/inline.h read it with the
 * initial-exec model, which is right for an executable. */

/* Bumped in the child after fork(); pools from an older generation have
 * no threads in this process. */
extern _Atomic unsigned long weft__fork_generation;

/* A job that may travel through the injector. */
typedef struct weft__injectable {
    weft__job job;
    struct cds_wfcq_node node;
} weft__injectable;

/* Worker w keeps finding and running jobs until latch l is set.  Never
 * blocks while work is visible; sleeps when there is none. */
WEFT__INTERNAL void weft__worker_wait_until_cold(weft__worker *w,
                                                 weft__latch *l);
static inline void weft__worker_wait_until(weft__worker *w, weft__latch *l)
{
    if (!weft__latch_probe(l))
        weft__worker_wait_until_cold(w, l);
}

/* Is any job visible to a thief: a non-empty shared part or injector? */
WEFT__INTERNAL bool weft__pool_has_work(weft_pool *pool);

/* Injector (injector.c). */
WEFT__INTERNAL void weft__injector_push(weft_pool *pool, weft__injectable *j);
WEFT__INTERNAL weft__job *weft__injector_pop(weft_pool *pool);
WEFT__INTERNAL bool weft__injector_nonempty(weft_pool *pool);

/* Free worker w's cached task records (scope.c).  No thread may run
 * jobs on w any more. */
WEFT__INTERNAL void weft__scope_cache_drain(weft__worker *w);

/* Run fn(arg) on a worker of the default pool from a thread that is not a
 * worker, blocking until done.  Returns false, having run nothing, when
 * there is no default pool; the caller then does the work sequentially. */
WEFT__INTERNAL bool weft__run_outside(weft_fn fn, void *arg);

#endif /* WEFT_REGISTRY_H */
