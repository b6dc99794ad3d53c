/*
 * weft.c - the workloads on weft, written the way a user who knows weft
 * would: weft_join_inline in hot recursions, scopes where a node spawns a
 * variable number of tasks (nqueens, skynet), the loop and reduce helpers
 * for flat data, and the kernels of weft/kernels.h where they exist.
 *
 * The kernels are being written alongside the suite: they are declared
 * weak, so this program builds and runs without them and the cases that
 * need a missing kernel report themselves unavailable.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "weft.h"
#include "weft/inline.h"
#include "weft/kernels.h"

#pragma weak weft_fib
#pragma weak weft_nqueens
#pragma weak weft_sum
#pragma weak weft_sort_typed
#pragma weak weft_matmul
#pragma weak weft_search
#pragma weak weft_wc

static weft_pool *pool;
static int max_depth; /* uts */

static void setup_pool(bench_ctx *ctx)
{
    weft_config cfg = {.num_threads = (unsigned)ctx->threads,
                       .thread_name = "weft-bench"};
    int err = weft_pool_create(&cfg, &pool);
    if (err != 0) {
        fprintf(stderr, "weft_pool_create(%d): error %d\n", ctx->threads, err);
        exit(1);
    }
    max_depth = (int)ctx->size;
}

static void teardown_pool(bench_ctx *ctx)
{
    (void)ctx;
    weft_pool_destroy(pool);
}

static double timed_run(weft_fn body, bench_ctx *ctx)
{
    double t0 = bench_now();
    int err = weft_pool_run(pool, body, ctx);
    double t = bench_now() - t0;
    if (err != 0) {
        fprintf(stderr, "weft_pool_run: error %d\n", err);
        exit(1);
    }
    return t;
}

/* ---- fib ---- */

typedef struct fib_arg {
    int n;
    uint64_t r;
} fib_arg;

static void fib_inline(void *p)
{
    fib_arg *a = p;
    if (a->n < 2) {
        a->r = (uint64_t)a->n;
        return;
    }
    fib_arg x = {a->n - 1, 0}, y = {a->n - 2, 0};
    weft_join_inline(fib_inline, &x, fib_inline, &y);
    a->r = x.r + y.r;
}

static void fib_join(void *p)
{
    fib_arg *a = p;
    if (a->n < 2) {
        a->r = (uint64_t)a->n;
        return;
    }
    fib_arg x = {a->n - 1, 0}, y = {a->n - 2, 0};
    weft_join(fib_join, &x, fib_join, &y);
    a->r = x.r + y.r;
}

static void fib_body(void *p, weft_fn f)
{
    bench_ctx *ctx = p;
    fib_arg a = {(int)ctx->size, 0};
    f(&a);
    ctx->result = a.r;
}
static void fib_inline_body(void *p)
{
    fib_body(p, fib_inline);
}
static void fib_join_body(void *p)
{
    fib_body(p, fib_join);
}
static double run_fib(bench_ctx *ctx)
{
    return timed_run(fib_inline_body, ctx);
}
static double run_fib_join(bench_ctx *ctx)
{
    return timed_run(fib_join_body, ctx);
}

static void fib_kernel_body(void *p)
{
    bench_ctx *ctx = p;
    ctx->result = weft_fib((unsigned)ctx->size);
}
static double run_fib_kernel(bench_ctx *ctx)
{
    return timed_run(fib_kernel_body, ctx);
}

/* ---- nqueens: a scope spawn per legal placement ---- */

static _Atomic uint64_t nq_solutions;

static void nq_task(weft_scope *s, void *arg);

static void nq_expand(weft_scope *s, const bench_nq *b)
{
    if (b->row == b->n) {
        atomic_fetch_add_explicit(&nq_solutions, 1, memory_order_relaxed);
        return;
    }
    for (int col = 0; col < b->n; col++) {
        if (!bench_nq_ok(b, col))
            continue;
        bench_nq *c = malloc(sizeof *c);
        if (c == NULL)
            abort();
        *c = *b;
        c->board[c->row++] = (signed char)col;
        weft_spawn(s, nq_task, c);
    }
}

