/*
 * fuzz_kernels.c - libFuzzer target for par_lines, search and wc: the
 * parallel answer equals the sequential one and the reference (reference.h)
 * for any input, and par_lines' chunks partition the input into whole
 * lines.
 *
 * Input layout: byte 0 = flags (bit 0: UTF-8 mode), byte 1 = needle
 * length (mod 16), byte 2 = grain (1..64), byte 3 = max_len (0..127),
 * then the needle, then the text.  The grain and max_len are tiny, so a
 * small input still splits into many chunks.
 *
 * Built with -fsanitize=fuzzer in the fuzz preset (ctest -L fuzz runs it
 * for a bounded time on the seed corpus).  Elsewhere, WEFT_FUZZ_STANDALONE
 * adds a main() that runs the inputs named on the command line (files or
 * directories), so every build replays the seeds.
 */
#include <dirent.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "reference.h"
#include "weft/kernels.h"

#define FAIL(...)                                                              \
    do {                                                                       \
        fprintf(stderr, "fuzz_kernels: " __VA_ARGS__);                         \
        fputc('\n', stderr);                                                   \
        abort();                                                               \
    } while (0)

typedef struct chunks {
    const char *buf;
    size_t len;
    _Atomic size_t covered; /* bytes in all chunks */
    _Atomic int bad;
} chunks;

static void on_chunk(const char *p, size_t len, void *arg)
{
    chunks *c = arg;
    size_t off = (size_t)(p - c->buf);
    /* Relaxed: read after weft_par_lines returns, which joins every
     * chunk's call. */
    if (len == 0 || off + len > c->len ||
        (off > 0 && c->buf[off - 1] != '\n') ||
        (off + len < c->len && c->buf[off + len - 1] != '\n'))
        atomic_store_explicit(&c->bad, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&c->covered, len, memory_order_relaxed);
}

typedef struct span {
    size_t lo, hi, n;
    int bad;
} span;

static void fold_span(const char *p, size_t len, void *acc, void *arg)
{
    span *s = acc;
    size_t off = (size_t)(p - (const char *)arg);
    if (s->n > 0 && s->hi != off)
        s->bad = 1;
    if (s->n == 0)
        s->lo = off;
    s->hi = off + len;
    s->n++;
}

static void combine_span(void *acc, const void *other, void *arg)
{
    (void)arg;
    span *a = acc;
    const span *b = other;
    if (b->n == 0)
        return;
    if (a->n == 0) {
        *a = *b;
        return;
    }
    if (a->hi != b->lo)
        a->bad = 1;
    a->hi = b->hi;
    a->n += b->n;
    a->bad |= b->bad;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    weft_text mode = (data[0] & 1) ? WEFT_TEXT_UTF8 : WEFT_TEXT_BYTES;
    size_t nlen = data[1] % 16;
    weft_split_opts opts = {1 + (size_t)data[2] % 64, (size_t)data[3] % 128};
    data += 4;
    size -= 4;
    if (nlen > size)
        nlen = size;
    const char *needle = (const char *)data;
    const char *text = (const char *)data + nlen;
    size_t len = size - nlen;

    /* par_lines: a partition into whole lines, folded in order. */
    chunks c = {text, len, 0, 0};
    if (weft_par_lines_ex(text, len, &opts, on_chunk, &c) != 0)
        FAIL("par_lines failed");
    /* Seq-cst loads after the join: any order would do. */
    if (atomic_load(&c.bad) || atomic_load(&c.covered) != len)
        FAIL("par_lines: bad chunks (covered %zu of %zu)",
             atomic_load(&c.covered), len);
    span id = {0, 0, 0, 0}, res;
    if (weft_par_lines_reduce_ex(text, len, &opts, &res, &id, sizeof(span),
                                 fold_span, combine_span, (void *)text) != 0)
        FAIL("par_lines_reduce failed");
    if (res.bad || (len > 0 && (res.lo != 0 || res.hi != len)))
        FAIL("par_lines_reduce: out of order");

    /* search, both modes. */
    for (int m = 0; m < 2; m++) {
        weft_text md = m ? mode : (weft_text)!mode;
        uint64_t want = ref_search(text, len, needle, nlen, md), seq, par, ex;
        if (weft_search_sequential(text, len, needle, nlen, md, &seq) != 0 ||
            weft_search(text, len, needle, nlen, md, &par) != 0 ||
            weft_search_ex(text, len, needle, nlen, md, &opts, &ex) != 0)
            FAIL("search failed");
        if (seq != want || par != want || ex != want)
            FAIL("search mode %d: reference %llu sequential %llu parallel %llu "
                 "split %llu",
                 (int)md, (unsigned long long)want, (unsigned long long)seq,
                 (unsigned long long)par, (unsigned long long)ex);
    }

    /* wc, whole and streamed in pieces of max_len + 1 bytes. */
    weft_wc_counts want = ref_wc((const unsigned char *)text, len), got[3];
    if (weft_wc_sequential(text, len, &got[0]) != 0 ||
        weft_wc(text, len, &got[1]) != 0 ||
        weft_wc_ex(text, len, &opts, &got[2]) != 0)
        FAIL("wc failed");
    weft_wc_state st = WEFT_WC_STATE_INIT;
    for (size_t pos = 0; pos < len; pos += opts.max_len + 1) {
        size_t piece =
            len - pos < opts.max_len + 1 ? len - pos : opts.max_len + 1;
        if (weft_wc_update(&st, text + pos, piece) != 0)
            FAIL("wc_update failed");
    }
    for (int k = 0; k < 4; k++) {
        weft_wc_counts g = k < 3 ? got[k] : st.counts;
        if (g.lines != want.lines || g.words != want.words ||
            g.bytes != want.bytes)
            FAIL("wc variant %d: %llu %llu %llu, reference %llu %llu %llu", k,
                 (unsigned long long)g.lines, (unsigned long long)g.words,
                 (unsigned long long)g.bytes, (unsigned long long)want.lines,
                 (unsigned long long)want.words,
                 (unsigned long long)want.bytes);
    }
    return 0;
}

#ifdef WEFT_FUZZ_STANDALONE
static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return 1;
    }
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    size_t r;
    while (buf != NULL && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap)
            buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    if (buf == NULL)
        return 1;
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    int runs = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            perror(argv[i]);
            return 1;
        }
        if (!S_ISDIR(st.st_mode)) {
            if (run_file(argv[i]) != 0)
                return 1;
            runs++;
            continue;
        }
        DIR *d = opendir(argv[i]);
        struct dirent *e;
        while (d != NULL && (e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            char path[4096];
            snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
            if (run_file(path) != 0)
                return 1;
            runs++;
        }
        if (d != NULL)
            closedir(d);
    }
    printf("ok - %d fuzz inputs replayed\n", runs);
    return runs > 0 ? 0 : 1;
}
#endif
