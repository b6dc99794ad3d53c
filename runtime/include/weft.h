/*
 * weft.h - the public C API of weft, a work-stealing fork-join runtime.
 *
 * The model is rayon's: a pool owns one worker thread per core; each worker
 * keeps a deque of jobs it has forked; an idle worker steals the oldest job
 * of a random victim.  You express parallelism with four primitives:
 *
 *   weft_join(a, a_arg, b, b_arg)    run a and b, potentially in parallel
 *   weft_parallel_for(...)           split a range adaptively, call a body
 *   weft_parallel_reduce(...)        the same, folding into accumulators
 *   weft_scope_run / weft_spawn      spawn any number of tasks, wait for all
 *
 * All four may be nested to any depth and called from any thread.  On a
 * worker they use that worker's pool; on any other thread they run in the
 * default pool (created on first use) and block the caller until done.  To
 * use a pool of your own, enter it with weft_pool_run().
 *
 * Callbacks must return normally: a longjmp or C++ exception that unwinds
 * through a weft frame is undefined behaviour (a forked job may still point
 * into the frame being unwound).
 *
 * Error reporting: functions that can fail return 0 or a positive errno
 * value.  Functions that return void cannot fail in a way that loses work:
 * when the runtime cannot fork (no memory for a bigger deque, no default
 * pool) it runs the work on the calling thread instead.
 *
 * See docs/api.md for a tutorial and docs/design.md for how it works.
 */
#ifndef WEFT_H
#define WEFT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WEFT_VERSION_MAJOR 0
#define WEFT_VERSION_MINOR 1
#define WEFT_VERSION_PATCH 0

/* The largest pool weft_pool_create() accepts. */
#define WEFT_MAX_THREADS 4096

#if defined(__GNUC__)
#define WEFT_API __attribute__((visibility("default")))
#else
#define WEFT_API
#endif

/* ------------------------------------------------------------------ */
/* Pools                                                               */
/* ------------------------------------------------------------------ */

typedef struct weft_pool weft_pool;

/* Called on a worker thread with its index and weft_config.handler_arg. */
typedef void (*weft_thread_fn)(unsigned index, void *arg);

typedef struct weft_config {
    /* 0: WEFT_NUM_THREADS from the environment if it holds a number in
     * 1..WEFT_MAX_THREADS (anything else is ignored with a warning on
     * stderr), else the CPUs this process may run on. */
    unsigned num_threads;
    /* NULL: "weft".  Workers are named "<name>-<index>", truncated to the
     * 15 characters Linux keeps. */
    const char *thread_name;
    /* Worker stack size.  0: 64 MiB (address space; only the pages a
     * worker touches use memory), enough for about 500,000 nested joins.
     * Otherwise at least PTHREAD_STACK_MIN bytes, rounded up to pages. */
    size_t stack_size;
    /* Optional: run on each worker when it starts, before it runs any job
     * (to set up per-thread state, e.g. a Python thread state), and when
     * it exits, after its last job.  NULL: none. */
    weft_thread_fn start_handler;
    weft_thread_fn exit_handler;
    void *handler_arg;
} weft_config;

/*
 * Create a pool and start its workers.  cfg may be NULL (all defaults).
 * Returns 0 and stores the pool in *out, or:
 *   EINVAL  out is NULL, num_threads > WEFT_MAX_THREADS, or a stack_size
 *           below PTHREAD_STACK_MIN;
 *   EAGAIN  a thread could not be created (the threads already started
 *           are joined and everything is freed);
 *   ENOMEM  out of memory.
 * On error *out is left untouched and nothing is leaked.
 */
WEFT_API int weft_pool_create(const weft_config *cfg, weft_pool **out);

/*
 * Wait for all work in flight (weft_pool_run calls already started and
 * functions given to weft_pool_spawn), stop
 * and join every worker and free the pool.  Must not be called from a
 * worker of the same pool (that would wait for itself; it aborts with a
 * message instead).  NULL is ignored.  Destroying the default pool is not
 * allowed (it lives until the process exits) and is ignored.
 */
WEFT_API void weft_pool_destroy(weft_pool *pool);

/* Number of workers; 0 for NULL. */
WEFT_API unsigned weft_pool_num_threads(const weft_pool *pool);

/*
 * The process-wide default pool, created on first use (thread-safely) with
 * weft_config defaults.  Returns NULL only if it cannot be created (no
 * memory or threads); the implicit users (join, loops, scopes on a
 * non-worker thread) then run sequentially on the calling thread.  After
 * fork() the child gets a fresh default pool on first use.
 */
WEFT_API weft_pool *weft_default_pool(void);

typedef void (*weft_fn)(void *arg);

