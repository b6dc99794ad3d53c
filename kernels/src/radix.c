/*
 * radix.c - weft_sort_typed: radix sort of plain numbers.
 *
 * Every number maps to an unsigned key with the same order: unsigned as
 * is; signed with the sign bit flipped; IEEE floats (total order) by
 * flipping all bits of negatives and setting the sign bit of the rest,
 * where every NaN first loses its sign, so all NaNs land above +inf.  Keys
 * are computed on the fly from the values, which are what moves.
 *
 * 8- and 16-bit numbers: a counting sort (equal keys are equal values).
 *
 * 32- and 64-bit: one most-significant-digit pass (8-bit digits) splits
 * the array into 256 buckets, each then sorted independently: a bucket
 * that fits in cache (LEAF elements) by least-significant-digit passes on
 * its remaining digits, a bigger one by another MSD pass.  The big MSD
 * passes are parallel: the array is cut into blocks of MSD_BLOCK elements,
 * each block histograms its part, offsets are laid out bucket-major and
 * block-minor (so the scatter is stable), and the blocks scatter in
 * parallel.  The buckets are sorted in parallel.  A digit shared by all
 * elements of a range is skipped.  LSD passes are stable and MSD passes
 * keep blocks in order, so the result is unique and the sequential twin,
 * which runs the same passes on one thread, gives the same bits.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

enum { K_UNSIGNED, K_SIGNED, K_FLOAT };

#define SMALL 48               /* insertion sort at or below */
#define LEAF ((size_t)1 << 17) /* LSD at or below: 1 MiB of u64, near L2 */
#define MSD_BLOCK ((size_t)1 << 16)
#define PAR_MSD_MIN ((size_t)1 << 17)

static inline __attribute__((always_inline)) uint64_t
key_at(const char *p, size_t i, int w, int kind)
{
    if (w == 4) {
        uint32_t x;
        memcpy(&x, p + i * 4, 4);
        if (kind == K_SIGNED)
            return x ^ 0x80000000u;
        if (kind == K_FLOAT) {
            uint32_t neg = (x >> 31) & ((x & 0x7fffffffu) <= 0x7f800000u);
            return neg ? ~x : x | 0x80000000u;
        }
        return x;
    }
    uint64_t x;
    memcpy(&x, p + i * 8, 8);
    if (kind == K_SIGNED)
        return x ^ 0x8000000000000000u;
    if (kind == K_FLOAT) {
        uint64_t neg =
            (x >> 63) & ((x & 0x7fffffffffffffffu) <= 0x7ff0000000000000u);
        return neg ? ~x : x | 0x8000000000000000u;
    }
    return x;
}

static inline __attribute__((always_inline)) unsigned digit(uint64_t k, int d)
{
    return (unsigned)(k >> (8 * d)) & 0xff;
}

static inline __attribute__((always_inline)) void
hist_g(const char *s, size_t lo, size_t hi, int d, size_t *cnt, int w, int kind)
{
    for (size_t i = lo; i < hi; i++)
        cnt[digit(key_at(s, i, w, kind), d)]++;
}

static inline __attribute__((always_inline)) void
scatter_g(const char *s, size_t lo, size_t hi, int d, char *dst, size_t *pos,
          int w, int kind)
{
    for (size_t i = lo; i < hi; i++) {
        unsigned v = digit(key_at(s, i, w, kind), d);
        memcpy(dst + pos[v]++ * (size_t)w, s + i * (size_t)w, (size_t)w);
    }
}

/* Stable insertion sort by key. */
static inline __attribute__((always_inline)) void small_g(char *a, size_t n,
                                                          int w, int kind)
{
    char tmp[8];
    for (size_t i = 1; i < n; i++) {
        uint64_t k = key_at(a, i, w, kind);
        if (key_at(a, i - 1, w, kind) <= k)
            continue;
        memcpy(tmp, a + i * w, w);
        size_t j = i - 1;
        while (j > 0 && key_at(a, j - 1, w, kind) > k)
            j--;
        memmove(a + (j + 1) * w, a + j * w, (i - j) * w);
        memcpy(a + j * w, tmp, w);
    }
}

/*
 * LSD passes over digits 0..top of n elements in src, with tmp as the
 * other buffer; the result ends in dst, which is src or tmp.  One read
 * pass makes all the histograms first, to skip digits shared by all.
 */
