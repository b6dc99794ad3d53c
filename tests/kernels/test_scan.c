/*
 * test_scan.c - weft_scan, inclusive and exclusive, every dtype, in place
 * and not: integers equal a plain wrapping prefix sum; floats equal the
 * sequential twin bit for bit and an independent rendering of the
 * documented blocked order (and a plain prefix sum when all sums are
 * exact); sizes around the block size and past the block-count limit;
 * pools of 1, 2 and 8 threads.
 */
#include <errno.h>

#include "kharness.h"

static const weft_dtype types[] = {WEFT_I8,  WEFT_I16, WEFT_I32, WEFT_I64,
                                   WEFT_U8,  WEFT_U16, WEFT_U32, WEFT_U64,
                                   WEFT_F32, WEFT_F64};

/* Plain prefix sums, integers wrapping. */
static void ref_int(const void *in, void *out, size_t n, size_t w, bool excl)
{
    uint64_t run = 0, mask = w == 8 ? ~0ULL : (1ULL << (8 * w)) - 1;
    for (size_t i = 0; i < n; i++) {
        uint64_t x = 0;
        memcpy(&x, (const char *)in + i * w, w);
        if (!excl)
            run = (run + x) & mask;
        memcpy((char *)out + i * w, &run, w);
        if (excl)
            run = (run + x) & mask;
    }
}

/* The documented float order: block size max(4096, ceil(n / 1024)); each
 * block scanned left to right; block b > 0 adds the offset O_b, where
 * O_1 = T_0 and O_{b+1} = O_b + T_b. */
static void ref_doc_f64(const double *in, double *out, size_t n, bool excl)
{
    size_t bs = (n + 1023) / 1024;
    if (bs < 4096)
        bs = 4096;
    double off = 0;
    for (size_t s = 0, b = 0; s < n; s += bs, b++) {
        size_t e = n - s > bs ? s + bs : n;
        double run = in[s], total;
        double *loc = k_xmalloc((e - s) * sizeof(double));
        loc[0] = excl ? 0.0 : run;
        for (size_t i = s + 1; i < e; i++) {
            if (excl) {
                loc[i - s] = run;
                run = run + in[i];
            } else {
                run = run + in[i];
                loc[i - s] = run;
            }
        }
        total = run;
        for (size_t i = s; i < e; i++)
            out[i] = b == 0           ? loc[i - s]
                     : excl && i == s ? off
                                      : off + loc[i - s];
        off = b == 0 ? total : off + total;
        free(loc);
    }
}

static void scans(void *unused)
{
    (void)unused;
    uint64_t rng = 23;
    size_t huge = (size_t)test_scaled(4300000, 300000);
    size_t ns[] = {0, 1, 2, 4095, 4096, 4097, 12289, 100000, huge};
    for (size_t k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
        size_t n = ns[k];
        for (size_t t = 0; t < 10; t++) {
            /* The size past the block-count limit: a few types suffice. */
            if (n == huge && types[t] != WEFT_F64 && types[t] != WEFT_I32 &&
                types[t] != WEFT_U8)
                continue;
            size_t w = weft_dtype_size(types[t]);
            char *in = k_xmalloc(n * w), *a = k_xmalloc(n * w),
                 *b = k_xmalloc(n * w), *r = k_xmalloc(n * w);
            bool fl = types[t] == WEFT_F32 || types[t] == WEFT_F64;
            for (int exact = 0; exact < (fl ? 2 : 1); exact++) {
                for (size_t i = 0; i < n; i++) {
                    uint64_t x = test_rand(&rng);
                    if (types[t] == WEFT_F64) {
                        double d =
                            exact ? (double)(x % 7) : (double)(int64_t)x / 1e17;
                        memcpy(in + i * 8, &d, 8);
                    } else if (types[t] == WEFT_F32) {
                        float f =
                            exact ? (float)(x % 3) : (float)(int64_t)x / 1e17f;
                        memcpy(in + i * 4, &f, 4);
                    } else {
                        memcpy(in + i * w, &x, w);
                    }
                }
                for (int excl = 0; excl < 2; excl++) {
                    weft_scan_kind kind =
                        excl ? WEFT_SCAN_EXCLUSIVE : WEFT_SCAN_INCLUSIVE;
                    CHECK(weft_scan(in, a, n, types[t], kind) == 0);
                    CHECK(weft_scan_sequential(in, b, n, types[t], kind) == 0);
                    CHECK(memcmp(a, b, n * w) == 0);
                    /* In place. */
                    memcpy(r, in, n * w);
                    CHECK(weft_scan(r, r, n, types[t], kind) == 0);
                    CHECK(memcmp(a, r, n * w) == 0);
                    if (!fl) {
                        ref_int(in, r, n, w, excl);
                        CHECK(memcmp(a, r, n * w) == 0);
                    } else if (types[t] == WEFT_F64 && n > 0) {
                        ref_doc_f64((const double *)in, (double *)r, n, excl);
                        CHECK(memcmp(a, r, n * w) == 0);
                    }
                    if (fl && exact && n > 0 && n < 200000) {
                        /* Small integers: every sum exact, any order. */
                        double run = 0;
                        for (size_t i = 0; i < n; i++) {
                            double x = types[t] == WEFT_F64 ? ((double *)in)[i]
                                                            : ((float *)in)[i];
                            double got = types[t] == WEFT_F64 ? ((double *)a)[i]
                                                              : ((float *)a)[i];
                            if (!excl)
                                run += x;
                            CHECK(got == run);
                            if (excl)
                                run += x;
                        }
                    }
                }
            }
            free(in);
            free(a);
            free(b);
            free(r);
        }
    }
}

static void errors(void)
{
    int x[2] = {1, 2}, y[2] = {0, 0};
    CHECK_EQ(weft_scan(NULL, y, 2, WEFT_I32, WEFT_SCAN_INCLUSIVE), EINVAL);
    CHECK_EQ(weft_scan(x, NULL, 2, WEFT_I32, WEFT_SCAN_INCLUSIVE), EINVAL);
    CHECK_EQ(weft_scan(x, y, 2, (weft_dtype)77, WEFT_SCAN_INCLUSIVE), EINVAL);
    CHECK_EQ(weft_scan(x, y, 2, WEFT_I32, (weft_scan_kind)5), EINVAL);
    CHECK_EQ(
        weft_scan_sequential(x, y, SIZE_MAX / 2, WEFT_I32, WEFT_SCAN_INCLUSIVE),
        EINVAL);
    CHECK(y[0] == 0 && y[1] == 0);
    CHECK(weft_scan(NULL, NULL, 0, WEFT_I32, WEFT_SCAN_EXCLUSIVE) == 0);
    CHECK(weft_scan(x, y, 2, WEFT_I32, WEFT_SCAN_EXCLUSIVE) == 0);
    CHECK(y[0] == 0 && y[1] == 1);
}

int main(void)
{
    errors();
    TEST_PASS("scan argument errors");
    k_in_pools(scans, NULL);
    TEST_PASS("scan: every dtype, inclusive/exclusive, in place, == "
              "sequential == reference, pools 1/2/8");
    return 0;
}
