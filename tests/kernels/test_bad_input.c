/*
 * test_bad_input.c - what every function of weft/kernels.h does with bad
 * arguments: NULL pointers with non-zero lengths, zero lengths, unknown
 * dtypes, modes and kinds, sizes whose byte count overflows size_t, sizes
 * whose scratch memory cannot exist, overlapping buffers where the header
 * forbids them, and the odd bytes (invalid UTF-8, NUL) where the text
 * kernels define their meaning.  Each function below backs rows of the
 * "Kernels (weft/kernels.h)" table in docs/reliability.md; every error
 * must be the documented errno value with the outputs left untouched.
 *
 * xfail_*: a known bug, checked in child processes (the bug may crash).
 * The checks document the expected behaviour; while the bug is there a
 * child fails and this prints "xfail"; once it is fixed every child
 * passes and this test fails (strict), so the table gets updated.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kharness.h"

/* The ENOMEM rows ask for 2^62 bytes of scratch: the sanitizers' malloc
 * must return NULL, as jemalloc and glibc do, rather than abort. */
__attribute__((used, visibility("default"))) const char *
__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}
__attribute__((used, visibility("default"))) const char *
__tsan_default_options(void)
{
    return "allocator_may_return_null=1";
}

#define HUGE_N ((size_t)1 << 59) /* x 8 bytes = 2^62: cannot be allocated */

static const weft_dtype bad_dtypes[] = {(weft_dtype)10, (weft_dtype)99,
                                        (weft_dtype)-1, (weft_dtype)INT_MAX};
#define N_BAD_DTYPES (sizeof(bad_dtypes) / sizeof(bad_dtypes[0]))

static const weft_dtype all_dtypes[] = {WEFT_I8,  WEFT_I16, WEFT_I32, WEFT_I64,
                                        WEFT_U8,  WEFT_U16, WEFT_U32, WEFT_U64,
                                        WEFT_F32, WEFT_F64};
#define N_DTYPES (sizeof(all_dtypes) / sizeof(all_dtypes[0]))

static const char junk[64] = "junk junk junk junk junk junk junk junk";

/* ---- callbacks that must never run, or count their calls ---- */

/* Callbacks may run on several workers at once. */
static _Atomic int calls;
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;

static void lines_count(const char *chunk, size_t len, void *arg)
{
    (void)chunk;
    (void)len;
    (void)arg;
    calls++;
}

/* Records the chunks (first 16), in the order they were called. */
typedef struct chunk_log {
    size_t n;
    size_t len[16];
    const char *start[16];
} chunk_log;

static void lines_log(const char *chunk, size_t len, void *arg)
{
    chunk_log *l = arg;
    pthread_mutex_lock(&log_mu);
    if (l->n < 16) {
        l->start[l->n] = chunk;
        l->len[l->n] = len;
    }
    l->n++;
    pthread_mutex_unlock(&log_mu);
}

static void lines_fold(const char *chunk, size_t len, void *acc, void *arg)
{
    (void)chunk;
    (void)arg;
    *(uint64_t *)acc += len;
}

static void combine_u64(void *acc, const void *other, void *arg)
{
    (void)arg;
    *(uint64_t *)acc += *(const uint64_t *)other;
}

static void reduce_add(void *acc, const void *elem, void *arg)
{
    (void)arg;
    calls++;
    *(uint64_t *)acc += *(const uint32_t *)elem;
}

