/*
 * weft/kernels.h - parallel kernels built on the weft runtime.
 *
 * Every kernel has a sequential twin (same name + _sequential) that gives
 * the reference answer; the parallel and sequential answers are always
 * equal (bit for bit, floating point included, where a function says so).
 *
 * Like the runtime, the kernels run on the calling worker's pool, or in
 * the default pool when called from any other thread.  Functions return 0
 * or a positive errno value (EINVAL for bad arguments, ENOMEM when scratch
 * memory cannot be allocated, ERANGE where stated) and, on error, leave
 * their outputs untouched.
 *
 * docs/kernels.md describes each contract, how it splits work, and its
 * measured speed.
 */
#ifndef WEFT_KERNELS_H
#define WEFT_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/* "weft.h", not "../weft.h": in the source tree this header and weft.h
 * live in different include directories (kernels/ and runtime/). */
#include "weft.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Element types for the typed kernels                                 */
/* ------------------------------------------------------------------ */

typedef enum weft_dtype {
    WEFT_I8,
    WEFT_I16,
    WEFT_I32,
    WEFT_I64,
    WEFT_U8,
    WEFT_U16,
    WEFT_U32,
    WEFT_U64,
    WEFT_F32,
    WEFT_F64,
} weft_dtype;

/* Size in bytes of one element, or 0 for an invalid type. */
WEFT_API size_t weft_dtype_size(weft_dtype type);

/* ------------------------------------------------------------------ */
/* par_lines: split text into chunks of whole lines                    */
/* ------------------------------------------------------------------ */

/*
 * A chunk is a run of whole lines: it starts at the start of the buffer
 * or just after a '\n', and ends just after a '\n' or at the end of the
 * buffer.  ("\r\n" needs no special case: the cut is after the '\n'.)  The
 * chunks partition [buf, buf + len) exactly; an empty buffer has no chunk.
 * A line longer than the grain, or than half the buffer, stays whole.
 *
 * Splitting is recursive and adaptive (rayon's par_lines): a piece longer
 * than grain splits at the newline nearest its middle while the adaptive
 * splitter allows (idle workers, or the piece was stolen).
 * grain: bytes; 0 means WEFT_LINES_DEFAULT_GRAIN.
 */
#define WEFT_LINES_DEFAULT_GRAIN ((size_t)64 * 1024)

typedef void (*weft_lines_fn)(const char *chunk, size_t len, void *arg);
typedef void (*weft_lines_fold_fn)(const char *chunk, size_t len, void *acc,
                                   void *arg);

/*
 * How a kernel splits its input, for the _ex variants.  NULL, or a zero
 * field, means the kernel's default.
 *   grain    pieces of at most this many bytes never split;
 *   max_len  pieces longer than this always split, whether or not workers
 *            are idle (rayon's with_max_len): many small chunks, for
 *            uneven per-line costs and for tests.  0: no limit.
 */
typedef struct weft_split_opts {
    size_t grain;
    size_t max_len;
} weft_split_opts;

/* Call fn on every chunk, potentially in parallel.
 * Returns 0, or EINVAL (fn NULL, or buf NULL with len > 0). */
WEFT_API int weft_par_lines(const char *buf, size_t len, size_t grain,
                            weft_lines_fn fn, void *arg);

/* Fold every chunk into an accumulator (see weft_parallel_reduce for
 * identity/acc_size/combine; chunks are combined in buffer order).
 * Returns 0, or EINVAL. */
WEFT_API int weft_par_lines_reduce(const char *buf, size_t len, size_t grain,
                                   void *result, const void *identity,
                                   size_t acc_size, weft_lines_fold_fn fold,
                                   weft_combine_fn combine, void *arg);

/* The same with weft_split_opts (opts->grain 0: the default grain). */
WEFT_API int weft_par_lines_ex(const char *buf, size_t len,
                               const weft_split_opts *opts, weft_lines_fn fn,
                               void *arg);
WEFT_API int weft_par_lines_reduce_ex(const char *buf, size_t len,
                                      const weft_split_opts *opts, void *result,
                                      const void *identity, size_t acc_size,
                                      weft_lines_fold_fn fold,
                                      weft_combine_fn combine, void *arg);

/* ------------------------------------------------------------------ */
/* Word search: contents.split().count(needle)                          */
/* ------------------------------------------------------------------ */

typedef enum weft_text {
    /* Python bytes semantics: whitespace is space, \t \n \r \v \f. */
    WEFT_TEXT_BYTES = 0,
    /* Python str semantics on UTF-8: the ASCII set above plus \x1c-\x1f,
     * U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F,
     * U+205F and U+3000.  Invalid UTF-8 bytes are word characters. */
    WEFT_TEXT_UTF8 = 1,
} weft_text;

