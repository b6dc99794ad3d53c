/*
 * test_parallel_for.c - weft_parallel_for calls its body on every index
 * exactly once; weft_parallel_reduce folds in order.
 */
#include <errno.h>
#include <stdatomic.h>

#include "harness.h"
#include "weft.h"

/* Loop bodies (indices) whose single run was checked (for the weft-total
 * line). */
static _Atomic long long tasks_checked;

typedef struct cover {
    _Atomic uint8_t *hits;
    size_t begin, end, grain;
    _Atomic long calls;
} cover;

static void cover_body(size_t lo, size_t hi, void *p)
{
    cover *c = p;
    CHECK(lo < hi);
    CHECK(lo >= c->begin && hi <= c->end);
    /* No piece shorter than the grain unless the range is. */
    if (c->end - c->begin >= c->grain && c->grain > 0)
        CHECK(hi - lo >= c->grain);
    for (size_t i = lo; i < hi; i++)
        atomic_fetch_add_explicit(&c->hits[i - c->begin], 1,
                                  memory_order_relaxed);
    atomic_fetch_add(&c->calls, 1);
}

static void check_cover(size_t begin, size_t end, size_t grain)
{
    cover c;
    size_t n = end > begin ? end - begin : 0;
    c.hits = calloc(n + 1, 1);
    CHECK(c.hits != NULL);
    c.begin = begin;
    c.end = end;
    c.grain = grain;
    atomic_init(&c.calls, 0);
    weft_parallel_for(begin, end, grain, cover_body, &c);
    for (size_t i = 0; i < n; i++)
        if (c.hits[i] != 1) {
            fprintf(stderr,
                    "index %zu hit %d times (range %zu..%zu grain %zu)\n",
                    begin + i, c.hits[i], begin, end, grain);
            exit(1);
        }
    if (n == 0)
        CHECK_EQ(atomic_load(&c.calls), 0);
    atomic_fetch_add(&tasks_checked, (long long)n);
    free(c.hits);
}

typedef struct range_case {
    size_t begin, end, grain;
} range_case;

static void covers_all(void *unused)
{
    (void)unused;
    uint64_t rng = 7;
    int cases = (int)test_scaled(300, 30);
    for (int k = 0; k < cases; k++) {
        uint64_t r = test_rand(&rng);
        size_t begin = (size_t)(r % 1000);
        size_t len = (size_t)((r >> 10) % (k % 10 == 0 ? 200000 : 5000));
        size_t grains[] = {0, 1, 7, 1000, (size_t)-1};
        size_t grain = grains[(r >> 40) % 5];
        check_cover(begin, begin + len, grain);
    }
    check_cover(0, 0, 0);
    check_cover(5, 5, 1);
    check_cover(0, 1, 0);
    check_cover((size_t)-10, (size_t)-1, 1); /* near the top of size_t */
}

static void never_called(size_t lo, size_t hi, void *p)
{
    (void)lo;
    (void)hi;
    (void)p;
    CHECK(!"body called for an empty or reversed range");
}

static void reversed(void)
{
    weft_parallel_for(10, 5, 1, never_called, NULL);
    weft_parallel_for(0, 0, 1, never_called, NULL);
    weft_parallel_for(0, 10, 1, NULL, NULL); /* NULL body: nothing */
    TEST_PASS("begin >= end does nothing");
}

/* ---- reduce ---- */

static void sum_fold(size_t lo, size_t hi, void *acc, void *arg)
{
    (void)arg;
    unsigned long long *s = acc;
    for (size_t i = lo; i < hi; i++)
        *s += i;
}

static void sum_combine(void *acc, const void *other, void *arg)
{
    (void)arg;
    *(unsigned long long *)acc += *(const unsigned long long *)other;
}

/* A non-commutative but associative monoid: "the span seen", which only
 * combines left-to-right neighbours. */
typedef struct span {
    long long first, last, count;
    int ok;
} span;

static void span_fold(size_t lo, size_t hi, void *acc, void *arg)
{
    (void)arg;
    span *s = acc;
    for (size_t i = lo; i < hi; i++) {
        if (s->count == 0)
            s->first = (long long)i;
        else if ((long long)i != s->last + 1)
            s->ok = 0;
        s->last = (long long)i;
        s->count++;
    }
}

static void span_combine(void *acc, const void *other, void *arg)
{
    (void)arg;
    span *a = acc;
    const span *b = other;
    if (b->count == 0)
        return;
    if (a->count == 0) {
        *a = *b;
        return;
    }
    if (b->first != a->last + 1 || !b->ok)
        a->ok = 0;
    a->last = b->last;
    a->count += b->count;
}