static inline __attribute__((always_inline)) void
leaf_g(char *src, char *tmp, size_t n, int top, char *dst, int w, int kind)
{
    size_t cnt[8][256];
    /* All w digits, not just 0..top: a constant trip count unrolls. */
    memset(cnt, 0, sizeof(cnt[0]) * (size_t)w);
    for (size_t i = 0; i < n; i++) {
        uint64_t k = key_at(src, i, w, kind);
        for (int d = 0; d < w; d++)
            cnt[d][digit(k, d)]++;
    }
    uint64_t k0 = key_at(src, 0, w, kind);
    char *cur = src, *oth = tmp;
    for (int d = 0; d <= top; d++) {
        if (cnt[d][digit(k0, d)] == n)
            continue; /* every element has this digit */
        size_t pos[256], run = 0;
        for (int v = 0; v < 256; v++) {
            pos[v] = run;
            run += cnt[d][v];
        }
        scatter_g(cur, 0, n, d, oth, pos, w, kind);
        char *t = cur;
        cur = oth;
        oth = t;
    }
    if (cur != dst)
        memcpy(dst, cur, n * (size_t)w);
}

typedef struct radix_ops {
    int width;
    void (*hist)(const char *s, size_t lo, size_t hi, int d, size_t *cnt);
    void (*scatter)(const char *s, size_t lo, size_t hi, int d, char *dst,
                    size_t *pos);
    void (*leaf)(char *src, char *tmp, size_t n, int top, char *dst);
    void (*small)(char *a, size_t n);
} radix_ops;

