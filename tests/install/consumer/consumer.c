/*
 * consumer.c - a program built against an *installed* weft, the way a
 * user's project builds: through find_package(weft) or pkg-config.  It
 * checks a join, a reduce and a kernel against sequential answers and
 * exits 0 only if all agree.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <weft.h>
#include <weft/kernels.h>

typedef struct fib_arg {
    int n;
    long r;
} fib_arg;

static void fib(void *p)
{
    fib_arg *a = p;
    if (a->n < 2) {
        a->r = a->n;
        return;
    }
    fib_arg x = {a->n - 1, 0}, y = {a->n - 2, 0};
    weft_join(fib, &x, fib, &y);
    a->r = x.r + y.r;
}

static void fold(size_t lo, size_t hi, void *acc, void *arg)
{
    (void)arg;
    for (size_t i = lo; i < hi; i++)
        *(uint64_t *)acc += i;
}

static void combine(void *acc, const void *other, void *arg)
{
    (void)arg;
    *(uint64_t *)acc += *(const uint64_t *)other;
}

int main(void)
{
    fib_arg a = {25, 0};
    fib(&a);
    uint64_t sum = 0, zero = 0;
    int rc = weft_parallel_reduce(0, 1000000, 1000, &sum, &zero, sizeof(sum),
                                  fold, combine, NULL);
    const char text[] = "the cat and the hat\nthe end\n";
    uint64_t count = 0;
    int rc2 = weft_search(text, strlen(text), "the", 3, WEFT_TEXT_BYTES,
                          &count);
    printf("fib(25)=%ld sum=%llu count=%llu\n", a.r, (unsigned long long)sum,
           (unsigned long long)count);
    return a.r == 75025 && rc == 0 && sum == 499999500000ULL && rc2 == 0 &&
                   count == 3
               ? 0
               : 1;
}