static int cmp_i32(const void *a, const void *b, void *arg)
{
    (void)arg;
    calls++;
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static void map_copy(const void *in, void *out, void *arg)
{
    (void)arg;
    calls++;
    memcpy(out, in, 4);
}

static double twice_f64(double x)
{
    return 2 * x;
}

static int64_t twice_i64(int64_t x)
{
    return 2 * x;
}

/* ---- the rows ---- */

static void bad_dtype_size(void)
{
    for (size_t i = 0; i < N_BAD_DTYPES; i++)
        CHECK_EQ(weft_dtype_size(bad_dtypes[i]), 0);
    for (size_t i = 0; i < N_DTYPES; i++)
        CHECK(weft_dtype_size(all_dtypes[i]) != 0);
}

static void bad_par_lines(void)
{
    weft_split_opts opts = {0, 1};
    /* fn NULL; buf NULL with len > 0: EINVAL, nothing called. */
    CHECK_EQ(weft_par_lines("a\nb\n", 4, 0, NULL, NULL), EINVAL);
    CHECK_EQ(weft_par_lines_ex("a\nb\n", 4, &opts, NULL, NULL), EINVAL);
    calls = 0;
    CHECK_EQ(weft_par_lines(NULL, 1, 0, lines_count, NULL), EINVAL);
    CHECK_EQ(weft_par_lines_ex(NULL, SIZE_MAX, &opts, lines_count, NULL),
             EINVAL);
    CHECK_EQ(calls, 0);
    /* Zero length, with or without a buffer: 0, no chunk. */
    CHECK_EQ(weft_par_lines(NULL, 0, 0, lines_count, NULL), 0);
    CHECK_EQ(weft_par_lines(junk, 0, 0, lines_count, NULL), 0);
    CHECK_EQ(weft_par_lines_ex(junk, 0, &opts, lines_count, NULL), 0);
    CHECK_EQ(calls, 0);
    /* grain SIZE_MAX: one chunk, the whole buffer. */
    chunk_log log;
    memset(&log, 0, sizeof(log));
    CHECK_EQ(weft_par_lines(junk, 20, SIZE_MAX, lines_log, &log), 0);
    CHECK_EQ(log.n, 1);
    CHECK(log.start[0] == junk && log.len[0] == 20);
    /* max_len 1: every line its own chunk (in any order). */
    static const char three[] = "a\nbb\nccc";
    memset(&log, 0, sizeof(log));
    weft_split_opts tiny = {1, 1};
    CHECK_EQ(weft_par_lines_ex(three, 8, &tiny, lines_log, &log), 0);
    CHECK_EQ(log.n, 3);
    CHECK_EQ(log.len[0] + log.len[1] + log.len[2], 8);
}

/* A line far longer than the grain (8 MiB, no newline) stays one chunk,
 * whatever max_len says. */
static void bad_par_lines_huge_line(void)
{
    size_t len = (size_t)test_scaled(8 << 20, 1 << 20);
    char *buf = k_xmalloc(len);
    memset(buf, 'x', len);
    chunk_log log;
    memset(&log, 0, sizeof(log));
    weft_split_opts tiny = {1, 1};
    CHECK_EQ(weft_par_lines_ex(buf, len, &tiny, lines_log, &log), 0);
    CHECK_EQ(log.n, 1);
    CHECK(log.start[0] == buf);
    CHECK_EQ_U(log.len[0], len);
    free(buf);
}

static void bad_par_lines_reduce(void)
{
    uint64_t res = 777, id = 0;
    const uint64_t sentinel = 777;
    /* Each bad argument alone: EINVAL, result untouched. */
    CHECK_EQ(weft_par_lines_reduce(NULL, 1, 0, &res, &id, 8, lines_fold,
                                   combine_u64, NULL),
             EINVAL);
    CHECK_EQ(weft_par_lines_reduce(junk, 8, 0, NULL, &id, 8, lines_fold,
                                   combine_u64, NULL),
             EINVAL);
    CHECK_EQ(weft_par_lines_reduce(junk, 8, 0, &res, NULL, 8, lines_fold,
                                   combine_u64, NULL),
             EINVAL);
    CHECK_EQ(weft_par_lines_reduce(junk, 8, 0, &res, &id, 0, lines_fold,
                                   combine_u64, NULL),
             EINVAL);
    CHECK_EQ(weft_par_lines_reduce(junk, 8, 0, &res, &id, 8, NULL, combine_u64,
                                   NULL),
             EINVAL);
    CHECK_EQ(
        weft_par_lines_reduce(junk, 8, 0, &res, &id, 8, lines_fold, NULL, NULL),
        EINVAL);
    CHECK_EQ(weft_par_lines_reduce_ex(junk, 8, NULL, &res, &res, 8, lines_fold,
                                      combine_u64, NULL),
             EINVAL);
    CHECK_EQ_U(res, sentinel);
    /* Empty input: result = identity. */
    id = 5;
    CHECK_EQ(weft_par_lines_reduce(NULL, 0, 0, &res, &id, 8, lines_fold,
                                   combine_u64, NULL),
             0);
    CHECK_EQ_U(res, 5);
}

static void bad_search(void)
{
    typedef int (*search_fn)(const char *, size_t, const char *, size_t,
                             weft_text, uint64_t *);
    static const search_fn fns[] = {weft_search, weft_search_sequential};
    static const char nbsp_word[] = "a\xC2\xA0"
                                    "b"; /* a, U+00A0, b */
    for (int f = 0; f < 2; f++) {
        search_fn s = fns[f];
        uint64_t c = 777;
        /* count NULL; contents or needle NULL with a length; bad mode. */
        CHECK_EQ(s("a b", 3, "a", 1, WEFT_TEXT_BYTES, NULL), EINVAL);
        CHECK_EQ(s(NULL, 3, "a", 1, WEFT_TEXT_BYTES, &c), EINVAL);
        CHECK_EQ(s(NULL, SIZE_MAX, "a", 1, WEFT_TEXT_UTF8, &c), EINVAL);
        CHECK_EQ(s("a b", 3, NULL, 1, WEFT_TEXT_BYTES, &c), EINVAL);
        CHECK_EQ(s("a b", 3, "a", 1, (weft_text)2, &c), EINVAL);
        CHECK_EQ(s("a b", 3, "a", 1, (weft_text)-1, &c), EINVAL);
        CHECK_EQ(s("a b", 3, "", 0, (weft_text)7, &c), EINVAL);
        CHECK_EQ_U(c, 777);
        /* Zero lengths: 0 matches. */
        CHECK_EQ(s(NULL, 0, "a", 1, WEFT_TEXT_BYTES, &c), 0);
        CHECK_EQ_U(c, 0);
        c = 777;
        CHECK_EQ(s("a b", 3, NULL, 0, WEFT_TEXT_UTF8, &c), 0);
        CHECK_EQ_U(c, 0);
        c = 777;
        CHECK_EQ(s(NULL, 0, NULL, 0, WEFT_TEXT_UTF8, &c), 0);
        CHECK_EQ_U(c, 0);
        /* A needle with whitespace, or longer than the contents: 0. */
        c = 777;
        CHECK_EQ(s("a b a b", 7, "a b", 3, WEFT_TEXT_BYTES, &c), 0);
        CHECK_EQ_U(c, 0);
        c = 777;
        CHECK_EQ(s(nbsp_word, 4, nbsp_word, 4, WEFT_TEXT_UTF8, &c), 0);
        CHECK_EQ_U(c, 0); /* NBSP is whitespace in UTF-8 mode */
        c = 777;
        CHECK_EQ(s("ab", 2, "abc", 3, WEFT_TEXT_BYTES, &c), 0);
        CHECK_EQ_U(c, 0);
    }
}

/* Invalid UTF-8 bytes are word characters; NUL is a word character in
 * both modes (as in Python's str.split and bytes.split). */
static void bad_search_odd_bytes(void)
{
    static const char text[] = "\xFF a \xFF \xC3 \xE2\x80 a\0b a\0b \xFF\xFE";
    size_t len = sizeof(text) - 1;
    weft_split_opts tiny = {1, 1};
    for (int mode = 0; mode < 2; mode++) {
        uint64_t c = 0;
        CHECK_EQ(weft_search(text, len, "\xFF", 1, (weft_text)mode, &c), 0);
        CHECK_EQ_U(c, 2);
        CHECK_EQ(
            weft_search_ex(text, len, "\xFF", 1, (weft_text)mode, &tiny, &c),
            0);
        CHECK_EQ_U(c, 2);
        CHECK_EQ(weft_search(text, len, "a\0b", 3, (weft_text)mode, &c), 0);
        CHECK_EQ_U(c, 2);
        CHECK_EQ(weft_search(text, len, "a", 1, (weft_text)mode, &c), 0);
        CHECK_EQ_U(c, 1);
        CHECK_EQ(weft_search(text, len, "\xE2\x80", 2, (weft_text)mode, &c), 0);
        CHECK_EQ_U(c, 1);
        CHECK_EQ(
            weft_search_sequential(text, len, "\xC3", 1, (weft_text)mode, &c),
            0);
        CHECK_EQ_U(c, 1);
    }
}

static void bad_wc(void)
{
    const weft_wc_counts sentinel = {7, 7, 7};
    weft_wc_counts out = sentinel;
    weft_split_opts tiny = {1, 1};
    CHECK_EQ(weft_wc("a b\n", 4, NULL), EINVAL);
    CHECK_EQ(weft_wc_sequential("a b\n", 4, NULL), EINVAL);
    CHECK_EQ(weft_wc_ex("a b\n", 4, &tiny, NULL), EINVAL);
    CHECK_EQ(weft_wc(NULL, 4, &out), EINVAL);
    CHECK_EQ(weft_wc_sequential(NULL, SIZE_MAX, &out), EINVAL);
    CHECK_EQ(weft_wc_ex(NULL, 1, &tiny, &out), EINVAL);
    CHECK(memcmp(&out, &sentinel, sizeof(out)) == 0);
    CHECK_EQ(weft_wc(NULL, 0, &out), 0);
    CHECK(out.lines == 0 && out.words == 0 && out.bytes == 0);
    out = sentinel;
    CHECK_EQ(weft_wc_sequential(junk, 0, &out), 0);
    CHECK(out.lines == 0 && out.words == 0 && out.bytes == 0);
}

/* NUL, other controls, DEL and 0x80-0xff neither start nor end a word
 * (GNU wc in the C locale). */
static void bad_wc_odd_bytes(void)
{
    static const char text[] = "a\0b \xFF\n\0\n\x7F \xC3\xA9t\x01 \x80";
    size_t len = sizeof(text) - 1;
    weft_wc_counts o;
    weft_split_opts tiny = {1, 1};
    CHECK_EQ(weft_wc(text, len, &o), 0);
    CHECK_EQ_U(o.lines, 2);
    CHECK_EQ_U(o.words, 2); /* "a\0b", "\xC3\xA9t\x01" */
    CHECK_EQ_U(o.bytes, len);
    CHECK_EQ(weft_wc_ex(text, len, &tiny, &o), 0);
    CHECK(o.lines == 2 && o.words == 2 && o.bytes == len);
    CHECK_EQ(weft_wc_sequential(text, len, &o), 0);
    CHECK(o.lines == 2 && o.words == 2 && o.bytes == len);
}

/* Field by field: the struct has padding. */
static bool same_state(const weft_wc_state *a, const weft_wc_state *b)
{
    return a->counts.lines == b->counts.lines &&
           a->counts.words == b->counts.words &&
           a->counts.bytes == b->counts.bytes && a->in_word == b->in_word;
}

static void bad_wc_update(void)
{
    weft_wc_state st = WEFT_WC_STATE_INIT;
    CHECK_EQ(weft_wc_update(NULL, "a", 1), EINVAL);
    CHECK_EQ(weft_wc_update_sequential(NULL, "a", 1), EINVAL);
    CHECK_EQ(weft_wc_update(&st, "ab", 2), 0);
    weft_wc_state before = st;
    CHECK_EQ(weft_wc_update(&st, NULL, 1), EINVAL);
    CHECK_EQ(weft_wc_update_sequential(&st, NULL, SIZE_MAX), EINVAL);
    CHECK(same_state(&st, &before));
    CHECK_EQ(weft_wc_update(&st, NULL, 0), 0);
    CHECK(same_state(&st, &before));
    /* The word continues across the empty piece. */
    CHECK_EQ(weft_wc_update(&st, "c d", 3), 0);
    CHECK(st.counts.words == 2 && st.counts.bytes == 5);
}

static bool same_sum(const weft_sum_result *a, const weft_sum_result *b)
{
    return a->is_float == b->is_float && memcmp(&a->f, &b->f, 8) == 0 &&
           a->lo == b->lo && a->hi == b->hi;
}

static void bad_sum(void)
{
    int64_t d[4] = {1, 2, 3, 4};
    weft_sum_result out, sentinel;
    memset(&sentinel, 0x5A, sizeof(sentinel));
    out = sentinel;
    for (int seq = 0; seq < 2; seq++) {
        int (*s)(const void *, size_t, weft_dtype, weft_sum_result *) =
            seq ? weft_sum_sequential : weft_sum;
        CHECK_EQ(s(d, 4, WEFT_I64, NULL), EINVAL);
        CHECK_EQ(s(NULL, 1, WEFT_I64, &out), EINVAL);
        CHECK_EQ(s(NULL, SIZE_MAX, WEFT_F64, &out), EINVAL);
        for (size_t i = 0; i < N_BAD_DTYPES; i++)
            CHECK_EQ(s(d, 4, bad_dtypes[i], &out), EINVAL);
        CHECK(same_sum(&out, &sentinel));
        /* n == 0 (data NULL or not): an integer 0, or 0.0. */
        CHECK_EQ(s(NULL, 0, WEFT_I64, &out), 0);
        CHECK(!out.is_float && out.lo == 0 && out.hi == 0);
        CHECK_EQ(s(d, 0, WEFT_F32, &out), 0);
        CHECK(out.is_float && out.f == 0.0);
        out = sentinel;
    }
}

static void bad_reduce(void)
{
    uint32_t d[4] = {1, 2, 3, 4};
    uint64_t res = 777, id = 0;
    calls = 0;
    for (int seq = 0; seq < 2; seq++) {
        int (*r)(const void *, size_t, size_t, void *, const void *, size_t,
                 weft_reduce_op, weft_combine_fn, void *) =
            seq ? weft_reduce_sequential : weft_reduce;
        CHECK_EQ(r(NULL, 4, 4, &res, &id, 8, reduce_add, combine_u64, NULL),
                 EINVAL);
        CHECK_EQ(r(d, 4, 0, &res, &id, 8, reduce_add, combine_u64, NULL),
                 EINVAL);
        CHECK_EQ(r(d, 4, 4, NULL, &id, 8, reduce_add, combine_u64, NULL),
                 EINVAL);
        CHECK_EQ(r(d, 4, 4, &res, NULL, 8, reduce_add, combine_u64, NULL),
                 EINVAL);
        CHECK_EQ(r(d, 4, 4, &res, &id, 0, reduce_add, combine_u64, NULL),
                 EINVAL);
        CHECK_EQ(r(d, 4, 4, &res, &id, 8, NULL, combine_u64, NULL), EINVAL);
        CHECK_EQ(r(d, 4, 4, &res, &id, 8, reduce_add, NULL, NULL), EINVAL);
        CHECK_EQ(r(d, 4, 4, &res, &res, 8, reduce_add, combine_u64, NULL),
                 EINVAL);
        /* n * elem_size overflows size_t. */
        CHECK_EQ(
            r(d, SIZE_MAX / 2, 4, &res, &id, 8, reduce_add, combine_u64, NULL),
            EINVAL);
        CHECK_EQ(r(d, 2, SIZE_MAX, &res, &id, 8, reduce_add, combine_u64, NULL),
                 EINVAL);
        CHECK_EQ_U(res, 777);
        CHECK_EQ(calls, 0);
        /* Empty: identity. */
        id = 9;
        CHECK_EQ(r(NULL, 0, 4, &res, &id, 8, reduce_add, combine_u64, NULL), 0);
        CHECK_EQ_U(res, 9);
        id = 0;
        res = 777;
    }
}

static void bad_sort(void)
{
    int d[4] = {4, 3, 2, 1};
    const int orig[4] = {4, 3, 2, 1};
    for (int seq = 0; seq < 2; seq++) {
        int (*s)(void *, size_t, size_t, weft_cmp_fn, void *) =
            seq ? weft_sort_sequential : weft_sort;
        calls = 0;
        CHECK_EQ(s(NULL, 4, 4, cmp_i32, NULL), EINVAL);
        CHECK_EQ(s(d, 4, 0, cmp_i32, NULL), EINVAL);
        CHECK_EQ(s(d, 4, 4, NULL, NULL), EINVAL);
        CHECK_EQ(s(d, SIZE_MAX / 2, 4, cmp_i32, NULL), EINVAL);
        CHECK_EQ(s(d, 2, SIZE_MAX, cmp_i32, NULL), EINVAL);
        /* 2^62 bytes of scratch: ENOMEM before touching base. */
        CHECK_EQ(s(d, HUGE_N, 8, cmp_i32, NULL), ENOMEM);
        CHECK(memcmp(d, orig, sizeof(d)) == 0);
        /* 0 or 1 elements: nothing to do (base may be NULL for 0). */
        CHECK_EQ(s(NULL, 0, 4, cmp_i32, NULL), 0);
        CHECK_EQ(s(d, 1, 4, cmp_i32, NULL), 0);
        CHECK(memcmp(d, orig, sizeof(d)) == 0);
        CHECK_EQ(calls, 0);
    }
}

static void bad_sort_typed(void)
{
    int64_t d[4] = {4, 3, 2, 1};
    const int64_t orig[4] = {4, 3, 2, 1};
    for (int seq = 0; seq < 2; seq++) {
        int (*s)(void *, size_t, weft_dtype) =
            seq ? weft_sort_typed_sequential : weft_sort_typed;
        for (size_t i = 0; i < N_BAD_DTYPES; i++)
            CHECK_EQ(s(d, 4, bad_dtypes[i]), EINVAL);
        CHECK_EQ(s(NULL, 4, WEFT_I64), EINVAL);
        CHECK_EQ(s(d, SIZE_MAX / 4, WEFT_I64), EINVAL);
        CHECK_EQ(s(d, SIZE_MAX / 2, WEFT_F32), EINVAL);
        CHECK_EQ(s(d, HUGE_N, WEFT_I64), ENOMEM);
        CHECK_EQ(s(d, HUGE_N, WEFT_F64), ENOMEM);
        CHECK_EQ(s(d, HUGE_N * 2, WEFT_U32), ENOMEM);
        CHECK(memcmp(d, orig, sizeof(d)) == 0);
        for (size_t i = 0; i < N_DTYPES; i++) {
            CHECK_EQ(s(NULL, 0, all_dtypes[i]), 0);
            CHECK_EQ(s(d, 1, all_dtypes[i]), 0);
        }
        CHECK(memcmp(d, orig, sizeof(d)) == 0);
    }
}

static void bad_scan(void)
{
    int32_t in[4] = {1, 2, 3, 4}, out[4] = {7, 7, 7, 7};
    const int32_t sentinel[4] = {7, 7, 7, 7};
    for (int seq = 0; seq < 2; seq++) {
        int (*s)(const void *, void *, size_t, weft_dtype, weft_scan_kind) =
            seq ? weft_scan_sequential : weft_scan;
        for (size_t i = 0; i < N_BAD_DTYPES; i++)
            CHECK_EQ(s(in, out, 4, bad_dtypes[i], WEFT_SCAN_INCLUSIVE), EINVAL);
        CHECK_EQ(s(in, out, 4, WEFT_I32, (weft_scan_kind)2), EINVAL);
        CHECK_EQ(s(in, out, 4, WEFT_I32, (weft_scan_kind)-1), EINVAL);
        CHECK_EQ(s(NULL, out, 4, WEFT_I32, WEFT_SCAN_INCLUSIVE), EINVAL);
        CHECK_EQ(s(in, NULL, 4, WEFT_I32, WEFT_SCAN_EXCLUSIVE), EINVAL);
        CHECK_EQ(s(in, out, SIZE_MAX / 2, WEFT_I32, WEFT_SCAN_INCLUSIVE),
                 EINVAL);
        CHECK(memcmp(out, sentinel, sizeof(out)) == 0);
        CHECK_EQ(s(NULL, NULL, 0, WEFT_I32, WEFT_SCAN_INCLUSIVE), 0);
        CHECK_EQ(s(in, out, 0, WEFT_F64, WEFT_SCAN_EXCLUSIVE), 0);
        CHECK(memcmp(out, sentinel, sizeof(out)) == 0);
        /* in == out is allowed (documented): in place. */
        int32_t io[4] = {1, 2, 3, 4};
        CHECK_EQ(s(io, io, 4, WEFT_I32, WEFT_SCAN_EXCLUSIVE), 0);
        CHECK(io[0] == 0 && io[1] == 1 && io[2] == 3 && io[3] == 6);
    }
}

static void bad_map(void)
{
    uint32_t in[4] = {1, 2, 3, 4}, out[4] = {7, 7, 7, 7};
    const uint32_t sentinel[4] = {7, 7, 7, 7};
    calls = 0;
    for (int seq = 0; seq < 2; seq++) {
#define MAP(i, is, o, os, n, fn)                                               \
    (seq ? weft_map_sequential(i, is, o, os, n, fn, NULL)                      \
         : weft_map(i, is, o, os, n, 0, fn, NULL))
        CHECK_EQ(MAP(in, 4, out, 4, 4, NULL), EINVAL);
        CHECK_EQ(MAP(in, 0, out, 4, 4, map_copy), EINVAL);
        CHECK_EQ(MAP(in, 4, out, 0, 4, map_copy), EINVAL);
        CHECK_EQ(MAP(NULL, 4, out, 4, 4, map_copy), EINVAL);
        CHECK_EQ(MAP(in, 4, NULL, 4, 4, map_copy), EINVAL);
        CHECK_EQ(MAP(in, 4, out, 4, SIZE_MAX / 2, map_copy), EINVAL);
        CHECK_EQ(MAP(in, 1, out, SIZE_MAX, 2, map_copy), EINVAL);
        CHECK_EQ(MAP(NULL, 4, NULL, 4, 0, map_copy), 0);
#undef MAP
    }
    CHECK_EQ(weft_map(in, 4, out, 4, 4, SIZE_MAX, NULL, NULL), EINVAL);
    CHECK(memcmp(out, sentinel, sizeof(out)) == 0);
    CHECK_EQ(calls, 0);
    /* grain SIZE_MAX: one piece, still every element. */
    CHECK_EQ(weft_map(in, 4, out, 4, 4, SIZE_MAX, map_copy, NULL), 0);
    CHECK(memcmp(out, in, sizeof(out)) == 0 && calls == 4);

    double fi[2] = {1, 2}, fo[2] = {7, 7};
    int64_t ii[2] = {1, 2}, io[2] = {7, 7};
    CHECK_EQ(weft_map_f64(fi, fo, 2, NULL), EINVAL);
    CHECK_EQ(weft_map_f64(NULL, fo, 2, twice_f64), EINVAL);
    CHECK_EQ(weft_map_f64(fi, NULL, 2, twice_f64), EINVAL);
    CHECK_EQ(weft_map_f64(fi, fo, SIZE_MAX / 8 + 1, twice_f64), EINVAL);
    CHECK(fo[0] == 7 && fo[1] == 7);
    CHECK_EQ(weft_map_f64(NULL, NULL, 0, twice_f64), 0);
    CHECK_EQ(weft_map_i64(ii, io, 2, NULL), EINVAL);
    CHECK_EQ(weft_map_i64(NULL, io, 2, twice_i64), EINVAL);
    CHECK_EQ(weft_map_i64(ii, NULL, 2, twice_i64), EINVAL);
    CHECK_EQ(weft_map_i64(ii, io, SIZE_MAX / 8 + 1, twice_i64), EINVAL);
    CHECK(io[0] == 7 && io[1] == 7);
    CHECK_EQ(weft_map_i64(NULL, NULL, 0, twice_i64), 0);
}

static void bad_classic(void)
{
    CHECK_EQ_U(weft_fib(93), UINT64_MAX);
    CHECK_EQ_U(weft_fib(UINT_MAX), UINT64_MAX);
    CHECK_EQ_U(weft_fib_sequential(UINT_MAX), UINT64_MAX);
    CHECK_EQ_U(weft_fib(0), 0);
    CHECK_EQ_U(weft_fib(20), 6765);
    CHECK_EQ_U(weft_fib_sequential(93), UINT64_MAX);
    CHECK_EQ_U(weft_nqueens_sequential(17), UINT64_MAX);
    CHECK_EQ_U(weft_nqueens(17), UINT64_MAX);
    CHECK_EQ_U(weft_nqueens(UINT_MAX), UINT64_MAX);
    CHECK_EQ_U(weft_nqueens_sequential(UINT_MAX), UINT64_MAX);
    CHECK_EQ_U(weft_nqueens(0), 1);
}

static void bad_matmul(void)
{
    double a[4] = {1, 2, 3, 4}, b[4] = {1, 0, 0, 1}, c[8];
    for (int seq = 0; seq < 2; seq++) {
        int (*m)(size_t, const double *, const double *, double *) =
            seq ? weft_matmul_sequential : weft_matmul;
        for (int i = 0; i < 8; i++)
            c[i] = 7;
        /* n * n * 8 overflows size_t. */
        CHECK_EQ(m((size_t)1 << 31, a, b, c), EINVAL);
        CHECK_EQ(m(SIZE_MAX, a, b, c), EINVAL);
        /* NULL with n > 0. */
        CHECK_EQ(m(2, NULL, b, c), EINVAL);
        CHECK_EQ(m(2, a, NULL, c), EINVAL);
        CHECK_EQ(m(2, a, b, NULL), EINVAL);
        /* C overlapping A or B (forbidden by the header). */
        double a2[4] = {1, 2, 3, 4};
        CHECK_EQ(m(2, a2, b, a2), EINVAL);
        CHECK_EQ(m(2, a, a2, a2), EINVAL);
        CHECK_EQ(m(2, a2, b, a2 + 1), EINVAL);
        CHECK_EQ(m(2, c + 3, b, c), EINVAL);
        CHECK(a2[0] == 1 && a2[1] == 2 && a2[2] == 3 && a2[3] == 4);
        for (int i = 0; i < 8; i++)
            CHECK(c[i] == 7);
        /* n == 0: nothing, pointers not looked at. */
        CHECK_EQ(m(0, NULL, NULL, NULL), 0);
        /* A == B is allowed: C = A * A. */
        CHECK_EQ(m(2, a, a, c), 0);
        CHECK(c[0] == 7 && c[1] == 10 && c[2] == 15 && c[3] == 22);
    }
}

/* ---- known bugs: expected behaviour, checked in a child ---- */

/* weft_sum does not check that n * element size fits in size_t, as
 * weft_sort_typed, weft_scan, weft_map and weft_reduce do: instead of
 * EINVAL it returns 0 with a wrong sum (sequential, integers: the end
 * pointer wraps) or reads far past the buffer and crashes (SIGSEGV). */
static int sum_case;

static void sum_overflow_child(void)
{
    static const struct {
        bool par;
        size_t n;
        weft_dtype type;
    } cases[] = {{false, SIZE_MAX / 8 + 2, WEFT_I64},
                 {false, SIZE_MAX / 4 + 2, WEFT_F32},
                 {true, SIZE_MAX / 8 + 2, WEFT_F64},
                 {true, SIZE_MAX / 8 + 2, WEFT_I64}};
    int64_t d[4] = {1, 2, 3, 4};
    weft_sum_result out, sentinel;
    memset(&sentinel, 0x5A, sizeof(sentinel));
    memcpy(&out, &sentinel, sizeof(out));
    int rc = (cases[sum_case].par ? weft_sum : weft_sum_sequential)(
        d, cases[sum_case].n, cases[sum_case].type, &out);
    printf("  weft_sum%s(n = %zu, dtype %d) returned %d\n",
           cases[sum_case].par ? "" : "_sequential", cases[sum_case].n,
           (int)cases[sum_case].type, rc);
    fflush(stdout);
    CHECK_EQ(rc, EINVAL);
    CHECK(same_sum(&out, &sentinel));
}
#define N_SUM_CASES 4

/* 1 if child() passed in a child process; else describe how it failed. */
static int passes_in_child(void (*child)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        struct rlimit no_core = {0, 0};
        setrlimit(RLIMIT_CORE, &no_core);
        /* A sanitizer's or valgrind's report of the crash is expected. */
        child();
        _exit(0);
    }
    int status;
    CHECK(waitpid(pid, &status, 0) == pid);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 1;
    if (WIFSIGNALED(status))
        printf("  (child killed by signal %d)\n", WTERMSIG(status));
    else
        printf("  (child failed its check: exit status %d)\n",
               WEXITSTATUS(status));
    fflush(stdout);
    return 0;
}

