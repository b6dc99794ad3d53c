/*
 * test_fault_kernels.c - fault injection for the kernels (weft/kernels.h).
 *
 * For every kernel that allocates (its own scratch through weft__alloc, or
 * the runtime's on its behalf: reduce accumulators, scope tasks, deque
 * growth, the default pool) and for every N that a call reaches, make the
 * Nth allocation from the start of the call fail, and check the
 * documented outcome:
 *
 *   - a kernel documented to return ENOMEM (sort, sort_typed, matmul) either
 *     returns ENOMEM with its outputs untouched, or succeeds (the failed
 *     allocation was one it can do without) with the right answer;
 *   - every other kernel ("Returns 0 or EINVAL") succeeds with the right
 *     answer, whatever allocation fails (it falls back to sequential work).
 *
 * N runs from 1 until a call with the Nth allocation armed makes fewer
 * than N allocations (no failure injected).  After each sweep a call
 * without faults must give the right answer.  Each sweep runs twice: from
 * the main thread (the kernels enter the default pool) and on a worker of
 * a 4-thread pool.  Before anything else, the first kernel call of a
 * process is swept while it creates the default pool (one fork child per
 * N, as the pool, once made, stays), failing its allocations and then its
 * thread creations: the kernel runs on the calling thread instead, its
 * answer is still right, and no thread is left over.
 *
 * References come from the sequential twins, computed before any fault is
 * armed.  Memory leaks are LeakSanitizer's business (the asan preset
 * builds with WEFT_FAULT_INJECTION); threads are counted here.
 *
 * Skipped (exit 77) in builds without fault injection.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "weft.h"
#include "weft/kernels.h"

long long weft__debug_fail_alloc_after(long long n);
long long weft__debug_fail_thread_after(long long n);

/* A sweep that needs more points than this is broken (an allocation per
 * element, or a countdown that never runs out). */
#define MAX_POINTS 100000

static long long faults_total, enomem_total, fallback_total, calls_total;

/* ------------------------------------------------------------------ */
/* Cases                                                               */
/* ------------------------------------------------------------------ */

typedef struct kcase {
    const char *name;
    /* weft/kernels.h documents ENOMEM for this kernel. */
    bool may_enomem;
    /* Fresh inputs and outputs (the state check_untouched expects). */
    void (*setup)(void);
    /* The parallel kernel; its return value. */
    int (*call)(void);
    /* CHECK that the outputs hold the right answer. */
    void (*check_result)(void);
    /* CHECK that the outputs are as setup left them. */
    void (*check_untouched)(void);
} kcase;

/* ---- sort with a comparator: stable, checked against the twin ---- */

typedef struct rec {
    int32_t key, idx;
} rec;

static size_t sort_n;
static rec *sort_in, *sort_buf, *sort_ref;

static int rec_cmp(const void *a, const void *b, void *arg)
{
    (void)arg;
    int32_t x = ((const rec *)a)->key, y = ((const rec *)b)->key;
    return (x > y) - (x < y);
}

static void sort_setup(void)
{
    memcpy(sort_buf, sort_in, sort_n * sizeof(rec));
}

static int sort_call(void)
{
    return weft_sort(sort_buf, sort_n, sizeof(rec), rec_cmp, NULL);
}

static void sort_check(void)
{
    CHECK(memcmp(sort_buf, sort_ref, sort_n * sizeof(rec)) == 0);
}

static void sort_untouched(void)
{
    CHECK(memcmp(sort_buf, sort_in, sort_n * sizeof(rec)) == 0);
}

static void sort_prepare(void)
{
    sort_n = (size_t)test_scaled(60000, 20000);
    sort_in = malloc(sort_n * sizeof(rec));
    sort_buf = malloc(sort_n * sizeof(rec));
    sort_ref = malloc(sort_n * sizeof(rec));
    CHECK(sort_in && sort_buf && sort_ref);
    uint64_t rng = 1;
    for (size_t i = 0; i < sort_n; i++)
        sort_in[i] = (rec){(int32_t)(test_rand(&rng) % 1000), (int32_t)i};
    memcpy(sort_ref, sort_in, sort_n * sizeof(rec));
    CHECK_EQ(weft_sort_sequential(sort_ref, sort_n, sizeof(rec), rec_cmp, NULL),
             0);
    for (size_t i = 1; i < sort_n; i++) /* the twin is right: stable */
        CHECK(sort_ref[i - 1].key < sort_ref[i].key ||
              (sort_ref[i - 1].key == sort_ref[i].key &&
               sort_ref[i - 1].idx < sort_ref[i].idx));
}

