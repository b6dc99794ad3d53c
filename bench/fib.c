/*
 * fib.c - fork overhead: fib(n) with a weft_join at every call.
 *
 * Prints the sequential time, weft's time at 1 and N workers, and what a
 * fork costs: (T_1worker - T_seq) / calls, where calls is the number of
 * calls of fib (2 fib(n+1) - 1; every call but a leaf forks), the formula
 * the peers' figures in docs/benchmarks.md use.  Two variants: weft_join
 * (an exported function; a and b are called through pointers) and
 * weft_join_inline (weft/inline.h; the fast path compiles into fib_task).
 * Each time is the median of several runs after a warm-up.
 *
 * usage: weft_bench_fib [n] [runs] [threads...]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "weft.h"
#include "weft/inline.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long fib_seq(int n)
{
    return n < 2 ? n : fib_seq(n - 1) + fib_seq(n - 2);
}

typedef struct fib_arg {
    int n;
    long r;
} fib_arg;

static void fib_task(void *p)
{
    fib_arg *a = p;
    if (a->n < 2) {
        a->r = a->n;
        return;
    }
    fib_arg x = {a->n - 1, 0}, y = {a->n - 2, 0};
    weft_join(fib_task, &x, fib_task, &y);
    a->r = x.r + y.r;
}

static void fib_task_inline(void *p)
{
    fib_arg *a = p;
    if (a->n < 2) {
        a->r = a->n;
        return;
    }
    fib_arg x = {a->n - 1, 0}, y = {a->n - 2, 0};
    weft_join_inline(fib_task_inline, &x, fib_task_inline, &y);
    a->r = x.r + y.r;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(double), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static volatile int sink_n;

static double time_seq(int n, int runs, long *out)
{
    double t[64];
    fib_seq(n); /* warm-up */
    for (int i = 0; i < runs; i++) {
        double t0 = now();
        *out = fib_seq(sink_n = n);
        t[i] = now() - t0;
    }
    return median(t, runs);
}

static double time_weft(weft_pool *pool, weft_fn task, int n, int runs,
                        long *out)
{
    double t[64];
    fib_arg a = {n, 0};
    weft_pool_run(pool, task, &a); /* warm-up: threads up, deques grown */
    for (int i = 0; i < runs; i++) {
        a.n = n;
        double t0 = now();
        weft_pool_run(pool, task, &a);
        t[i] = now() - t0;
        *out = a.r;
    }
    return median(t, runs);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 35;
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    if (n < 2 || n > 45 || runs < 1 || runs > 64) {
        fprintf(stderr, "usage: %s [n 2..45] [runs 1..64] [threads...]\n",
                argv[0]);
        return 2;
    }
    unsigned threads[16];
    int nt = 0;
    for (int i = 3; i < argc && nt < 16; i++)
        threads[nt++] = (unsigned)atoi(argv[i]);
    if (nt == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        threads[nt++] = 1;
        if (cpus > 1)
            threads[nt++] = (unsigned)cpus;
    }
    long expect, got;
    double tseq = time_seq(n, runs, &expect);
    double calls = 2.0 * (double)fib_seq(n + 1) - 1;
    printf("fib(%d): %.0f calls, %.0f forks; median of %d runs\n", n, calls,
           (calls - 1) / 2, runs);
    printf("  %-28s %9.4f s\n", "sequential", tseq);
    static const struct {
        const char *name;
        weft_fn task;
    } variants[] = {{"weft_join", fib_task},
                    {"weft_join_inline", fib_task_inline}};
    for (int v = 0; v < 2; v++) {
        double t1 = 0;
        for (int i = 0; i < nt; i++) {
            weft_pool *pool;
            weft_config cfg = {.num_threads = threads[i]};
            if (weft_pool_create(&cfg, &pool) != 0) {
                fprintf(stderr, "cannot create a pool of %u\n", threads[i]);
                return 1;
            }
            double t = time_weft(pool, variants[v].task, n, runs, &got);
            weft_pool_destroy(pool);
            if (got != expect) {
                fprintf(stderr, "wrong answer: %ld, expected %ld\n", got,
                        expect);
                return 1;
            }
            char label[64];
            snprintf(label, sizeof(label), "%s, %u worker%s", variants[v].name,
                     threads[i], threads[i] == 1 ? "" : "s");
            printf("  %-28s %9.4f s", label, t);
            if (threads[i] == 1) {
                t1 = t;
                printf("   %.2f ns per call", (t - tseq) / calls * 1e9);
            } else if (t1 > 0) {
                printf("   %.2fx vs 1 worker", t1 / t);
            }
            printf("\n");
        }
    }
    return 0;
}