static void nq_task(weft_scope *s, void *arg)
{
    nq_expand(s, arg);
    free(arg);
}

static void nq_root(weft_scope *s, void *arg)
{
    nq_expand(s, arg);
}

static void nq_body(void *p)
{
    bench_ctx *ctx = p;
    bench_nq root;
    memset(&root, 0, sizeof root);
    root.n = (int)ctx->size;
    atomic_store(&nq_solutions, 0);
    weft_scope_run(nq_root, &root);
    ctx->result = atomic_load(&nq_solutions);
}
static double run_nqueens(bench_ctx *ctx)
{
    return timed_run(nq_body, ctx);
}

/* The same search with a scope per node: the children's boards live in
 * the parent's frame (the scope waits for them), so nothing is allocated
 * by the benchmark, and each scope's counter is shared only by the few
 * tasks of one node instead of by every task of the search. */
typedef struct nq_node_arg {
    bench_nq b;
} nq_node_arg;

static void nq_node(const bench_nq *b);

static void nq_node_task(weft_scope *s, void *arg)
{
    (void)s;
    nq_node(&((nq_node_arg *)arg)->b);
}

static void nq_node_spawn(weft_scope *s, void *arg)
{
    nq_node_arg *kids = arg;
    for (int i = 0; i < kids[0].b.n && kids[i].b.row > 0; i++)
        weft_spawn(s, nq_node_task, &kids[i]);
}

static void nq_node(const bench_nq *b)
{
    if (b->row == b->n) {
        atomic_fetch_add_explicit(&nq_solutions, 1, memory_order_relaxed);
        return;
    }
    nq_node_arg kids[16];
    int k = 0;
    for (int col = 0; col < b->n; col++) {
        if (!bench_nq_ok(b, col))
            continue;
        kids[k].b = *b;
        kids[k].b.board[kids[k].b.row++] = (signed char)col;
        k++;
    }
    if (k == 0)
        return;
    if (k < b->n)
        kids[k].b.row = 0; /* end marker for nq_node_spawn */
    kids[0].b.n = b->n;
    weft_scope_run(nq_node_spawn, kids);
}

static void nq_nested_body(void *p)
{
    bench_ctx *ctx = p;
    bench_nq root;
    memset(&root, 0, sizeof root);
    root.n = (int)ctx->size;
    atomic_store(&nq_solutions, 0);
    nq_node(&root);
    ctx->result = atomic_load(&nq_solutions);
}
static double run_nqueens_nested(bench_ctx *ctx)
{
    return timed_run(nq_nested_body, ctx);
}

static void nq_kernel_body(void *p)
{
    bench_ctx *ctx = p;
    ctx->result = weft_nqueens((unsigned)ctx->size);
}
static double run_nqueens_kernel(bench_ctx *ctx)
{
    return timed_run(nq_kernel_body, ctx);
}

/* ---- UTS: children split in halves with joins ---- */

typedef struct uts_arg {
    uint64_t h;
    int depth, lo, hi;
    uint64_t count;
} uts_arg;

static uint64_t uts_node(uint64_t h, int depth);

static void uts_range(void *p)
{
    uts_arg *a = p;
    if (a->hi - a->lo == 1) {
        a->count = uts_node(bench_uts_child(a->h, a->lo), a->depth + 1);
        return;
    }
    int mid = a->lo + (a->hi - a->lo) / 2;
    uts_arg x = {a->h, a->depth, a->lo, mid, 0};
    uts_arg y = {a->h, a->depth, mid, a->hi, 0};
    weft_join_inline(uts_range, &x, uts_range, &y);
    a->count = x.count + y.count;
}

static uint64_t uts_node(uint64_t h, int depth)
{
    int k = bench_uts_kids(h, depth, max_depth);
    if (k == 0)
        return 1;
    uts_arg r = {h, depth, 0, k, 0};
    uts_range(&r);
    return 1 + r.count;
}

