/*
 * harness.h - the few macros weft's C tests use.
 *
 * A failed CHECK prints where and what, and exits 1 at once: the tests are
 * run by ctest, one process per test file, so the first failure is the
 * report.  Tests scale their sizes with WEFT_TEST_SCALE (a factor, default
 * 1.0), which .ci/run lowers for the sanitizer builds.
 */
#ifndef WEFT_TEST_HARNESS_H
#define WEFT_TEST_HARNESS_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__,   \
                    #cond);                                                    \
            exit(1);                                                           \
        }                                                                      \
    } while (0)

#define CHECK_EQ(a, b)                                                         \
    do {                                                                       \
        long long va_ = (long long)(a), vb_ = (long long)(b);                  \
        if (va_ != vb_) {                                                      \
            fprintf(stderr,                                                    \
                    "%s:%d: CHECK_EQ failed: %s == %s (%lld vs %lld)\n",       \
                    __FILE__, __LINE__, #a, #b, va_, vb_);                     \
            exit(1);                                                           \
        }                                                                      \
    } while (0)

#define CHECK_EQ_U(a, b)                                                       \
    do {                                                                       \
        unsigned long long va_ = (unsigned long long)(a),                      \
                           vb_ = (unsigned long long)(b);                      \
        if (va_ != vb_) {                                                      \
            fprintf(stderr,                                                    \
                    "%s:%d: CHECK_EQ failed: %s == %s (%llu vs %llu)\n",       \
                    __FILE__, __LINE__, #a, #b, va_, vb_);                     \
            exit(1);                                                           \
        }                                                                      \
    } while (0)

/* Scale a test size by WEFT_TEST_SCALE, never below `min`. */
static inline long long test_scaled(long long n, long long min)
{
    const char *s = getenv("WEFT_TEST_SCALE");
    double f = s != NULL ? atof(s) : 1.0;
    if (f <= 0)
        f = 1.0;
    long long v = (long long)((double)n * f);
    return v < min ? min : v;
}

static inline double test_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Deterministic pseudo-random numbers (splitmix64). */
static inline uint64_t test_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Entries in a /proc directory (threads, descriptors), or -1. */
static inline int test_count_dir(const char *path)
{
    DIR *d = opendir(path);
    if (d == NULL)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

#define TEST_PASS(name)                                                        \
    do {                                                                       \
        printf("ok - %s\n", name);                                             \
        fflush(stdout);                                                        \
    } while (0)

#endif /* WEFT_TEST_HARNESS_H */
