/*
 * bench.h - what every C/C++ benchmark program of the suite shares: the
 * workload definitions (inputs, sequential references, answer checks),
 * the leaf kernels every implementation calls, and the driver that speaks
 * the runner's protocol (bench/run.py).
 *
 * A benchmark program implements some (workload, variant) cases for one
 * runtime.  The runner starts one process per case and thread count:
 *
 *   prog --list                              the cases, one "workload variant"
 *   prog WORKLOAD VARIANT THREADS SIZE       set up, print "ready", then
 *                                            answer each "run" line with one
 *                                            measurement (seconds) until EOF
 *
 * so the input is generated and the pool started once per process, and the
 * runner can interleave the implementations repetition by repetition.
 * Every run checks its answer; a wrong one prints "WRONG ANSWER" on stderr
 * and exits with status 3.  bench/peers/rayon/src/main.rs mirrors this file
 * in Rust: keep the two in step (the same constants, the same generators).
 *
 * C11 or C++17; the shared code lives in bench.c (C).
 */
#ifndef WEFT_BENCH_H
#define WEFT_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Random numbers: splitmix64 (Steele, Lea, Flood 2014) ---- */

#define BENCH_GOLDEN 0x9e3779b97f4a7c15ULL

static inline uint64_t bench_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline uint64_t bench_splitmix64(uint64_t *state)
{
    *state += BENCH_GOLDEN;
    return bench_mix64(*state);
}

/* ---- fib: a fork at every call ---- */

uint64_t bench_fib_expected(int n); /* iterative */
double bench_fib_calls(int n);      /* calls of the recursion: 2 fib(n+1) - 1 */

/* ---- nqueens: one task per legal placement ---- */

/* A partial board: queens in rows 0..row-1, board[r] = its column. */
typedef struct bench_nq {
    int n;
    int row;
    signed char board[16];
} bench_nq;

static inline int bench_nq_ok(const bench_nq *b, int col)
{
    for (int r = 0; r < b->row; r++) {
        int c = b->board[r], d = b->row - r;
        if (c == col || c - col == d || col - c == d)
            return 0;
    }
    return 1;
}

uint64_t bench_nqueens_expected(int n); /* OEIS A000170, n <= 16 */
uint64_t bench_nqueens_seq(const bench_nq *b);

/* ---- UTS-like unbalanced tree: geometric child counts ---- */

/*
 * A node is a 64-bit hash and a depth.  Its number of children is
 * geometric: keep drawing from a splitmix64 stream seeded by the hash and
 * count the draws below BENCH_UTS_Q (probability 0.8, so 4 children on
 * average), stopping at the first draw above it or at BENCH_UTS_MAX_KIDS;
 * nodes at the depth limit (the SIZE parameter) are leaves.  Child i's
 * hash is mix64(h + (i + 1) * golden).  Integer arithmetic only, so C and
 * Rust build the same tree.
 */
#define BENCH_UTS_Q 0xccccccccccccccccULL /* 0.8 * 2^64 */
#define BENCH_UTS_MAX_KIDS 32
#define BENCH_UTS_ROOT 0x5eed0f7ee5ULL

static inline int bench_uts_kids(uint64_t h, int depth, int max_depth)
{
    if (depth >= max_depth)
        return 0;
    uint64_t s = h;
    int k = 0;
    while (k < BENCH_UTS_MAX_KIDS && bench_splitmix64(&s) < BENCH_UTS_Q)
        k++;
    return k;
}

static inline uint64_t bench_uts_child(uint64_t h, int i)
{
    return bench_mix64(h + (uint64_t)(i + 1) * BENCH_GOLDEN);
}

uint64_t bench_uts_seq(uint64_t h, int depth, int max_depth); /* nodes */

/* ---- skynet: 10-ary tree, leaves return their index ---- */

uint64_t bench_skynet_seq(uint64_t num, uint64_t size);

/* ---- sort: stable merge sort of uint64 ---- */

/* Below these sizes the parallel sort and merge run sequentially. */
#define BENCH_SORT_CUTOFF 8192
#define BENCH_MERGE_CUTOFF 8192

/* Sort a[0..n) stably (a bottom-up merge sort with insertion-sorted runs);
 * tmp holds n elements of scratch.  The result is in a. */
void bench_msort_seq(uint64_t *a, uint64_t *tmp, size_t n);
/* Stable merge of x[0..nx) and y[0..ny) into out (x first on ties). */
void bench_merge_seq(const uint64_t *x, size_t nx, const uint64_t *y, size_t ny,
                     uint64_t *out);