static void uts_body(void *p)
{
    bench_ctx *ctx = p;
    ctx->result = uts_node(BENCH_UTS_ROOT, 0);
}
static double run_uts(bench_ctx *ctx)
{
    return timed_run(uts_body, ctx);
}

/* ---- skynet: each node spawns 10 children in a scope ---- */

typedef struct sk_arg {
    uint64_t num, size, result;
} sk_arg;

static uint64_t skynet(uint64_t num, uint64_t size);

static void sk_task(weft_scope *s, void *p)
{
    (void)s;
    sk_arg *a = p;
    a->result = skynet(a->num, a->size);
}

static void sk_spawn(weft_scope *s, void *p)
{
    sk_arg *kids = p;
    for (int i = 0; i < 10; i++)
        weft_spawn(s, sk_task, &kids[i]);
}

static uint64_t skynet(uint64_t num, uint64_t size)
{
    if (size == 1)
        return num;
    uint64_t sub = size / 10, sum = 0;
    sk_arg kids[10];
    for (int i = 0; i < 10; i++)
        kids[i] = (sk_arg){num + (uint64_t)i * sub, sub, 0};
    weft_scope_run(sk_spawn, kids);
    for (int i = 0; i < 10; i++)
        sum += kids[i].result;
    return sum;
}

static void sk_body(void *p)
{
    bench_ctx *ctx = p;
    ctx->result = skynet(0, (uint64_t)ctx->size);
}
static double run_skynet(bench_ctx *ctx)
{
    return timed_run(sk_body, ctx);
}

/* ---- sum ---- */

static void sum_fold(size_t lo, size_t hi, void *acc, void *arg)
{
    const uint64_t *v = ((bench_ctx *)arg)->u64;
    uint64_t s = 0;
    for (size_t i = lo; i < hi; i++)
        s += v[i];
    *(uint64_t *)acc += s;
}

static void sum_combine(void *acc, const void *other, void *arg)
{
    (void)arg;
    *(uint64_t *)acc += *(const uint64_t *)other;
}

static void sum_body(void *p)
{
    bench_ctx *ctx = p;
    uint64_t zero = 0, r = 0;
    weft_parallel_reduce(0, ctx->n, (size_t)1 << 14, &r, &zero, sizeof r,
                         sum_fold, sum_combine, ctx);
    ctx->result = r;
}
static double run_sum(bench_ctx *ctx)
{
    return timed_run(sum_body, ctx);
}

static void sum_kernel_body(void *p)
{
    bench_ctx *ctx = p;
    weft_sum_result r;
    if (weft_sum(ctx->u64, ctx->n, WEFT_U64, &r) != 0)
        abort();
    ctx->result = r.lo; /* the 128-bit sum modulo 2^64 */
}
static double run_sum_kernel(bench_ctx *ctx)
{
    return timed_run(sum_kernel_body, ctx);
}

/* ---- sort: merge sort, halves and merges forked with joins ---- */

typedef struct merge_arg {
    const uint64_t *x, *y;
    size_t nx, ny;
    uint64_t *out;
} merge_arg;

static void pmerge(void *p)
{
    merge_arg *m = p;
    if (m->nx + m->ny <= BENCH_MERGE_CUTOFF) {
        bench_merge_seq(m->x, m->nx, m->y, m->ny, m->out);
        return;
    }
    size_t mx, my;
    if (m->nx >= m->ny) {
        mx = m->nx / 2;
        my = bench_lower_bound(m->y, m->ny, m->x[mx]);
    } else {
        my = m->ny / 2;
        mx = bench_upper_bound(m->x, m->nx, m->y[my]);
    }
    merge_arg l = {m->x, m->y, mx, my, m->out};
    merge_arg r = {m->x + mx, m->y + my, m->nx - mx, m->ny - my,
                   m->out + mx + my};
    weft_join_inline(pmerge, &l, pmerge, &r);
}

typedef struct sort_arg {
    uint64_t *a, *b;
    size_t n;
    int to_b; /* leave the result in b instead of a */
} sort_arg;