/*
 * Run fn(arg) on a worker of pool and block until it returns; since every
 * fork inside fn is structured (join, loops and scopes wait for what they
 * start), that is also when all of fn's work is done.  Any thread may call
 * it, many at once.  Called on a worker of pool itself it simply calls fn.
 * Called on a worker of another pool, that worker keeps executing its own
 * pool's jobs while it waits.
 * Returns 0, or EINVAL (pool or fn NULL), ESHUTDOWN (the pool is being
 * destroyed), ESRCH (the pool was created before fork() in a parent
 * process: its threads do not exist here).
 */
WEFT_API int weft_pool_run(weft_pool *pool, weft_fn fn, void *arg);

/*
 * Run fn(arg) on a worker of pool, and return at once without waiting (like
 * rayon::spawn).  The caller arranges how it learns that fn is done.
 * weft_pool_destroy waits for spawned functions to finish.
 * Returns 0, or EINVAL (pool or fn NULL), ENOMEM, ESHUTDOWN, ESRCH (as
 * weft_pool_run).
 */
WEFT_API int weft_pool_spawn(weft_pool *pool, weft_fn fn, void *arg);

/*
 * Index of the calling thread in its pool: 0..n-1 on a worker, -1 on any
 * other thread.
 */
WEFT_API int weft_current_thread_index(void);

/* ------------------------------------------------------------------ */
/* Fork-join                                                           */
/* ------------------------------------------------------------------ */

/*
 * Run a(a_arg) and b(b_arg), potentially in parallel, and return when both
 * are done.  a runs on the calling thread; b is offered to thieves and runs
 * on the calling thread too unless another worker stole it.  Nothing is
 * allocated: b's job lives in this call's stack frame.
 */
WEFT_API void weft_join(weft_fn a, void *a_arg, weft_fn b, void *b_arg);

/* ------------------------------------------------------------------ */
/* Parallel loops                                                      */
/* ------------------------------------------------------------------ */

typedef void (*weft_range_fn)(size_t lo, size_t hi, void *arg);

/*
 * Call body(lo, hi, arg) on disjoint sub-ranges that together cover
 * [begin, end) exactly once.  The range is split in halves recursively and
 * adaptively (as rayon does): it splits about log2(threads) levels deep,
 * and further wherever a piece is stolen, so idle workers get work and busy
 * ones are not interrupted.  No piece is shorter than grain (0 means 1)
 * unless the whole range is.  begin >= end does nothing.
 */
WEFT_API void weft_parallel_for(size_t begin, size_t end, size_t grain,
                                weft_range_fn body, void *arg);

/*
 * Parallel reduce.  The range [begin, end) is split as in
 * weft_parallel_for; each piece is folded into an accumulator of acc_size
 * bytes that starts as a copy of identity; neighbouring accumulators are
 * combined left to right, so an associative combine gives the same answer
 * as a sequential fold even if it is not commutative.  The final value is
 * written to result (acc_size bytes).
 *
 *   fold(lo, hi, acc, arg)      fold elements lo..hi-1 into *acc
 *   combine(acc, other, arg)    *acc = *acc (+) *other
 *
 * The shape of the split tree depends on stealing, so a floating-point sum
 * may differ in the last bits between runs; use the kernels' deterministic
 * sums (weft/kernels.h) when that matters.
 * result and identity must not overlap.  Accumulators weft creates are
 * aligned for any type (max_align_t); up to 256 bytes they live on the
 * stack, larger ones are allocated (and if that fails, the piece is folded
 * sequentially instead of split, so the call still succeeds).
 * Returns 0, or EINVAL (result, identity, fold or combine NULL, acc_size
 * 0, or result == identity).
 */
typedef void (*weft_fold_fn)(size_t lo, size_t hi, void *acc, void *arg);
typedef void (*weft_combine_fn)(void *acc, const void *other, void *arg);
WEFT_API int weft_parallel_reduce(size_t begin, size_t end, size_t grain,
                                  void *result, const void *identity,
                                  size_t acc_size, weft_fold_fn fold,
                                  weft_combine_fn combine, void *arg);

/* ------------------------------------------------------------------ */
/* Scopes                                                              */
/* ------------------------------------------------------------------ */

typedef struct weft_scope weft_scope;
typedef void (*weft_scope_fn)(weft_scope *scope, void *arg);

/*
 * Like rayon::scope: call fn(scope, arg), and return once fn and every
 * task spawned into the scope (transitively) have finished.  While it
 * waits, the calling worker executes other jobs, its own spawns first.
 */
WEFT_API void weft_scope_run(weft_scope_fn fn, void *arg);

/*
 * Spawn fn(scope, arg) as a task of scope.  May be called from the scope's
 * body or from any task spawned in it (and from other threads while the
 * scope is open).  The task is allocated with jemalloc; if that fails the
 * task runs immediately on the calling thread, so no task is ever lost.
 */
WEFT_API void weft_spawn(weft_scope *scope, weft_scope_fn fn, void *arg);

#ifdef __cplusplus
}
#endif

#endif /* WEFT_H */
