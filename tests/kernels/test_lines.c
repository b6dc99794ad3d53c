/*
 * test_lines.c - par_lines hands out chunks of whole lines that partition
 * the buffer exactly, for every shape of input (the cases of issue 3):
 * \n and \r\n, empty lines, no final newline, a line longer than the
 * grain or than half the buffer, no newline at all, NUL bytes, an empty
 * buffer; with grains from 1 byte up, forced splitting (max_len), and
 * pools of 1, 2 and 8 threads.  The reduce form folds the chunks in
 * buffer order, with stack and heap accumulators.
 */
#include <errno.h>
#include <stdatomic.h>

#include "kharness.h"

typedef struct chunk {
    size_t off, len;
} chunk;

typedef struct collect {
    const char *buf;
    size_t len;
    chunk *chunks;
    size_t cap;
    _Atomic size_t n;
} collect;

static void on_chunk(const char *p, size_t len, void *arg)
{
    collect *c = arg;
    /* Relaxed: the slot index only has to be unique; the chunks are read
     * after weft_par_lines returns, which waits for every call. */
    size_t i = atomic_fetch_add_explicit(&c->n, 1, memory_order_relaxed);
    CHECK(i < c->cap);
    c->chunks[i].off = (size_t)(p - c->buf);
    c->chunks[i].len = len;
}

static int by_off(const void *a, const void *b)
{
    const chunk *x = a, *y = b;
    return x->off < y->off ? -1 : x->off > y->off;
}

static size_t count_lines(const char *buf, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += buf[i] == '\n';
    return n + (len > 0 && buf[len - 1] != '\n');
}

/* The chunks partition [0, len) into runs of whole lines. */
static void check_partition(const char *buf, size_t len, chunk *ch, size_t n)
{
    qsort(ch, n, sizeof(chunk), by_off);
    if (len == 0) {
        CHECK_EQ(n, 0);
        return;
    }
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        CHECK_EQ(ch[i].off, pos);
        CHECK(ch[i].len > 0);
        CHECK(pos == 0 || buf[pos - 1] == '\n');
        pos += ch[i].len;
        CHECK(pos == len || buf[pos - 1] == '\n');
    }
    CHECK_EQ(pos, len);
}

typedef struct fold_acc {
    size_t first, end, chunks;
    int bad;
    char pad[512]; /* big variant: heap accumulators in the splitter */
} fold_acc;

static void fold(const char *p, size_t len, void *accp, void *arg)
{
    const char *buf = arg;
    fold_acc *a = accp;
    size_t off = (size_t)(p - buf);
    if (a->chunks == 0)
        a->first = off;
    else if (a->end != off)
        a->bad = 1;
    a->end = off + len;
    a->chunks++;
}

static void combine(void *accp, const void *otherp, void *arg)
{
    (void)arg;
    fold_acc *a = accp;
    const fold_acc *b = otherp;
    if (b->chunks == 0)
        return;
    if (a->chunks == 0) {
        *a = *b;
        return;
    }
    if (a->end != b->first)
        a->bad = 1; /* out of buffer order */
    a->end = b->end;
    a->chunks += b->chunks;
    a->bad |= b->bad;
}

typedef struct lcase {
    const char *buf;
    size_t len;
} lcase;

static void run_case(const char *buf, size_t len)
{
    static const size_t grains[] = {1, 2, 3, 7, 64, 1000, 0};
    static const size_t max_lens[] = {0, 1, 5, 100};
    size_t lines = count_lines(buf, len);
    collect c;
    c.buf = buf;
    c.len = len;
    c.cap = len + 1;
    c.chunks = k_xmalloc(c.cap * sizeof(chunk));
    for (size_t g = 0; g < sizeof(grains) / sizeof(grains[0]); g++) {
        for (size_t m = 0; m < sizeof(max_lens) / sizeof(max_lens[0]); m++) {
            weft_split_opts o = {grains[g], max_lens[m]};
            atomic_store(&c.n, 0);
            CHECK(weft_par_lines_ex(buf, len, &o, on_chunk, &c) == 0);
            size_t n = atomic_load(&c.n);
            check_partition(buf, len, c.chunks, n);
            /* Forced splitting down to single lines. */
            if (o.max_len == 1 && o.grain == 1)
                CHECK_EQ(n, lines);

            for (int big = 0; big < 2; big++) {
                fold_acc id, res;
                memset(&id, 0, sizeof(id));
                size_t sz = big ? sizeof(fold_acc) : offsetof(fold_acc, pad);
                CHECK(weft_par_lines_reduce_ex(buf, len, &o, &res, &id, sz,
                                               fold, combine,
                                               (void *)buf) == 0);
                CHECK_EQ(res.bad, 0);
                if (len == 0) {
                    CHECK_EQ(res.chunks, 0);
                } else {
                    CHECK_EQ(res.first, 0);
                    CHECK_EQ(res.end, len);
                    CHECK(res.chunks >= 1);
                }
            }
        }
        /* The plain entry points. */
        atomic_store(&c.n, 0);
        CHECK(weft_par_lines(buf, len, grains[g], on_chunk, &c) == 0);
        check_partition(buf, len, c.chunks, atomic_load(&c.n));
    }
    free(c.chunks);
}

