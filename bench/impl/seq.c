/*
 * seq.c - the sequential C baseline every speedup divides by: the same
 * workloads, plain loops and recursion, no runtime.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"

static uint64_t fib(int n)
{
    return n < 2 ? (uint64_t)n : fib(n - 1) + fib(n - 2);
}

static double run_fib(bench_ctx *ctx)
{
    double t0 = bench_now();
    ctx->result = fib((int)ctx->size);
    return bench_now() - t0;
}

static double run_nqueens(bench_ctx *ctx)
{
    bench_nq b;
    memset(&b, 0, sizeof b);
    b.n = (int)ctx->size;
    double t0 = bench_now();
    ctx->result = bench_nqueens_seq(&b);
    return bench_now() - t0;
}

static double run_uts(bench_ctx *ctx)
{
    double t0 = bench_now();
    ctx->result = bench_uts_seq(BENCH_UTS_ROOT, 0, (int)ctx->size);
    return bench_now() - t0;
}

static double run_skynet(bench_ctx *ctx)
{
    double t0 = bench_now();
    ctx->result = bench_skynet_seq(0, (uint64_t)ctx->size);
    return bench_now() - t0;
}

static double run_sum(bench_ctx *ctx)
{
    double t0 = bench_now();
    uint64_t s = 0;
    for (size_t i = 0; i < ctx->n; i++)
        s += ctx->u64[i];
    ctx->result = s;
    return bench_now() - t0;
}

static double run_sort(bench_ctx *ctx)
{
    double t0 = bench_now();
    bench_msort_seq(ctx->u64, ctx->tmp, ctx->n);
    return bench_now() - t0;
}

/* The C library's sort, for the kernels' goal (weft_sort_typed faster
 * than qsort on one thread, issue 3).  Not stable, which uint64 keys
 * cannot show. */
static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static double run_qsort(bench_ctx *ctx)
{
    double t0 = bench_now();
    qsort(ctx->u64, ctx->n, sizeof(uint64_t), cmp_u64);
    return bench_now() - t0;
}

static double run_matmul(bench_ctx *ctx)
{
    /* The same blocking as the parallel versions: BENCH_MM_ROWS rows at a
     * time (all rows at once would change the cache behaviour). */
    size_t n = ctx->n;
    double t0 = bench_now();
    for (size_t i0 = 0; i0 < n; i0 += BENCH_MM_ROWS)
        bench_mm_rows(n, ctx->a, ctx->b, ctx->c, i0,
                      i0 + BENCH_MM_ROWS < n ? i0 + BENCH_MM_ROWS : n);
    return bench_now() - t0;
}

static double run_search(bench_ctx *ctx)
{
    double t0 = bench_now();
    ctx->result = bench_count_word(ctx->text, ctx->text_len, BENCH_NEEDLE,
                                   sizeof(BENCH_NEEDLE) - 1);
    return bench_now() - t0;
}

static double run_wc(bench_ctx *ctx)
{
    double t0 = bench_now();
    ctx->result_wc = bench_wc_piece(ctx->text, ctx->text_len);
    return bench_now() - t0;
}

/* The operating system's floor for lat_wake: one plain thread blocked in
 * pthread_cond_wait, signalled by the main thread. */
static pthread_mutex_t wake_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_cv = PTHREAD_COND_INITIALIZER;
static int wake_go, wake_quit;
static _Atomic uint64_t woke_at; /* ns; 0 until the thread runs */
static pthread_t waker;

static void *wake_thread(void *p)
{
    (void)p;
    pthread_mutex_lock(&wake_mu);
    for (;;) {
        while (!wake_go && !wake_quit)
            pthread_cond_wait(&wake_cv, &wake_mu);
        if (wake_quit)
            break;
        wake_go = 0;
        atomic_store(&woke_at, (uint64_t)(bench_now() * 1e9));
    }
    pthread_mutex_unlock(&wake_mu);
    return NULL;
}

static void setup_wake(bench_ctx *ctx)
{
    (void)ctx;
    if (pthread_create(&waker, NULL, wake_thread, NULL) != 0) {
        fprintf(stderr, "pthread_create failed\n");
        exit(1);
    }
}

static void teardown_wake(bench_ctx *ctx)
{
    (void)ctx;
    pthread_mutex_lock(&wake_mu);
    wake_quit = 1;
    pthread_cond_signal(&wake_cv);
    pthread_mutex_unlock(&wake_mu);
    pthread_join(waker, NULL);
}

static double run_lat_wake(bench_ctx *ctx)
{
    double lat[64];
    int n = ctx->size < 64 ? (int)ctx->size : 64;
    for (int i = 0; i < n; i++) {
        atomic_store(&woke_at, 0);
        bench_sleep(BENCH_LAT_WAKE_SLEEP);
        double t0 = bench_now();
        pthread_mutex_lock(&wake_mu);
        wake_go = 1;
        pthread_cond_signal(&wake_cv);
        pthread_mutex_unlock(&wake_mu);
        uint64_t t1;
        /* Sleep, do not spin (see weft.c). */
        while ((t1 = atomic_load(&woke_at)) == 0)
            bench_sleep(BENCH_LAT_WAKE_POLL);
        lat[i] = (double)t1 * 1e-9 - t0;
    }
    return bench_median(lat, n);
}

static const bench_case cases[] = {
    {"fib", "seq", NULL, NULL, run_fib, NULL},
    {"nqueens", "seq", NULL, NULL, run_nqueens, NULL},
    {"uts", "seq", NULL, NULL, run_uts, NULL},
    {"skynet", "seq", NULL, NULL, run_skynet, NULL},
    {"sum", "seq", NULL, NULL, run_sum, NULL},
    {"sort", "seq", NULL, NULL, run_sort, NULL},
    {"sort", "qsort", NULL, NULL, run_qsort, NULL},
    {"matmul", "seq", NULL, NULL, run_matmul, NULL},
    {"search", "seq", NULL, NULL, run_search, NULL},
    {"wc", "seq", NULL, NULL, run_wc, NULL},
    {"lat_wake", "os-thread", NULL, setup_wake, run_lat_wake, teardown_wake},
};

int main(int argc, char **argv)
{
    return bench_main(argc, argv, cases, (int)(sizeof cases / sizeof *cases));
}