/* ---- typed sorts: u32 (parallel MSD radix: scratch + histogram rows),
 * u16 (counting sort: counts + reduce accumulators), f64 (NaN, -0.0) ---- */

typedef struct typed {
    weft_dtype type;
    size_t n;
    void *in, *buf, *ref;
} typed;

static typed ty_u32, ty_u16, ty_f64;
static typed *ty_cur;

static size_t ty_bytes(const typed *t)
{
    return t->n * weft_dtype_size(t->type);
}

static void ty_prepare(typed *t, weft_dtype type, size_t n, uint64_t seed)
{
    t->type = type;
    t->n = n;
    size_t bytes = ty_bytes(t);
    t->in = malloc(bytes);
    t->buf = malloc(bytes);
    t->ref = malloc(bytes);
    CHECK(t->in && t->buf && t->ref);
    uint64_t rng = seed;
    for (size_t i = 0; i < n; i++) {
        uint64_t r = test_rand(&rng);
        switch (type) {
        case WEFT_U32:
            ((uint32_t *)t->in)[i] = (uint32_t)r;
            break;
        case WEFT_U16:
            ((uint16_t *)t->in)[i] = (uint16_t)r;
            break;
        default: {
            double v = (double)(int64_t)(r >> 11) / 1e6;
            if (r % 97 == 0)
                v = NAN;
            else if (r % 89 == 0)
                v = -0.0;
            else if (r % 83 == 0)
                v = 0.0;
            ((double *)t->in)[i] = v;
        }
        }
    }
    memcpy(t->ref, t->in, bytes);
    CHECK_EQ(weft_sort_typed_sequential(t->ref, n, type), 0);
}

static void ty_setup(void)
{
    memcpy(ty_cur->buf, ty_cur->in, ty_bytes(ty_cur));
}

static int ty_call(void)
{
    return weft_sort_typed(ty_cur->buf, ty_cur->n, ty_cur->type);
}

static void ty_check(void)
{
    CHECK(memcmp(ty_cur->buf, ty_cur->ref, ty_bytes(ty_cur)) == 0);
}

static void ty_untouched(void)
{
    CHECK(memcmp(ty_cur->buf, ty_cur->in, ty_bytes(ty_cur)) == 0);
}

#define TYPED_SETUP(NAME)                                                      \
    static void NAME##_setup(void)                                             \
    {                                                                          \
        ty_cur = &ty_##NAME;                                                   \
        ty_setup();                                                            \
    }
TYPED_SETUP(u32)
TYPED_SETUP(u16)
TYPED_SETUP(f64)

/* ---- scan, sums, generic reduce with a big accumulator ---- */

static size_t arr_n;
static int64_t *arr_i64, *scan_out, *scan_ref;
static double *arr_f64;

static void scan_setup(void)
{
    memset(scan_out, 0xa5, arr_n * sizeof(int64_t));
}

static int scan_call(void)
{
    return weft_scan(arr_i64, scan_out, arr_n, WEFT_I64, WEFT_SCAN_INCLUSIVE);
}

static void scan_check(void)
{
    CHECK(memcmp(scan_out, scan_ref, arr_n * sizeof(int64_t)) == 0);
}

static weft_sum_result sum_out, sum_i64_ref, sum_f64_ref;

static void sum_setup(void)
{
    memset(&sum_out, 0xa5, sizeof(sum_out));
}

static int sum_i64_call(void)
{
    return weft_sum(arr_i64, arr_n, WEFT_I64, &sum_out);
}

static void sum_i64_check(void)
{
    CHECK(!sum_out.is_float);
    CHECK_EQ_U(sum_out.lo, sum_i64_ref.lo);
    CHECK_EQ(sum_out.hi, sum_i64_ref.hi);
}

static int sum_f64_call(void)
{
    return weft_sum(arr_f64, arr_n, WEFT_F64, &sum_out);
}