static char *make_lines(uint64_t *rng, size_t len, const char *alphabet)
{
    char *b = k_xmalloc(len);
    size_t na = strlen(alphabet);
    for (size_t i = 0; i < len; i++)
        b[i] = alphabet[k_below(rng, na)];
    return b;
}

static void all_cases(void *unused)
{
    (void)unused;
    static const char *fixed[] = {
        "",          "\n",       "\n\n\n",    "a",          "a\n",
        "a\nb",      "a\nb\n",   "\r\n",      "a\r\nb\r\n", "a\r\n\r\nb",
        "\n\na\n\n", "abc\ndef", "\r\r\r\n\r"};
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        run_case(fixed[i], strlen(fixed[i]));
    /* NUL bytes, with and without newlines. */
    static const char nul1[] = {'a', 0, 'b', '\n', 0, 0, '\n', 0};
    run_case(nul1, sizeof(nul1));
    static const char nul2[] = {0, 0, 0, 0};
    run_case(nul2, sizeof(nul2));

    uint64_t rng = 42;
    size_t big = (size_t)test_scaled(20000, 3000);
    /* No newline at all. */
    char *b = make_lines(&rng, big, "abc \t\r");
    run_case(b, big);
    /* One line longer than the half, short lines around it. */
    for (size_t i = 0; i < big; i++)
        b[i] =
            i < big / 10 || i > big * 7 / 10 ? (i % 7 == 0 ? '\n' : 'x') : 'y';
    run_case(b, big);
    b[big - 1] = '\n'; /* ... and ending in a newline */
    run_case(b, big);
    /* A long line at the very start and the very end. */
    for (size_t i = 0; i < big; i++)
        b[i] = i == big / 2 ? '\n' : 'z';
    run_case(b, big);
    free(b);
    /* Random text: \n, \r\n, empty lines, NULs, long and short lines. */
    for (int t = 0; t < 12; t++) {
        size_t len = (size_t)k_below(&rng, big);
        const char *alpha = t % 3 == 0   ? "ab\n"
                            : t % 3 == 1 ? "abcdefgh \r\n\n\n"
                                         : "a\0b\r\n";
        size_t na = t % 3 == 2 ? 5 : strlen(alpha);
        char *r = k_xmalloc(len);
        for (size_t i = 0; i < len; i++)
            r[i] = alpha[k_below(&rng, na)];
        /* Sometimes sparse newlines: lines far longer than the grains. */
        if (t % 4 == 3)
            for (size_t i = 0; i < len; i++)
                if (r[i] == '\n' && k_below(&rng, 50) != 0)
                    r[i] = 'q';
        run_case(r, len);
        free(r);
    }
}

static void errors(void)
{
    char buf[1] = {'x'};
    int dummy = 0, id = 0, res = 0;
    CHECK_EQ(weft_par_lines(buf, 1, 0, NULL, NULL), EINVAL);
    CHECK_EQ(weft_par_lines(NULL, 1, 0, on_chunk, NULL), EINVAL);
    CHECK_EQ(weft_par_lines(NULL, 0, 0, on_chunk, NULL), 0);
    CHECK_EQ(weft_par_lines_reduce(NULL, 1, 0, &res, &id, sizeof(int), fold,
                                   combine, NULL),
             EINVAL);
    CHECK_EQ(weft_par_lines_reduce(buf, 1, 0, NULL, &id, sizeof(int), fold,
                                   combine, NULL),
             EINVAL);
    CHECK_EQ(weft_par_lines_reduce(buf, 1, 0, &res, NULL, sizeof(int), fold,
                                   combine, NULL),
             EINVAL);
    CHECK_EQ(
        weft_par_lines_reduce(buf, 1, 0, &res, &id, 0, fold, combine, NULL),
        EINVAL);
    CHECK_EQ(weft_par_lines_reduce(buf, 1, 0, &res, &id, sizeof(int), NULL,
                                   combine, NULL),
             EINVAL);
    CHECK_EQ(weft_par_lines_reduce(buf, 1, 0, &res, &id, sizeof(int), fold,
                                   NULL, NULL),
             EINVAL);
    CHECK_EQ(weft_par_lines_reduce(buf, 1, 0, &id, &id, sizeof(int), fold,
                                   combine, NULL),
             EINVAL);
    (void)dummy;
}

int main(void)
{
    errors();
    TEST_PASS("par_lines argument errors");
    k_in_pools(all_cases, NULL);
    TEST_PASS("par_lines partitions every case, in pools of 1, 2, 8");
    return 0;
}
