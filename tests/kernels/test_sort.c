/*
 * test_sort.c - weft_sort is a stable sort equal to its sequential twin
 * (element sizes 4, 8, 16 and an odd 12, many equal keys); weft_sort_typed
 * sorts every dtype ascending (a permutation of the input, keys in order,
 * floats in IEEE total order with -0.0 before +0.0 and every NaN last),
 * bit for bit equal to its sequential twin, on random, sorted, reversed,
 * constant, few-distinct and narrow-range data, at the sizes where the
 * algorithm changes; pools of 1, 2 and 8 threads.
 */
#include <errno.h>
#include <math.h>

#include "kharness.h"

/* ---- comparator sort ---- */

typedef struct rec12 {
    uint32_t key, idx, pad;
} rec12;

static int cmp_rec(const void *a, const void *b, void *arg)
{
    size_t size = *(size_t *)arg;
    uint32_t ka, kb;
    memcpy(&ka, a, 4);
    memcpy(&kb, b, 4);
    (void)size;
    return ka < kb ? -1 : ka > kb;
}

static void check_stable(const char *v, size_t n, size_t size)
{
    for (size_t i = 1; i < n; i++) {
        uint32_t k0, k1, i0, i1;
        memcpy(&k0, v + (i - 1) * size, 4);
        memcpy(&k1, v + i * size, 4);
        CHECK(k0 <= k1);
        if (k0 == k1 && size >= 8) {
            memcpy(&i0, v + (i - 1) * size + 4, 4);
            memcpy(&i1, v + i * size + 4, 4);
            CHECK(i0 < i1); /* equal keys keep their order */
        }
    }
}

static void cmp_sorts(void *unused)
{
    (void)unused;
    uint64_t rng = 3;
    size_t big = (size_t)test_scaled(200000, 20000);
    size_t ns[] = {0, 1, 2, 23, 24, 25, 100, 4095, 4096, 9000, big};
    size_t elem_sizes[] = {4, 8, 12, 16};
    for (size_t e = 0; e < 4; e++) {
        size_t size = elem_sizes[e];
        for (size_t k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
            size_t n = ns[k];
            char *a = k_xmalloc(n * size), *b = k_xmalloc(n * size);
            uint32_t range = k % 3 == 0 ? 4 : k % 3 == 1 ? 1000 : 0xffffffffu;
            for (size_t i = 0; i < n; i++) {
                uint32_t key = (uint32_t)(test_rand(&rng) % range),
                         idx = (uint32_t)i;
                memset(a + i * size, 0xab, size);
                memcpy(a + i * size, &key, 4);
                if (size >= 8)
                    memcpy(a + i * size + 4, &idx, 4);
            }
            memcpy(b, a, n * size);
            CHECK(weft_sort(a, n, size, cmp_rec, &size) == 0);
            CHECK(weft_sort_sequential(b, n, size, cmp_rec, &size) == 0);
            check_stable(a, n, size);
            CHECK(memcmp(a, b, n * size) == 0);
            free(a);
            free(b);
        }
    }
}

/* ---- typed sort ---- */

static uint64_t load(const void *p, size_t i, size_t w)
{
    const char *q = (const char *)p + i * w;
    uint8_t b;
    uint16_t h;
    uint32_t s;
    uint64_t d;
    switch (w) {
    case 1:
        memcpy(&b, q, 1);
        return b;
    case 2:
        memcpy(&h, q, 2);
        return h;
    case 4:
        memcpy(&s, q, 4);
        return s;
    default:
        memcpy(&d, q, 8);
        return d;
    }
}

/* The order weft_sort_typed promises, from first principles. */
static int order(uint64_t x, uint64_t y, weft_dtype t)
{
    switch (t) {
    case WEFT_I8:
        return (int8_t)x < (int8_t)y ? -1 : (int8_t)x > (int8_t)y;
    case WEFT_I16:
        return (int16_t)x < (int16_t)y ? -1 : (int16_t)x > (int16_t)y;
    case WEFT_I32:
        return (int32_t)x < (int32_t)y ? -1 : (int32_t)x > (int32_t)y;
    case WEFT_I64:
        return (int64_t)x < (int64_t)y ? -1 : (int64_t)x > (int64_t)y;
    case WEFT_F32:
    case WEFT_F64: {
        double a, b;
        if (t == WEFT_F32) {
            float fa, fb;
            uint32_t ua = (uint32_t)x, ub = (uint32_t)y;
            memcpy(&fa, &ua, 4);
            memcpy(&fb, &ub, 4);
            a = fa;
            b = fb;
        } else {
            memcpy(&a, &x, 8);
            memcpy(&b, &y, 8);
        }
        if (isnan(a) || isnan(b))
            return isnan(a) - isnan(b); /* NaNs last, tied among themselves */
        if (a == 0.0 && b == 0.0)
            return (signbit(b) != 0) - (signbit(a) != 0); /* -0 < +0 */
        return a < b ? -1 : a > b;
    }
    default:
        return x < y ? -1 : x > y;
    }
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 31;
    x *= 0x7fb5d329728ea185ULL;
    x ^= x >> 27;
    x *= 0x81dadef4bc2dd44dULL;
    return x ^ (x >> 33);
}

/* out is a permutation of in (as bit patterns): order-free fingerprints
 * of the two multisets agree. */
static void check_perm(const void *in, const void *out, size_t n, size_t w)
{
    uint64_t s1 = 0, s2 = 0, t1 = 0, t2 = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t a = mix(load(in, i, w)), b = mix(load(out, i, w));
        s1 += a;
        s2 += a * a + (a >> 7);
        t1 += b;
        t2 += b * b + (b >> 7);
    }
    CHECK_EQ_U(s1, t1);
    CHECK_EQ_U(s2, t2);
}

