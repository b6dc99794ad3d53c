/*
 * sort.c - stable merge sort with a comparator, parallel sort and merge.
 *
 * Top-down merge sort that ping-pongs between the array and one scratch
 * array of the same size, so each level moves every element once: a range
 * sorted "into the other buffer" sorts its two halves into this buffer and
 * merges them across.  Ranges of LEAF elements or fewer are sorted by
 * insertion.  The parallel version sorts the halves with weft_join and
 * merges in parallel: take the middle element of the longer run, find
 * where it goes in the other run by binary search (lower bound when it
 * comes from the left run, upper bound from the right, which keeps equal
 * elements in order), write it, and merge the two sides with weft_join.
 * Stability makes the result unique, so the parallel and sequential
 * versions agree for any consistent comparator.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

#define LEAF 24
#define PAR_SORT_MIN 4096  /* fork the halves of ranges at least this big */
#define PAR_MERGE_MIN 8192 /* split merges of at least this many elements */

typedef struct sort_ctx {
    size_t size;
    weft_cmp_fn cmp;
    void *arg;
    bool par;
} sort_ctx;

/* Copy one element; the common sizes avoid a call to memcpy. */
static inline void put(char *d, const char *s, size_t size)
{
    switch (size) {
    case 4:
        memcpy(d, s, 4);
        break;
    case 8:
        memcpy(d, s, 8);
        break;
    case 16:
        memcpy(d, s, 16);
        break;
    default:
        memcpy(d, s, size);
    }
}

static inline int cmp(const sort_ctx *c, const char *a, const char *b)
{
    return c->cmp(a, b, c->arg);
}

/* Stable insertion sort of a[0..n); tmp holds one element. */
static void insertion(const sort_ctx *c, char *a, size_t n, char *tmp)
{
    size_t sz = c->size;
    for (size_t i = 1; i < n; i++) {
        char *x = a + i * sz;
        if (cmp(c, x - sz, x) <= 0)
            continue;
        put(tmp, x, sz);
        size_t j = i - 1;
        while (j > 0 && cmp(c, a + (j - 1) * sz, tmp) > 0)
            j--;
        memmove(a + (j + 1) * sz, a + j * sz, (i - j) * sz);
        put(a + j * sz, tmp, sz);
    }
}

static void merge_seq(const sort_ctx *c, const char *l, size_t nl,
                      const char *r, size_t nr, char *out)
{
    size_t sz = c->size;
    const char *le = l + nl * sz, *re = r + nr * sz;
    while (l < le && r < re) {
        /* Equal elements: the left one first (stability). */
        if (cmp(c, r, l) < 0) {
            put(out, r, sz);
            r += sz;
        } else {
            put(out, l, sz);
            l += sz;
        }
        out += sz;
    }
    if (l < le)
        memcpy(out, l, (size_t)(le - l));
    else if (r < re)
        memcpy(out, r, (size_t)(re - r));
}

/* The first index in r[0..n) whose element is not less than x (the lower
 * bound), or with upper, greater than x (the upper bound). */
static size_t bound(const sort_ctx *c, const char *r, size_t n, const char *x,
                    int upper)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t m = lo + (hi - lo) / 2;
        int k = cmp(c, r + m * c->size, x);
        if (k < 0 || (upper && k == 0))
            lo = m + 1;
        else
            hi = m;
    }
    return lo;
}

typedef struct merge_job {
    const sort_ctx *c;
    const char *l, *r;
    size_t nl, nr;
    char *out;
} merge_job;

static void merge_par(void *arg)
{
    merge_job *j = arg;
    const sort_ctx *c = j->c;
    size_t sz = c->size;
    if (j->nl + j->nr < PAR_MERGE_MIN || j->nl == 0 || j->nr == 0) {
        merge_seq(c, j->l, j->nl, j->r, j->nr, j->out);
        return;
    }
    size_t i, k;
    const char *pivot;
    if (j->nl >= j->nr) {
        /* Left pivot: right elements equal to it go after it. */
        i = j->nl / 2;
        pivot = j->l + i * sz;
        k = bound(c, j->r, j->nr, pivot, 0);
    } else {
        /* Right pivot: left elements equal to it go before it. */
        k = j->nr / 2;
        pivot = j->r + k * sz;
        i = bound(c, j->l, j->nl, pivot, 1);
    }
    merge_job a = {c, j->l, j->r, i, k, j->out};
    merge_job b;
    if (j->nl >= j->nr) {
        put(j->out + (i + k) * sz, pivot, sz);
        b = (merge_job){c,
                        pivot + sz,
                        j->r + k * sz,
                        j->nl - i - 1,
                        j->nr - k,
                        j->out + (i + k + 1) * sz};
    } else {
        put(j->out + (i + k) * sz, pivot, sz);
        b = (merge_job){c,         j->l + i * sz, pivot + sz,
                        j->nl - i, j->nr - k - 1, j->out + (i + k + 1) * sz};
    }
    weft_join(merge_par, &a, merge_par, &b);
}

typedef struct sort_job {
    const sort_ctx *c;
    char *a, *b; /* the range in the array and in the scratch */
    size_t n;
    bool into_b; /* leave the sorted range in b instead of a */
} sort_job;

static void msort(void *arg)
{
    sort_job *j = arg;
    const sort_ctx *c = j->c;
    size_t sz = c->size;
    if (j->n <= LEAF) {
        insertion(c, j->a, j->n, j->b); /* b's range is free: a temp */
        if (j->into_b)
            memcpy(j->b, j->a, j->n * sz);
        return;
    }
    size_t h = j->n / 2;
    sort_job left = {c, j->a, j->b, h, !j->into_b};
    sort_job right = {c, j->a + h * sz, j->b + h * sz, j->n - h, !j->into_b};
    if (c->par && j->n >= PAR_SORT_MIN) {
        weft_join(msort, &left, msort, &right);
    } else {
        msort(&left);
        msort(&right);
    }
    char *src = j->into_b ? j->a : j->b;
    char *dst = j->into_b ? j->b : j->a;
    merge_job m = {c, src, src + h * sz, h, j->n - h, dst};
    if (c->par)
        merge_par(&m);
    else
        merge_seq(c, m.l, m.nl, m.r, m.nr, m.out);
}

static int sort_common(void *base, size_t n, size_t size, weft_cmp_fn cmpf,
                       void *arg, bool par)
{
    size_t bytes;
    if ((base == NULL && n > 0) || size == 0 || cmpf == NULL ||
        !weft__kmul(n, size, &bytes))
        return EINVAL;
    if (n < 2)
        return 0;
    sort_ctx c = {size, cmpf, arg, par};
    char *scratch = weft__kalloc(bytes);
    if (scratch == NULL)
        return ENOMEM;
    sort_job j = {&c, base, scratch, n, false};
    if (par && n >= PAR_SORT_MIN)
        weft__kenter(msort, &j);
    else
        msort(&j);
    weft__kfree(scratch, bytes);
    return 0;
}

int weft_sort(void *base, size_t n, size_t size, weft_cmp_fn cmp, void *arg)
{
    return sort_common(base, n, size, cmp, arg, true);
}

int weft_sort_sequential(void *base, size_t n, size_t size, weft_cmp_fn cmp,
                         void *arg)
{
    return sort_common(base, n, size, cmp, arg, false);
}