/* One specialised copy of each loop per element width and key kind. */
#define RADIX_OPS(NAME, W, KIND)                                               \
    static void NAME##_hist(const char *s, size_t lo, size_t hi, int d,        \
                            size_t *cnt)                                       \
    {                                                                          \
        hist_g(s, lo, hi, d, cnt, W, KIND);                                    \
    }                                                                          \
    static void NAME##_scatter(const char *s, size_t lo, size_t hi, int d,     \
                               char *dst, size_t *pos)                         \
    {                                                                          \
        scatter_g(s, lo, hi, d, dst, pos, W, KIND);                            \
    }                                                                          \
    static void NAME##_leaf(char *src, char *tmp, size_t n, int top,           \
                            char *dst)                                         \
    {                                                                          \
        leaf_g(src, tmp, n, top, dst, W, KIND);                                \
    }                                                                          \
    static void NAME##_small(char *a, size_t n)                                \
    {                                                                          \
        small_g(a, n, W, KIND);                                                \
    }                                                                          \
    static const radix_ops NAME = {W, NAME##_hist, NAME##_scatter,             \
                                   NAME##_leaf, NAME##_small};

RADIX_OPS(ops_u32, 4, K_UNSIGNED)
RADIX_OPS(ops_i32, 4, K_SIGNED)
RADIX_OPS(ops_f32, 4, K_FLOAT)
RADIX_OPS(ops_u64, 8, K_UNSIGNED)
RADIX_OPS(ops_i64, 8, K_SIGNED)
RADIX_OPS(ops_f64, 8, K_FLOAT)

/* ---- the MSD driver ---- */

typedef struct radix_ctx {
    const radix_ops *ops;
    bool par;
} radix_ctx;

typedef struct range_job {
    const radix_ctx *c;
    char *a, *b; /* the range in the array and in the scratch */
    size_t n;
    int digit; /* digits digit..0 remain */
    bool in_b; /* the elements are in b now; they must end in a */
} range_job;

static void sort_range(range_job *j);

/* A parallel MSD pass: per-block histograms and scatter. */
typedef struct msd_pass {
    const radix_ops *ops;
    const char *src;
    char *dst;
    size_t n;
    int d;
    size_t *rows; /* [block][256]: counts, then positions */
} msd_pass;

static void msd_hist_body(size_t lo, size_t hi, void *arg)
{
    msd_pass *m = arg;
    for (size_t k = lo; k < hi; k++) {
        size_t e =
            m->n - k * MSD_BLOCK > MSD_BLOCK ? (k + 1) * MSD_BLOCK : m->n;
        size_t *row = m->rows + k * 256;
        memset(row, 0, 256 * sizeof(size_t));
        m->ops->hist(m->src, k * MSD_BLOCK, e, m->d, row);
    }
}

static void msd_scatter_body(size_t lo, size_t hi, void *arg)
{
    msd_pass *m = arg;
    for (size_t k = lo; k < hi; k++) {
        size_t e =
            m->n - k * MSD_BLOCK > MSD_BLOCK ? (k + 1) * MSD_BLOCK : m->n;
        m->ops->scatter(m->src, k * MSD_BLOCK, e, m->d, m->dst,
                        m->rows + k * 256);
    }
}

/*
 * Distribute src[0..n) into dst by digit d, stably; cnt gets the bucket
 * sizes.  Returns false, having moved nothing, when every element has the
 * same digit.
 */
static bool msd_distribute(const radix_ctx *c, const char *src, char *dst,
                           size_t n, int d, size_t cnt[256])
{
    const radix_ops *ops = c->ops;
    size_t nblk = (n + MSD_BLOCK - 1) / MSD_BLOCK;
    size_t rows_bytes = nblk * 256 * sizeof(size_t);
    size_t *rows = NULL;
    if (c->par && n >= PAR_MSD_MIN)
        rows = weft__kalloc(rows_bytes); /* NULL: one block, on this thread */
    memset(cnt, 0, 256 * sizeof(size_t));
    if (rows == NULL) {
        ops->hist(src, 0, n, d, cnt);
        for (int v = 0; v < 256; v++)
            if (cnt[v] == n)
                return false;
        size_t pos[256], run = 0;
        for (int v = 0; v < 256; v++) {
            pos[v] = run;
            run += cnt[v];
        }
        ops->scatter(src, 0, n, d, dst, pos);
        return true;
    }
    msd_pass m = {ops, src, dst, n, d, rows};
    weft_parallel_for(0, nblk, 1, msd_hist_body, &m);
    for (size_t k = 0; k < nblk; k++)
        for (int v = 0; v < 256; v++)
            cnt[v] += rows[k * 256 + v];
    bool moved = true;
    for (int v = 0; v < 256; v++)
        if (cnt[v] == n)
            moved = false;
    if (moved) {
        size_t run = 0;
        for (int v = 0; v < 256; v++)
            for (size_t k = 0; k < nblk; k++) {
                size_t x = rows[k * 256 + v];
                rows[k * 256 + v] = run;
                run += x;
            }
        weft_parallel_for(0, nblk, 1, msd_scatter_body, &m);
    }
    weft__kfree(rows, rows_bytes);
    return moved;
}

typedef struct buckets {
    const range_job *parent;
    size_t start[257];
} buckets;

static void buckets_body(size_t lo, size_t hi, void *arg)
{
    const buckets *bk = arg;
    const range_job *p = bk->parent;
    size_t w = (size_t)p->c->ops->width;
    for (size_t v = lo; v < hi; v++) {
        size_t off = bk->start[v];
        range_job j = {p->c,           p->a + off * w,
                       p->b + off * w, bk->start[v + 1] - off,
                       p->digit - 1,   !p->in_b};
        if (j.n > 0)
            sort_range(&j);
    }
}

static void sort_range(range_job *j)
{
    const radix_ops *ops = j->c->ops;
    size_t w = (size_t)ops->width;
    for (;;) {
        char *src = j->in_b ? j->b : j->a, *oth = j->in_b ? j->a : j->b;
        if (j->n <= SMALL) {
            if (j->in_b)
                memcpy(j->a, j->b, j->n * w);
            ops->small(j->a, j->n);
            return;
        }
        if (j->n <= LEAF || j->digit == 0) {
            ops->leaf(src, oth, j->n, j->digit, j->a);
            return;
        }
        size_t cnt[256];
        if (!msd_distribute(j->c, src, oth, j->n, j->digit, cnt)) {
            j->digit--; /* all share this digit: go on in place */
            continue;
        }
        buckets bk;
        bk.parent = j;
        bk.start[0] = 0;
        for (int v = 0; v < 256; v++)
            bk.start[v + 1] = bk.start[v] + cnt[v];
        if (j->c->par && j->n >= PAR_MSD_MIN)
            weft_parallel_for(0, 256, 1, buckets_body, &bk);
        else
            buckets_body(0, 256, &bk);
        return;
    }
}

static void sort_range_entry(void *arg)
{
    sort_range(arg);
}

/* ---- 8- and 16-bit: counting sort ---- */

typedef struct count_ctx {
    const void *data;
    size_t nbuckets;
    weft_dtype type;
    uint64_t *start; /* nbuckets + 1 */
    void *out;
} count_ctx;

static inline size_t small_key(const void *p, size_t i, weft_dtype t)
{
    switch (t) {
    case WEFT_I8:
        return (uint8_t)((const uint8_t *)p)[i] ^ 0x80u;
    case WEFT_U8:
        return ((const uint8_t *)p)[i];
    case WEFT_I16:
        return (uint16_t)((const uint16_t *)p)[i] ^ 0x8000u;
    default:
        return ((const uint16_t *)p)[i];
    }
}

static void count_fold(size_t lo, size_t hi, void *acc, void *arg)
{
    const count_ctx *c = arg;
    uint64_t *cnt = acc;
    for (size_t i = lo; i < hi; i++)
        cnt[small_key(c->data, i, c->type)]++;
}

static void count_combine(void *acc, const void *other, void *arg)
{
    const count_ctx *c = arg;
    uint64_t *a = acc;
    const uint64_t *b = other;
    for (size_t v = 0; v < c->nbuckets; v++)
        a[v] += b[v];
}

static void count_fill(size_t lo, size_t hi, void *arg)
{
    const count_ctx *c = arg;
    for (size_t v = lo; v < hi; v++) {
        size_t s = c->start[v], e = c->start[v + 1];
        switch (c->type) {
        case WEFT_I8:
        case WEFT_U8:
            memset((uint8_t *)c->out + s,
                   (int)(uint8_t)(v ^ (c->type == WEFT_I8 ? 0x80u : 0)), e - s);
            break;
        default: {
            uint16_t x = (uint16_t)(v ^ (c->type == WEFT_I16 ? 0x8000u : 0));
            uint16_t *o = c->out;
            for (size_t i = s; i < e; i++)
                o[i] = x;
        }
        }
    }
}

static int counting_sort(void *base, size_t n, weft_dtype type, bool par)
{
    size_t nb = (type == WEFT_I8 || type == WEFT_U8) ? 256 : 65536;
    size_t bytes = (nb + 1) * sizeof(uint64_t) * 2;
    uint64_t *mem = weft__kalloc(bytes);
    if (mem == NULL)
        return ENOMEM;
    uint64_t *cnt = mem, *zero = mem + nb + 1;
    memset(zero, 0, (nb + 1) * sizeof(uint64_t));
    count_ctx c = {base, nb, type, cnt, base};
    int rc = 0;
    if (par) {
        rc = weft_parallel_reduce(0, n, 1 << 16, cnt, zero,
                                  nb * sizeof(uint64_t), count_fold,
                                  count_combine, &c);
    } else {
        memset(cnt, 0, nb * sizeof(uint64_t));
        count_fold(0, n, cnt, &c);
    }
    if (rc == 0) {
        /* In place: counts become bucket starts (start[nb] = n). */
        uint64_t run = 0;
        for (size_t v = 0; v <= nb; v++) {
            uint64_t x = v < nb ? cnt[v] : 0;
            cnt[v] = run;
            run += x;
        }
        if (par)
            weft_parallel_for(0, nb, 256, count_fill, &c);
        else
            count_fill(0, nb, &c);
    }
    weft__kfree(mem, bytes);
    return rc;
}

/* ---- entry points ---- */

static int sort_typed(void *base, size_t n, weft_dtype type, bool par)
{
    size_t w = weft_dtype_size(type), bytes;
    if (w == 0 || (base == NULL && n > 0) || !weft__kmul(n, w, &bytes))
        return EINVAL;
    if (n < 2)
        return 0;
    if (w <= 2)
        return counting_sort(base, n, type, par);
    const radix_ops *ops;
    switch (type) {
    case WEFT_U32:
        ops = &ops_u32;
        break;
    case WEFT_I32:
        ops = &ops_i32;
        break;
    case WEFT_F32:
        ops = &ops_f32;
        break;
    case WEFT_U64:
        ops = &ops_u64;
        break;
    case WEFT_I64:
        ops = &ops_i64;
        break;
    default:
        ops = &ops_f64;
        break;
    }
    if (n <= SMALL) {
        ops->small(base, n);
        return 0;
    }
    char *scratch = weft__kalloc(bytes);
    if (scratch == NULL)
        return ENOMEM;
    radix_ctx c = {ops, par};
    range_job j = {&c, base, scratch, n, (int)w - 1, false};
    if (par && n >= PAR_MSD_MIN)
        weft__kenter(sort_range_entry, &j);
    else
        sort_range(&j);
    weft__kfree(scratch, bytes);
    return 0;
}

int weft_sort_typed(void *base, size_t n, weft_dtype type)
{
    return sort_typed(base, n, type, true);
}

int weft_sort_typed_sequential(void *base, size_t n, weft_dtype type)
{
    return sort_typed(base, n, type, false);
}