/* Count the whitespace-separated words of contents equal to needle.  An
 * empty needle, or one containing whitespace, counts 0.
 * Returns 0, or EINVAL (count NULL, contents or needle NULL with a
 * non-zero length, unknown mode). */
WEFT_API int weft_search(const char *contents, size_t len, const char *needle,
                         size_t needle_len, weft_text mode, uint64_t *count);
WEFT_API int weft_search_sequential(const char *contents, size_t len,
                                    const char *needle, size_t needle_len,
                                    weft_text mode, uint64_t *count);
/* weft_search splitting with opts (par_lines chunks; NULL: defaults). */
WEFT_API int weft_search_ex(const char *contents, size_t len,
                            const char *needle, size_t needle_len,
                            weft_text mode, const weft_split_opts *opts,
                            uint64_t *count);

/* ------------------------------------------------------------------ */
/* wc: lines, words, bytes, exactly as LC_ALL=C wc                      */
/* ------------------------------------------------------------------ */

/* The C locale's rules, as GNU coreutils 9.1 applies them: a line is a
 * '\n'; a word starts at a printable non-space byte (0x21..0x7e) when the
 * last byte that mattered was whitespace (space \t \n \v \f \r) or there
 * was none; all other bytes (NUL, other controls, DEL, 0x80..0xff) are
 * ignored: they neither start nor end a word. */
typedef struct weft_wc_counts {
    uint64_t lines; /* '\n' bytes */
    uint64_t words;
    uint64_t bytes;
} weft_wc_counts;

WEFT_API int weft_wc(const char *buf, size_t len, weft_wc_counts *out);
WEFT_API int weft_wc_sequential(const char *buf, size_t len,
                                weft_wc_counts *out);
/* weft_wc splitting with opts (any byte boundary; NULL: defaults). */
WEFT_API int weft_wc_ex(const char *buf, size_t len,
                        const weft_split_opts *opts, weft_wc_counts *out);

/*
 * Streaming wc, for input that arrives in pieces (a pipe): start from
 * WEFT_WC_STATE_INIT and feed the bytes in order, in buffers cut anywhere;
 * state->counts is then the wc of their concatenation.  Returns 0, or
 * EINVAL (state NULL, or buf NULL with len > 0; state unchanged).
 */
typedef struct weft_wc_state {
    weft_wc_counts counts;
    int in_word; /* the last byte that was not ignored was part of a word */
} weft_wc_state;
/* clang-format off */
#define WEFT_WC_STATE_INIT {{0, 0, 0}, 0}
/* clang-format on */
WEFT_API int weft_wc_update(weft_wc_state *state, const char *buf, size_t len);
WEFT_API int weft_wc_update_sequential(weft_wc_state *state, const char *buf,
                                       size_t len);

/* ------------------------------------------------------------------ */
/* Sums and reductions over arrays                                     */
/* ------------------------------------------------------------------ */

/* Exact integer sums need more than 64 bits: a 128-bit two's-complement
 * value (hi:lo).  Float sums (F32, F64) are accumulated in double. */
typedef struct weft_sum_result {
    int is_float;
    double f;    /* when is_float */
    uint64_t lo; /* when !is_float: low 64 bits */
    int64_t hi;  /* and high 64 bits (signed) */
} weft_sum_result;

/*
 * Sum n elements of the given type.  Integers: exact.  Floating point:
 * summed in blocks of a fixed size, then pairwise in a fixed tree, so the
 * result depends only on the data, never on the number of threads or on
 * stealing: repeated runs give the same bits, and so does the sequential
 * twin.  Returns 0 or EINVAL (out NULL, data NULL with n > 0, an unknown
 * type, or n * element size beyond SIZE_MAX).
 */
WEFT_API int weft_sum(const void *data, size_t n, weft_dtype type,
                      weft_sum_result *out);
WEFT_API int weft_sum_sequential(const void *data, size_t n, weft_dtype type,
                                 weft_sum_result *out);

/*
 * Generic array reduce: result = identity (+) data[0] (+) ... (+) data[n-1]
 * with op(acc, elem, arg) folding one element of elem_size bytes into an
 * accumulator of acc_size bytes and combine joining two accumulators (in
 * order, so op/combine need only be associative).  Returns 0 or EINVAL.
 */
typedef void (*weft_reduce_op)(void *acc, const void *elem, void *arg);
WEFT_API int weft_reduce(const void *data, size_t n, size_t elem_size,
                         void *result, const void *identity, size_t acc_size,
                         weft_reduce_op op, weft_combine_fn combine, void *arg);