static void psort(void *p)
{
    sort_arg *s = p;
    if (s->n <= BENCH_SORT_CUTOFF) {
        bench_msort_seq(s->a, s->b, s->n);
        if (s->to_b)
            memcpy(s->b, s->a, s->n * sizeof *s->a);
        return;
    }
    size_t h = s->n / 2;
    sort_arg l = {s->a, s->b, h, !s->to_b};
    sort_arg r = {s->a + h, s->b + h, s->n - h, !s->to_b};
    weft_join_inline(psort, &l, psort, &r);
    uint64_t *src = s->to_b ? s->a : s->b, *dst = s->to_b ? s->b : s->a;
    merge_arg m = {src, src + h, h, s->n - h, dst};
    pmerge(&m);
}

static void sort_body(void *p)
{
    bench_ctx *ctx = p;
    sort_arg s = {ctx->u64, ctx->tmp, ctx->n, 0};
    psort(&s);
}
static double run_sort(bench_ctx *ctx)
{
    return timed_run(sort_body, ctx);
}

static void sort_kernel_body(void *p)
{
    bench_ctx *ctx = p;
    if (weft_sort_typed(ctx->u64, ctx->n, WEFT_U64) != 0)
        abort();
}
static double run_sort_kernel(bench_ctx *ctx)
{
    return timed_run(sort_kernel_body, ctx);
}

/* ---- matmul: a parallel loop over row blocks ---- */

static void mm_blocks(size_t lo, size_t hi, void *arg)
{
    bench_ctx *ctx = arg;
    size_t i1 = hi * BENCH_MM_ROWS < ctx->n ? hi * BENCH_MM_ROWS : ctx->n;
    bench_mm_rows(ctx->n, ctx->a, ctx->b, ctx->c, lo * BENCH_MM_ROWS, i1);
}

static void mm_body(void *p)
{
    bench_ctx *ctx = p;
    size_t blocks = (ctx->n + BENCH_MM_ROWS - 1) / BENCH_MM_ROWS;
    weft_parallel_for(0, blocks, 1, mm_blocks, ctx);
}
static double run_matmul(bench_ctx *ctx)
{
    return timed_run(mm_body, ctx);
}

static void mm_kernel_body(void *p)
{
    bench_ctx *ctx = p;
    if (weft_matmul(ctx->n, ctx->a, ctx->b, ctx->c) != 0)
        abort();
}
static void setup_matmul_kernel(bench_ctx *ctx)
{
    setup_pool(ctx);
    ctx->tol = 1e-9; /* the kernel may add in another order */
}
static double run_matmul_kernel(bench_ctx *ctx)
{
    return timed_run(mm_kernel_body, ctx);
}

/* ---- search and wc: a reduce over line-aligned chunks ---- */

static void search_fold(size_t lo, size_t hi, void *acc, void *arg)
{
    bench_ctx *ctx = arg;
    size_t s = bench_text_chunk_start(ctx->text, ctx->text_len, lo);
    size_t e = bench_text_chunk_start(ctx->text, ctx->text_len, hi);
    *(uint64_t *)acc += bench_count_word(ctx->text + s, e - s, BENCH_NEEDLE,
                                         sizeof(BENCH_NEEDLE) - 1);
}

static void search_body(void *p)
{
    bench_ctx *ctx = p;
    uint64_t zero = 0, r = 0;
    weft_parallel_reduce(0, bench_text_chunks(ctx->text_len), 1, &r, &zero,
                         sizeof r, search_fold, sum_combine, ctx);
    ctx->result = r;
}
static double run_search(bench_ctx *ctx)
{
    return timed_run(search_body, ctx);
}

static void wc_fold(size_t lo, size_t hi, void *acc, void *arg)
{
    bench_ctx *ctx = arg;
    size_t s = bench_text_chunk_start(ctx->text, ctx->text_len, lo);
    size_t e = bench_text_chunk_start(ctx->text, ctx->text_len, hi);
    bench_wc w = bench_wc_piece(ctx->text + s, e - s), *a = acc;
    a->lines += w.lines;
    a->words += w.words;
    a->bytes += w.bytes;
}