static void fill(void *p, size_t n, weft_dtype t, int shape, uint64_t *rng)
{
    size_t w = weft_dtype_size(t);
    for (size_t i = 0; i < n; i++) {
        uint64_t x = test_rand(rng);
        switch (shape) {
        case 0: /* random bits: every float class, NaNs of both signs */
            break;
        case 1: /* few distinct values */
            x = (x % 5) * 0x0101010101010101ULL;
            break;
        case 2: /* sorted ascending (as unsigned bits) */
            x = i * 0x10001ULL;
            break;
        case 3: /* descending */
            x = (n - i) * 0x10001ULL;
            break;
        case 4: /* constant */
            x = 0x4242424242424242ULL;
            break;
        case 5: /* narrow range: shared high digits */
            x = x % 1000;
            break;
        default: /* floats with specials */
            if (t == WEFT_F64) {
                static const double sp[] = {0.0,       -0.0, INFINITY,
                                            -INFINITY, NAN,  -NAN,
                                            1.0,       -1.0, 1e-310};
                double d = k_below(rng, 3) == 0 ? sp[k_below(rng, 9)]
                                                : (double)(int64_t)x / 1e9;
                memcpy(&x, &d, 8);
            } else if (t == WEFT_F32) {
                static const float sp[] = {0.0f,      -0.0f, INFINITY,
                                           -INFINITY, NAN,   -NAN,
                                           1.0f,      -1.0f, 1e-40f};
                float f = k_below(rng, 3) == 0 ? sp[k_below(rng, 9)]
                                               : (float)(int64_t)x / 1e9f;
                uint32_t u;
                memcpy(&u, &f, 4);
                x = u;
            }
        }
        memcpy((char *)p + i * w, &x, w);
    }
}

static void typed_sorts(void *unused)
{
    (void)unused;
    uint64_t rng = 17;
    size_t big = (size_t)test_scaled(200000, 140000);
    size_t ns[] = {0, 1, 2, 47, 48, 49, 1000, 32768, 32769, 70000, 131072, big};
    /* Under the sanitizers (scale < 1): the sizes where the algorithm
     * changes, and one past the parallel MSD threshold. */
    bool reduced = test_scaled(100, 1) < 100;
    static const weft_dtype types[] = {WEFT_I8,  WEFT_I16, WEFT_I32, WEFT_I64,
                                       WEFT_U8,  WEFT_U16, WEFT_U32, WEFT_U64,
                                       WEFT_F32, WEFT_F64};
    for (size_t t = 0; t < 10; t++) {
        size_t w = weft_dtype_size(types[t]);
        for (size_t k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
            size_t n = ns[k];
            if (reduced && (n == 32768 || n == 70000 || n == 131072))
                continue;
            for (int shape = 0; shape < 7; shape++) {
                if (reduced && n >= 32768 &&
                    (shape != 6 ||
                     (types[t] != WEFT_I32 && types[t] != WEFT_F64)))
                    continue;
                if (n >= 32768 && shape != 0 && shape != 5 && shape != 6)
                    continue; /* keep the big ones to the interesting shapes */
                char *in = k_xmalloc(n * w), *a = k_xmalloc(n * w),
                     *b = k_xmalloc(n * w);
                fill(in, n, types[t], shape, &rng);
                memcpy(a, in, n * w);
                memcpy(b, in, n * w);
                CHECK(weft_sort_typed(a, n, types[t]) == 0);
                CHECK(weft_sort_typed_sequential(b, n, types[t]) == 0);
                CHECK(memcmp(a, b, n * w) == 0);
                for (size_t i = 1; i < n; i++)
                    if (order(load(a, i - 1, w), load(a, i, w), types[t]) > 0) {
                        fprintf(stderr,
                                "type %zu n %zu shape %d: not sorted "
                                "at %zu\n",
                                t, n, shape, i);
                        exit(1);
                    }
                check_perm(in, a, n, w);
                free(in);
                free(a);
                free(b);
            }
        }
    }
}

static void errors(void)
{
    int x[2] = {2, 1};
    size_t sz = 4;
    CHECK_EQ(weft_sort(NULL, 2, 4, cmp_rec, &sz), EINVAL);
    CHECK_EQ(weft_sort(x, 2, 0, cmp_rec, &sz), EINVAL);
    CHECK_EQ(weft_sort(x, 2, 4, NULL, &sz), EINVAL);
    CHECK_EQ(weft_sort(x, SIZE_MAX / 2, 4, cmp_rec, &sz), EINVAL);
    CHECK_EQ(weft_sort_sequential(x, 2, 0, cmp_rec, &sz), EINVAL);
    CHECK_EQ(weft_sort_typed(NULL, 2, WEFT_I32), EINVAL);
    CHECK_EQ(weft_sort_typed(x, 2, (weft_dtype)42), EINVAL);
    CHECK_EQ(weft_sort_typed_sequential(x, SIZE_MAX / 2, WEFT_I32), EINVAL);
    CHECK(x[0] == 2 && x[1] == 1); /* untouched */
    CHECK(weft_sort_typed(NULL, 0, WEFT_I32) == 0);
    CHECK(weft_sort(NULL, 0, 4, cmp_rec, &sz) == 0);
}

int main(void)
{
    errors();
    TEST_PASS("sort argument errors");
    k_in_pools(cmp_sorts, NULL);
    TEST_PASS("weft_sort: stable, == sequential, pools 1/2/8");
    k_in_pools(typed_sorts, NULL);
    TEST_PASS("weft_sort_typed: every dtype ordered, a permutation, == "
              "sequential, pools 1/2/8");
    return 0;
}