/* A big accumulator (heap-allocated by weft). */
typedef struct big {
    unsigned long long v[100];
} big;

static void big_fold(size_t lo, size_t hi, void *acc, void *arg)
{
    (void)arg;
    big *b = acc;
    for (size_t i = lo; i < hi; i++)
        b->v[i % 100] += i;
}

static void big_combine(void *acc, const void *other, void *arg)
{
    (void)arg;
    big *a = acc;
    const big *b = other;
    for (int i = 0; i < 100; i++)
        a->v[i] += b->v[i];
}

static void reduces(void *unused)
{
    (void)unused;
    uint64_t rng = 99;
    for (int k = 0; k < 200; k++) {
        size_t n = (size_t)(test_rand(&rng) % 300000);
        size_t grain =
            (size_t)(test_rand(&rng) % 3 == 0 ? 0 : test_rand(&rng) % 500);
        unsigned long long zero = 0, got = 1;
        CHECK_EQ(weft_parallel_reduce(0, n, grain, &got, &zero, sizeof(got),
                                      sum_fold, sum_combine, NULL),
                 0);
        CHECK_EQ_U(got, (unsigned long long)n * (n ? n - 1 : 0) / 2);
        span id = {0, 0, 0, 1}, sp;
        CHECK_EQ(weft_parallel_reduce(3, 3 + n, 1, &sp, &id, sizeof(sp),
                                      span_fold, span_combine, NULL),
                 0);
        CHECK_EQ(sp.count, (long long)n);
        CHECK(sp.ok);
        if (n > 0) {
            CHECK_EQ(sp.first, 3);
            CHECK_EQ(sp.last, (long long)(2 + n));
        }
        /* Each index once, in order. */
        atomic_fetch_add(&tasks_checked, (long long)n);
    }
    big bz, bg;
    memset(&bz, 0, sizeof(bz));
    CHECK_EQ(weft_parallel_reduce(0, 1000000, 100, &bg, &bz, sizeof(bg),
                                  big_fold, big_combine, NULL),
             0);
    for (int i = 0; i < 100; i++) {
        unsigned long long e = 0;
        for (size_t j = (size_t)i; j < 1000000; j += 100)
            e += j;
        CHECK_EQ_U(bg.v[i], e);
    }
}

static void reduce_errors(void)
{
    unsigned long long a = 0, b = 0;
    CHECK_EQ(weft_parallel_reduce(0, 10, 1, NULL, &a, 8, sum_fold, sum_combine,
                                  NULL),
             EINVAL);
    CHECK_EQ(weft_parallel_reduce(0, 10, 1, &b, NULL, 8, sum_fold, sum_combine,
                                  NULL),
             EINVAL);
    CHECK_EQ(
        weft_parallel_reduce(0, 10, 1, &b, &a, 0, sum_fold, sum_combine, NULL),
        EINVAL);
    CHECK_EQ(weft_parallel_reduce(0, 10, 1, &b, &a, 8, NULL, sum_combine, NULL),
             EINVAL);
    CHECK_EQ(weft_parallel_reduce(0, 10, 1, &b, &a, 8, sum_fold, NULL, NULL),
             EINVAL);
    CHECK_EQ(
        weft_parallel_reduce(0, 10, 1, &a, &a, 8, sum_fold, sum_combine, NULL),
        EINVAL);
    b = 5;
    CHECK_EQ(
        weft_parallel_reduce(9, 3, 1, &b, &a, 8, sum_fold, sum_combine, NULL),
        0);
    CHECK_EQ(b, 0); /* empty range: the identity */
    TEST_PASS("weft_parallel_reduce rejects bad arguments");
}

int main(void)
{
    /* From the main thread: the default pool. */
    covers_all(NULL);
    TEST_PASS("parallel_for covers every index once (default pool)");
    static const unsigned sizes[] = {1, 2, 3, 8};
    for (size_t s = 0; s < 4; s++) {
        weft_pool *pool;
        weft_config cfg = {.num_threads = sizes[s]};
        CHECK_EQ(weft_pool_create(&cfg, &pool), 0);
        CHECK_EQ(weft_pool_run(pool, covers_all, NULL), 0);
        CHECK_EQ(weft_pool_run(pool, reduces, NULL), 0);
        weft_pool_destroy(pool);
    }
    TEST_PASS("parallel_for covers every index once (1/2/3/8 workers)");
    reduces(NULL);
    TEST_PASS(
        "parallel_reduce: exact sums, left-to-right order, big accumulators");
    reversed();
    reduce_errors();
    printf("weft-total tasks %lld\n", (long long)atomic_load(&tasks_checked));
    return 0;
}
