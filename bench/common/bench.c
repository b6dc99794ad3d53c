/*
 * bench.c - the shared part of the benchmark programs: inputs, sequential
 * references, answer checks and the runner protocol (see bench.h).
 */
#include "bench.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double bench_cpu_time(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

void bench_sleep(double s)
{
    struct timespec ts;
    ts.tv_sec = (time_t)s;
    ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void *xmalloc(size_t size)
{
    void *p = malloc(size);
    if (p == NULL) {
        fprintf(stderr, "bench: out of memory (%zu bytes)\n", size);
        exit(1);
    }
    return p;
}

void bench_fail(const bench_ctx *ctx, const char *what, uint64_t got,
                uint64_t want)
{
    fprintf(stderr,
            "WRONG ANSWER: %s/%s, %d threads, size %ld: %s: got %llu, "
            "expected %llu\n",
            ctx->workload, ctx->variant, ctx->threads, ctx->size, what,
            (unsigned long long)got, (unsigned long long)want);
    exit(3);
}

/* ---- fib ---- */

uint64_t bench_fib_expected(int n)
{
    uint64_t a = 0, b = 1;
    for (int i = 0; i < n; i++) {
        uint64_t t = a + b;
        a = b;
        b = t;
    }
    return a;
}

double bench_fib_calls(int n)
{
    return 2.0 * (double)bench_fib_expected(n + 1) - 1.0;
}

/* ---- nqueens ---- */

uint64_t bench_nqueens_expected(int n)
{
    static const uint64_t a000170[17] = {
        1,   1,   0,    0,     2,     10,     4,       40,      92,
        352, 724, 2680, 14200, 73712, 365596, 2279184, 14772512};
    return n >= 0 && n <= 16 ? a000170[n] : 0;
}

uint64_t bench_nqueens_seq(const bench_nq *b)
{
    if (b->row == b->n)
        return 1;
    uint64_t count = 0;
    for (int col = 0; col < b->n; col++) {
        if (bench_nq_ok(b, col)) {
            bench_nq c = *b;
            c.board[c.row++] = (signed char)col;
            count += bench_nqueens_seq(&c);
        }
    }
    return count;
}

/* ---- UTS ---- */

uint64_t bench_uts_seq(uint64_t h, int depth, int max_depth)
{
    int k = bench_uts_kids(h, depth, max_depth);
    uint64_t count = 1;
    for (int i = 0; i < k; i++)
        count += bench_uts_seq(bench_uts_child(h, i), depth + 1, max_depth);
    return count;
}

/* ---- skynet ---- */

uint64_t bench_skynet_seq(uint64_t num, uint64_t size)
{
    if (size == 1)
        return num;
    uint64_t sum = 0, sub = size / 10;
    for (uint64_t i = 0; i < 10; i++)
        sum += bench_skynet_seq(num + i * sub, sub);
    return sum;
}

/* ---- sort ---- */

size_t bench_lower_bound(const uint64_t *y, size_t n, uint64_t v)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (y[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

size_t bench_upper_bound(const uint64_t *y, size_t n, uint64_t v)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (y[mid] <= v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void bench_merge_seq(const uint64_t *x, size_t nx, const uint64_t *y, size_t ny,
                     uint64_t *out)
{
    size_t i = 0, j = 0, k = 0;
    /* On random keys the comparison is a coin toss, so a branch on it
     * mispredicts every other element: select with a cmov and advance
     * each index by its own comparison (gcc -O2 emits adc and sbb, one
     * cycle from the load to the next address).  Every implementation
     * uses this merge, the rayon peer's copy included, so the comparison
     * stays like for like. */
    while (i < nx && j < ny) {
        uint64_t a = x[i], b = y[j];
        out[k++] = b < a ? b : a;
        j += b < a;
        i += b >= a;
    }
    memcpy(out + k, x + i, (nx - i) * sizeof *x);
    memcpy(out + k + (nx - i), y + j, (ny - j) * sizeof *y);
}

#define RUN 32

void bench_msort_seq(uint64_t *a, uint64_t *tmp, size_t n)
{
    for (size_t lo = 0; lo < n; lo += RUN) {
        size_t hi = lo + RUN < n ? lo + RUN : n;
        for (size_t i = lo + 1; i < hi; i++) {
            uint64_t v = a[i];
            size_t j = i;
            while (j > lo && a[j - 1] > v) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = v;
        }
    }
    uint64_t *src = a, *dst = tmp;
    for (size_t w = RUN; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n;
            size_t hi = lo + 2 * w < n ? lo + 2 * w : n;
            bench_merge_seq(src + lo, mid - lo, src + mid, hi - mid, dst + lo);
        }
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, n * sizeof *a);
}

/* ---- matmul ---- */

void bench_mm_rows(size_t n, const double *a, const double *b, double *c,
                   size_t i0, size_t i1)
{
    for (size_t i = i0; i < i1; i++)
        memset(c + i * n, 0, n * sizeof *c);
    for (size_t kk = 0; kk < n; kk += BENCH_MM_KB) {
        size_t k1 = kk + BENCH_MM_KB < n ? kk + BENCH_MM_KB : n;
        for (size_t jj = 0; jj < n; jj += BENCH_MM_JB) {
            size_t j1 = jj + BENCH_MM_JB < n ? jj + BENCH_MM_JB : n;
            for (size_t i = i0; i < i1; i++) {
                double *restrict ci = c + i * n;
                for (size_t k = kk; k < k1; k++) {
                    double aik = a[i * n + k];
                    const double *restrict bk = b + k * n;
                    if (j1 - jj == BENCH_MM_JB) {
                        /* A constant trip count: gcc -O2 vectorizes it. */
                        for (size_t j = 0; j < BENCH_MM_JB; j++)
                            ci[jj + j] += aik * bk[jj + j];
                    } else {
                        for (size_t j = jj; j < j1; j++)
                            ci[j] += aik * bk[j];
                    }
                }
            }
        }
    }
}

/* ---- text ---- */

#define VOCAB 1024

static char vocab[VOCAB][12];
static unsigned char vocab_len[VOCAB];

static void make_vocab(void)
{
    uint64_t s = 7;
    memcpy(vocab[0], BENCH_NEEDLE, sizeof(BENCH_NEEDLE) - 1);
    vocab_len[0] = (unsigned char)(sizeof(BENCH_NEEDLE) - 1);
    for (int w = 1; w < VOCAB; w++) {
        int len = 1 + (int)(bench_splitmix64(&s) % 10);
        for (int j = 0; j < len; j++)
            vocab[w][j] = (char)('a' + bench_splitmix64(&s) % 26);
        vocab_len[w] = (unsigned char)len;
    }
}

void bench_gen_text(char *buf, size_t len)
{
    make_vocab();
    uint64_t s = 11;
    size_t pos = 0;
    while (pos < len) {
        int words = 1 + (int)(bench_splitmix64(&s) % 16);
        for (int w = 0; w < words && pos < len; w++) {
            int v = (int)(bench_splitmix64(&s) % VOCAB);
            for (int j = 0; j < vocab_len[v] && pos < len; j++)
                buf[pos++] = vocab[v][j];
            if (pos < len)
                buf[pos++] = w == words - 1 ? '\n' : ' ';
        }
    }
}

uint64_t bench_count_word(const char *p, size_t len, const char *needle,
                          size_t nlen)
{
    uint64_t count = 0;
    size_t i = 0;
    while (i < len) {
        while (i < len && bench_isspace((unsigned char)p[i]))
            i++;
        size_t start = i;
        while (i < len && !bench_isspace((unsigned char)p[i]))
            i++;
        if (i - start == nlen && i > start &&
            memcmp(p + start, needle, nlen) == 0)
            count++;
    }
    return count;
}

bench_wc bench_wc_piece(const char *p, size_t len)
{
    bench_wc r = {0, 0, len};
    int prev_space = 1;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)p[i];
        int sp = bench_isspace(ch);
        r.lines += ch == '\n';
        r.words += prev_space & !sp;
        prev_space = sp;
    }
    return r;
}

size_t bench_text_chunks(size_t len)
{
    return (len + BENCH_TEXT_CHUNK - 1) / BENCH_TEXT_CHUNK;
}

size_t bench_text_chunk_start(const char *p, size_t len, size_t c)
{
    size_t s = c * BENCH_TEXT_CHUNK;
    if (s == 0)
        return 0;
    if (s >= len)
        return len;
    while (s < len && p[s - 1] != '\n')
        s++;
    return s;
}

/* ---- inputs and checks ---- */

static int is(const bench_ctx *ctx, const char *w)
{
    return strcmp(ctx->workload, w) == 0;
}

static void fingerprint(const uint64_t *a, size_t n, uint64_t fp[3])
{
    fp[0] = fp[1] = fp[2] = 0;
    for (size_t i = 0; i < n; i++) {
        fp[0] += a[i];
        fp[1] ^= bench_mix64(a[i]);
        fp[2] += bench_mix64(a[i] ^ 0x1234567ULL);
    }
}

static void prepare(bench_ctx *ctx)
{
    long size = ctx->size;
    if (is(ctx, "fib")) {
        ctx->expect = bench_fib_expected((int)size);
    } else if (is(ctx, "nqueens")) {
        ctx->expect = bench_nqueens_expected((int)size);
    } else if (is(ctx, "uts")) {
        ctx->expect = bench_uts_seq(BENCH_UTS_ROOT, 0, (int)size);
    } else if (is(ctx, "skynet")) {
        uint64_t l = (uint64_t)size;
        ctx->expect = l * (l - 1) / 2;
    } else if (is(ctx, "sum") || is(ctx, "sort")) {
        ctx->n = (size_t)1 << size;
        ctx->u64 = xmalloc(ctx->n * sizeof(uint64_t));
        uint64_t s = 1, sum = 0;
        for (size_t i = 0; i < ctx->n; i++) {
            ctx->u64[i] = bench_splitmix64(&s);
            sum += ctx->u64[i];
        }
        ctx->expect = sum;
        if (is(ctx, "sort")) {
            ctx->tmp = xmalloc(ctx->n * sizeof(uint64_t));
            ctx->orig = xmalloc(ctx->n * sizeof(uint64_t));
            memcpy(ctx->orig, ctx->u64, ctx->n * sizeof(uint64_t));
            fingerprint(ctx->orig, ctx->n, ctx->fp);
        }
    } else if (is(ctx, "matmul")) {
        size_t n = (size_t)size, nn = n * n;
        ctx->n = n;
        ctx->a = xmalloc(nn * sizeof(double));
        ctx->b = xmalloc(nn * sizeof(double));
        ctx->c = xmalloc(nn * sizeof(double));
        uint64_t s = 2;
        for (size_t i = 0; i < nn; i++)
            ctx->a[i] = (double)(bench_splitmix64(&s) >> 11) * 0x1p-52 - 1.0;
        for (size_t i = 0; i < nn; i++)
            ctx->b[i] = (double)(bench_splitmix64(&s) >> 11) * 0x1p-52 - 1.0;
    } else if (is(ctx, "search") || is(ctx, "wc")) {
        ctx->text_len = (size_t)size << 20;
        ctx->text = xmalloc(ctx->text_len);
        bench_gen_text(ctx->text, ctx->text_len);
        if (is(ctx, "search"))
            ctx->expect =
                bench_count_word(ctx->text, ctx->text_len, BENCH_NEEDLE,
                                 sizeof(BENCH_NEEDLE) - 1);
        else
            ctx->expect_wc = bench_wc_piece(ctx->text, ctx->text_len);
    }
}

static void check(bench_ctx *ctx)
{
    if (is(ctx, "sort")) {
        for (size_t i = 1; i < ctx->n; i++)
            if (ctx->u64[i - 1] > ctx->u64[i])
                bench_fail(ctx, "not sorted at index", i, 0);
        uint64_t fp[3];
        fingerprint(ctx->u64, ctx->n, fp);
        for (int i = 0; i < 3; i++)
            if (fp[i] != ctx->fp[i])
                bench_fail(ctx, "not a permutation of the input", fp[i],
                           ctx->fp[i]);
    } else if (is(ctx, "matmul")) {
        size_t n = ctx->n;
        uint64_t s = 3;
        for (int t = 0; t < 64; t++) {
            size_t i = (size_t)(bench_splitmix64(&s) % n);
            size_t j = (size_t)(bench_splitmix64(&s) % n);
            double ref = 0;
            for (size_t k = 0; k < n; k++)
                ref += ctx->a[i * n + k] * ctx->b[k * n + j];
            double got = ctx->c[i * n + j];
            int bad = ctx->tol == 0
                          ? got != ref
                          : fabs(got - ref) > ctx->tol * (1 + fabs(ref));
            if (bad) {
                fprintf(stderr, "matmul: C[%zu][%zu] = %.17g, expected %.17g\n",
                        i, j, got, ref);
                bench_fail(ctx, "matmul entry", 0, 0);
            }
        }
    } else if (is(ctx, "wc")) {
        if (ctx->result_wc.lines != ctx->expect_wc.lines)
            bench_fail(ctx, "lines", ctx->result_wc.lines,
                       ctx->expect_wc.lines);
        if (ctx->result_wc.words != ctx->expect_wc.words)
            bench_fail(ctx, "words", ctx->result_wc.words,
                       ctx->expect_wc.words);
        if (ctx->result_wc.bytes != ctx->expect_wc.bytes)
            bench_fail(ctx, "bytes", ctx->result_wc.bytes,
                       ctx->expect_wc.bytes);
    } else if (is(ctx, "fib") || is(ctx, "nqueens") || is(ctx, "uts") ||
               is(ctx, "skynet") || is(ctx, "sum") || is(ctx, "search")) {
        if (ctx->result != ctx->expect)
            bench_fail(ctx, "result", ctx->result, ctx->expect);
    }
    /* Latency and idle workloads have nothing to check. */
}

/* The text workloads can also write their input to a file, for the Python
 * benchmark: prog --dump-text MIB FILE. */
static int dump_text(long mib, const char *path)
{
    size_t len = (size_t)mib << 20;
    char *buf = xmalloc(len);
    bench_gen_text(buf, len);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
        perror(path);
        free(buf);
        return 1;
    }
    /* The reference answers, for the Python benchmark to check against. */
    bench_wc wc = bench_wc_piece(buf, len);
    printf("%s %llu %llu %llu %llu\n", BENCH_NEEDLE,
           (unsigned long long)bench_count_word(buf, len, BENCH_NEEDLE,
                                                sizeof(BENCH_NEEDLE) - 1),
           (unsigned long long)wc.lines, (unsigned long long)wc.words,
           (unsigned long long)wc.bytes);
    free(buf);
    return 0;
}