/* First index in y[0..n) with y[i] >= v (lower) or y[i] > v (upper). */
size_t bench_lower_bound(const uint64_t *y, size_t n, uint64_t v);
size_t bench_upper_bound(const uint64_t *y, size_t n, uint64_t v);

/* ---- matmul: C = A B, n x n doubles, row blocks ---- */

#define BENCH_MM_ROWS 32 /* rows per task */
#define BENCH_MM_KB 128  /* k blocking */
#define BENCH_MM_JB 256  /* j blocking */

/* Compute rows [i0, i1) of C (overwriting them); C[i][j] always adds
 * A[i][k] B[k][j] for k = 0, 1, ..., n-1 in that order, so every split
 * gives the same bits as the sequential loop. */
void bench_mm_rows(size_t n, const double *a, const double *b, double *c,
                   size_t i0, size_t i1);

/* ---- text: word search and wc ---- */

#define BENCH_NEEDLE "weft"
#define BENCH_TEXT_CHUNK ((size_t)1 << 20) /* bytes per task (peers) */

/* Python bytes whitespace: space \t \n \v \f \r. */
static inline int bench_isspace(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

typedef struct bench_wc {
    uint64_t lines, words, bytes;
} bench_wc;

/* Generate len bytes of text: lines of 1-16 words drawn from a fixed
 * 1024-word vocabulary (which contains the needle), deterministic. */
void bench_gen_text(char *buf, size_t len);
uint64_t bench_count_word(const char *p, size_t len, const char *needle,
                          size_t nlen);
/* wc of a piece that starts at a line start (or the buffer start). */
bench_wc bench_wc_piece(const char *p, size_t len);
/* Start of text chunk c of a buffer cut into pieces at the first line
 * start at or after c * BENCH_TEXT_CHUNK; bench_text_chunks() pieces. */
size_t bench_text_chunk_start(const char *p, size_t len, size_t c);
size_t bench_text_chunks(size_t len);

/* ---- The driver ---- */

typedef struct bench_ctx {
    const char *workload, *variant;
    int threads;
    long size;
    /* Inputs, filled in before the case's setup according to workload. */
    uint64_t *u64, *tmp, *orig; /* sum, sort */
    size_t n;
    double *a, *b, *c; /* matmul */
    char *text;        /* search, wc */
    size_t text_len;
    /* Reference answers. */
    uint64_t expect;
    bench_wc expect_wc;
    uint64_t fp[3]; /* sort: fingerprint of the input multiset */
    /* Results written by the run, checked by the driver. */
    uint64_t result;
    bench_wc result_wc;
    double tol; /* matmul: relative tolerance of the check, 0 = exact */
    void *impl; /* the implementation's own state */
} bench_ctx;

typedef struct bench_case {
    const char *workload;
    const char *variant;
    /* NULL or why this case cannot run in this build (printed as a skip). */
    const char *(*unavailable)(void);
    void (*setup)(bench_ctx *ctx);    /* may be NULL */
    double (*run)(bench_ctx *ctx);    /* one measurement */
    void (*teardown)(bench_ctx *ctx); /* may be NULL */
} bench_case;

/* Run the protocol: after each run the driver checks the answer itself
 * (ctx->result against the reference, the sorted array, sampled entries
 * of C), so a case only computes and times. */
int bench_main(int argc, char **argv, const bench_case *cases, int ncases);

double bench_now(void);
/* CPU time (user + system) of the whole process so far, seconds. */
double bench_cpu_time(void);
/* Sleep for s seconds (nanosleep, restarted on EINTR). */
void bench_sleep(double s);
/* The median of v[0..n) (sorts v). */
double bench_median(double *v, int n);
/* Report a wrong answer and exit(3). */
void bench_fail(const bench_ctx *ctx, const char *what, uint64_t got,
                uint64_t want);

/* Latency workloads repeat an operation this many times per measurement. */
#define BENCH_LAT_JOIN_OPS 200000
#define BENCH_LAT_RUN_OPS 20000
/* lat_wake: the median of SIZE (at most 64) wake-ups per measurement */
#define BENCH_LAT_WAKE_SLEEP 0.05 /* seconds idle before each wake */
/* The caller sleeps this long between looks at the woken task's clock
 * reading: it must not spin on a CPU the task may need. */
#define BENCH_LAT_WAKE_POLL 0.005

#ifdef __cplusplus
}
#endif

#endif /* WEFT_BENCH_H */
