/*
 * job.h - the unit of work that sits in deques and in the injector.
 *
 * A job is a function pointer in a header that the concrete job embeds as
 * its first member (rayon's JobRef idea, in C).  Deques store pointers to
 * headers, so one deque carries every kind of job:
 *
 *   stack job     the second half of weft_join; lives in join's frame
 *   heap job      a task spawned into a scope; allocated with jemalloc
 *   injected job  weft_pool_run from another thread; lives in the caller's
 *                 frame and travels through the pool's injector queue
 *
 * execute(job, w, owner) runs the job on worker w and signals whoever
 * waits for it.  owner is the worker whose deque the job came from (w
 * itself for a local pop, the victim for a steal, NULL for the injector):
 * a stolen join job wakes its owner through it, so the job need not store
 * who its owner is.  For stack and injected jobs the job's memory may be
 * gone the moment the signal is given: execute() must not touch the job
 * afterwards.
 */
#ifndef WEFT_JOB_H
#define WEFT_JOB_H

/* struct weft__job and weft__execute_fn are defined in the public
 * weft/inline.h, because the inline join builds jobs in user code. */
#include "weft/inline.h"

static inline void weft__job_execute(weft__job *job, weft__worker *w,
                                     weft__worker *owner)
{
    job->execute(job, w, owner);
}

#endif /* WEFT_JOB_H */