WEFT_API int weft_reduce_sequential(const void *data, size_t n,
                                    size_t elem_size, void *result,
                                    const void *identity, size_t acc_size,
                                    weft_reduce_op op, weft_combine_fn combine,
                                    void *arg);

/* ------------------------------------------------------------------ */
/* Sort                                                                */
/* ------------------------------------------------------------------ */

/* Stable merge sort of n elements of size bytes with a comparator (three-
 * way, like qsort_r's).  Needs n * size bytes of scratch.
 * Returns 0, EINVAL, or ENOMEM (base unchanged). */
typedef int (*weft_cmp_fn)(const void *a, const void *b, void *arg);
WEFT_API int weft_sort(void *base, size_t n, size_t size, weft_cmp_fn cmp,
                       void *arg);
WEFT_API int weft_sort_sequential(void *base, size_t n, size_t size,
                                  weft_cmp_fn cmp, void *arg);

/* Fast path for plain numbers (any weft_dtype), ascending.  Floating point
 * uses IEEE total order with every NaN after every number; -0.0 sorts
 * before +0.0.  Returns 0, EINVAL or ENOMEM. */
WEFT_API int weft_sort_typed(void *base, size_t n, weft_dtype type);
WEFT_API int weft_sort_typed_sequential(void *base, size_t n, weft_dtype type);

/* ------------------------------------------------------------------ */
/* Scan (prefix sums)                                                  */
/* ------------------------------------------------------------------ */

typedef enum weft_scan_kind {
    WEFT_SCAN_INCLUSIVE = 0, /* out[i] = in[0] + ... + in[i] */
    WEFT_SCAN_EXCLUSIVE = 1, /* out[i] = in[0] + ... + in[i-1]; out[0] = 0 */
} weft_scan_kind;

/* Prefix sums of any weft_dtype; integers wrap modulo 2^bits, floats are
 * added in a fixed, documented order (equal to the sequential twin).  in
 * and out may be the same array.  Returns 0 or EINVAL. */
WEFT_API int weft_scan(const void *in, void *out, size_t n, weft_dtype type,
                       weft_scan_kind kind);
WEFT_API int weft_scan_sequential(const void *in, void *out, size_t n,
                                  weft_dtype type, weft_scan_kind kind);

/* ------------------------------------------------------------------ */
/* Map                                                                 */
/* ------------------------------------------------------------------ */

/* out[i] = fn(in[i]) for elements of in_size and out_size bytes:
 * fn(in + i * in_size, out + i * out_size, arg).  grain: elements per
 * piece at least (0: adaptive).  Returns 0 or EINVAL. */
typedef void (*weft_map_fn)(const void *in, void *out, void *arg);
WEFT_API int weft_map(const void *in, size_t in_size, void *out,
                      size_t out_size, size_t n, size_t grain, weft_map_fn fn,
                      void *arg);
WEFT_API int weft_map_sequential(const void *in, size_t in_size, void *out,
                                 size_t out_size, size_t n, weft_map_fn fn,
                                 void *arg);

/* Typed maps for plain C callbacks (e.g. numba cfunc(float64(float64))). */
WEFT_API int weft_map_f64(const double *in, double *out, size_t n,
                          double (*fn)(double));
WEFT_API int weft_map_i64(const int64_t *in, int64_t *out, size_t n,
                          int64_t (*fn)(int64_t));

/* ------------------------------------------------------------------ */
/* Classic task-parallel examples (used by the benchmarks)             */
/* ------------------------------------------------------------------ */

/* fib(n) with a fork at every call (no cutoff).  n <= 92 (for larger n,
 * UINT64_MAX at once). */
WEFT_API uint64_t weft_fib(unsigned n);
WEFT_API uint64_t weft_fib_sequential(unsigned n);

/* Number of ways to place n queens (n <= 16), one task per legal column
 * placement (a scope spawn per column; a placement in the last row is
 * counted by its parent).  nqueens(0) is 1; n > 16 gives UINT64_MAX. */
WEFT_API uint64_t weft_nqueens(unsigned n);
WEFT_API uint64_t weft_nqueens_sequential(unsigned n);

/* C = A * B for n x n row-major doubles, blocked and recursive.  C must
 * not overlap A or B.  Allocates nothing.  Returns 0, or EINVAL (a NULL
 * matrix with n > 0, n * n * sizeof(double) overflowing, or overlap). */
WEFT_API int weft_matmul(size_t n, const double *a, const double *b, double *c);
WEFT_API int weft_matmul_sequential(size_t n, const double *a, const double *b,
                                    double *c);

#ifdef __cplusplus
}
#endif

#endif /* WEFT_KERNELS_H */
