/*
 * scope.c - weft_scope_run and weft_spawn (rayon::scope).
 *
 * A scope waits for every task spawned into it.  Each spawned task is a
 * heap job (a record from jemalloc) pushed on the spawning worker's deque.
 *
 * Counting.  rayon keeps one counter per scope that every spawn increments
 * and every task decrements.  With two workers that counter's cache line
 * moves between the cores twice per task, which on nqueens (850,000 small
 * tasks) costs more than the tasks themselves.  weft counts in a tree
 * instead, as Cilk's frames do:
 *
 *   - a task spawned while another task of the same scope runs on this
 *     worker is that task's child and reports to it;
 *   - a task spawned by the scope body, from outside the pool, or from a
 *     task of another scope reports to the scope's own `pending` counter
 *     (which also holds one for the body while it runs);
 *   - a task is finished when its function has returned and each of its
 *     children has finished.  Its record is then recycled and it reports
 *     to its parent (or to the scope).
 *
 * A task counts its children in two halves, so that spawning costs no
 * atomic operation: `spawned`, a plain counter that only the worker
 * running the task's function writes (spawns into t come only from the
 * worker whose w->task is t), and `balance`, which every child that
 * finishes decrements.  When the function returns, its worker adds
 * `spawned` to `balance`.  Before that add `balance` is <= 0; after it,
 * it is spawned minus finished children.  So exactly one operation brings
 * it to zero after the add -- the add itself if all children finished
 * already, else the last child's decrement -- and that one finishes the
 * task.  A task that spawned nothing finishes without touching `balance`
 * at all: nobody else can.  Most children run on the worker that spawned
 * them, so most decrements hit a line that worker already owns.
 *
 * Orders: each decrement and the add are acq_rel.  Release puts a child's
 * effects (and, transitively, its subtree's) in the release sequence of
 * `balance`; the operation that reaches zero acquires them all, then
 * passes them up with its own release on the parent, and finally the
 * scope's latch hands them to the waiter.
 *
 * The price: a task's record lives until its children finish (a few per
 * level of the tree on each worker), not just until it starts.
 *
 * Records.  A spawn on a worker takes a record from that worker's cache
 * of finished ones, and a worker that finishes a task keeps its record
 * there (up to WEFT__TASK_CACHE); only past that does it go back to
 * jemalloc (mallocx/sdallocx).  That saves the allocator's fast path and
 * its thread-local lookup (about 95 instructions per task on nqueens)
 * where tasks are small.  A record is reused only by the worker that
 * finished it, after the acquire that finished it.  Records finished on
 * another worker than the one that made them stay with the finisher: the
 * caches balance themselves, and the bound keeps one that only frees from
 * growing without end.
 */
#include <stdalign.h>
#include <stddef.h>

#include "alloc.h"
#include "latch.h"
#include "registry.h"

#define WEFT__TASK_CACHE 256

struct weft_scope {
    /* Unfinished tasks that report here, +1 while the body runs. */
    _Atomic size_t pending;
    weft__latch done;
    weft__worker *owner; /* the worker waiting in weft_scope_run */
    weft_pool *pool;     /* NULL: no pool, everything runs inline */
};

typedef struct weft__scope_task {
    weft__injectable inj; /* first; injectable when spawned from outside */
    weft_scope_fn fn;
    void *arg;
    weft_scope *scope;
    /* Reported to when finished; NULL: the scope.  Once the record is
     * cached, the next record of the worker's cache. */
    struct weft__scope_task *parent;
    size_t spawned;            /* children so far: the running worker's */
    _Atomic ptrdiff_t balance; /* spawned (added at return) - finished */
} scope_task;

static void scope_count_done(weft_scope *s)
{
    /* acq_rel: release makes everything reported here part of the count's
     * release sequence; the last decrement acquires all of it before it
     * sets the latch (whose release passes it on to the waiter). */
    if (atomic_fetch_sub_explicit(&s->pending, 1, memory_order_acq_rel) == 1)
        weft__latch_set_wake(&s->done, s->owner);
}

static scope_task *task_alloc(weft__worker *w)
{
    scope_task *t = w != NULL ? w->task_cache : NULL;
    if (t == NULL)
        return weft__alloc(sizeof(*t), 0);
    w->task_cache = t->parent;
    w->task_cache_len--;
    return t;
}

static void task_free(weft__worker *w, scope_task *t)
{
    if (w->task_cache_len >= WEFT__TASK_CACHE) {
        weft__free(t, sizeof(*t), 0);
        return;
    }
    t->parent = w->task_cache;
    w->task_cache = t;
    w->task_cache_len++;
}

