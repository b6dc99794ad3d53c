/*
 * registry.c - creating and destroying pools, the worker loop, finding
 * work, the default pool, and fork() handling.
 */
#include "registry.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "fault.h"
#include "rcu.h"
#include "sleep.h"

#define WEFT__INITIAL_DEQUE_CAPACITY 256
/* Default worker stack: large, because fork-join code recurses (a chain of
 * 10^5 nested joins needs about 13 MiB) and because a waiting worker runs
 * stolen jobs on top of its stack.  Only touched pages use memory. */
#define WEFT__DEFAULT_STACK ((size_t)64 << 20)
/* Below this much free stack, a waiting worker stops stealing. */
#define WEFT__STACK_RESERVE ((size_t)256 << 10)
/* Passes over the victims while steals keep losing CAS races. */
#define WEFT__STEAL_RETRY_PASSES 4
/* Victims tried per pass, from a random one on.  A full pass costs O(n);
 * with thousands of workers, n idle workers each spinning through full
 * passes cost O(n^2) (weft -j 4096 took 13 s to start on 2 cores).  Work
 * anywhere is still found within a few rounds (the start is random), and
 * a worker looks at every deque before it sleeps (sleep.c). */
#define WEFT__STEAL_SAMPLE 32

__thread weft__worker *weft__tls_worker;
_Atomic unsigned long weft__fork_generation;

static pthread_mutex_t default_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(weft_pool *) default_pool;
/* In a fork child: the parent's default pool, whose threads do not exist
 * here.  Its memory is freed when the child builds its own default pool
 * (not in the atfork handler, where little is safe to call). */
static weft_pool *orphaned_default;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* ------------------------------------------------------------------ */
/* Finding work                                                        */
/* ------------------------------------------------------------------ */

static inline uint64_t xorshift64star(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* Steal from the other workers, starting at a random victim.  Random
 * per-worker state: no shared counter on the steal path.  *victim is set
 * to the worker the job came from. */
static weft__job *steal_from_others(weft__worker *w, weft__worker **victim)
{
    weft_pool *pool = w->pool;
    unsigned n = pool->num_threads;
    if (n <= 1)
        return NULL;
    for (int pass = 0; pass < WEFT__STEAL_RETRY_PASSES; pass++) {
        bool contended = false;
        unsigned start =
            (unsigned)(((xorshift64star(&w->rng) >> 32) * (uint64_t)n) >> 32);
        unsigned tries = n < WEFT__STEAL_SAMPLE ? n : WEFT__STEAL_SAMPLE;
        for (unsigned i = 0; i < tries; i++) {
            unsigned v = start + i < n ? start + i : start + i - n;
            if (v == w->index)
                continue;
            weft__job *job =
                weft__deque_steal(&pool->workers[v]->dq, &contended);
            if (job != NULL) {
                *victim = pool->workers[v];
                return job;
            }
        }
        if (!contended)
            break;
    }
    return NULL;
}

bool weft__pool_has_work(weft_pool *pool)
{
    for (unsigned i = 0; i < pool->num_threads; i++)
        if (weft__deque_has_shared(&pool->workers[i]->dq))
            return true;
    return weft__injector_nonempty(pool);
}

void weft__worker_wait_until_cold(weft__worker *w, weft__latch *l)
{
    weft_pool *pool = w->pool;
    unsigned rounds = 0;
    bool searching = false;
    /* Stolen jobs run on top of this frame.  Deep in a recursion, take
     * only our own jobs (they are part of the recursion's own bound). */
    bool may_steal = (uintptr_t)__builtin_frame_address(0) > w->stack_floor;
    while (!weft__latch_probe(l)) {
        /* Own jobs first (newest first, hot in cache), then steal the
         * oldest jobs of others, then jobs from outside. */
        weft__job *job = weft__deque_pop(&w->dq);
        weft__worker *owner = w;
        bool foreign = false;
        if (job == NULL && may_steal) {
            job = steal_from_others(w, &owner);
            if (job == NULL) {
                job = weft__injector_pop(pool);
                owner = NULL;
            }
            foreign = job != NULL;
        }
        if (job != NULL) {
            if (searching) {
                /* Relaxed: `searching` only steers sharing heuristics. */
                atomic_fetch_sub_explicit(&pool->sleep.searching, 1,
                                          memory_order_relaxed);
                searching = false;
            }
            rounds = 0;
            weft__job_execute(job, w, owner);
            /* Between two jobs this worker holds no deque buffer: a
             * quiescent state.  Only after foreign jobs, to keep local
             * pops cheap; idle rounds below announce it too. */
            if (foreign && pool->use_rcu)
                weft__rcu_quiescent();
            continue;
        }
        if (!searching) {
            atomic_fetch_add_explicit(&pool->sleep.searching, 1,
                                      memory_order_relaxed);
            searching = true;
        }
        if (pool->use_rcu && (rounds & 7) == 0)
            weft__rcu_quiescent();
        weft__sleep_idle(w, &rounds, l);
    }
    if (searching)
        atomic_fetch_sub_explicit(&pool->sleep.searching, 1,
                                  memory_order_relaxed);
}

/* ------------------------------------------------------------------ */
/* Worker threads                                                      */
/* ------------------------------------------------------------------ */

static void *worker_main(void *arg)
{
    weft__worker *w = arg;
    weft_pool *pool = w->pool;
    pthread_attr_t attr;
    void *lo;
    size_t size;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        if (pthread_attr_getstack(&attr, &lo, &size) == 0)
            w->stack_floor = (uintptr_t)lo + (size > 4 * WEFT__STACK_RESERVE
                                                  ? WEFT__STACK_RESERVE
                                                  : size / 4);
        pthread_attr_destroy(&attr);
    }
    weft__tls_worker = w;
    if (pool->use_rcu)
        weft__rcu_register();
    if (pool->start_handler != NULL)
        pool->start_handler(w->index, pool->handler_arg);
    weft__worker_wait_until(w, &pool->terminate);
    if (pool->exit_handler != NULL)
        pool->exit_handler(w->index, pool->handler_arg);
    if (pool->use_rcu)
        weft__rcu_unregister();
    weft__tls_worker = NULL;
    return NULL;
}

