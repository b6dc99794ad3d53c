/*
 * tbb.cpp - the workloads with oneTBB: tbb::task_group for the recursive
 * ones (fork one branch, run the other, wait), parallel_for and
 * parallel_reduce for the flat ones.  The thread count is set with
 * tbb::global_control and a task_arena of that many slots, and every
 * measurement runs inside arena.execute().
 */
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_reduce.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include "bench.h"

namespace
{

std::unique_ptr<tbb::global_control> control;
std::unique_ptr<tbb::task_arena> arena;
int max_depth; // uts

void setup(bench_ctx *ctx)
{
    control = std::make_unique<tbb::global_control>(
        tbb::global_control::max_allowed_parallelism, ctx->threads);
    arena = std::make_unique<tbb::task_arena>(ctx->threads);
    arena->initialize();
    max_depth = (int)ctx->size;
}

// lat_wake submits from outside with enqueue: no slot is reserved for a
// calling thread, so the arena's THREADS workers run it (and the global
// limit, which counts the main thread, must allow THREADS workers).
void setup_wake(bench_ctx *ctx)
{
    control = std::make_unique<tbb::global_control>(
        tbb::global_control::max_allowed_parallelism, ctx->threads + 1);
    arena = std::make_unique<tbb::task_arena>(ctx->threads, 0);
    arena->initialize();
}

void teardown(bench_ctx *)
{
    arena.reset();
    control.reset();
}

template <class F> double timed(F &&f)
{
    double t0 = bench_now();
    arena->execute(f);
    return bench_now() - t0;
}

// ---- fib ----

uint64_t fib(int n)
{
    if (n < 2)
        return (uint64_t)n;
    uint64_t x, y;
    tbb::task_group g;
    g.run([&] { x = fib(n - 1); });
    y = fib(n - 2);
    g.wait();
    return x + y;
}

double run_fib(bench_ctx *ctx)
{
    return timed([&] { ctx->result = fib((int)ctx->size); });
}

// ---- nqueens: a task per legal placement ----

std::atomic<uint64_t> nq_solutions;

void nq(const bench_nq &b)
{
    if (b.row == b.n) {
        nq_solutions.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    tbb::task_group g;
    for (int col = 0; col < b.n; col++) {
        if (!bench_nq_ok(&b, col))
            continue;
        bench_nq c = b;
        c.board[c.row++] = (signed char)col;
        g.run([c] { nq(c); });
    }
    g.wait();
}

double run_nqueens(bench_ctx *ctx)
{
    bench_nq root;
    memset(&root, 0, sizeof root);
    root.n = (int)ctx->size;
    nq_solutions = 0;
    double t = timed([&] { nq(root); });
    ctx->result = nq_solutions.load();
    return t;
}

// ---- UTS ----

uint64_t uts_node(uint64_t h, int depth);

uint64_t uts_range(uint64_t h, int depth, int lo, int hi)
{
    if (hi - lo == 1)
        return uts_node(bench_uts_child(h, lo), depth + 1);
    int mid = lo + (hi - lo) / 2;
    uint64_t x, y;
    tbb::task_group g;
    g.run([&] { x = uts_range(h, depth, lo, mid); });
    y = uts_range(h, depth, mid, hi);
    g.wait();
    return x + y;
}

uint64_t uts_node(uint64_t h, int depth)
{
    int k = bench_uts_kids(h, depth, max_depth);
    return k == 0 ? 1 : 1 + uts_range(h, depth, 0, k);
}

double run_uts(bench_ctx *ctx)
{
    return timed([&] { ctx->result = uts_node(BENCH_UTS_ROOT, 0); });
}

// ---- skynet ----

uint64_t skynet(uint64_t num, uint64_t size)
{
    if (size == 1)
        return num;
    uint64_t sub = size / 10, r[10], sum = 0;
    tbb::task_group g;
    for (int i = 0; i < 10; i++)
        g.run(
            [&r, i, num, sub] { r[i] = skynet(num + (uint64_t)i * sub, sub); });
    g.wait();
    for (int i = 0; i < 10; i++)
        sum += r[i];
    return sum;
}

double run_skynet(bench_ctx *ctx)
{
    return timed([&] { ctx->result = skynet(0, (uint64_t)ctx->size); });
}

// ---- sum ----

double run_sum(bench_ctx *ctx)
{
    const uint64_t *v = ctx->u64;
    return timed([&] {
        ctx->result = tbb::parallel_reduce(
            tbb::blocked_range<size_t>(0, ctx->n, (size_t)1 << 14), uint64_t(0),
            [v](const tbb::blocked_range<size_t> &r, uint64_t s) {
                for (size_t i = r.begin(); i != r.end(); ++i)
                    s += v[i];
                return s;
            },
            [](uint64_t a, uint64_t b) { return a + b; });
    });
}

// ---- sort ----

void pmerge(const uint64_t *x, size_t nx, const uint64_t *y, size_t ny,
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
    tbb::task_group g;
    g.run([=] { pmerge(x, mx, y, my, out); });
    pmerge(x + mx, nx - mx, y + my, ny - my, out + mx + my);
    g.wait();
}

void psort(uint64_t *a, uint64_t *b, size_t n, bool to_b)
{
    if (n <= BENCH_SORT_CUTOFF) {
        bench_msort_seq(a, b, n);
        if (to_b)
            memcpy(b, a, n * sizeof *a);
        return;
    }
    size_t h = n / 2;
    tbb::task_group g;
    g.run([=] { psort(a, b, h, !to_b); });
    psort(a + h, b + h, n - h, !to_b);
    g.wait();
    uint64_t *src = to_b ? a : b, *dst = to_b ? b : a;
    pmerge(src, h, src + h, n - h, dst);
}

double run_sort(bench_ctx *ctx)
{
    return timed([&] { psort(ctx->u64, ctx->tmp, ctx->n, false); });
}

// ---- matmul ----

double run_matmul(bench_ctx *ctx)
{
    size_t n = ctx->n, blocks = (n + BENCH_MM_ROWS - 1) / BENCH_MM_ROWS;
    return timed([&] {
        tbb::parallel_for(tbb::blocked_range<size_t>(0, blocks, 1),
                          [&](const tbb::blocked_range<size_t> &r) {
                              size_t i0 = r.begin() * BENCH_MM_ROWS;
                              size_t i1 = r.end() * BENCH_MM_ROWS;
                              bench_mm_rows(n, ctx->a, ctx->b, ctx->c, i0,
                                            i1 < n ? i1 : n);
                          });
    });
}

// ---- search and wc ----

double run_search(bench_ctx *ctx)
{
    const char *p = ctx->text;
    size_t len = ctx->text_len;
    return timed([&] {
        ctx->result = tbb::parallel_reduce(
            tbb::blocked_range<size_t>(0, bench_text_chunks(len), 1),
            uint64_t(0),
            [&](const tbb::blocked_range<size_t> &r, uint64_t c) {
                size_t s = bench_text_chunk_start(p, len, r.begin());
                size_t e = bench_text_chunk_start(p, len, r.end());
                return c + bench_count_word(p + s, e - s, BENCH_NEEDLE,
                                            sizeof(BENCH_NEEDLE) - 1);
            },
            [](uint64_t a, uint64_t b) { return a + b; });
    });
}

double run_wc(bench_ctx *ctx)
{
    const char *p = ctx->text;
    size_t len = ctx->text_len;
    return timed([&] {
        ctx->result_wc = tbb::parallel_reduce(
            tbb::blocked_range<size_t>(0, bench_text_chunks(len), 1),
            bench_wc{0, 0, 0},
            [&](const tbb::blocked_range<size_t> &r, bench_wc a) {
                size_t s = bench_text_chunk_start(p, len, r.begin());
                size_t e = bench_text_chunk_start(p, len, r.end());
                bench_wc w = bench_wc_piece(p + s, e - s);
                return bench_wc{a.lines + w.lines, a.words + w.words,
                                a.bytes + w.bytes};
            },
            [](bench_wc a, bench_wc b) {
                return bench_wc{a.lines + b.lines, a.words + b.words,
                                a.bytes + b.bytes};
            });
    });
}

// ---- latencies and idle cost ----

__attribute__((noinline)) void empty()
{
    __asm__ volatile("" ::: "memory");
}

double run_lat_join(bench_ctx *)
{
    double t = 0;
    arena->execute([&] {
        double t0 = bench_now();
        for (int i = 0; i < BENCH_LAT_JOIN_OPS; i++) {
            tbb::task_group g;
            g.run([] { empty(); });
            empty();
            g.wait();
        }
        t = (bench_now() - t0) / BENCH_LAT_JOIN_OPS;
    });
    return t;
}

// oneTBB's way in from the outside: arena.execute (the caller joins the
// arena and runs the function itself).
double run_lat_run(bench_ctx *)
{
    double t0 = bench_now();
    for (int i = 0; i < BENCH_LAT_RUN_OPS; i++)
        arena->execute([] { empty(); });
    return (bench_now() - t0) / BENCH_LAT_RUN_OPS;
}

std::atomic<double> woke_at;

double run_lat_wake(bench_ctx *ctx)
{
    double lat[64];
    int n = ctx->size < 64 ? (int)ctx->size : 64;
    for (int i = 0; i < n; i++) {
        woke_at.store(0);
        bench_sleep(BENCH_LAT_WAKE_SLEEP);
        double t0 = bench_now();
        arena->enqueue([] { woke_at.store(bench_now()); });
        double t1;
        while ((t1 = woke_at.load()) == 0) // sleep, do not spin (weft.c)
            bench_sleep(BENCH_LAT_WAKE_POLL);
        lat[i] = t1 - t0;
    }
    return bench_median(lat, n);
}

double run_idle(bench_ctx *ctx)
{
    uint64_t r = 0;
    arena->execute([&] { r = fib(20); }); // every thread has been busy
    if (r != bench_fib_expected(20))
        bench_fail(ctx, "fib(20)", r, bench_fib_expected(20));
    double c0 = bench_cpu_time();
    bench_sleep((double)ctx->size * 1e-3);
    return bench_cpu_time() - c0;
}

const bench_case cases[] = {
    {"fib", "tbb", nullptr, setup, run_fib, teardown},
    {"nqueens", "tbb", nullptr, setup, run_nqueens, teardown},
    {"uts", "tbb", nullptr, setup, run_uts, teardown},
    {"skynet", "tbb", nullptr, setup, run_skynet, teardown},
    {"sum", "tbb", nullptr, setup, run_sum, teardown},
    {"sort", "tbb", nullptr, setup, run_sort, teardown},
    {"matmul", "tbb", nullptr, setup, run_matmul, teardown},
    {"search", "tbb", nullptr, setup, run_search, teardown},
    {"wc", "tbb", nullptr, setup, run_wc, teardown},
    {"lat_join", "tbb", nullptr, setup, run_lat_join, teardown},
    {"lat_run", "tbb", nullptr, setup, run_lat_run, teardown},
    {"lat_wake", "tbb", nullptr, setup_wake, run_lat_wake, teardown},
    {"idle", "tbb", nullptr, setup, run_idle, teardown},
};

} // namespace

int main(int argc, char **argv)
{
    return bench_main(argc, argv, cases, (int)(sizeof cases / sizeof *cases));
}