void weft__scope_cache_drain(weft__worker *w)
{
    while (w->task_cache != NULL) {
        scope_task *t = w->task_cache;
        w->task_cache = t->parent;
        weft__free(t, sizeof(*t), 0);
    }
    w->task_cache_len = 0;
}

/* t is finished (on worker w): recycle it and report to its parent, and
 * so on up while each parent finishes too. */
static void task_finished(weft__worker *w, scope_task *t)
{
    for (;;) {
        scope_task *parent = t->parent;
        weft_scope *s = t->scope;
        task_free(w, t);
        if (parent == NULL) {
            scope_count_done(s);
            return;
        }
        /* acq_rel: see the file comment. */
        if (atomic_fetch_sub_explicit(&parent->balance, 1,
                                      memory_order_acq_rel) != 1)
            return;
        t = parent;
    }
}

static void task_execute(weft__job *job, weft__worker *w, weft__worker *owner)
{
    (void)owner;
    scope_task *t = (scope_task *)job;
    /* Jobs always run on a worker.  Tasks nest on a worker's stack (a
     * task waiting in a join runs others), so save and restore. */
    scope_task *outer = w->task;
    w->task = t;
    t->fn(t->scope, t->arg);
    w->task = outer;
    size_t n = t->spawned;
    /* acq_rel: see the file comment.  Zero children: nobody else ever
     * touches balance, so no atomic operation is needed. */
    if (n == 0 ||
        atomic_fetch_add_explicit(&t->balance, (ptrdiff_t)n,
                                  memory_order_acq_rel) == -(ptrdiff_t)n)
        task_finished(w, t);
}

void weft_spawn(weft_scope *scope, weft_scope_fn fn, void *arg)
{
    if (scope == NULL || fn == NULL)
        return;
    if (scope->pool == NULL) {
        fn(scope, arg);
        return;
    }
    weft__worker *w = weft__tls_worker;
    bool local = w != NULL && w->pool == scope->pool;
    scope_task *t = task_alloc(local ? w : NULL);
    if (t == NULL) {
        fn(scope, arg); /* no memory: run it now, it is not lost */
        return;
    }
    t->inj.job.execute = task_execute;
    t->fn = fn;
    t->arg = arg;
    t->scope = scope;
    t->spawned = 0;
    atomic_init(&t->balance, 0);
    /* The parent is running on this worker (its function is on our
     * stack), so it cannot finish before it adds this child at return. */
    scope_task *parent =
        local && w->task != NULL && w->task->scope == scope ? w->task : NULL;
    t->parent = parent;
    if (parent != NULL) {
        parent->spawned++;
    } else {
        /* Relaxed: sequenced before the push that publishes t, so it
         * precedes t's decrement in the count's modification order; the
         * count is at least one here (the body or an unfinished task
         * holds the scope open). */
        atomic_fetch_add_explicit(&scope->pending, 1, memory_order_relaxed);
    }
    if (local) {
        if (WEFT__UNLIKELY(!weft__deque_push(&w->dq, &t->inj.job)))
            task_execute(&t->inj.job, w, w);
        return;
    }
    /* From a thread outside the scope's pool. */
    weft__injector_push(scope->pool, &t->inj);
}

typedef struct scope_call {
    weft_scope_fn fn;
    void *arg;
} scope_call;

static void scope_on_worker(weft__worker *w, scope_call *c)
{
    weft_scope s;
    atomic_init(&s.pending, 1);
    weft__latch_init(&s.done);
    s.owner = w;
    s.pool = w->pool;
    c->fn(&s, c->arg);
    scope_count_done(&s);
    weft__worker_wait_until(w, &s.done);
}

static void scope_trampoline(void *p)
{
    scope_on_worker(weft__tls_worker, p);
}

void weft_scope_run(weft_scope_fn fn, void *arg)
{
    if (fn == NULL)
        return;
    scope_call c = {fn, arg};
    weft__worker *w = weft__tls_worker;
    if (w != NULL) {
        scope_on_worker(w, &c);
        return;
    }
    if (!weft__run_outside(scope_trampoline, &c)) {
        /* No pool: a scope whose spawns run inline, in order. */
        weft_scope s;
        atomic_init(&s.pending, 1);
        weft__latch_init(&s.done);
        s.owner = NULL;
        s.pool = NULL;
        fn(&s, arg);
    }
}
