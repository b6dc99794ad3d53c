/*
 * test_fault.c - fault injection: for every allocation and every thread
 * creation that pool creation, scope spawns, weft_pool_spawn, deque growth
 * and reduce make, make it fail and check that the call reports the error
 * (or falls back without losing work), that the process is still usable,
 * and that nothing leaks (threads counted here; memory by LeakSanitizer in
 * the asan preset, which builds with WEFT_FAULT_INJECTION).
 *
 * Skipped (exit 77) in builds without fault injection.
 */
#include <errno.h>
#include <stdatomic.h>

#include "harness.h"
#include "weft.h"

long long weft__debug_fail_alloc_after(long long n);
long long weft__debug_fail_thread_after(long long n);

static _Atomic long injected_total;

static void count_injected(long long before_alloc, long long before_thread)
{
    long long a = weft__debug_fail_alloc_after(0) - before_alloc;
    long long t = weft__debug_fail_thread_after(0) - before_thread;
    atomic_fetch_add(&injected_total, a + t);
}

typedef struct fib_arg {
    int n;
    long r;
} fib_arg;

static long fib_seq(int n)
{
    return n < 2 ? n : fib_seq(n - 1) + fib_seq(n - 2);
}

static void fib(void *p)
{
    fib_arg *a = p;
    if (a->n < 2) {
        a->r = a->n;
        return;
    }
    fib_arg x = {a->n - 1, 0}, y = {a->n - 2, 0};
    weft_join(fib, &x, fib, &y);
    a->r = x.r + y.r;
}

/* Pool creation: fail the Nth allocation, then the Nth thread, for every N
 * until creation succeeds untouched. */
static void pool_creation(void)
{
    int threads0 = test_count_dir("/proc/self/task");
    for (int kind = 0; kind < 2; kind++) {
        for (long long n = 1;; n++) {
            long long a0 = weft__debug_fail_alloc_after(0);
            long long t0 = weft__debug_fail_thread_after(0);
            if (kind == 0)
                weft__debug_fail_alloc_after(n);
            else
                weft__debug_fail_thread_after(n);
            weft_pool *pool = NULL;
            weft_config cfg = {.num_threads = 4};
            int err = weft_pool_create(&cfg, &pool);
            long long fired =
                (kind == 0 ? weft__debug_fail_alloc_after(0) - a0
                           : weft__debug_fail_thread_after(0) - t0);
            count_injected(a0, t0);
            if (fired == 0) {
                /* The countdown outlived creation: it succeeded. */
                CHECK_EQ(err, 0);
                fib_arg f = {20, 0};
                CHECK_EQ(weft_pool_run(pool, fib, &f), 0);
                CHECK_EQ(f.r, fib_seq(20));
                weft_pool_destroy(pool);
                printf("  pool creation: %lld %s failure points\n", n - 1,
                       kind == 0 ? "allocation" : "thread");
                break;
            }
            CHECK(err == (kind == 0 ? ENOMEM : EAGAIN));
            CHECK(pool == NULL);
            CHECK_EQ(test_count_dir("/proc/self/task"), threads0);
        }
    }
    TEST_PASS("pool creation fails cleanly at every allocation and thread");
}

/* Scope spawns whose allocation fails run inline: all tasks still run,
 * each once (a run count per task). */
static _Atomic long tasks_run;
static _Atomic unsigned char *task_runs;

static void leaf(weft_scope *s, void *arg)
{
    (void)s;
    atomic_fetch_add((_Atomic unsigned char *)arg, 1);
    atomic_fetch_add(&tasks_run, 1);
}

static void spawner(weft_scope *s, void *arg)
{
    long n = *(long *)arg;
    for (long i = 0; i < n; i++)
        weft_spawn(s, leaf, (void *)&task_runs[i]);
}

static void scope_run_spawner(void *arg)
{
    weft_scope_run(spawner, arg);
}

/* Every allocation a scope run makes, failed in turn: k = 1, 2, ... until
 * a run with the kth allocation armed makes fewer than k (no failure).
 * The spawns allocate task records (fewer once the workers' caches of
 * finished records fill) and may grow the deque; each failed record runs
 * its task inline.  Every run must run all n tasks, each once. */