static void sum_f64_check(void)
{
    CHECK(sum_out.is_float);
    CHECK(memcmp(&sum_out.f, &sum_f64_ref.f, sizeof(double)) == 0);
}

/* 512-byte accumulators: more than the runtime keeps on the stack. */
typedef struct wide {
    uint64_t v[64];
} wide;

static wide wide_zero, wide_out, wide_ref;

static void wide_op(void *acc, const void *elem, void *arg)
{
    (void)arg;
    int64_t x;
    memcpy(&x, elem, sizeof(x));
    ((wide *)acc)->v[(uint64_t)x % 64] += (uint64_t)x;
}

static void wide_combine(void *acc, const void *other, void *arg)
{
    (void)arg;
    for (int i = 0; i < 64; i++)
        ((wide *)acc)->v[i] += ((const wide *)other)->v[i];
}

static void reduce_setup(void)
{
    memset(&wide_out, 0xa5, sizeof(wide_out));
}

static int reduce_call(void)
{
    return weft_reduce(arr_i64, arr_n, sizeof(int64_t), &wide_out, &wide_zero,
                       sizeof(wide), wide_op, wide_combine, NULL);
}

static void reduce_check(void)
{
    CHECK(memcmp(&wide_out, &wide_ref, sizeof(wide)) == 0);
}

/* ---- map ---- */

static int64_t *map_out, *map_ref;
static double *mapf_out, *mapf_ref;

static void triple(const void *in, void *out, void *arg)
{
    (void)arg;
    int64_t x;
    memcpy(&x, in, sizeof(x));
    x = x * 3 + 1;
    memcpy(out, &x, sizeof(x));
}

static double halve(double x)
{
    return x * 0.5 - 1.0;
}

static void map_setup(void)
{
    memset(map_out, 0xa5, arr_n * sizeof(int64_t));
}

static int map_call(void)
{
    return weft_map(arr_i64, sizeof(int64_t), map_out, sizeof(int64_t), arr_n,
                    0, triple, NULL);
}

static void map_check(void)
{
    CHECK(memcmp(map_out, map_ref, arr_n * sizeof(int64_t)) == 0);
}

static void mapf_setup(void)
{
    memset(mapf_out, 0xa5, arr_n * sizeof(double));
}

static int mapf_call(void)
{
    return weft_map_f64(arr_f64, mapf_out, arr_n, halve);
}

static void mapf_check(void)
{
    CHECK(memcmp(mapf_out, mapf_ref, arr_n * sizeof(double)) == 0);
}

static void arrays_prepare(void)
{
    arr_n = (size_t)test_scaled(1 << 20, 1 << 17);
    arr_i64 = malloc(arr_n * sizeof(int64_t));
    arr_f64 = malloc(arr_n * sizeof(double));
    scan_out = malloc(arr_n * sizeof(int64_t));
    scan_ref = malloc(arr_n * sizeof(int64_t));
    map_out = malloc(arr_n * sizeof(int64_t));
    map_ref = malloc(arr_n * sizeof(int64_t));
    mapf_out = malloc(arr_n * sizeof(double));
    mapf_ref = malloc(arr_n * sizeof(double));
    CHECK(arr_i64 && arr_f64 && scan_out && scan_ref && map_out && map_ref &&
          mapf_out && mapf_ref);
    uint64_t rng = 3;
    for (size_t i = 0; i < arr_n; i++) {
        uint64_t r = test_rand(&rng);
        arr_i64[i] = (int64_t)r >> 8;
        arr_f64[i] = (double)(int64_t)(r >> 20) * 1e-3;
    }
    CHECK_EQ(weft_scan_sequential(arr_i64, scan_ref, arr_n, WEFT_I64,
                                  WEFT_SCAN_INCLUSIVE),
             0);
    CHECK_EQ(weft_sum_sequential(arr_i64, arr_n, WEFT_I64, &sum_i64_ref), 0);
    CHECK_EQ(weft_sum_sequential(arr_f64, arr_n, WEFT_F64, &sum_f64_ref), 0);
    memset(&wide_zero, 0, sizeof(wide_zero));
    CHECK_EQ(weft_reduce_sequential(arr_i64, arr_n, sizeof(int64_t), &wide_ref,
                                    &wide_zero, sizeof(wide), wide_op,
                                    wide_combine, NULL),
             0);
    CHECK_EQ(weft_map_sequential(arr_i64, sizeof(int64_t), map_ref,
                                 sizeof(int64_t), arr_n, triple, NULL),
             0);
    for (size_t i = 0; i < arr_n; i++)
        mapf_ref[i] = halve(arr_f64[i]);
}

