/*
 * test_soak.c - a bounded soak: for WEFT_SOAK_SECONDS (default 60) run a
 * mixed workload (joins, loops, reductions, scopes, outside submissions,
 * pool churn) checking every result; at the end the resident set must not
 * have grown beyond a small allowance and no thread may be left over.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "harness.h"
#include "weft.h"

#if defined(__SANITIZE_ADDRESS__)
/* From the sanitizer runtime (gcc 12 ships no header declaring it). */
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

/* Memory in use, in KiB.  The resident set, except under AddressSanitizer:
 * its quarantine keeps freed blocks resident (up to 256 MiB) and fills at
 * the pace the program frees, so RSS there says how full the quarantine
 * is; the sanitizer's count of live heap bytes says what the test wants
 * to know. */
#if defined(__SANITIZE_ADDRESS__)
#define MEMORY_WHAT "live heap"
static long rss_kib(void)
{
    return (long)(__sanitizer_get_current_allocated_bytes() / 1024);
}
#else
#define MEMORY_WHAT "RSS"
static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
            break;
    if (f)
        fclose(f);
    return kib;
}
#endif

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

static void sum_fold(size_t lo, size_t hi, void *acc, void *arg)
{
    (void)arg;
    for (size_t i = lo; i < hi; i++)
        *(unsigned long long *)acc += i * i;
}

static void sum_combine(void *acc, const void *other, void *arg)
{
    (void)arg;
    *(unsigned long long *)acc += *(const unsigned long long *)other;
}

/* A binary tree of spawns; each round counts its own tasks. */
typedef struct tree_node {
    _Atomic long *count;
    int depth;
} tree_node;

static tree_node nodes[64][16]; /* [counter slot][depth], immutable */
static _Atomic long counters[64];
static _Atomic int next_slot;
/* Scope tasks whose runs were counted and checked (weft-total line). */
static _Atomic long long tasks_checked;

static void task(weft_scope *s, void *arg)
{
    tree_node *n = arg;
    atomic_fetch_add(n->count, 1);
    if (n->depth > 0) {
        weft_spawn(s, task, n - 1);
        weft_spawn(s, task, n - 1);
    }
}

static void scope_root(weft_scope *s, void *arg)
{
    task(s, arg);
}

static void one_round(void *unused)
{
    (void)unused;
    fib_arg f = {22, 0};
    fib(&f);
    CHECK_EQ(f.r, fib_seq(22));
    unsigned long long zero = 0, got = 0, want = 0;
    for (size_t i = 0; i < 100000; i++)
        want += i * i;
    CHECK_EQ(weft_parallel_reduce(0, 100000, 64, &got, &zero, sizeof(got),
                                  sum_fold, sum_combine, NULL),
             0);
    CHECK_EQ_U(got, want);
    int slot = atomic_fetch_add(&next_slot, 1) & 63;
    atomic_store(&counters[slot], 0);
    weft_scope_run(scope_root, &nodes[slot][12]);
    CHECK_EQ(atomic_load(&counters[slot]), (1L << 13) - 1);
    atomic_fetch_add(&tasks_checked, (1L << 13) - 1);
}

typedef struct outside {
    weft_pool *pool;
    double until;
    long rounds;
} outside;

static void *outside_thread(void *p)
{
    outside *o = p;
    while (test_now() < o->until) {
        CHECK_EQ(weft_pool_run(o->pool, one_round, NULL), 0);
        o->rounds++;
    }
    return NULL;
}

int main(void)
{
    /* 60 s by default; 15 s in the sanitizer suites (WEFT_TEST_SCALE < 1,
     * where everything runs 5-20x slower anyway). */
    const char *env = getenv("WEFT_SOAK_SECONDS");
    double seconds = env != NULL ? atof(env) : 0;
    if (seconds <= 0)
        seconds = test_scaled(1000, 1) < 1000 ? 15.0 : 60.0;
    for (int c = 0; c < 64; c++)
        for (int d = 0; d < 16; d++)
            nodes[c][d] = (tree_node){&counters[c], d};
    weft_pool *pool;
    weft_config cfg = {.num_threads = 3};
    CHECK_EQ(weft_pool_create(&cfg, &pool), 0);
    one_round(NULL); /* warm-up: default pool, allocator caches */
    CHECK_EQ(weft_pool_run(pool, one_round, NULL), 0);
    int threads0 = test_count_dir("/proc/self/task");
    double start = test_now(), end = start + seconds;
    long rss_early = -1, churned = 0;
    outside o[3];
    pthread_t th[3];
    for (int i = 0; i < 3; i++) {
        o[i] = (outside){pool, end, 0};
        CHECK_EQ(pthread_create(&th[i], NULL, outside_thread, &o[i]), 0);
    }
    while (test_now() < end) {
        /* The main thread churns pools and uses the default pool. */
        weft_pool *p;
        weft_config c = {.num_threads = (unsigned)(1 + churned % 4)};
        CHECK_EQ(weft_pool_create(&c, &p), 0);
        CHECK_EQ(weft_pool_run(p, one_round, NULL), 0);
        weft_pool_destroy(p);
        one_round(NULL);
        churned++;
        if (rss_early < 0 && test_now() > start + seconds / 4)
            rss_early = rss_kib();
    }
    long rounds = churned * 2;
    for (int i = 0; i < 3; i++) {
        pthread_join(th[i], NULL);
        rounds += o[i].rounds;
    }
    long rss_end = rss_kib();
    printf("  %.0f s: %ld rounds, %ld pools churned, " MEMORY_WHAT
           " %ld -> %ld KiB\n",
           seconds, rounds, churned, rss_early, rss_end);
    /* Stable memory: at most 8 MiB or 25%% growth after the first quarter. */
    if (rss_early > 0)
        CHECK(rss_end - rss_early < 8192 || rss_end < rss_early * 5 / 4);
    CHECK_EQ(test_count_dir("/proc/self/task"), threads0);
    weft_pool_destroy(pool);
    TEST_PASS("soak: results right, memory and threads stable");
    printf("weft-total tasks %lld\n", (long long)atomic_load(&tasks_checked));
    return 0;
}
