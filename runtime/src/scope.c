/*
 * scope.c - weft_scope_run and weft_spawn (rayon::scope).
 *
 * A scope counts its unfinished tasks, the body included.  Each spawned
 * task is a heap job (jemalloc) pushed on the spawning worker's deque; the
 * task that brings the count to zero sets the scope's latch.  The thread
 * that opened the scope runs other jobs (its own spawns first, newest
 * first) until then.
 */
#include <stdalign.h>

#include "alloc.h"
#include "latch.h"
#include "registry.h"

struct weft_scope {
    /* Tasks not yet finished, +1 while the body runs. */
    _Atomic size_t pending;
    weft__latch done;
    weft__worker *owner; /* the worker waiting in weft_scope_run */
    weft_pool *pool;     /* NULL: no pool, everything runs inline */
};

typedef struct heap_job {
    weft__injectable inj; /* first; injectable when spawned from outside */
    weft_scope_fn fn;
    void *arg;
    weft_scope *scope;
} heap_job;

static void task_done(weft_scope *s)
{
    /* acq_rel: release makes this task's effects part of the count's
     * release sequence; the last decrement acquires all of them before it
     * sets the latch (whose release passes them on to the waiter). */
    if (atomic_fetch_sub_explicit(&s->pending, 1, memory_order_acq_rel) == 1)
        weft__latch_set_wake(&s->done, s->owner);
}

static void heap_job_execute(weft__job *job, weft__worker *w,
                             weft__worker *owner)
{
    (void)w;
    (void)owner;
    heap_job *j = (heap_job *)job;
    weft_scope *s = j->scope;
    weft_scope_fn fn = j->fn;
    void *arg = j->arg;
    weft__free(j, sizeof(*j), 0); /* before running: lower peak memory */
    fn(s, arg);
    task_done(s);
}

void weft_spawn(weft_scope *scope, weft_scope_fn fn, void *arg)
{
    if (scope == NULL || fn == NULL)
        return;
    if (scope->pool == NULL) {
        fn(scope, arg);
        return;
    }
    heap_job *j = weft__alloc(sizeof(*j), 0);
    if (j == NULL) {
        fn(scope, arg); /* no memory: run it now, it is not lost */
        return;
    }
    j->inj.job.execute = heap_job_execute;
    j->fn = fn;
    j->arg = arg;
    j->scope = scope;
    /* Relaxed: this increment is sequenced before the push that publishes
     * the job, so it precedes the job's decrement in the count's
     * modification order. */
    atomic_fetch_add_explicit(&scope->pending, 1, memory_order_relaxed);
    weft__worker *w = weft__tls_worker;
    if (w != NULL && w->pool == scope->pool) {
        if (WEFT__UNLIKELY(!weft__deque_push(&w->dq, &j->inj.job)))
            heap_job_execute(&j->inj.job, w, w);
        return;
    }
    /* From a thread outside the scope's pool. */
    weft__injector_push(scope->pool, &j->inj);
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
    task_done(&s);
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
