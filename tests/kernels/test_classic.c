/*
 * test_classic.c - fib and nqueens equal their sequential twins and the
 * known values; matmul equals its sequential twin and a naive triple loop
 * (ascending k) bit for bit, for sizes around the tile; argument errors;
 * pools of 1, 2 and 8 threads.
 */
#include <errno.h>

#include "kharness.h"

static void classics(void *unused)
{
    (void)unused;
    uint64_t a = 0, b = 1;
    unsigned top = (unsigned)test_scaled(27, 18);
    for (unsigned n = 0; n <= top; n++) {
        CHECK_EQ_U(weft_fib(n), a);
        CHECK_EQ_U(weft_fib_sequential(n), a);
        uint64_t c = a + b;
        a = b;
        b = c;
    }
    CHECK_EQ_U(weft_fib(93), UINT64_MAX);
    CHECK_EQ_U(weft_fib_sequential(200), UINT64_MAX);

    static const uint64_t queens[] = {1, 1, 0, 0, 2, 10, 4, 40, 92, 352, 724};
    unsigned qtop = (unsigned)test_scaled(10, 8);
    for (unsigned n = 0; n <= qtop; n++) {
        CHECK_EQ_U(weft_nqueens(n), queens[n]);
        CHECK_EQ_U(weft_nqueens_sequential(n), queens[n]);
    }
    CHECK_EQ_U(weft_nqueens(17), UINT64_MAX);
    CHECK_EQ_U(weft_nqueens_sequential(12), 14200);

    uint64_t rng = 77;
    size_t sizes[] = {
        0, 1, 2, 5, 63, 64, 65, 129, (size_t)test_scaled(200, 70)};
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        size_t n = sizes[k];
        double *x = k_xmalloc(n * n * 8), *y = k_xmalloc(n * n * 8);
        double *p = k_xmalloc(n * n * 8), *s = k_xmalloc(n * n * 8);
        for (size_t i = 0; i < n * n; i++) {
            x[i] = (double)(int64_t)test_rand(&rng) / 1e18;
            y[i] = (double)(int64_t)test_rand(&rng) / 1e18;
        }
        memset(p, 0xff, n * n * 8); /* results must not depend on C's bytes */
        CHECK(weft_matmul(n, x, y, p) == 0);
        CHECK(weft_matmul_sequential(n, x, y, s) == 0);
        CHECK(memcmp(p, s, n * n * 8) == 0);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++) {
                double acc = 0.0;
                for (size_t kk = 0; kk < n; kk++)
                    acc += x[i * n + kk] * y[kk * n + j];
                CHECK(memcmp(&acc, &p[i * n + j], 8) == 0);
            }
        free(x);
        free(y);
        free(p);
        free(s);
    }
}

static void errors(void)
{
    double m[4] = {1, 2, 3, 4}, o[4] = {0};
    CHECK_EQ(weft_matmul(2, NULL, m, o), EINVAL);
    CHECK_EQ(weft_matmul(2, m, NULL, o), EINVAL);
    CHECK_EQ(weft_matmul(2, m, m, NULL), EINVAL);
    CHECK_EQ(weft_matmul(2, m, o, m), EINVAL);     /* C overlaps A */
    CHECK_EQ(weft_matmul(2, o, m + 1, m), EINVAL); /* C overlaps B */
    CHECK_EQ(weft_matmul_sequential(SIZE_MAX / 2, m, m, o), EINVAL);
    CHECK(o[0] == 0 && o[3] == 0);
    CHECK(weft_matmul(0, NULL, NULL, NULL) == 0);
    CHECK(weft_matmul(2, m, m, o) == 0);
    CHECK(o[0] == 7 && o[1] == 10 && o[2] == 15 && o[3] == 22);
}

int main(void)
{
    errors();
    TEST_PASS("matmul argument errors");
    k_in_pools(classics, NULL);
    TEST_PASS("fib, nqueens, matmul == sequential == reference, pools 1/2/8");
    return 0;
}
