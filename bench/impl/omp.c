/*
 * omp.c - the workloads with OpenMP (gcc's libgomp): tasks and taskwait
 * for the recursive ones (inside "parallel" + "single"), "parallel for"
 * with a reduction for the flat ones.
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"

static int max_depth; /* uts */

static void setup(bench_ctx *ctx)
{
    omp_set_dynamic(0);
    omp_set_num_threads(ctx->threads);
    max_depth = (int)ctx->size;
}

/* ---- fib ---- */

static uint64_t fib(int n)
{
    if (n < 2)
        return (uint64_t)n;
    uint64_t x, y;
#pragma omp task shared(x) firstprivate(n)
    x = fib(n - 1);
    y = fib(n - 2);
#pragma omp taskwait
    return x + y;
}

static double run_fib(bench_ctx *ctx)
{
    uint64_t r = 0;
    int n = (int)ctx->size;
    double t0 = bench_now();
#pragma omp parallel
#pragma omp single
    r = fib(n);
    double t = bench_now() - t0;
    ctx->result = r;
    return t;
}

/* ---- nqueens: a task per legal placement ---- */

static uint64_t nq_solutions;

static void nq(bench_nq b)
{
    if (b.row == b.n) {
#pragma omp atomic
        nq_solutions++;
        return;
    }
    for (int col = 0; col < b.n; col++) {
        if (!bench_nq_ok(&b, col))
            continue;
        bench_nq c = b;
        c.board[c.row++] = (signed char)col;
#pragma omp task firstprivate(c)
        nq(c);
    }
}

static double run_nqueens(bench_ctx *ctx)
{
    bench_nq root;
    memset(&root, 0, sizeof root);
    root.n = (int)ctx->size;
    nq_solutions = 0;
    double t0 = bench_now();
#pragma omp parallel
#pragma omp single
#pragma omp taskgroup
    nq(root);
    double t = bench_now() - t0;
    ctx->result = nq_solutions;
    return t;
}

/* ---- UTS ---- */

static uint64_t uts_node(uint64_t h, int depth);

static uint64_t uts_range(uint64_t h, int depth, int lo, int hi)
{
    if (hi - lo == 1)
        return uts_node(bench_uts_child(h, lo), depth + 1);
    int mid = lo + (hi - lo) / 2;
    uint64_t x, y;
#pragma omp task shared(x)
    x = uts_range(h, depth, lo, mid);
    y = uts_range(h, depth, mid, hi);
#pragma omp taskwait
    return x + y;
}

static uint64_t uts_node(uint64_t h, int depth)
{
    int k = bench_uts_kids(h, depth, max_depth);
    return k == 0 ? 1 : 1 + uts_range(h, depth, 0, k);
}

static double run_uts(bench_ctx *ctx)
{
    uint64_t r = 0;
    double t0 = bench_now();
#pragma omp parallel
#pragma omp single
    r = uts_node(BENCH_UTS_ROOT, 0);
    double t = bench_now() - t0;
    ctx->result = r;
    return t;
}

/* ---- skynet ---- */

static uint64_t skynet(uint64_t num, uint64_t size)
{
    if (size == 1)
        return num;
    uint64_t sub = size / 10, r[10], sum = 0;
    for (int i = 0; i < 10; i++) {
#pragma omp task shared(r)
        r[i] = skynet(num + (uint64_t)i * sub, sub);
    }
#pragma omp taskwait
    for (int i = 0; i < 10; i++)
        sum += r[i];
    return sum;
}

static double run_skynet(bench_ctx *ctx)
{
    uint64_t r = 0;
    double t0 = bench_now();
#pragma omp parallel
#pragma omp single
    r = skynet(0, (uint64_t)ctx->size);
    double t = bench_now() - t0;
    ctx->result = r;
    return t;
}

/* ---- sum ---- */

static double run_sum(bench_ctx *ctx)
{
    const uint64_t *v = ctx->u64;
    long n = (long)ctx->n;
    uint64_t s = 0;
    double t0 = bench_now();
#pragma omp parallel for reduction(+ : s) schedule(static)
    for (long i = 0; i < n; i++)
        s += v[i];
    double t = bench_now() - t0;
    ctx->result = s;
    return t;
}

/* ---- sort ---- */

static void pmerge(const uint64_t *x, size_t nx, const uint64_t *y, size_t ny,
                   uint64_t *out)
{
    if (nx + ny <= BENCH_MERGE_CUTOFF) {
        bench_merge_seq(x, nx, y, ny, out);
        return;
    }
    size_t mx, my;
    if (nx >= ny) {
        mx = nx / 2;
        my = bench_lower_bound(y, ny, x[mx]);
    } else {
        my = ny / 2;
        mx = bench_upper_bound(x, nx, y[my]);
    }
#pragma omp task
    pmerge(x, mx, y, my, out);
    pmerge(x + mx, nx - mx, y + my, ny - my, out + mx + my);
#pragma omp taskwait
}

static void psort(uint64_t *a, uint64_t *b, size_t n, int to_b)
{
    if (n <= BENCH_SORT_CUTOFF) {
        bench_msort_seq(a, b, n);
        if (to_b)
            memcpy(b, a, n * sizeof *a);
        return;
    }
    size_t h = n / 2;
#pragma omp task
    psort(a, b, h, !to_b);
    psort(a + h, b + h, n - h, !to_b);
#pragma omp taskwait
    uint64_t *src = to_b ? a : b, *dst = to_b ? b : a;
    pmerge(src, h, src + h, n - h, dst);
}

