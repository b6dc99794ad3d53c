/*
 * kharness.h - what the kernel tests share: running a check in pools of
 * 1, 2 and 8 threads and on a plain thread (the default pool), and random
 * inputs.
 */
#ifndef WEFT_TEST_KHARNESS_H
#define WEFT_TEST_KHARNESS_H

#include <stdbool.h>
#include <stddef.h>

#include "harness.h"
#include "weft.h"
#include "weft/kernels.h"

/* The pool sizes every kernel test runs in; 0 means "no pool of our own":
 * the kernel is called from the main thread and enters the default pool. */
static const unsigned k_pool_sizes[] = {1, 2, 8, 0};
#define K_NPOOLS (sizeof(k_pool_sizes) / sizeof(k_pool_sizes[0]))

/* Run fn(arg) in each pool size; fn may read k_current_threads. */
static unsigned k_current_threads;

static inline void k_in_pools(weft_fn fn, void *arg)
{
    for (size_t i = 0; i < K_NPOOLS; i++) {
        k_current_threads = k_pool_sizes[i];
        if (k_pool_sizes[i] == 0) {
            fn(arg);
            continue;
        }
        weft_config cfg;
        memset(&cfg, 0, sizeof(cfg));
        cfg.num_threads = k_pool_sizes[i];
        weft_pool *pool = NULL;
        CHECK(weft_pool_create(&cfg, &pool) == 0);
        CHECK(weft_pool_run(pool, fn, arg) == 0);
        weft_pool_destroy(pool);
    }
}

/* Uniform in [0, n). */
static inline uint64_t k_below(uint64_t *rng, uint64_t n)
{
    return n == 0 ? 0 : test_rand(rng) % n;
}

static inline void *k_xmalloc(size_t n)
{
    void *p = malloc(n == 0 ? 1 : n);
    CHECK(p != NULL);
    return p;
}

#endif /* WEFT_TEST_KHARNESS_H */