int bench_main(int argc, char **argv, const bench_case *cases, int ncases)
{
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (int i = 0; i < ncases; i++) {
            const char *why =
                cases[i].unavailable ? cases[i].unavailable() : NULL;
            printf("%s %s%s%s\n", cases[i].workload, cases[i].variant,
                   why ? " unavailable: " : "", why ? why : "");
        }
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "--dump-text") == 0)
        return dump_text(atol(argv[2]), argv[3]);
    if (argc != 5) {
        fprintf(stderr,
                "usage: %s --list | WORKLOAD VARIANT THREADS SIZE\n"
                "  then one measurement per \"run\" line on stdin\n",
                argv[0]);
        return 2;
    }
    const bench_case *bc = NULL;
    for (int i = 0; i < ncases; i++)
        if (strcmp(cases[i].workload, argv[1]) == 0 &&
            strcmp(cases[i].variant, argv[2]) == 0)
            bc = &cases[i];
    if (bc == NULL) {
        fprintf(stderr, "%s: no case %s/%s\n", argv[0], argv[1], argv[2]);
        return 2;
    }
    const char *why = bc->unavailable ? bc->unavailable() : NULL;
    if (why != NULL) {
        printf("skip %s\n", why);
        return 0;
    }
    bench_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.workload = bc->workload;
    ctx.variant = bc->variant;
    ctx.threads = atoi(argv[3]);
    ctx.size = atol(argv[4]);
    if (ctx.threads < 1 || ctx.size < 1) {
        fprintf(stderr, "%s: bad THREADS or SIZE\n", argv[0]);
        return 2;
    }
    prepare(&ctx);
    if (bc->setup)
        bc->setup(&ctx);
    printf("ready\n");
    fflush(stdout);
    char line[64];
    while (fgets(line, sizeof line, stdin) != NULL) {
        if (strncmp(line, "run", 3) != 0)
            break;
        if (ctx.orig != NULL)
            memcpy(ctx.u64, ctx.orig, ctx.n * sizeof(uint64_t));
        ctx.result = 0;
        memset(&ctx.result_wc, 0, sizeof ctx.result_wc);
        double v = bc->run(&ctx);
        check(&ctx);
        printf("%.9g\n", v);
        fflush(stdout);
    }
    if (bc->teardown)
        bc->teardown(&ctx);
    free(ctx.u64);
    free(ctx.tmp);
    free(ctx.orig);
    free(ctx.a);
    free(ctx.b);
    free(ctx.c);
    free(ctx.text);
    return 0;
}