static double run_sort(bench_ctx *ctx)
{
    double t0 = bench_now();
#pragma omp parallel
#pragma omp single
    psort(ctx->u64, ctx->tmp, ctx->n, 0);
    return bench_now() - t0;
}

/* ---- matmul ---- */

static double run_matmul(bench_ctx *ctx)
{
    size_t n = ctx->n;
    long blocks = (long)((n + BENCH_MM_ROWS - 1) / BENCH_MM_ROWS);
    double t0 = bench_now();
#pragma omp parallel for schedule(dynamic, 1)
    for (long blk = 0; blk < blocks; blk++) {
        size_t i0 = (size_t)blk * BENCH_MM_ROWS;
        size_t i1 = i0 + BENCH_MM_ROWS < n ? i0 + BENCH_MM_ROWS : n;
        bench_mm_rows(n, ctx->a, ctx->b, ctx->c, i0, i1);
    }
    return bench_now() - t0;
}

/* ---- search and wc ---- */

static double run_search(bench_ctx *ctx)
{
    const char *p = ctx->text;
    size_t len = ctx->text_len;
    long chunks = (long)bench_text_chunks(len);
    uint64_t count = 0;
    double t0 = bench_now();
#pragma omp parallel for reduction(+ : count) schedule(dynamic, 1)
    for (long c = 0; c < chunks; c++) {
        size_t s = bench_text_chunk_start(p, len, (size_t)c);
        size_t e = bench_text_chunk_start(p, len, (size_t)c + 1);
        count += bench_count_word(p + s, e - s, BENCH_NEEDLE,
                                  sizeof(BENCH_NEEDLE) - 1);
    }
    double t = bench_now() - t0;
    ctx->result = count;
    return t;
}

static double run_wc(bench_ctx *ctx)
{
    const char *p = ctx->text;
    size_t len = ctx->text_len;
    long chunks = (long)bench_text_chunks(len);
    uint64_t lines = 0, words = 0, bytes = 0;
    double t0 = bench_now();
#pragma omp parallel for reduction(+ : lines, words, bytes) schedule(dynamic, 1)
    for (long c = 0; c < chunks; c++) {
        size_t s = bench_text_chunk_start(p, len, (size_t)c);
        size_t e = bench_text_chunk_start(p, len, (size_t)c + 1);
        bench_wc w = bench_wc_piece(p + s, e - s);
        lines += w.lines;
        words += w.words;
        bytes += w.bytes;
    }
    double t = bench_now() - t0;
    ctx->result_wc = (bench_wc){lines, words, bytes};
    return t;
}

/* ---- latencies and idle cost ---- */

__attribute__((noinline)) static void empty(void *p)
{
    __asm__ volatile("" : : "r"(p) : "memory");
}

static double run_lat_join(bench_ctx *ctx)
{
    (void)ctx;
    double t = 0;
#pragma omp parallel
#pragma omp single
    {
        double t0 = bench_now();
        for (int i = 0; i < BENCH_LAT_JOIN_OPS; i++) {
#pragma omp task
            empty(NULL);
            empty(NULL);
#pragma omp taskwait
        }
        t = (bench_now() - t0) / BENCH_LAT_JOIN_OPS;
    }
    return t;
}

/* OpenMP's way in from the outside: an (empty) parallel region. */
static double run_lat_run(bench_ctx *ctx)
{
    (void)ctx;
    double t0 = bench_now();
    for (int i = 0; i < BENCH_LAT_RUN_OPS; i++) {
#pragma omp parallel
        empty(NULL);
    }
    return (bench_now() - t0) / BENCH_LAT_RUN_OPS;
}

static double run_idle(bench_ctx *ctx)
{
    uint64_t r = 0;
#pragma omp parallel
#pragma omp single
    r = fib(20); /* every thread has been busy */
    if (r != bench_fib_expected(20))
        bench_fail(ctx, "fib(20)", r, bench_fib_expected(20));
    double c0 = bench_cpu_time();
    bench_sleep((double)ctx->size * 1e-3);
    return bench_cpu_time() - c0;
}

static const bench_case cases[] = {
    {"fib", "omp", NULL, setup, run_fib, NULL},
    {"nqueens", "omp", NULL, setup, run_nqueens, NULL},
    {"uts", "omp", NULL, setup, run_uts, NULL},
    {"skynet", "omp", NULL, setup, run_skynet, NULL},
    {"sum", "omp", NULL, setup, run_sum, NULL},
    {"sort", "omp", NULL, setup, run_sort, NULL},
    {"matmul", "omp", NULL, setup, run_matmul, NULL},
    {"search", "omp", NULL, setup, run_search, NULL},
    {"wc", "omp", NULL, setup, run_wc, NULL},
    {"lat_join", "omp", NULL, setup, run_lat_join, NULL},
    {"lat_run", "omp", NULL, setup, run_lat_run, NULL},
    {"idle", "omp", NULL, setup, run_idle, NULL},
};

int main(int argc, char **argv)
{
    return bench_main(argc, argv, cases, (int)(sizeof cases / sizeof *cases));
}
