/*
 * seq.c - the sequential C baseline every speedup divides by: the same
 * workloads, plain loops and recursion, no runtime.
 */
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

static double run_matmul(bench_ctx *ctx)
{
    double t0 = bench_now();
    bench_mm_rows(ctx->n, ctx->a, ctx->b, ctx->c, 0, ctx->n);
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

static const bench_case cases[] = {
    {"fib", "seq", NULL, NULL, run_fib, NULL},
    {"nqueens", "seq", NULL, NULL, run_nqueens, NULL},
    {"uts", "seq", NULL, NULL, run_uts, NULL},
    {"skynet", "seq", NULL, NULL, run_skynet, NULL},
    {"sum", "seq", NULL, NULL, run_sum, NULL},
    {"sort", "seq", NULL, NULL, run_sort, NULL},
    {"matmul", "seq", NULL, NULL, run_matmul, NULL},
    {"search", "seq", NULL, NULL, run_search, NULL},
    {"wc", "seq", NULL, NULL, run_wc, NULL},
};

int main(int argc, char **argv)
{
    return bench_main(argc, argv, cases, (int)(sizeof cases / sizeof *cases));
}
