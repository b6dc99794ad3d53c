/*
 * test_sum.c - weft_sum: integer sums exact (128-bit, checked against a
 * simple loop, including sums that overflow 64 bits); float sums equal,
 * bit for bit, to the sequential twin and to an independent rendering of
 * the documented order, in pools of 1, 2 and 8 threads and on repeated
 * runs.  weft_reduce with an associative but non-commutative operation
 * equals its sequential twin.
 */
#include <errno.h>
#include <math.h>

#include "kharness.h"

typedef __int128 i128;

static const size_t sizes[] = {0, 1, 7, 8, 9, 2047, 2048, 2049, 16384, 100003};
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

static i128 ref_int(const void *p, size_t n, weft_dtype t)
{
    i128 s = 0;
    for (size_t i = 0; i < n; i++) {
        switch (t) {
        case WEFT_I8:
            s += ((const int8_t *)p)[i];
            break;
        case WEFT_U8:
            s += ((const uint8_t *)p)[i];
            break;
        case WEFT_I16:
            s += ((const int16_t *)p)[i];
            break;
        case WEFT_U16:
            s += ((const uint16_t *)p)[i];
            break;
        case WEFT_I32:
            s += ((const int32_t *)p)[i];
            break;
        case WEFT_U32:
            s += ((const uint32_t *)p)[i];
            break;
        case WEFT_I64:
            s += ((const int64_t *)p)[i];
            break;
        default:
            s += (i128)((const uint64_t *)p)[i];
            break;
        }
    }
    return s;
}

/* The documented order, written out independently: blocks of 2048 in 8
 * lanes, lanes ((0+1)+(2+3))+((4+5)+(6+7)), blocks pairwise at the middle. */
static double doc_block(const void *p, size_t lo, size_t hi, bool f32)
{
    double l[8] = {0};
    for (size_t i = lo; i < hi; i++)
        l[(i - lo) % 8] +=
            f32 ? (double)((const float *)p)[i] : ((const double *)p)[i];
    return ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
}

static double doc_tree(const void *p, size_t n, size_t lo, size_t hi, bool f32)
{
    if (hi - lo == 1) {
        size_t s = lo * 2048, e = s + 2048 < n ? s + 2048 : n;
        return doc_block(p, s, e, f32);
    }
    size_t mid = lo + (hi - lo) / 2;
    return doc_tree(p, n, lo, mid, f32) + doc_tree(p, n, mid, hi, f32);
}

static bool same_bits(double a, double b)
{
    return memcmp(&a, &b, 8) == 0;
}

static void sums(void *unused)
{
    (void)unused;
    uint64_t rng = 5;
    static const weft_dtype ints[] = {WEFT_I8,  WEFT_U8,  WEFT_I16, WEFT_U16,
                                      WEFT_I32, WEFT_U32, WEFT_I64, WEFT_U64};
    for (size_t s = 0; s < NSIZES; s++) {
        size_t n = sizes[s];
        uint64_t *buf = k_xmalloc(n * 8 + 8);
        for (size_t t = 0; t < sizeof(ints) / sizeof(ints[0]); t++) {
            size_t w = weft_dtype_size(ints[t]);
            unsigned char *b = (unsigned char *)buf;
            for (size_t i = 0; i < n * w; i++)
                b[i] = (unsigned char)test_rand(&rng);
            if (t >= 6 && n > 0) /* big values: overflow 64 bits */
                for (size_t i = 0; i < n; i++)
                    buf[i] |= 0x7000000000000000ULL;
            i128 want = ref_int(buf, n, ints[t]);
            weft_sum_result r, q;
            CHECK(weft_sum(buf, n, ints[t], &r) == 0);
            CHECK(weft_sum_sequential(buf, n, ints[t], &q) == 0);
            CHECK_EQ(r.is_float, 0);
            CHECK_EQ_U(r.lo, (uint64_t)want);
            CHECK_EQ(r.hi, (int64_t)(want >> 64));
            CHECK_EQ_U(q.lo, r.lo);
            CHECK_EQ(q.hi, r.hi);
        }
        for (int f32 = 0; f32 < 2; f32++) {
            for (size_t i = 0; i < n; i++) {
                double v =
                    ((double)(test_rand(&rng) >> 11) / 9007199254740992.0 -
                     0.5) *
                    pow(10.0, (double)k_below(&rng, 20) - 10.0);
                if (f32)
                    ((float *)buf)[i] = (float)v;
                else
                    ((double *)buf)[i] = v;
            }
            weft_dtype t = f32 ? WEFT_F32 : WEFT_F64;
            weft_sum_result r, q;
            CHECK(weft_sum_sequential(buf, n, t, &q) == 0);
            CHECK_EQ(q.is_float, 1);
            double doc =
                n == 0 ? 0.0 : doc_tree(buf, n, 0, (n + 2047) / 2048, f32);
            CHECK(same_bits(q.f, doc));
            for (int rep = 0; rep < 3; rep++) {
                CHECK(weft_sum(buf, n, t, &r) == 0);
                CHECK(same_bits(r.f, q.f));
            }
        }
        free(buf);
    }
    /* Big enough to fork at many levels. */
    size_t n = (size_t)test_scaled(3000000, 200000);
    double *d = k_xmalloc(n * sizeof(double));
    for (size_t i = 0; i < n; i++)
        d[i] = 1.0 / (double)(1 + k_below(&rng, 1000)) - 0.0005;
    weft_sum_result r, q;
    CHECK(weft_sum_sequential(d, n, WEFT_F64, &q) == 0);
    for (int rep = 0; rep < 5; rep++) {
        CHECK(weft_sum(d, n, WEFT_F64, &r) == 0);
        CHECK(same_bits(r.f, q.f));
    }
    CHECK(same_bits(q.f, doc_tree(d, n, 0, (n + 2047) / 2048, false)));
    free(d);
}