/* Once a crash (SIGSEGV on the parallel and F32 paths) and a wrong sum:
 * still run in children, so a regression reports instead of killing the
 * test. */
static void sum_size_overflow(void)
{
    for (sum_case = 0; sum_case < N_SUM_CASES; sum_case++)
        CHECK(passes_in_child(sum_overflow_child));
    TEST_PASS("weft_sum with n * element size > SIZE_MAX gives EINVAL");
}

typedef struct row {
    const char *name;
    void (*fn)(void);
} row;

static void run_row(void *arg)
{
    ((const row *)arg)->fn();
}

int main(void)
{
    /* First, while this process has no thread (the child of a fork in a
     * multi-threaded process cannot start threads under TSan). */
    sum_size_overflow();

    static const row rows[] = {
        {"bad_dtype_size", bad_dtype_size},
        {"bad_par_lines", bad_par_lines},
        {"bad_par_lines_huge_line", bad_par_lines_huge_line},
        {"bad_par_lines_reduce", bad_par_lines_reduce},
        {"bad_search", bad_search},
        {"bad_search_odd_bytes", bad_search_odd_bytes},
        {"bad_wc", bad_wc},
        {"bad_wc_odd_bytes", bad_wc_odd_bytes},
        {"bad_wc_update", bad_wc_update},
        {"bad_sum", bad_sum},
        {"bad_reduce", bad_reduce},
        {"bad_sort", bad_sort},
        {"bad_sort_typed", bad_sort_typed},
        {"bad_scan", bad_scan},
        {"bad_map", bad_map},
        {"bad_classic", bad_classic},
        {"bad_matmul", bad_matmul},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        rows[i].fn();
        TEST_PASS(rows[i].name);
    }
    /* The same from inside a pool of 2 (the kernels then run on its
     * workers, not in the default pool). */
    weft_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.num_threads = 2;
    weft_pool *pool = NULL;
    CHECK(weft_pool_create(&cfg, &pool) == 0);
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        CHECK(weft_pool_run(pool, run_row, (void *)&rows[i]) == 0);
    weft_pool_destroy(pool);
    TEST_PASS("every row again on the workers of a pool of 2");
    return 0;
}