static unsigned cpus_available(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0) {
        int n = CPU_COUNT(&set);
        if (n > 0)
            return (unsigned)n;
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

static unsigned threads_from_env(void)
{
    const char *s = getenv("WEFT_NUM_THREADS");
    if (s == NULL || *s == '\0')
        return 0;
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || v == 0 || v > WEFT_MAX_THREADS ||
        s[0] == '-') {
        static _Atomic int warned;
        if (!atomic_exchange(&warned, 1))
            fprintf(stderr,
                    "weft: ignoring WEFT_NUM_THREADS=\"%s\" (want a number "
                    "from 1 to %d)\n",
                    s, WEFT_MAX_THREADS);
        return 0;
    }
    return (unsigned)v;
}

static void free_pool(weft_pool *pool)
{
    for (unsigned i = 0; i < pool->num_threads; i++) {
        weft__worker *w = pool->workers[i];
        if (w == NULL)
            continue;
        weft__scope_cache_drain(w);
        weft__deque_destroy(&w->dq);
        weft__free(w, sizeof(*w), WEFT__CACHE_LINE);
    }
    weft__free(pool->workers, sizeof(weft__worker *) * pool->num_threads, 0);
    weft__free(pool, sizeof(*pool), WEFT__CACHE_LINE);
}

/* Stop and join the first `started` workers. */
static void stop_workers(weft_pool *pool, unsigned started)
{
    weft__latch_set_wake(&pool->terminate, NULL);
    weft__sleep_wake_all(pool);
    for (unsigned i = 0; i < started; i++)
        pthread_join(pool->workers[i]->thread, NULL);
}

static void atfork_prepare(void);
static void atfork_parent(void);
static void atfork_child(void);