static void wc_combine(void *acc, const void *other, void *arg)
{
    (void)arg;
    bench_wc *a = acc;
    const bench_wc *o = other;
    a->lines += o->lines;
    a->words += o->words;
    a->bytes += o->bytes;
}

static void wc_body(void *p)
{
    bench_ctx *ctx = p;
    bench_wc zero = {0, 0, 0};
    weft_parallel_reduce(0, bench_text_chunks(ctx->text_len), 1,
                         &ctx->result_wc, &zero, sizeof zero, wc_fold,
                         wc_combine, ctx);
}
static double run_wc(bench_ctx *ctx)
{
    return timed_run(wc_body, ctx);
}

static void search_kernel_body(void *p)
{
    bench_ctx *ctx = p;
    if (weft_search(ctx->text, ctx->text_len, BENCH_NEEDLE,
                    sizeof(BENCH_NEEDLE) - 1, WEFT_TEXT_BYTES,
                    &ctx->result) != 0)
        abort();
}
static double run_search_kernel(bench_ctx *ctx)
{
    return timed_run(search_kernel_body, ctx);
}

static void wc_kernel_body(void *p)
{
    bench_ctx *ctx = p;
    weft_wc_counts c;
    if (weft_wc(ctx->text, ctx->text_len, &c) != 0)
        abort();
    ctx->result_wc = (bench_wc){c.lines, c.words, c.bytes};
}
static double run_wc_kernel(bench_ctx *ctx)
{
    return timed_run(wc_kernel_body, ctx);
}

/* ---- latencies and idle cost ---- */

__attribute__((noinline)) static void empty(void *p)
{
    __asm__ volatile("" : : "r"(p) : "memory");
}

static double lat_time;

static void lat_join_body(void *p)
{
    (void)p;
    double t0 = bench_now();
    for (int i = 0; i < BENCH_LAT_JOIN_OPS; i++)
        weft_join(empty, NULL, empty, NULL);
    lat_time = (bench_now() - t0) / BENCH_LAT_JOIN_OPS;
}

static void lat_join_inline_body(void *p)
{
    (void)p;
    double t0 = bench_now();
    for (int i = 0; i < BENCH_LAT_JOIN_OPS; i++)
        weft_join_inline(empty, NULL, empty, NULL);
    lat_time = (bench_now() - t0) / BENCH_LAT_JOIN_OPS;
}

static double run_lat_join(bench_ctx *ctx)
{
    timed_run(lat_join_body, ctx);
    return lat_time;
}

static double run_lat_join_inline(bench_ctx *ctx)
{
    timed_run(lat_join_inline_body, ctx);
    return lat_time;
}

static double run_lat_run(bench_ctx *ctx)
{
    (void)ctx;
    double t0 = bench_now();
    for (int i = 0; i < BENCH_LAT_RUN_OPS; i++)
        weft_pool_run(pool, empty, NULL);
    return (bench_now() - t0) / BENCH_LAT_RUN_OPS;
}

static _Atomic uint64_t woke_at; /* bench_now() in ns, 0 until set */

static void wake_fn(void *p)
{
    (void)p;
    atomic_store_explicit(&woke_at, (uint64_t)(bench_now() * 1e9),
                          memory_order_release);
}

static double run_lat_wake(bench_ctx *ctx)
{
    double lat[64];
    int n = ctx->size < 64 ? (int)ctx->size : 64;
    for (int i = 0; i < n; i++) {
        atomic_store(&woke_at, 0);
        bench_sleep(BENCH_LAT_WAKE_SLEEP); /* every worker falls asleep */
        double t0 = bench_now();
        if (weft_pool_spawn(pool, wake_fn, NULL) != 0)
            abort();
        uint64_t t1;
        /* Sleep, do not spin: a spinning caller could hold the very CPU
         * the woken worker is placed on. */
        while ((t1 = atomic_load_explicit(&woke_at, memory_order_acquire)) == 0)
            bench_sleep(BENCH_LAT_WAKE_POLL);
        lat[i] = (double)t1 * 1e-9 - t0;
    }
    return bench_median(lat, n);
}

