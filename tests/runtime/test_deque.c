/*
 * test_deque.c - the split work-stealing deque under contention.
 *
 * One owner pushes bursts of items and pops some back, while 1..8 thieves
 * steal.  The deque starts with 2 slots, so it grows (and retires buffers
 * through RCU) all the time.  `searching` flips between zero and the
 * number of thieves, so the owner alternates between fence-free private
 * work and sharing.  At the end every item must have been taken exactly
 * once: by a pop or by a steal, never both, never twice, never lost.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "deque.h"
#include "harness.h"
#include "rcu.h"

typedef struct shared {
    weft__deque dq;
    _Atomic uint32_t searching;
    _Atomic int done;
    _Atomic uint8_t *taken; /* per item: times taken */
    long long n_items;
    _Atomic long long stolen;
} shared;

static weft__job *item_job(long long i)
{
    return (weft__job *)(uintptr_t)((i + 1) * 8); /* never dereferenced */
}

static long long job_item(weft__job *j)
{
    return (long long)((uintptr_t)j / 8) - 1;
}

static void take(shared *s, weft__job *j)
{
    long long i = job_item(j);
    CHECK(i >= 0 && i < s->n_items);
    atomic_fetch_add_explicit(&s->taken[i], 1, memory_order_relaxed);
}

static void *thief(void *p)
{
    shared *s = p;
    weft__rcu_register();
    long long mine = 0;
    for (unsigned k = 0;; k++) {
        bool contended = false;
        weft__job *j = weft__deque_steal(&s->dq, &contended);
        if (j != NULL) {
            take(s, j);
            mine++;
        } else if (atomic_load(&s->done)) {
            break;
        }
        if ((k & 15) == 0)
            weft__rcu_quiescent(); /* holds no buffer here */
    }
    atomic_fetch_add(&s->stolen, mine);
    weft__rcu_unregister();
    return NULL;
}

static void run(int thieves, long long n_items, uint64_t seed)
{
    shared s;
    CHECK_EQ(weft__deque_init(&s.dq, 2, &s.searching, NULL, true), 0);
    atomic_init(&s.searching, 0);
    atomic_init(&s.done, 0);
    atomic_init(&s.stolen, 0);
    s.n_items = n_items;
    s.taken = calloc((size_t)n_items, 1);
    CHECK(s.taken != NULL);

    weft__rcu_register(); /* the owner frees nothing itself, but be fair */
    pthread_t th[8];
    for (int i = 0; i < thieves; i++)
        CHECK_EQ(pthread_create(&th[i], NULL, thief, &s), 0);

    long long next = 0, popped = 0;
    uint64_t rng = seed;
    while (next < n_items) {
        uint64_t r = test_rand(&rng);
        if ((r & 255) == 0) /* sometimes nobody searches, sometimes all */
            atomic_store(&s.searching,
                         atomic_load(&s.searching) ? 0 : (uint32_t)thieves);
        int burst = 1 + (int)((r >> 8) % 16);
        for (int b = 0; b < burst && next < n_items; b++)
            CHECK(weft__deque_push(&s.dq, item_job(next++)));
        int pops = (int)((r >> 16) % 18);
        for (int p = 0; p < pops; p++) {
            weft__job *j = weft__deque_pop(&s.dq);
            if (j == NULL)
                break;
            take(&s, j);
            popped++;
        }
        if ((r >> 32) % 64 == 0)
            weft__rcu_quiescent();
    }
    /* Drain: the owner pops what is left while thieves still steal. */
    for (;;) {
        weft__job *j = weft__deque_pop(&s.dq);
        if (j == NULL)
            break;
        take(&s, j);
        popped++;
    }
    atomic_store(&s.done, 1);
    for (int i = 0; i < thieves; i++)
        pthread_join(th[i], NULL);
    weft__rcu_unregister();

    for (long long i = 0; i < n_items; i++)
        if (s.taken[i] != 1) {
            fprintf(stderr, "item %lld taken %d times (thieves=%d)\n", i,
                    s.taken[i], thieves);
            exit(1);
        }
    CHECK_EQ(popped + atomic_load(&s.stolen), n_items);
    printf("  thieves=%d items=%lld popped=%lld stolen=%lld\n", thieves,
           n_items, popped, (long long)atomic_load(&s.stolen));
    free(s.taken);
    weft__deque_destroy(&s.dq);
}

/* Empty pops never wrap indices, and push/pop order is LIFO. */
static void basics(void)
{
    weft__deque dq;
    _Atomic uint32_t searching = 0;
    CHECK_EQ(weft__deque_init(&dq, 2, &searching, NULL, false), 0);
    CHECK(weft__deque_pop(&dq) == NULL);
    CHECK(weft__deque_pop(&dq) == NULL);
    bool contended = false;
    CHECK(weft__deque_steal(&dq, &contended) == NULL);
    for (long long i = 0; i < 1000; i++)
        CHECK(weft__deque_push(&dq, item_job(i)));
    for (long long i = 999; i >= 0; i--)
        CHECK_EQ(job_item(weft__deque_pop(&dq)), i);
    CHECK(weft__deque_pop(&dq) == NULL);
    /* Shared jobs are stolen oldest first. */
    atomic_store(&searching, 1);
    for (long long i = 0; i < 8; i++)
        CHECK(weft__deque_push(&dq, item_job(i)));
    CHECK_EQ(job_item(weft__deque_steal(&dq, &contended)), 0);
    CHECK_EQ(job_item(weft__deque_pop(&dq)), 7);
    weft__deque_destroy(&dq);
    TEST_PASS("deque basics");
}

int main(void)
{
    basics();
    /* 5 runs of n items; each item is pushed once and taken once, so the
     * deque sees 10 n operations (2 x 10^7 at scale 1; the stress-full
     * test runs scale 5: 10^8). */
    long long n = test_scaled(2000000, 20000);
    uint64_t seed = 42;
    for (int thieves = 1; thieves <= 8; thieves *= 2)
        run(thieves, n, seed++);
    run(3, n, seed++);
    printf("  %lld deque operations (pushes + takes), every item once\n",
           10 * n);
    printf("weft-total deque_ops %lld\n", 10 * n);
    TEST_PASS("deque stress: every item taken exactly once");
    return 0;
}
