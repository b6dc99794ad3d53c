/*
 * sum.c - exact integer sums, deterministic float sums, generic reduce.
 *
 * Integer sums are exact (128-bit), so any split gives the same answer and
 * they use weft_parallel_reduce.  Float sums fix the order of every
 * addition independently of threads and stealing: the array is cut into
 * blocks of SUM_BLOCK elements; a block is summed in 8 interleaved lanes
 * (element i into lane i % 8) which are then added as
 * ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)); the block sums are
 * added pairwise in the tree that halves the block range [lo, hi) at
 * lo + (hi - lo) / 2.  The parallel version forks at the top of that same
 * tree; the sequential one walks it on one thread.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

#define SUM_BLOCK 2048
/* Below this many blocks, a subtree is summed without forking. */
#define SUM_FORK_BLOCKS 8
/* Narrow integers add into 64 bits for this many elements at a time. */
#define SUM_NARROW_RUN ((size_t)1 << 24)

typedef __int128 i128;

static bool dtype_is_float(weft_dtype t)
{
    return t == WEFT_F32 || t == WEFT_F64;
}

/* ---- integers ---- */

/* 64-bit elements in two 128-bit accumulators, so the add-with-carry
 * chains of consecutive elements overlap: with one chain a 1 GiB sum was
 * instruction-bound (53 ms on one worker, against 43 ms for a plain 64-bit
 * loop).  Integer addition is associative: the same answer.  Inlined with
 * a constant is_signed, so each caller gets its own loop. */
static inline __attribute__((always_inline)) i128
sum_64(const uint64_t *p, size_t lo, size_t hi, bool is_signed)
{
    i128 t0 = 0, t1 = 0;
    size_t i = lo;
    for (; i + 2 <= hi; i += 2) {
        t0 += is_signed ? (i128)(int64_t)p[i] : (i128)p[i];
        t1 += is_signed ? (i128)(int64_t)p[i + 1] : (i128)p[i + 1];
    }
    if (i < hi)
        t0 += is_signed ? (i128)(int64_t)p[i] : (i128)p[i];
    return t0 + t1;
}

static i128 sum_int_range(const void *data, size_t lo, size_t hi,
                          weft_dtype type)
{
    if (type == WEFT_I64)
        return sum_64(data, lo, hi, true);
    if (type == WEFT_U64)
        return sum_64(data, lo, hi, false);
    i128 total = 0;
    /* At most 2^24 elements of at most 32 bits: fits in 64 bits. */
    for (size_t r = lo; r < hi; r += SUM_NARROW_RUN) {
        size_t e = hi - r > SUM_NARROW_RUN ? r + SUM_NARROW_RUN : hi;
        int64_t s = 0;
        switch (type) {
        case WEFT_I8:
            for (size_t i = r; i < e; i++)
                s += ((const int8_t *)data)[i];
            break;
        case WEFT_U8:
            for (size_t i = r; i < e; i++)
                s += ((const uint8_t *)data)[i];
            break;
        case WEFT_I16:
            for (size_t i = r; i < e; i++)
                s += ((const int16_t *)data)[i];
            break;
        case WEFT_U16:
            for (size_t i = r; i < e; i++)
                s += ((const uint16_t *)data)[i];
            break;
        case WEFT_I32:
            for (size_t i = r; i < e; i++)
                s += ((const int32_t *)data)[i];
            break;
        case WEFT_U32:
            for (size_t i = r; i < e; i++)
                s += ((const uint32_t *)data)[i];
            break;
        default:
            break;
        }
        total += s;
    }
    return total;
}

typedef struct int_arg {
    const void *data;
    weft_dtype type;
} int_arg;

static void int_fold(size_t lo, size_t hi, void *acc, void *arg)
{
    const int_arg *a = arg;
    i128 s;
    memcpy(&s, acc, sizeof(s));
    s += sum_int_range(a->data, lo, hi, a->type);
    memcpy(acc, &s, sizeof(s));
}

static void int_combine(void *acc, const void *other, void *arg)
{
    (void)arg;
    i128 a, b;
    memcpy(&a, acc, sizeof(a));
    memcpy(&b, other, sizeof(b));
    a += b;
    memcpy(acc, &a, sizeof(a));
}

static void int_result(i128 s, weft_sum_result *out)
{
    memset(out, 0, sizeof(*out));
    out->is_float = 0;
    out->lo = (uint64_t)s;
    out->hi = (int64_t)(s >> 64);
}

/* ---- floats ---- */

typedef struct float_ctx {
    const void *data;
    size_t n;
    bool f32;
    bool par;
} float_ctx;

static inline double elem(const float_ctx *c, size_t i)
{
    return c->f32 ? (double)((const float *)c->data)[i]
                  : ((const double *)c->data)[i];
}

