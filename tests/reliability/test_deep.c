/*
 * test_deep.c - stack depth.  A degenerate tree (a chain of 10^5 nested
 * joins) runs at the default stack size (64 MiB of address space per
 * worker), with workers stealing the short halves all the way down.
 */
#include <stdatomic.h>

#include "harness.h"
#include "weft.h"

typedef struct link {
    long depth;
    _Atomic long *count;
} link;

static void leaf(void *p)
{
    atomic_fetch_add(((link *)p)->count, 1);
}

static void chain(void *p)
{
    link *l = p;
    atomic_fetch_add(l->count, 1);
    if (l->depth == 0)
        return;
    link down = {l->depth - 1, l->count}, side = {0, l->count};
    weft_join(chain, &down, leaf, &side);
}

int main(void)
{
    long depth = 100000;
#if defined(__SANITIZE_THREAD__)
    /* TSan records call stacks of at most 65,536 frames (its stack depot
     * aborts beyond); the release and asan suites run the full depth. */
    depth = 20000;
#endif
    static const unsigned sizes[] = {1, 2, 4};
    long long checked = 0;
    for (int s = 0; s < 3; s++) {
        weft_pool *pool;
        weft_config cfg = {.num_threads = sizes[s]};
        CHECK_EQ(weft_pool_create(&cfg, &pool), 0);
        _Atomic long count = 0;
        link root = {depth, &count};
        CHECK_EQ(weft_pool_run(pool, chain, &root), 0);
        CHECK_EQ(atomic_load(&count), 2 * depth + 1);
        checked += 2 * depth + 1;
        weft_pool_destroy(pool);
    }
    TEST_PASS("a chain of 100,000 nested joins at the default stack size");
    printf("weft-total tasks %lld\n", checked);
    return 0;
}