/* ---- text: search, wc, par_lines_reduce with a big accumulator ---- */

static char *text;
static size_t text_len;
typedef struct lines_acc lines_acc;
static void lines_identity(void);
static uint64_t search_out, search_ref;
static weft_wc_counts wc_out, wc_ref;

static void text_prepare(void)
{
    text_len = (size_t)test_scaled(1 << 20, 1 << 18);
    text = malloc(text_len);
    CHECK(text != NULL);
    static const char *words[] = {"weft", "warp", "loom", "shuttle", "w"};
    uint64_t rng = 5;
    size_t at = 0;
    while (at < text_len) {
        uint64_t r = test_rand(&rng);
        const char *w = words[r % 5];
        size_t wl = strlen(w);
        for (size_t i = 0; i < wl && at < text_len; i++)
            text[at++] = w[i];
        if (at < text_len)
            text[at++] = (r >> 8) % 9 == 0 ? '\n' : ' ';
    }
    CHECK_EQ(weft_search_sequential(text, text_len, "weft", 4, WEFT_TEXT_BYTES,
                                    &search_ref),
             0);
    CHECK(search_ref > 0);
    CHECK_EQ(weft_wc_sequential(text, text_len, &wc_ref), 0);
    lines_identity();
}

static void search_setup(void)
{
    search_out = UINT64_MAX;
}

static int search_call(void)
{
    return weft_search(text, text_len, "weft", 4, WEFT_TEXT_BYTES, &search_out);
}

static void search_check(void)
{
    CHECK_EQ_U(search_out, search_ref);
}

static void wc_setup(void)
{
    memset(&wc_out, 0xa5, sizeof(wc_out));
}

static int wc_call(void)
{
    return weft_wc(text, text_len, &wc_out);
}

static void wc_check(void)
{
    CHECK_EQ_U(wc_out.lines, wc_ref.lines);
    CHECK_EQ_U(wc_out.words, wc_ref.words);
    CHECK_EQ_U(wc_out.bytes, wc_ref.bytes);
}

/* Per chunk: lines, bytes and first/last offsets in a 512-byte
 * accumulator; combined in order, so a chunk lost, repeated or out of
 * order shows. */
struct lines_acc {
    uint64_t lines, bytes, first, end;
    int ok, any;
    unsigned char pad[512 - 4 * sizeof(uint64_t) - 2 * sizeof(int)];
};

static lines_acc lines_zero, lines_out;

static void lines_identity(void)
{
    memset(&lines_zero, 0, sizeof(lines_zero));
    lines_zero.ok = 1;
}

static void lines_fold(const char *chunk, size_t len, void *acc, void *arg)
{
    (void)arg;
    lines_acc *a = acc;
    uint64_t off = (uint64_t)(chunk - text);
    if (!a->any) {
        a->first = off;
        a->any = 1;
    } else if (off != a->end) {
        a->ok = 0;
    }
    a->end = off + len;
    a->bytes += len;
    for (size_t i = 0; i < len; i++)
        a->lines += chunk[i] == '\n';
}

static void lines_combine(void *acc, const void *other, void *arg)
{
    (void)arg;
    lines_acc *a = acc;
    const lines_acc *b = other;
    if (!b->any)
        return;
    if (!a->any) {
        *a = *b;
        return;
    }
    if (b->first != a->end || !b->ok)
        a->ok = 0;
    a->end = b->end;
    a->bytes += b->bytes;
    a->lines += b->lines;
}

static void lines_setup(void)
{
    memset(&lines_out, 0xa5, sizeof(lines_out));
}

static int lines_call(void)
{
    /* Pieces over 8 KiB always split: many accumulators to allocate. */
    weft_split_opts o = {.grain = 1024, .max_len = 8192};
    return weft_par_lines_reduce_ex(text, text_len, &o, &lines_out, &lines_zero,
                                    sizeof(lines_acc), lines_fold,
                                    lines_combine, NULL);
}