static double block_sum(const float_ctx *c, size_t blk)
{
    size_t lo = blk * SUM_BLOCK;
    size_t hi = c->n - lo > SUM_BLOCK ? lo + SUM_BLOCK : c->n;
    double l[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t i = lo;
    if (c->f32) {
        const float *p = c->data;
        for (; i + 8 <= hi; i += 8)
            for (int k = 0; k < 8; k++)
                l[k] += (double)p[i + k];
    } else {
        const double *p = c->data;
        for (; i + 8 <= hi; i += 8)
            for (int k = 0; k < 8; k++)
                l[k] += p[i + k];
    }
    for (int k = 0; i < hi; i++, k++)
        l[k] += elem(c, i);
    return ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
}

typedef struct tree_job {
    const float_ctx *c;
    size_t lo, hi; /* blocks */
    double sum;
} tree_job;

static void tree_sum(void *arg)
{
    tree_job *j = arg;
    if (j->hi - j->lo == 1) {
        j->sum = block_sum(j->c, j->lo);
        return;
    }
    size_t mid = j->lo + (j->hi - j->lo) / 2;
    tree_job left = {j->c, j->lo, mid, 0}, right = {j->c, mid, j->hi, 0};
    if (j->c->par && j->hi - j->lo >= SUM_FORK_BLOCKS) {
        weft_join(tree_sum, &left, tree_sum, &right);
    } else {
        tree_sum(&left);
        tree_sum(&right);
    }
    j->sum = left.sum + right.sum;
}

static double float_sum(const void *data, size_t n, weft_dtype type, bool par)
{
    if (n == 0)
        return 0.0;
    float_ctx c = {data, n, type == WEFT_F32, par};
    tree_job j = {&c, 0, (n + SUM_BLOCK - 1) / SUM_BLOCK, 0};
    if (par && j.hi >= SUM_FORK_BLOCKS)
        weft__kenter(tree_sum, &j);
    else
        tree_sum(&j);
    return j.sum;
}

static int sum_check(const void *data, size_t n, weft_dtype type,
                     const weft_sum_result *out)
{
    size_t bytes;
    /* n elements must fit in the address space, as every kernel checks:
     * a larger n cannot describe real memory. */
    if (out == NULL || (data == NULL && n > 0) || weft_dtype_size(type) == 0 ||
        !weft__kmul(n, weft_dtype_size(type), &bytes))
        return EINVAL;
    return 0;
}

static void float_result(double f, weft_sum_result *out)
{
    memset(out, 0, sizeof(*out));
    out->is_float = 1;
    out->f = f;
}

int weft_sum(const void *data, size_t n, weft_dtype type, weft_sum_result *out)
{
    int rc = sum_check(data, n, type, out);
    if (rc != 0)
        return rc;
    if (dtype_is_float(type)) {
        float_result(float_sum(data, n, type, true), out);
        return 0;
    }
    int_arg a = {data, type};
    i128 zero = 0, s = 0;
    rc = weft_parallel_reduce(0, n, 4096, &s, &zero, sizeof(s), int_fold,
                              int_combine, &a);
    if (rc != 0)
        return rc;
    int_result(s, out);
    return 0;
}

int weft_sum_sequential(const void *data, size_t n, weft_dtype type,
                        weft_sum_result *out)
{
    int rc = sum_check(data, n, type, out);
    if (rc != 0)
        return rc;
    if (dtype_is_float(type))
        float_result(float_sum(data, n, type, false), out);
    else
        int_result(sum_int_range(data, 0, n, type), out);
    return 0;
}

/* ---- generic reduce ---- */

typedef struct reduce_arg {
    const char *data;
    size_t elem_size;
    weft_reduce_op op;
    void *arg;
} reduce_arg;

static void reduce_fold(size_t lo, size_t hi, void *acc, void *arg)
{
    const reduce_arg *r = arg;
    for (size_t i = lo; i < hi; i++)
        r->op(acc, r->data + i * r->elem_size, r->arg);
}

static int reduce_check(const void *data, size_t n, size_t elem_size,
                        void *result, const void *identity, size_t acc_size,
                        weft_reduce_op op, weft_combine_fn combine)
{
    size_t bytes;
    if ((data == NULL && n > 0) || elem_size == 0 || result == NULL ||
        identity == NULL || acc_size == 0 || op == NULL || combine == NULL ||
        result == identity || !weft__kmul(n, elem_size, &bytes))
        return EINVAL;
    return 0;
}

int weft_reduce(const void *data, size_t n, size_t elem_size, void *result,
                const void *identity, size_t acc_size, weft_reduce_op op,
                weft_combine_fn combine, void *arg)
{
    int rc = reduce_check(data, n, elem_size, result, identity, acc_size, op,
                          combine);
    if (rc != 0)
        return rc;
    reduce_arg r = {data, elem_size, op, arg};
    /* Adaptive splitting makes few pieces; the grain only keeps a piece
     * from being smaller than a cache line or so of elements. */
    size_t grain = elem_size >= 64 ? 1 : 64 / elem_size;
    return weft_parallel_reduce(0, n, grain, result, identity, acc_size,
                                reduce_fold, combine, &r);
}

int weft_reduce_sequential(const void *data, size_t n, size_t elem_size,
                           void *result, const void *identity, size_t acc_size,
                           weft_reduce_op op, weft_combine_fn combine,
                           void *arg)
{
    int rc = reduce_check(data, n, elem_size, result, identity, acc_size, op,
                          combine);
    if (rc != 0)
        return rc;
    memcpy(result, identity, acc_size);
    reduce_arg r = {data, elem_size, op, arg};
    reduce_fold(0, n, result, &r);
    return 0;
}
