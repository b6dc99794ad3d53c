/*
 * map.c - out[i] = fn(in[i]) over arrays, split with weft_parallel_for.
 *
 * Nothing to combine, so the loop's adaptive splitting is all there is:
 * about 2 pieces per worker, more where pieces are stolen.  The typed maps
 * exist so that a plain `double f(double)` (a numba cfunc, a libm
 * function) is called directly, without a shim per element.
 */
#include <errno.h>

#include "internal.h"

typedef struct map_ctx {
    const char *in;
    char *out;
    size_t in_size, out_size;
    weft_map_fn fn;
    void *arg;
} map_ctx;

static void map_body(size_t lo, size_t hi, void *arg)
{
    const map_ctx *c = arg;
    for (size_t i = lo; i < hi; i++)
        c->fn(c->in + i * c->in_size, c->out + i * c->out_size, c->arg);
}

static int map_check(const void *in, size_t in_size, const void *out,
                     size_t out_size, size_t n, bool has_fn)
{
    size_t bytes;
    if (!has_fn || in_size == 0 || out_size == 0 ||
        ((in == NULL || out == NULL) && n > 0) ||
        !weft__kmul(n, in_size, &bytes) || !weft__kmul(n, out_size, &bytes))
        return EINVAL;
    return 0;
}

int weft_map(const void *in, size_t in_size, void *out, size_t out_size,
             size_t n, size_t grain, weft_map_fn fn, void *arg)
{
    int rc = map_check(in, in_size, out, out_size, n, fn != NULL);
    if (rc != 0)
        return rc;
    map_ctx c = {in, out, in_size, out_size, fn, arg};
    weft_parallel_for(0, n, grain == 0 ? 1 : grain, map_body, &c);
    return 0;
}

int weft_map_sequential(const void *in, size_t in_size, void *out,
                        size_t out_size, size_t n, weft_map_fn fn, void *arg)
{
    int rc = map_check(in, in_size, out, out_size, n, fn != NULL);
    if (rc != 0)
        return rc;
    map_ctx c = {in, out, in_size, out_size, fn, arg};
    map_body(0, n, &c);
    return 0;
}

typedef struct map_f64_ctx {
    const double *in;
    double *out;
    double (*fn)(double);
} map_f64_ctx;

static void map_f64_body(size_t lo, size_t hi, void *arg)
{
    const map_f64_ctx *c = arg;
    for (size_t i = lo; i < hi; i++)
        c->out[i] = c->fn(c->in[i]);
}

int weft_map_f64(const double *in, double *out, size_t n, double (*fn)(double))
{
    if (fn == NULL || ((in == NULL || out == NULL) && n > 0) ||
        n > SIZE_MAX / sizeof(double))
        return EINVAL;
    map_f64_ctx c = {in, out, fn};
    weft_parallel_for(0, n, 1, map_f64_body, &c);
    return 0;
}

typedef struct map_i64_ctx {
    const int64_t *in;
    int64_t *out;
    int64_t (*fn)(int64_t);
} map_i64_ctx;

static void map_i64_body(size_t lo, size_t hi, void *arg)
{
    const map_i64_ctx *c = arg;
    for (size_t i = lo; i < hi; i++)
        c->out[i] = c->fn(c->in[i]);
}

int weft_map_i64(const int64_t *in, int64_t *out, size_t n,
                 int64_t (*fn)(int64_t))
{
    if (fn == NULL || ((in == NULL || out == NULL) && n > 0) ||
        n > SIZE_MAX / sizeof(int64_t))
        return EINVAL;
    map_i64_ctx c = {in, out, fn};
    weft_parallel_for(0, n, 1, map_i64_body, &c);
    return 0;
}