static void lines_check(void)
{
    CHECK(lines_out.any && lines_out.ok);
    CHECK_EQ_U(lines_out.first, 0);
    CHECK_EQ_U(lines_out.end, text_len);
    CHECK_EQ_U(lines_out.bytes, text_len);
    CHECK_EQ_U(lines_out.lines, wc_ref.lines);
}

/* ---- matmul ---- */

static size_t mm_n;
static double *mm_a, *mm_b, *mm_c, *mm_ref;

static void mm_prepare(void)
{
    mm_n = 96;
    size_t nn = mm_n * mm_n;
    mm_a = malloc(nn * sizeof(double));
    mm_b = malloc(nn * sizeof(double));
    mm_c = malloc(nn * sizeof(double));
    mm_ref = malloc(nn * sizeof(double));
    CHECK(mm_a && mm_b && mm_c && mm_ref);
    uint64_t rng = 7;
    for (size_t i = 0; i < nn; i++) {
        mm_a[i] = (double)(test_rand(&rng) % 2001) / 1000.0 - 1.0;
        mm_b[i] = (double)(test_rand(&rng) % 2001) / 1000.0 - 1.0;
    }
    CHECK_EQ(weft_matmul_sequential(mm_n, mm_a, mm_b, mm_ref), 0);
}

static void mm_setup(void)
{
    memset(mm_c, 0xa5, mm_n * mm_n * sizeof(double));
}

static int mm_call(void)
{
    return weft_matmul(mm_n, mm_a, mm_b, mm_c);
}

static void mm_check(void)
{
    /* Same blocking and order as the twin: the same bits. */
    CHECK(memcmp(mm_c, mm_ref, mm_n * mm_n * sizeof(double)) == 0);
}

static void mm_untouched(void)
{
    for (size_t i = 0; i < mm_n * mm_n; i++) {
        uint64_t bits;
        memcpy(&bits, &mm_c[i], sizeof(bits));
        CHECK_EQ_U(bits, 0xa5a5a5a5a5a5a5a5ULL);
    }
}

/* ---- nqueens: a task per placement (kernel scratch + scope tasks) ---- */

static unsigned nq_n;
static uint64_t nq_out, nq_ref;

static void nq_setup(void)
{
    nq_out = 0;
}

static int nq_call(void)
{
    nq_out = weft_nqueens(nq_n);
    return 0;
}

static void nq_check(void)
{
    CHECK_EQ_U(nq_out, nq_ref);
}

static void no_output(void)
{
    CHECK(!"a kernel without ENOMEM in its contract returned ENOMEM");
}

