/*
 * sleep.h - idle workers: spin, yield, then sleep on a futex; wake-ups.
 *
 * Each worker has its own futex word (sleep_word), so a latch can wake the
 * one worker waiting for it.  The pool counts searching workers (idle:
 * looking for work, asleep or not) and sleeping ones.  See sleep.c for the
 * protocol and the argument that no wake-up is lost.
 */
#ifndef WEFT_SLEEP_H
#define WEFT_SLEEP_H

#include <stdatomic.h>
#include <stdint.h>

#include "platform.h"

typedef struct weft_pool weft_pool;
typedef struct weft__worker weft__worker;
typedef struct weft__latch weft__latch;

enum {
    WEFT__AWAKE = 0,
    WEFT__SLEEPING = 1, /* blocked, or about to block, in futex_wait */
    WEFT__NOTIFIED = 2, /* a waker claimed it; it will wake */
};

typedef struct weft__sleep {
    /* Workers looking for work (including those asleep).  Owners read it
     * on every push to decide whether to share jobs. */
    WEFT__CACHE_ALIGNED _Atomic uint32_t searching;
    _Atomic uint32_t sleeping;    /* workers in SLEEPING state */
    _Atomic uint32_t wake_cursor; /* spreads wake-ups over the workers */
} weft__sleep;

/* Work became visible (shared jobs, an injected job): wake one sleeper if
 * there is any.  Call after the store that made the work visible. */
WEFT__INTERNAL void weft__sleep_new_work(weft_pool *pool);
/* Wake worker w if it sleeps (a latch it waits for was set). */
WEFT__INTERNAL void weft__sleep_wake_worker(weft__worker *w);
/* Wake every sleeping worker (pool shutdown). */
WEFT__INTERNAL void weft__sleep_wake_all(weft_pool *pool);
/* One idle round of worker w waiting for latch l: spin, yield, or sleep
 * until woken.  *rounds counts consecutive idle rounds. */
WEFT__INTERNAL void weft__sleep_idle(weft__worker *w, unsigned *rounds,
                                     weft__latch *l);

#endif /* WEFT_SLEEP_H */