static void idle_warm(void *p)
{
    fib_arg a = {24, 0};
    (void)p;
    fib_inline(&a);
}

static double run_idle(bench_ctx *ctx)
{
    weft_pool_run(pool, idle_warm, NULL); /* every worker has been busy */
    double c0 = bench_cpu_time();
    bench_sleep((double)ctx->size * 1e-3);
    return bench_cpu_time() - c0;
}

/* ---- the cases ---- */

static const char *no_kernel(int have, const char *name)
{
    return have ? NULL : name;
}
static const char *need_fib(void)
{
    return no_kernel(weft_fib != NULL, "weft_fib is not built yet");
}
static const char *need_nqueens(void)
{
    return no_kernel(weft_nqueens != NULL, "weft_nqueens is not built yet");
}
static const char *need_sum(void)
{
    return no_kernel(weft_sum != NULL, "weft_sum is not built yet");
}
static const char *need_sort(void)
{
    return no_kernel(weft_sort_typed != NULL,
                     "weft_sort_typed is not built yet");
}
static const char *need_matmul(void)
{
    return no_kernel(weft_matmul != NULL, "weft_matmul is not built yet");
}
static const char *need_search(void)
{
    return no_kernel(weft_search != NULL, "weft_search is not built yet");
}
static const char *need_wc(void)
{
    return no_kernel(weft_wc != NULL, "weft_wc is not built yet");
}

static const bench_case cases[] = {
    {"fib", "weft", NULL, setup_pool, run_fib, teardown_pool},
    {"fib", "weft-join", NULL, setup_pool, run_fib_join, teardown_pool},
    {"fib", "weft-kernel", need_fib, setup_pool, run_fib_kernel, teardown_pool},
    {"nqueens", "weft", NULL, setup_pool, run_nqueens, teardown_pool},
    {"nqueens", "weft-nested", NULL, setup_pool, run_nqueens_nested,
     teardown_pool},
    {"nqueens", "weft-kernel", need_nqueens, setup_pool, run_nqueens_kernel,
     teardown_pool},
    {"uts", "weft", NULL, setup_pool, run_uts, teardown_pool},
    {"skynet", "weft", NULL, setup_pool, run_skynet, teardown_pool},
    {"sum", "weft", NULL, setup_pool, run_sum, teardown_pool},
    {"sum", "weft-kernel", need_sum, setup_pool, run_sum_kernel, teardown_pool},
    {"sort", "weft", NULL, setup_pool, run_sort, teardown_pool},
    {"sort", "weft-kernel", need_sort, setup_pool, run_sort_kernel,
     teardown_pool},
    {"matmul", "weft", NULL, setup_pool, run_matmul, teardown_pool},
    {"matmul", "weft-kernel", need_matmul, setup_matmul_kernel,
     run_matmul_kernel, teardown_pool},
    {"search", "weft", NULL, setup_pool, run_search, teardown_pool},
    {"search", "weft-kernel", need_search, setup_pool, run_search_kernel,
     teardown_pool},
    {"wc", "weft", NULL, setup_pool, run_wc, teardown_pool},
    {"wc", "weft-kernel", need_wc, setup_pool, run_wc_kernel, teardown_pool},
    {"lat_join", "weft", NULL, setup_pool, run_lat_join, teardown_pool},
    {"lat_join", "weft-inline", NULL, setup_pool, run_lat_join_inline,
     teardown_pool},
    {"lat_run", "weft", NULL, setup_pool, run_lat_run, teardown_pool},
    {"lat_wake", "weft", NULL, setup_pool, run_lat_wake, teardown_pool},
    {"idle", "weft", NULL, setup_pool, run_idle, teardown_pool},
};

int main(int argc, char **argv)
{
    return bench_main(argc, argv, cases, (int)(sizeof cases / sizeof *cases));
}
