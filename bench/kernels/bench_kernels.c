/*
 * bench_kernels.c - the kernels' speed, sequential twin vs 1 vs N workers.
 *
 *   weft_bench_kernels search FILE NEEDLE [runs]   bytes and UTF-8 modes
 *   weft_bench_kernels wc FILE [runs]
 *   weft_bench_kernels sort [log2 n] [runs]        uint64, vs qsort
 *   weft_bench_kernels sum|scan [log2 n] [runs]    doubles
 *
 * Each figure is the median of `runs` timed calls (default 5) after one
 * warm-up round, the sequential twin and the pools interleaved round by
 * round, on data already in memory (files are read into a buffer
 * first, so page faults are not timed).  Pools of 1 and of every size
 * from 2 to the CPU count are created up front.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "weft.h"
#include "weft/kernels.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct bench {
    const char *name;
    void (*fn)(void *arg);    /* the timed call */
    void (*reset)(void *arg); /* untimed, before each call (may be NULL) */
    void *arg;
} bench;

static int g_runs = 5;

/* One timed call of b in pool (NULL: on this thread, for the twins). */
static double time_once(weft_pool *pool, const bench *b)
{
    if (b->reset != NULL)
        b->reset(b->arg);
    double t0 = now();
    if (pool != NULL)
        weft_pool_run(pool, b->fn, b->arg);
    else
        b->fn(b->arg);
    return now() - t0;
}

static double median_of(double *t, int n)
{
    qsort(t, (size_t)n, sizeof(double), cmp_d);
    return t[n / 2];
}

static weft_pool *pools[65];
static unsigned max_threads;

static void make_pools(void)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    max_threads = ncpu < 1 ? 1 : ncpu > 64 ? 64 : (unsigned)ncpu;
    for (unsigned t = 1; t <= max_threads; t++) {
        weft_config cfg;
        memset(&cfg, 0, sizeof(cfg));
        cfg.num_threads = t;
        if (weft_pool_create(&cfg, &pools[t]) != 0) {
            fprintf(stderr, "cannot create a pool of %u\n", t);
            exit(1);
        }
    }
}

/* Prints: name, the twin's time, then each pool size's time and its
 * speedup over the 1-worker pool.  The twin and the pools are timed in
 * rounds, one call each per round in an order that rotates, after a
 * warm-up round: the machine's drift hits them alike, so the ratios are
 * taken side by side.  Medians. */
static void report(const bench *seq, const bench *par, double bytes)
{
    enum { MAXP = 65 };
    static double t[MAXP][64];
    int runs = g_runs > 64 ? 64 : g_runs;
    unsigned first = seq != NULL ? 0 : 1, k = max_threads + 1 - first;
    for (int r = -1; r < runs; r++)
        for (unsigned i = 0; i < k; i++) {
            unsigned slot = first + (i + (unsigned)(r + 1)) % k;
            double dt =
                slot == 0 ? time_once(NULL, seq) : time_once(pools[slot], par);
            if (r >= 0)
                t[slot][r] = dt;
        }
    printf("%-22s", par->name);
    if (seq != NULL) {
        double ts = median_of(t[0], runs);
        printf("  seq %8.4f s", ts);
        if (bytes > 0)
            printf(" (%6.2f GB/s)", bytes / ts / 1e9);
    }
    double t1 = 0;
    for (unsigned p = 1; p <= max_threads; p++) {
        double tt = median_of(t[p], runs);
        if (p == 1)
            t1 = tt;
        printf("  %u thr %8.4f s", p, tt);
        if (bytes > 0)
            printf(" (%6.2f GB/s)", bytes / tt / 1e9);
        if (p > 1)
            printf(" x%.2f", t1 / tt);
    }
    printf("\n");
    fflush(stdout);
}

static char *slurp(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        perror(path);
        exit(1);
    }
    char *buf = malloc((size_t)st.st_size + 1);
    size_t have = 0;
    ssize_t r;
    while (buf != NULL && have < (size_t)st.st_size &&
           (r = read(fd, buf + have, (size_t)st.st_size - have)) > 0)
        have += (size_t)r;
    close(fd);
    if (buf == NULL) {
        perror("malloc");
        exit(1);
    }
    *len = have;
    return buf;
}

/* ---- search / wc ---- */

typedef struct text_arg {
    const char *buf;
    size_t len;
    const char *needle;
    weft_text mode;
    uint64_t count;
    weft_wc_counts wc;
} text_arg;

static void do_search(void *p)
{
    text_arg *a = p;
    weft_search(a->buf, a->len, a->needle, strlen(a->needle), a->mode,
                &a->count);
}

static void do_search_seq(void *p)
{
    text_arg *a = p;
    weft_search_sequential(a->buf, a->len, a->needle, strlen(a->needle),
                           a->mode, &a->count);
}

static void do_wc(void *p)
{
    text_arg *a = p;
    weft_wc(a->buf, a->len, &a->wc);
}

static void do_wc_seq(void *p)
{
    text_arg *a = p;
    weft_wc_sequential(a->buf, a->len, &a->wc);
}

/* ---- arrays ---- */

typedef struct arr_arg {
    uint64_t *data, *orig;
    double *d, *out;
    size_t n;
    weft_sum_result sum;
} arr_arg;

