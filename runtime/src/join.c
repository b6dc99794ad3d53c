/*
 * join.c - weft_join: fork b, run a, join b.
 *
 * The fast path is rayon's join on Lace's split deque: b's job is built in
 * this stack frame and pushed on the private end of the worker's deque,
 * a runs, and if b is still private (nobody asked for work meanwhile) the
 * worker drops it and calls b directly.  That path has no atomic
 * read-modify-write, no fence and no allocation.
 *
 * If b was shared, the worker tries to take it back (Chase-Lev's take,
 * with its fence).  If a thief got it, the worker does not block: it runs
 * other jobs until b's latch is set, and sleeps only if there are none.
 *
 * weft_join_inline (weft/inline.h) is the same fast path compiled into the
 * caller; both share the slow paths below.
 */
#include "latch.h"
#include "registry.h"

/* Runs on a thief; owner is the worker that forked the job and waits. */
void weft__stack_job_execute(weft__job *job, weft__worker *w,
                             weft__worker *owner)
{
    (void)w;
    weft__stack_job *j = (weft__stack_job *)job;
    j->fn(j->arg);
    weft__latch_set_wake(&j->done, owner); /* the joiner may return now */
}

/* b is not the newest private job.  Pop what is above it (other jobs left
 * there, e.g. scope tasks spawned while a ran) and run them, until b comes
 * back (run it inline) or is found stolen (help until its thief is done),
 * as rayon's join does. */
WEFT__COLD void weft__join_pop_slow(weft__worker *w, weft__stack_job *bj)
{
    for (;;) {
        weft__job *job = weft__deque_pop(&w->dq);
        if (job == &bj->job) {
            bj->fn(bj->arg);
            return;
        }
        if (job == NULL)
            break; /* b was stolen: everything at and below it is gone */
        weft__job_execute(job, w, w);
    }
    weft__worker_wait_until(w, &bj->done);
}

/* The whole join, for when the push needs its slow path (growing the
 * deque, or sharing jobs with searching workers). */
WEFT__NOINLINE void weft__join_push_slow(weft__worker *w, weft__stack_job *bj,
                                         weft_fn a, void *a_arg)
{
    bool pushed = weft__deque_push_slow(&w->dq, &bj->job);
    a(a_arg);
    if (!pushed)
        bj->fn(bj->arg); /* no memory to grow the deque: run it here */
    else if (weft__deque_pop_if(&w->dq, &bj->job))
        bj->fn(bj->arg);
    else
        weft__join_pop_slow(w, bj);
}

typedef struct outside_join {
    weft_fn a, b;
    void *a_arg, *b_arg;
} outside_join;

static void outside_join_run(void *p)
{
    outside_join *j = p;
    weft_join(j->a, j->a_arg, j->b, j->b_arg);
}

/* Not on a worker: run the join in the default pool. */
WEFT__COLD void weft__join_outside(weft_fn a, void *a_arg, weft_fn b,
                                   void *b_arg)
{
    outside_join j = {a, b, a_arg, b_arg};
    if (!weft__run_outside(outside_join_run, &j)) {
        a(a_arg); /* no pool: run both here, lose nothing */
        b(b_arg);
    }
}

void weft_join(weft_fn a, void *a_arg, weft_fn b, void *b_arg)
{
    weft__worker *w = weft__tls_worker;
    if (WEFT__UNLIKELY(w == NULL)) {
        weft__join_outside(a, a_arg, b, b_arg);
        return;
    }
    weft__stack_job bj;
    bj.job.execute = weft__stack_job_execute;
    bj.fn = b;
    bj.arg = b_arg;
    weft__latch_init(&bj.done);
    /* The fast path calls nothing before a, and after a returns it calls
     * b through bj's fields (bj must be reloaded anyway: its address
     * escaped).  So only w lives across the call to a, which keeps the
     * prologue of this function to one saved register.  (The inline join
     * calls b(b_arg) instead, because there b is usually a constant.) */
    if (WEFT__UNLIKELY(!weft__deque_push_fast(&w->dq, &bj.job))) {
        weft__join_push_slow(w, &bj, a, a_arg);
        return;
    }
    a(a_arg);
    if (WEFT__LIKELY(weft__deque_pop_if(&w->dq, &bj.job)))
        bj.fn(bj.arg);
    else
        weft__join_pop_slow(w, &bj);
}