static const kcase cases[] = {
    {"weft_sort (comparator)", true, sort_setup, sort_call, sort_check,
     sort_untouched},
    {"weft_sort_typed u32 (MSD radix)", true, u32_setup, ty_call, ty_check,
     ty_untouched},
    {"weft_sort_typed u16 (counting)", true, u16_setup, ty_call, ty_check,
     ty_untouched},
    {"weft_sort_typed f64", true, f64_setup, ty_call, ty_check, ty_untouched},
    {"weft_scan i64", false, scan_setup, scan_call, scan_check, no_output},
    {"weft_sum i64", false, sum_setup, sum_i64_call, sum_i64_check, no_output},
    {"weft_sum f64", false, sum_setup, sum_f64_call, sum_f64_check, no_output},
    {"weft_reduce (512-byte accumulator)", false, reduce_setup, reduce_call,
     reduce_check, no_output},
    {"weft_map", false, map_setup, map_call, map_check, no_output},
    {"weft_map_f64", false, mapf_setup, mapf_call, mapf_check, no_output},
    {"weft_search", false, search_setup, search_call, search_check, no_output},
    {"weft_wc", false, wc_setup, wc_call, wc_check, no_output},
    {"weft_par_lines_reduce_ex (512-byte accumulator)", false, lines_setup,
     lines_call, lines_check, no_output},
    {"weft_matmul", true, mm_setup, mm_call, mm_check, mm_untouched},
    {"weft_nqueens", false, nq_setup, nq_call, nq_check, no_output},
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* ------------------------------------------------------------------ */
/* Sweeps                                                              */
/* ------------------------------------------------------------------ */

typedef struct in_pool {
    const kcase *k;
    int rc;
} in_pool;

static void call_on_worker(void *p)
{
    in_pool *ip = p;
    CHECK(weft_current_thread_index() >= 0);
    ip->rc = ip->k->call();
}

/* One call of k, on the calling thread or on a worker of pool. */
static int call_case(const kcase *k, weft_pool *pool)
{
    calls_total++;
    if (pool == NULL)
        return k->call();
    in_pool ip = {k, -1};
    CHECK_EQ(weft_pool_run(pool, call_on_worker, &ip), 0);
    return ip.rc;
}

/*
 * Fail the Nth allocation of a call of k, for N = 1, 2, ... until a call
 * sees no failure.  Returns the number of failure points.
 */
static long long sweep(const kcase *k, weft_pool *pool)
{
    long long enomem = 0, fell_back = 0, points = 0;
    for (long long n = 1;; n++) {
        CHECK(n <= MAX_POINTS);
        k->setup();
        long long a0 = weft__debug_fail_alloc_after(0);
        long long t0 = weft__debug_fail_thread_after(0);
        weft__debug_fail_alloc_after(n);
        int rc = call_case(k, pool);
        /* Disarm both (a countdown the call did not reach would fire in
         * a later one) and count what fired. */
        long long fa = weft__debug_fail_alloc_after(0) - a0;
        long long ft = weft__debug_fail_thread_after(0) - t0;
        CHECK(fa >= 0 && fa <= 1 && ft >= 0 && ft <= 1);
        faults_total += fa + ft;
        if (rc == ENOMEM) {
            if (!k->may_enomem) {
                fprintf(stderr, "%s returned ENOMEM (N=%lld), undocumented\n",
                        k->name, n);
                exit(1);
            }
            CHECK(fa == 1); /* only an injected failure explains it */
            k->check_untouched();
            enomem++;
        } else {
            if (rc != 0) {
                fprintf(stderr, "%s returned %d with allocation %lld armed\n",
                        k->name, rc, n);
                exit(1);
            }
            k->check_result();
            if (fa + ft != 0)
                fell_back++;
        }
        if (fa == 0)
            break;
        points++;
    }
    enomem_total += enomem;
    fallback_total += fell_back;
    /* And without faults: the right answer. */
    k->setup();
    CHECK_EQ(call_case(k, pool), 0);
    k->check_result();
    printf("  %-50s %-11s: %4lld allocation points (%lld ENOMEM, %lld fell "
           "back)\n",
           k->name, pool == NULL ? "outside" : "on a worker", points, enomem,
           fell_back);
    return points;
}

/*
 * The process's first kernel call creates the default pool.  Each N runs
 * in a fork child (the parent has no threads yet), since once the default
 * pool exists it stays: the child arms the Nth allocation (then the Nth
 * thread creation), makes its first kernel call and checks the answer.
 * (When creation fails, the kernel runs on the calling thread, and its
 * next fork from that thread tries to create the pool again.)
 */
enum { CHILD_FIRED = 10, CHILD_CLEAN = 11 };

static int first_call_child(const kcase *k, int kind, long long n)
{
    k->setup();
    if (kind == 0)
        weft__debug_fail_alloc_after(n);
    else
        weft__debug_fail_thread_after(n);
    int rc = k->call();
    long long fa = weft__debug_fail_alloc_after(0);
    long long ft = weft__debug_fail_thread_after(0);
    CHECK(fa + ft <= 1);
    if (rc == ENOMEM) {
        CHECK(k->may_enomem && fa == 1);
        k->check_untouched();
    } else {
        CHECK_EQ(rc, 0);
        k->check_result();
    }
    /* No thread left over from a failed creation: the calling thread and
     * the default pool's workers (if no attempt succeeded, this call
     * creates the pool, without faults). */
    weft_pool *dp = weft_default_pool();
    CHECK(dp != NULL);
    CHECK_EQ(test_count_dir("/proc/self/task"),
             1 + (int)weft_pool_num_threads(dp));
    /* And the pool works. */
    k->setup();
    CHECK_EQ(k->call(), 0);
    k->check_result();
    return (kind == 0 ? fa : ft) != 0 ? CHILD_FIRED : CHILD_CLEAN;
}

static void default_pool_creation(void)
{
    CHECK_EQ(test_count_dir("/proc/self/task"), 1); /* safe to fork */
    const kcase *k = &cases[0]; /* weft_sort: its scratch, then the pool */
    long long points[2] = {0, 0};
    for (int kind = 0; kind < 2; kind++) {
        for (long long n = 1;; n++) {
            CHECK(n <= 1000);
            fflush(stdout);
            fflush(stderr);
            pid_t pid = fork();
            CHECK(pid >= 0);
            if (pid == 0) {
                int code = first_call_child(k, kind, n);
                fflush(stdout);
                exit(code); /* LeakSanitizer checks the child too */
            }
            int status;
            CHECK_EQ(waitpid(pid, &status, 0), pid);
            if (!WIFEXITED(status)) {
                fprintf(stderr, "child for N=%lld (%s) died: status %d\n", n,
                        kind == 0 ? "allocation" : "thread", status);
                exit(1);
            }
            int code = WEXITSTATUS(status);
            if (code == CHILD_CLEAN)
                break;
            if (code != CHILD_FIRED) {
                fprintf(stderr, "child for N=%lld (%s) failed: exit %d\n", n,
                        kind == 0 ? "allocation" : "thread", code);
                exit(1);
            }
            faults_total++;
            points[kind]++;
        }
    }
    printf("  first call, default pool created meanwhile: %lld allocation, "
           "%lld thread points\n",
           points[0], points[1]);
    CHECK(points[0] >= 2); /* the scratch and at least the pool itself */
    CHECK(points[1] >= 1);
    TEST_PASS("first kernel call: the default pool cannot be created, the "
              "kernel still gives the right answer");
}

int main(void)
{
    if (weft__debug_fail_alloc_after(0) < 0) {
        printf("skipped: built without WEFT_FAULT_INJECTION\n");
        return 77;
    }
    /* References first (the sequential twins also allocate). */
    sort_prepare();
    ty_prepare(&ty_u32, WEFT_U32, 300000, 11); /* > PAR_MSD_MIN: rows */
    ty_prepare(&ty_u16, WEFT_U16, 200000, 12); /* > 2 reduce grains */
    ty_prepare(&ty_f64, WEFT_F64, (size_t)test_scaled(20000, 5000), 13);
    arrays_prepare();
    text_prepare();
    mm_prepare();
    nq_n = (unsigned)test_scaled(7, 6);
    if (nq_n > 8)
        nq_n = 8;
    nq_ref = weft_nqueens_sequential(nq_n);

    default_pool_creation();
    CHECK(weft_default_pool() != NULL);

    weft_pool *pool;
    weft_config cfg = {.num_threads = 4};
    CHECK_EQ(weft_pool_create(&cfg, &pool), 0);
    int threads0 = test_count_dir("/proc/self/task");
    for (size_t i = 0; i < NCASES; i++) {
        sweep(&cases[i], NULL);
        sweep(&cases[i], pool);
    }
    CHECK_EQ(test_count_dir("/proc/self/task"), threads0);
    TEST_PASS("every kernel, every allocation failure: ENOMEM with outputs "
              "untouched where documented, else the right answer");
    weft_pool_destroy(pool);

    free(sort_in);
    free(sort_buf);
    free(sort_ref);
    typed *ts[] = {&ty_u32, &ty_u16, &ty_f64};
    for (int i = 0; i < 3; i++) {
        free(ts[i]->in);
        free(ts[i]->buf);
        free(ts[i]->ref);
    }
    free(arr_i64);
    free(arr_f64);
    free(scan_out);
    free(scan_ref);
    free(map_out);
    free(map_ref);
    free(mapf_out);
    free(mapf_ref);
    free(text);
    free(mm_a);
    free(mm_b);
    free(mm_c);
    free(mm_ref);
    printf("  %lld calls, %lld ENOMEM, %lld fallbacks\n", calls_total,
           enomem_total, fallback_total);
    printf("  faults injected: %lld\n", faults_total);
    printf("weft-total faults %lld\n", faults_total);
    return 0;
}