static void reset_sort(void *p)
{
    arr_arg *a = p;
    memcpy(a->data, a->orig, a->n * 8);
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

static void do_qsort(void *p)
{
    arr_arg *a = p;
    qsort(a->data, a->n, 8, cmp_u64);
}

static void do_sort_typed(void *p)
{
    arr_arg *a = p;
    weft_sort_typed(a->data, a->n, WEFT_U64);
}

static void do_sort_typed_seq(void *p)
{
    arr_arg *a = p;
    weft_sort_typed_sequential(a->data, a->n, WEFT_U64);
}

static int cmp_u64_r(const void *x, const void *y, void *arg)
{
    (void)arg;
    return cmp_u64(x, y);
}

static void do_sort_cmp(void *p)
{
    arr_arg *a = p;
    weft_sort(a->data, a->n, 8, cmp_u64_r, NULL);
}

static void do_sort_cmp_seq(void *p)
{
    arr_arg *a = p;
    weft_sort_sequential(a->data, a->n, 8, cmp_u64_r, NULL);
}

static void do_sum(void *p)
{
    arr_arg *a = p;
    weft_sum(a->d, a->n, WEFT_F64, &a->sum);
}

static void do_sum_seq(void *p)
{
    arr_arg *a = p;
    weft_sum_sequential(a->d, a->n, WEFT_F64, &a->sum);
}

static void do_scan(void *p)
{
    arr_arg *a = p;
    weft_scan(a->d, a->out, a->n, WEFT_F64, WEFT_SCAN_INCLUSIVE);
}

static void do_scan_seq(void *p)
{
    arr_arg *a = p;
    weft_scan_sequential(a->d, a->out, a->n, WEFT_F64, WEFT_SCAN_INCLUSIVE);
}

static uint64_t rng_state = 12345;
static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr,
                "usage: %s search FILE NEEDLE [runs] | wc FILE [runs]"
                " | sort|sum|scan [log2n] [runs]\n",
                argv[0]);
        return 2;
    }
    make_pools();
    const char *what = argv[1];
    if (strcmp(what, "search") == 0 || strcmp(what, "wc") == 0) {
        bool is_search = what[0] == 's';
        if (argc < (is_search ? 4 : 3))
            return 2;
        int ra = is_search ? 4 : 3;
        if (argc > ra)
            g_runs = atoi(argv[ra]);
        text_arg a;
        memset(&a, 0, sizeof(a));
        a.buf = slurp(argv[2], &a.len);
        double bytes = (double)a.len;
        if (is_search) {
            a.needle = argv[3];
            for (int m = 0; m < 2; m++) {
                a.mode = m ? WEFT_TEXT_UTF8 : WEFT_TEXT_BYTES;
                bench s = {m ? "search (utf8)" : "search (bytes)",
                           do_search_seq, NULL, &a};
                bench p = {s.name, do_search, NULL, &a};
                report(&s, &p, bytes);
            }
            printf("count %llu\n", (unsigned long long)a.count);
        } else {
            bench s = {"wc", do_wc_seq, NULL, &a};
            bench p = {"wc", do_wc, NULL, &a};
            report(&s, &p, bytes);
            printf("%llu %llu %llu\n", (unsigned long long)a.wc.lines,
                   (unsigned long long)a.wc.words,
                   (unsigned long long)a.wc.bytes);
        }
        return 0;
    }
    int lg = argc > 2 ? atoi(argv[2]) : 24;
    if (argc > 3)
        g_runs = atoi(argv[3]);
    arr_arg a;
    memset(&a, 0, sizeof(a));
    a.n = (size_t)1 << lg;
    a.data = malloc(a.n * 8);
    a.orig = malloc(a.n * 8);
    a.d = malloc(a.n * 8);
    a.out = malloc(a.n * 8);
    if (!a.data || !a.orig || !a.d || !a.out)
        return 1;
    for (size_t i = 0; i < a.n; i++) {
        a.orig[i] = rnd();
        a.d[i] = (double)(rnd() >> 11) / 9007199254740992.0;
    }
    if (strcmp(what, "sort") == 0) {
        bench q = {"qsort (1 thread)", do_qsort, reset_sort, &a};
        double tq[64];
        int runs = g_runs > 64 ? 64 : g_runs;
        time_once(NULL, &q); /* warm-up */
        for (int r = 0; r < runs; r++)
            tq[r] = time_once(NULL, &q);
        printf("%-22s  %8.4f s\n", q.name, median_of(tq, runs));
        bench s = {"sort_typed u64", do_sort_typed_seq, reset_sort, &a};
        bench p = {"sort_typed u64", do_sort_typed, reset_sort, &a};
        report(&s, &p, 0);
        bench cs = {"sort (comparator)", do_sort_cmp_seq, reset_sort, &a};
        bench cp = {"sort (comparator)", do_sort_cmp, reset_sort, &a};
        report(&cs, &cp, 0);
    } else if (strcmp(what, "sum") == 0) {
        bench s = {"sum f64", do_sum_seq, NULL, &a};
        bench p = {"sum f64", do_sum, NULL, &a};
        report(&s, &p, (double)a.n * 8);
    } else if (strcmp(what, "scan") == 0) {
        bench s = {"scan f64 inclusive", do_scan_seq, NULL, &a};
        bench p = {"scan f64 inclusive", do_scan, NULL, &a};
        report(&s, &p, (double)a.n * 16);
    } else {
        fprintf(stderr, "unknown benchmark %s\n", what);
        return 2;
    }
    return 0;
}