static void install_atfork(void)
{
    pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

int weft_pool_create(const weft_config *cfg, weft_pool **out)
{
    static const weft_config defaults = {0};
    if (out == NULL)
        return EINVAL;
    if (cfg == NULL)
        cfg = &defaults;
    if (cfg->num_threads > WEFT_MAX_THREADS)
        return EINVAL;
    if (cfg->stack_size != 0 && cfg->stack_size < (size_t)PTHREAD_STACK_MIN)
        return EINVAL;
    pthread_once(&atfork_once, install_atfork);

    unsigned n = cfg->num_threads;
    if (n == 0)
        n = threads_from_env();
    if (n == 0)
        n = cpus_available();
    if (n > WEFT_MAX_THREADS)
        n = WEFT_MAX_THREADS;

    weft_pool *pool = weft__calloc(sizeof(*pool), WEFT__CACHE_LINE);
    if (pool == NULL)
        return ENOMEM;
    pool->num_threads = n;
    pool->use_rcu = weft__rcu_usable();
    pool->start_handler = cfg->start_handler;
    pool->exit_handler = cfg->exit_handler;
    pool->handler_arg = cfg->handler_arg;
    pool->fork_generation =
        atomic_load_explicit(&weft__fork_generation, memory_order_relaxed);
    __cds_wfcq_init(&pool->inj_head, &pool->inj_tail);
    weft__latch_init(&pool->terminate);
    pool->workers = weft__calloc(sizeof(weft__worker *) * n, 0);
    if (pool->workers == NULL) {
        weft__free(pool, sizeof(*pool), WEFT__CACHE_LINE);
        return ENOMEM;
    }
    for (unsigned i = 0; i < n; i++) {
        weft__worker *w = weft__calloc(sizeof(*w), WEFT__CACHE_LINE);
        if (w == NULL || weft__deque_init(&w->dq, WEFT__INITIAL_DEQUE_CAPACITY,
                                          &pool->sleep.searching, pool,
                                          pool->use_rcu) != 0) {
            if (w != NULL)
                weft__free(w, sizeof(*w), WEFT__CACHE_LINE);
            free_pool(pool);
            return ENOMEM;
        }
        w->pool = pool;
        w->index = i;
        w->rng = 0x9E3779B97F4A7C15ULL * (i + 1) ^ (uintptr_t)pool;
        if (w->rng == 0)
            w->rng = 1;
        pool->workers[i] = w;
    }

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    {
        size_t want =
            cfg->stack_size != 0 ? cfg->stack_size : WEFT__DEFAULT_STACK;
        long page = sysconf(_SC_PAGESIZE);
        size_t sz = (want + (size_t)page - 1) & ~((size_t)page - 1);
        if (pthread_attr_setstacksize(&attr, sz) != 0) {
            pthread_attr_destroy(&attr);
            free_pool(pool);
            return EINVAL;
        }
    }
    /* Workers must never run signal handlers meant for the process (a
     * SIGINT handler belongs on the thread that waits, e.g. Python's main
     * thread).  New threads inherit the creating thread's mask. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    const char *name = cfg->thread_name != NULL ? cfg->thread_name : "weft";
    int err = 0;
    unsigned started = 0;
    for (; started < n; started++) {
        weft__worker *w = pool->workers[started];
        err = weft__fault_inject(WEFT__FAULT_THREAD)
                  ? EAGAIN
                  : pthread_create(&w->thread, &attr, worker_main, w);
        if (err != 0)
            break;
        char label[16], idx[12];
        int il = snprintf(idx, sizeof(idx), "-%u", started);
        snprintf(label, sizeof(label), "%.*s%s", (int)(15 - il), name, idx);
        pthread_setname_np(w->thread, label);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    if (err != 0) {
        stop_workers(pool, started);
        free_pool(pool);
        return err == EAGAIN || err == EPERM ? EAGAIN : err;
    }
    *out = pool;
    return 0;
}

void weft_pool_destroy(weft_pool *pool)
{
    if (pool == NULL || pool->is_default)
        return;
    if (pool->fork_generation !=
        atomic_load_explicit(&weft__fork_generation, memory_order_relaxed)) {
        /* Created before fork() in a parent: no threads to join here.
         * Its memory is the parent's business; leak it in the child. */
        return;
    }
    weft__worker *self = weft__tls_worker;
    if (self != NULL && self->pool == pool) {
        fprintf(stderr, "weft: weft_pool_destroy called from a worker of the "
                        "pool being destroyed (it would wait for itself)\n");
        abort();
    }
    /* Dekker pair with weft_pool_run: see there. */
    atomic_store_explicit(&pool->closing, 1, memory_order_seq_cst);
    for (;;) {
        uint32_t u = atomic_load_explicit(&pool->users, memory_order_acquire);
        if (u == 0)
            break;
        weft__futex_wait(&pool->users, u);
    }
    stop_workers(pool, pool->num_threads);
    /* Acquire: pairs with the release in injector.c; after this no worker
     * of another pool will touch ours. */
    for (;;) {
        uint32_t r =
            atomic_load_explicit(&pool->foreign_refs, memory_order_acquire);
        if (r == 0)
            break;
        weft__futex_wait(&pool->foreign_refs, r);
    }
    free_pool(pool);
}

unsigned weft_pool_num_threads(const weft_pool *pool)
{
    return pool != NULL ? pool->num_threads : 0;
}

int weft_current_thread_index(void)
{
    weft__worker *w = weft__tls_worker;
    return w != NULL ? (int)w->index : -1;
}

weft_pool *weft_default_pool(void)
{
    /* Acquire: pairs with the release below, so a thread that sees the
     * pointer sees the pool fully built. */
    weft_pool *p = atomic_load_explicit(&default_pool, memory_order_acquire);
    if (p != NULL)
        return p;
    pthread_mutex_lock(&default_lock);
    p = atomic_load_explicit(&default_pool, memory_order_relaxed);
    if (orphaned_default != NULL) {
        free_pool(orphaned_default); /* no thread of it exists here */
        orphaned_default = NULL;
    }
    if (p == NULL && weft_pool_create(NULL, &p) == 0) {
        p->is_default = true;
        atomic_store_explicit(&default_pool, p, memory_order_release);
    }
    pthread_mutex_unlock(&default_lock);
    return p;
}

/* ------------------------------------------------------------------ */
/* fork()                                                              */
/* ------------------------------------------------------------------ */

static void atfork_prepare(void)
{
    /* No default pool may be half-created across fork. */
    pthread_mutex_lock(&default_lock);
    weft__rcu_before_fork();
}

static void atfork_parent(void)
{
    weft__rcu_after_fork_parent();
    pthread_mutex_unlock(&default_lock);
}

static void atfork_child(void)
{
    weft__rcu_after_fork_child();
    /* Only the forking thread exists here.  Every pool of the parent is
     * now a husk: make them unusable (generation check) and let the next
     * implicit use build a fresh default pool.  If fork() was called from
     * a worker, this thread is no longer one. */
    atomic_fetch_add_explicit(&weft__fork_generation, 1, memory_order_relaxed);
    orphaned_default =
        atomic_load_explicit(&default_pool, memory_order_relaxed);
    atomic_store_explicit(&default_pool, NULL, memory_order_relaxed);
    weft__tls_worker = NULL;
    pthread_mutex_init(&default_lock, NULL);
}