/* reduce: compose affine maps x -> a x + b (mod 2^64): associative, not
 * commutative. */
typedef struct affine {
    uint64_t a, b;
} affine;

static void aff_op(void *acc, const void *elem, void *arg)
{
    (void)arg;
    affine *x = acc;
    const affine *y = elem; /* then apply y */
    affine r = {y->a * x->a, y->a * x->b + y->b};
    *x = r;
}

static void aff_combine(void *acc, const void *other, void *arg)
{
    aff_op(acc, other, arg);
}

typedef struct big_acc {
    affine f;
    char pad[300]; /* over the runtime's stack accumulator size */
} big_acc;

static void big_op(void *acc, const void *elem, void *arg)
{
    aff_op(&((big_acc *)acc)->f, elem, arg);
}

static void big_combine(void *acc, const void *other, void *arg)
{
    aff_op(&((big_acc *)acc)->f, &((const big_acc *)other)->f, arg);
}

static void reduces(void *unused)
{
    (void)unused;
    uint64_t rng = 11;
    size_t n = (size_t)test_scaled(200000, 20000);
    affine *v = k_xmalloc(n * sizeof(affine));
    for (size_t i = 0; i < n; i++) {
        v[i].a = test_rand(&rng) | 1;
        v[i].b = test_rand(&rng);
    }
    size_t ns[] = {0, 1, 2, 63, n};
    for (size_t k = 0; k < 5; k++) {
        affine id = {1, 0}, r, q;
        CHECK(weft_reduce(v, ns[k], sizeof(affine), &r, &id, sizeof(affine),
                          aff_op, aff_combine, NULL) == 0);
        CHECK(weft_reduce_sequential(v, ns[k], sizeof(affine), &q, &id,
                                     sizeof(affine), aff_op, aff_combine,
                                     NULL) == 0);
        CHECK_EQ_U(r.a, q.a);
        CHECK_EQ_U(r.b, q.b);
        big_acc bid, br, bq;
        memset(&bid, 0, sizeof(bid));
        bid.f = id;
        CHECK(weft_reduce(v, ns[k], sizeof(affine), &br, &bid, sizeof(big_acc),
                          big_op, big_combine, NULL) == 0);
        CHECK(weft_reduce_sequential(v, ns[k], sizeof(affine), &bq, &bid,
                                     sizeof(big_acc), big_op, big_combine,
                                     NULL) == 0);
        CHECK_EQ_U(br.f.a, q.a);
        CHECK_EQ_U(bq.f.b, q.b);
    }
    free(v);
}

static void errors(void)
{
    weft_sum_result r = {0, 0, 0, 0};
    int x = 1;
    CHECK_EQ(weft_sum(&x, 1, WEFT_I32, NULL), EINVAL);
    CHECK_EQ(weft_sum(NULL, 1, WEFT_I32, &r), EINVAL);
    CHECK_EQ(weft_sum(&x, 1, (weft_dtype)99, &r), EINVAL);
    CHECK_EQ(weft_sum_sequential(&x, 1, (weft_dtype)99, &r), EINVAL);
    CHECK(weft_sum(NULL, 0, WEFT_F64, &r) == 0 && r.is_float && r.f == 0.0);
    CHECK_EQ(weft_dtype_size((weft_dtype)99), 0);
    CHECK_EQ(weft_dtype_size(WEFT_F32), 4);
    affine id = {1, 0}, res;
    CHECK_EQ(weft_reduce(NULL, 1, 16, &res, &id, 16, aff_op, aff_combine, NULL),
             EINVAL);
    CHECK_EQ(weft_reduce(&id, 1, 0, &res, &id, 16, aff_op, aff_combine, NULL),
             EINVAL);
    CHECK_EQ(weft_reduce(&id, 1, 16, &res, &id, 0, aff_op, aff_combine, NULL),
             EINVAL);
    CHECK_EQ(weft_reduce(&id, 1, 16, &res, &id, 16, NULL, aff_combine, NULL),
             EINVAL);
    CHECK_EQ(weft_reduce(&id, 1, 16, &res, &id, 16, aff_op, NULL, NULL),
             EINVAL);
    CHECK_EQ(weft_reduce(&id, 1, 16, &id, &id, 16, aff_op, aff_combine, NULL),
             EINVAL);
    CHECK_EQ(weft_reduce_sequential(&id, SIZE_MAX, 16, &res, &id, 16, aff_op,
                                    aff_combine, NULL),
             EINVAL);
}

int main(void)
{
    errors();
    TEST_PASS("sum/reduce argument errors");
    k_in_pools(sums, NULL);
    TEST_PASS("sum: exact integers, float bits == sequential == documented "
              "order, pools 1/2/8");
    k_in_pools(reduces, NULL);
    TEST_PASS("reduce == sequential (non-commutative op), pools 1/2/8");
    return 0;
}
