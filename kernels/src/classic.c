/*
 * classic.c - the task-parallel classics the benchmarks run: fib with a
 * fork at every call, nqueens with a scope spawn per placement, and a
 * blocked recursive matrix multiply.
 */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include "internal.h"

/* ---- fib ---- */

#define FIB_MAX 92 /* fib(93) does not fit in 64 bits */

typedef struct fib_job {
    unsigned n;
    uint64_t r;
} fib_job;

static void fib_task(void *arg)
{
    fib_job *j = arg;
    if (j->n < 2) {
        j->r = j->n;
        return;
    }
    fib_job a = {j->n - 1, 0}, b = {j->n - 2, 0};
    weft_join_inline(fib_task, &a, fib_task, &b);
    j->r = a.r + b.r;
}

uint64_t weft_fib(unsigned n)
{
    if (n > FIB_MAX)
        return UINT64_MAX;
    fib_job j = {n, 0};
    weft__kenter(fib_task, &j);
    return j.r;
}

static uint64_t fib_seq(unsigned n)
{
    return n < 2 ? n : fib_seq(n - 1) + fib_seq(n - 2);
}

uint64_t weft_fib_sequential(unsigned n)
{
    return n > FIB_MAX ? UINT64_MAX : fib_seq(n);
}

/* ---- nqueens ---- */

#define NQ_MAX 16

/* The board after `row` queens: occupied columns and the two diagonals,
 * shifted to the row below. */
typedef struct nq_state {
    uint32_t all, cols, d1, d2;
    unsigned row, n;
    _Atomic uint64_t *total;
} nq_state;

static uint64_t nq_seq(uint32_t all, uint32_t cols, uint32_t d1, uint32_t d2)
{
    if (cols == all)
        return 1;
    uint64_t count = 0;
    uint32_t avail = all & ~(cols | d1 | d2);
    while (avail != 0) {
        uint32_t bit = avail & -avail;
        avail ^= bit;
        count += nq_seq(all, cols | bit, (d1 | bit) << 1, (d2 | bit) >> 1);
    }
    return count;
}

static void nq_expand(weft_scope *scope, const nq_state *s);

static void nq_task(weft_scope *scope, void *arg)
{
    nq_state s = *(nq_state *)arg;
    weft__kfree(arg, sizeof(nq_state));
    nq_expand(scope, &s);
}

/* Spawn one task per legal placement in the next row; a placement in the
 * last row completes a solution and is counted here. */
static void nq_expand(weft_scope *scope, const nq_state *s)
{
    uint64_t done = 0;
    uint32_t avail = s->all & ~(s->cols | s->d1 | s->d2);
    while (avail != 0) {
        uint32_t bit = avail & -avail;
        avail ^= bit;
        uint32_t cols = s->cols | bit;
        uint32_t d1 = (s->d1 | bit) << 1, d2 = (s->d2 | bit) >> 1;
        if (s->row + 1 == s->n) {
            done++;
            continue;
        }
        nq_state *child = weft__kalloc(sizeof(nq_state));
        if (child == NULL) {
            done += nq_seq(s->all, cols, d1, d2); /* no memory: no task */
            continue;
        }
        *child = (nq_state){s->all, cols, d1, d2, s->row + 1, s->n, s->total};
        weft_spawn(scope, nq_task, child);
    }
    /* Relaxed: the total is read after weft_scope_run returns, and the
     * scope's completion orders every task before that return. */
    if (done != 0)
        atomic_fetch_add_explicit(s->total, done, memory_order_relaxed);
}

static void nq_root(weft_scope *scope, void *arg)
{
    nq_expand(scope, arg);
}

uint64_t weft_nqueens(unsigned n)
{
    if (n > NQ_MAX)
        return UINT64_MAX;
    if (n == 0)
        return 1;
    _Atomic uint64_t total;
    atomic_init(&total, 0);
    nq_state s = {(1u << n) - 1, 0, 0, 0, 0, n, &total};
    weft_scope_run(nq_root, &s);
    /* Relaxed: see nq_expand. */
    return atomic_load_explicit(&total, memory_order_relaxed);
}

uint64_t weft_nqueens_sequential(unsigned n)
{
    if (n > NQ_MAX)
        return UINT64_MAX;
    return nq_seq((1u << n) - 1, 0, 0, 0);
}

/* ---- matmul ---- */

/* A tile of C is at most TILE x TILE; k goes in blocks of KBLOCK so a
 * KBLOCK x TILE panel of B stays in L2 while the tile's rows use it. */
#define TILE 64
#define KBLOCK 128

typedef struct mm_job {
    size_t n;
    const double *a, *b;
    double *c;
    size_t r0, r1, c0, c1;
    bool par;
} mm_job;

/* Every C[i][j] is 0.0 + A[i][0]B[0][j] + A[i][1]B[1][j] + ... in
 * ascending k, whatever the tiling: the parallel and sequential versions
 * run this same function on the same tiles, so they agree bit for bit. */
static void mm_tile(const mm_job *t)
{
    size_t n = t->n, w = t->c1 - t->c0;
    for (size_t i = t->r0; i < t->r1; i++)
        memset(t->c + i * n + t->c0, 0, w * sizeof(double));
    for (size_t kb = 0; kb < n; kb += KBLOCK) {
        size_t ke = n - kb > KBLOCK ? kb + KBLOCK : n;
        for (size_t i = t->r0; i < t->r1; i++) {
            double *ci = t->c + i * n + t->c0;
            const double *ai = t->a + i * n;
            for (size_t k = kb; k < ke; k++) {
                double aik = ai[k];
                const double *bk = t->b + k * n + t->c0;
                for (size_t j = 0; j < w; j++)
                    ci[j] += aik * bk[j];
            }
        }
    }
}

static void mm_rec(void *arg)
{
    mm_job *t = arg;
    size_t rows = t->r1 - t->r0, cols = t->c1 - t->c0;
    if (rows <= TILE && cols <= TILE) {
        mm_tile(t);
        return;
    }
    mm_job x = *t, y = *t;
    if (rows >= cols) {
        x.r1 = y.r0 = t->r0 + rows / 2;
    } else {
        x.c1 = y.c0 = t->c0 + cols / 2;
    }
    if (t->par) {
        weft_join(mm_rec, &x, mm_rec, &y);
    } else {
        mm_rec(&x);
        mm_rec(&y);
    }
}

static bool overlaps(const double *p, const double *q, size_t count)
{
    uintptr_t a = (uintptr_t)p, b = (uintptr_t)q, len = count * sizeof(double);
    return a < b + len && b < a + len;
}

static int mm_common(size_t n, const double *a, const double *b, double *c,
                     bool par)
{
    size_t nn, bytes;
    if (!weft__kmul(n, n, &nn) || !weft__kmul(nn, sizeof(double), &bytes))
        return EINVAL;
    if (n == 0)
        return 0;
    if (a == NULL || b == NULL || c == NULL || overlaps(c, a, nn) ||
        overlaps(c, b, nn))
        return EINVAL;
    mm_job t = {n, a, b, c, 0, n, 0, n, par};
    if (par)
        weft__kenter(mm_rec, &t);
    else
        mm_rec(&t);
    return 0;
}

int weft_matmul(size_t n, const double *a, const double *b, double *c)
{
    return mm_common(n, a, b, c, true);
}

int weft_matmul_sequential(size_t n, const double *a, const double *b,
                           double *c)
{
    return mm_common(n, a, b, c, false);
}
