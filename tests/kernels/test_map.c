/*
 * test_map.c - weft_map applies the function to every element exactly
 * once (different input and output sizes, grains 0, 1 and 1000), equal to
 * weft_map_sequential; the typed maps equal a plain loop; in place works;
 * pools of 1, 2 and 8 threads.
 */
#include <errno.h>
#include <math.h>
#include <stdatomic.h>

#include "kharness.h"

typedef struct in3 {
    uint32_t a, b, c;
} in3;

static void fn3(const void *in, void *out, void *arg)
{
    const in3 *x = in;
    _Atomic long *calls = arg;
    /* Relaxed: a counter read after weft_map returns (which waits for
     * every call). */
    atomic_fetch_add_explicit(calls, 1, memory_order_relaxed);
    uint64_t r = (uint64_t)x->a * 31 + x->b * 7 + x->c;
    memcpy(out, &r, 8);
}

static double sq_plus(double x)
{
    return x * x + 0.5;
}
static int64_t twice_minus(int64_t x)
{
    return (int64_t)((uint64_t)x * 2 - 1); /* wraps, no signed overflow */
}

static void maps(void *unused)
{
    (void)unused;
    uint64_t rng = 31;
    size_t big = (size_t)test_scaled(300000, 30000);
    size_t ns[] = {0, 1, 2, 999, big};
    size_t grains[] = {0, 1, 1000};
    for (size_t k = 0; k < 5; k++) {
        size_t n = ns[k];
        in3 *in = k_xmalloc(n * sizeof(in3));
        uint64_t *a = k_xmalloc(n * 8), *b = k_xmalloc(n * 8);
        for (size_t i = 0; i < n; i++) {
            in[i].a = (uint32_t)test_rand(&rng);
            in[i].b = (uint32_t)test_rand(&rng);
            in[i].c = (uint32_t)i;
        }
        for (size_t g = 0; g < 3; g++) {
            _Atomic long calls = 0;
            memset(a, 0, n * 8);
            CHECK(weft_map(in, sizeof(in3), a, 8, n, grains[g], fn3, &calls) ==
                  0);
            CHECK_EQ(atomic_load(&calls), (long)n);
            CHECK(weft_map_sequential(in, sizeof(in3), b, 8, n, fn3, &calls) ==
                  0);
            CHECK(memcmp(a, b, n * 8) == 0);
            for (size_t i = 0; i < n; i++)
                CHECK_EQ_U(a[i],
                           (uint64_t)in[i].a * 31 + in[i].b * 7 + in[i].c);
        }
        double *d = k_xmalloc(n * 8), *e = k_xmalloc(n * 8);
        for (size_t i = 0; i < n; i++)
            d[i] = (double)(int64_t)test_rand(&rng) / 1e15;
        CHECK(weft_map_f64(d, e, n, sq_plus) == 0);
        for (size_t i = 0; i < n; i++)
            CHECK(e[i] == sq_plus(d[i]));
        CHECK(weft_map_f64(d, d, n, sq_plus) == 0); /* in place */
        CHECK(memcmp(d, e, n * 8) == 0);
        int64_t *p = k_xmalloc(n * 8), *q = k_xmalloc(n * 8);
        for (size_t i = 0; i < n; i++)
            p[i] = (int64_t)test_rand(&rng);
        CHECK(weft_map_i64(p, q, n, twice_minus) == 0);
        for (size_t i = 0; i < n; i++)
            CHECK(q[i] == twice_minus(p[i]));
        free(in);
        free(a);
        free(b);
        free(d);
        free(e);
        free(p);
        free(q);
    }
}

static void errors(void)
{
    double x = 1, y = 0;
    int64_t i = 1, j = 0;
    _Atomic long calls = 0;
    CHECK_EQ(weft_map(&x, 8, &y, 8, 1, 0, NULL, NULL), EINVAL);
    CHECK_EQ(weft_map(NULL, 8, &y, 8, 1, 0, fn3, &calls), EINVAL);
    CHECK_EQ(weft_map(&x, 8, NULL, 8, 1, 0, fn3, &calls), EINVAL);
    CHECK_EQ(weft_map(&x, 0, &y, 8, 1, 0, fn3, &calls), EINVAL);
    CHECK_EQ(weft_map(&x, 8, &y, 0, 1, 0, fn3, &calls), EINVAL);
    CHECK_EQ(weft_map_sequential(&x, 8, &y, 8, SIZE_MAX / 4, fn3, &calls),
             EINVAL);
    CHECK_EQ(weft_map_f64(&x, &y, 1, NULL), EINVAL);
    CHECK_EQ(weft_map_f64(NULL, &y, 1, sq_plus), EINVAL);
    CHECK_EQ(weft_map_i64(&i, NULL, 1, twice_minus), EINVAL);
    CHECK_EQ(weft_map_i64(&i, &j, 1, NULL), EINVAL);
    CHECK(y == 0 && j == 0 && atomic_load(&calls) == 0);
    CHECK(weft_map_f64(NULL, NULL, 0, sq_plus) == 0);
}

int main(void)
{
    errors();
    TEST_PASS("map argument errors");
    k_in_pools(maps, NULL);
    TEST_PASS("map: each element once, == sequential, typed maps, pools "
              "1/2/8");
    return 0;
}