static void scope_spawns(weft_pool *pool)
{
    long n = (long)test_scaled(1000, 300);
    /* A run makes at most about n allocations: many more points mean a
     * countdown that never runs out. */
    const long long max_k = 4 * (long long)n + 1000;
    long long points = 0;
    task_runs = calloc((size_t)n, 1);
    CHECK(task_runs != NULL);
    for (long long k = 1;; k++) {
        CHECK(k <= max_k);
        long long a0 = weft__debug_fail_alloc_after(0);
        long long t0 = weft__debug_fail_thread_after(0);
        atomic_store(&tasks_run, 0);
        memset((void *)task_runs, 0, (size_t)n);
        weft__debug_fail_alloc_after(k);
        if (pool != NULL)
            CHECK_EQ(weft_pool_run(pool, scope_run_spawner, &n), 0);
        else
            weft_scope_run(spawner, &n);
        long long fired = weft__debug_fail_alloc_after(0) - a0;
        count_injected(a0, t0);
        CHECK_EQ(atomic_load(&tasks_run), n);
        for (long i = 0; i < n; i++)
            if (atomic_load(&task_runs[i]) != 1) {
                fprintf(stderr, "k=%lld: task %ld ran %d times\n", k, i,
                        (int)atomic_load(&task_runs[i]));
                exit(1);
            }
        if (fired == 0)
            break;
        points++;
    }
    free((void *)task_runs);
    printf("  scope of %ld spawns (%s): %lld allocation failure points\n", n,
           pool != NULL ? "on a worker" : "from outside", points);
    CHECK(points >= 1);
}

/* Deque growth failures: the join runs its halves sequentially. */
typedef struct deep {
    int depth;
    _Atomic long *count;
} deep;

static void chain(void *p)
{
    deep *d = p;
    atomic_fetch_add(d->count, 1);
    if (d->depth == 0)
        return;
    deep a = {d->depth - 1, d->count}, b = {0, d->count};
    weft_join(chain, &a, chain, &b);
}

static void grow_failures(void *unused)
{
    (void)unused;
    for (long long k = 1; k <= 8; k++) {
        _Atomic long count = 0;
        long long a0 = weft__debug_fail_alloc_after(0);
        weft__debug_fail_alloc_after(k);
        deep d = {3000, &count}; /* deque grows past its 256 slots */
        chain(&d);
        count_injected(a0, weft__debug_fail_thread_after(0));
        CHECK_EQ(atomic_load(&count), 2 * 3000 + 1);
    }
}

static void spawn_failures(weft_pool *pool)
{
    long long a0 = weft__debug_fail_alloc_after(0);
    weft__debug_fail_alloc_after(1);
    CHECK_EQ(weft_pool_spawn(pool, (weft_fn)fib, NULL), ENOMEM);
    count_injected(a0, weft__debug_fail_thread_after(0));
    fib_arg f = {18, 0};
    CHECK_EQ(weft_pool_run(pool, fib, &f), 0); /* still usable */
    CHECK_EQ(f.r, fib_seq(18));
    TEST_PASS("weft_pool_spawn reports ENOMEM; the pool stays usable");
}

/* Reduce with big accumulators: if one cannot be allocated, that piece is
 * folded sequentially; the answer is unchanged. */
typedef struct big {
    unsigned long long v[64];
} big;

static void big_fold(size_t lo, size_t hi, void *acc, void *arg)
{
    (void)arg;
    big *b = acc;
    for (size_t i = lo; i < hi; i++)
        b->v[i % 64] += i;
}

static void big_combine(void *acc, const void *other, void *arg)
{
    (void)arg;
    for (int i = 0; i < 64; i++)
        ((big *)acc)->v[i] += ((const big *)other)->v[i];
}

static void reduce_failures(void *unused)
{
    (void)unused;
    big zero, out;
    memset(&zero, 0, sizeof(zero));
    for (long long k = 1; k <= 10; k++) {
        long long a0 = weft__debug_fail_alloc_after(0);
        weft__debug_fail_alloc_after(k);
        CHECK_EQ(weft_parallel_reduce(0, 200000, 1, &out, &zero, sizeof(out),
                                      big_fold, big_combine, NULL),
                 0);
        count_injected(a0, weft__debug_fail_thread_after(0));
        for (int i = 0; i < 64; i++) {
            unsigned long long e = 0;
            for (size_t j = (size_t)i; j < 200000; j += 64)
                e += j;
            CHECK_EQ_U(out.v[i], e);
        }
    }
}

int main(void)
{
    if (weft__debug_fail_alloc_after(0) < 0) {
        printf("skipped: built without WEFT_FAULT_INJECTION\n");
        return 77;
    }
    pool_creation();
    weft_pool *pool;
    weft_config cfg = {.num_threads = 3};
    CHECK_EQ(weft_pool_create(&cfg, &pool), 0);
    scope_spawns(NULL); /* the default pool */
    scope_spawns(pool);
    TEST_PASS("scope spawns whose allocation fails still run, once each");
    CHECK_EQ(weft_pool_run(pool, grow_failures, NULL), 0);
    TEST_PASS("deque growth failures: joins run sequentially, nothing lost");
    CHECK_EQ(weft_pool_run(pool, reduce_failures, NULL), 0);
    TEST_PASS("reduce accumulator failures: same answer");
    spawn_failures(pool);
    weft_pool_destroy(pool);
    printf("  faults injected: %ld\n", atomic_load(&injected_total));
    printf("weft-total faults %ld\n", atomic_load(&injected_total));
    return 0;
}
