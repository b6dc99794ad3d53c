/*
 * test_search.c - weft_search equals weft_search_sequential and a naive
 * reference (split into words, compare each) on random text: ASCII with
 * random whitespace in bytes mode; UTF-8 with every Unicode whitespace
 * character, multi-byte letters and invalid bytes in UTF-8 mode.  Needles
 * are words of the text, prefixes and extensions of them, and needles
 * with whitespace (count 0).  Pools of 1, 2 and 8 threads, tiny grains
 * and forced splitting.  (test_search_python.py checks against Python.)
 */
#include <errno.h>

#include "kharness.h"
#include "reference.h"

/* ---- random text ---- */

static const char *const letters_utf8[] = {"a",
                                           "b",
                                           "ab",
                                           "\xC3\xA9" /* é */,
                                           "\xE4\xB8\xAD" /* 中 */,
                                           "\xF0\x9F\x98\x80" /* 😀 */,
                                           "\xC2" /* stray lead */,
                                           "\x85" /* stray
                                               continuation */
                                           ,
                                           "\xE2\x80" /* truncated U+2000 */,
                                           "\xE2",
                                           "\x80"};

static char *gen_text(uint64_t *rng, size_t len, weft_text mode, size_t *out)
{
    char *t = k_xmalloc(len + 8);
    size_t n = 0;
    while (n < len) {
        const char *piece;
        char one[2] = {0, 0};
        uint64_t r = k_below(rng, 100);
        if (mode == WEFT_TEXT_BYTES) {
            static const char ws[] = " \t\n\r\v\f";
            if (r < 25) {
                one[0] = ws[k_below(rng, 6)];
            } else if (r < 30) {
                one[0] = (char)(0x1c + k_below(rng, 4)); /* not ws here */
            } else if (r < 33) {
                one[0] = (char)(0x80 + k_below(rng, 128));
            } else {
                one[0] = "abc"[k_below(rng, 3)];
            }
            piece = one;
            if (one[0] == 0)
                one[0] = 'a';
        } else if (r < 15) {
            piece = ref_mb_ws[k_below(rng, REF_N_MB_WS)];
        } else if (r < 30) {
            static const char ws[] = " \t\n\r\v\f\x1c\x1d\x1e\x1f";
            one[0] = ws[k_below(rng, 10)];
            piece = one;
        } else {
            piece = letters_utf8[k_below(rng, sizeof(letters_utf8) /
                                                  sizeof(letters_utf8[0]))];
        }
        size_t l = strlen(piece);
        if (n + l > len)
            break;
        memcpy(t + n, piece, l);
        n += l;
    }
    *out = n;
    return t;
}

/* A needle: a word of the text, or a piece of one, or something odd. */
static size_t pick_needle(uint64_t *rng, const char *t, size_t len,
                          weft_text mode, char *nd, size_t cap)
{
    uint64_t r = k_below(rng, 10);
    if (r == 0 || len == 0) {
        static const char *odd[] = {"a b",           "a\n",  "\xC2\xA0",
                                    "a\xE3\x80\x80", "\x1c", "a\037b"};
        const char *o = odd[k_below(rng, 6)];
        size_t l = strlen(o);
        memcpy(nd, o, l);
        return l;
    }
    unsigned char *ws = k_xmalloc(len);
    ref_mark_ws((const unsigned char *)t, len, mode, ws);
    size_t start = (size_t)k_below(rng, len);
    while (start < len && ws[start])
        start++;
    while (start > 0 && !ws[start - 1])
        start--; /* the start of a word */
    size_t end = start;
    while (end < len && !ws[end])
        end++;
    free(ws);
    if (end - start > cap)
        end = start + cap;
    size_t l = end - start;
    memcpy(nd, t + start, l);
    if (r == 1 && l > 1)
        l--; /* a prefix: rarely a word */
    else if (r == 2 && l < cap)
        nd[l++] = 'a'; /* an extension */
    return l;
}

typedef struct search_case {
    const char *text;
    size_t len;
    weft_text mode;
    uint64_t *rng;
} search_case;

static void check_one(const char *text, size_t len, const char *nd, size_t nlen,
                      weft_text mode)
{
    uint64_t want = ref_search(text, len, nd, nlen, mode), got = 99, seq = 98;
    CHECK(weft_search_sequential(text, len, nd, nlen, mode, &seq) == 0);
    CHECK(weft_search(text, len, nd, nlen, mode, &got) == 0);
    if (want != seq || want != got) {
        fprintf(stderr,
                "mode %d len %zu needle '%.*s' (%zu): naive %llu seq "
                "%llu par %llu\n",
                (int)mode, len, (int)nlen, nd, nlen, (unsigned long long)want,
                (unsigned long long)seq, (unsigned long long)got);
        exit(1);
    }
    static const weft_split_opts opts[] = {{1, 1}, {1, 0}, {16, 64}, {0, 0}};
    for (size_t k = 0; k < sizeof(opts) / sizeof(opts[0]); k++) {
        got = 97;
        CHECK(weft_search_ex(text, len, nd, nlen, mode, &opts[k], &got) == 0);
        CHECK_EQ_U(got, want);
    }
}

static void random_cases(void *unused)
{
    (void)unused;
    uint64_t rng = 7 + k_current_threads;
    int rounds = (int)test_scaled(60, 6);
    size_t maxlen = (size_t)test_scaled(30000, 2000);
    for (int t = 0; t < rounds; t++) {
        weft_text mode = t % 2 ? WEFT_TEXT_UTF8 : WEFT_TEXT_BYTES;
        size_t len;
        char *text = gen_text(&rng, (size_t)k_below(&rng, maxlen), mode, &len);
        for (int q = 0; q < 6; q++) {
            char nd[64];
            size_t nlen = pick_needle(&rng, text, len, mode, nd, sizeof(nd));
            check_one(text, len, nd, nlen, mode);
        }
        free(text);
    }
    /* Small inputs exhaustively around the SIMD edges (32-byte steps). */
    for (size_t len = 0; len < 80; len++) {
        char *text = k_xmalloc(len + 1);
        for (size_t i = 0; i < len; i++)
            text[i] = i % 3 == 2 ? ' ' : 'a';
        check_one(text, len, "aa", 2, WEFT_TEXT_BYTES);
        check_one(text, len, "a", 1, WEFT_TEXT_UTF8);
        for (size_t i = 0; i < len; i++)
            text[i] = 'x';
        check_one(text, len, text, len, WEFT_TEXT_BYTES);
        if (len > 0)
            check_one(text, len, text, len - 1, WEFT_TEXT_UTF8);
        free(text);
    }
}

static void errors(void)
{
    uint64_t c = 5;
    CHECK_EQ(weft_search("a", 1, "a", 1, WEFT_TEXT_BYTES, NULL), EINVAL);
    CHECK_EQ(weft_search(NULL, 1, "a", 1, WEFT_TEXT_BYTES, &c), EINVAL);
    CHECK_EQ(weft_search("a", 1, NULL, 1, WEFT_TEXT_BYTES, &c), EINVAL);
    CHECK_EQ(weft_search("a", 1, "a", 1, (weft_text)7, &c), EINVAL);
    CHECK_EQ(weft_search_sequential("a", 1, "a", 1, (weft_text)7, &c), EINVAL);
    CHECK_EQ_U(c, 5); /* untouched on error */
    CHECK(weft_search(NULL, 0, "a", 1, WEFT_TEXT_BYTES, &c) == 0);
    CHECK_EQ_U(c, 0);
    c = 5;
    CHECK(weft_search("a a", 3, NULL, 0, WEFT_TEXT_UTF8, &c) == 0);
    CHECK_EQ_U(c, 0); /* empty needle */
    c = 5;
    CHECK(weft_search("a a", 3, "a a", 3, WEFT_TEXT_BYTES, &c) == 0);
    CHECK_EQ_U(c, 0); /* needle with whitespace */
    c = 5;
    CHECK(weft_search("x\xC2\xA0y", 4, "x\xC2\xA0y", 4, WEFT_TEXT_UTF8, &c) ==
          0);
    CHECK_EQ_U(c, 0);
    c = 5;
    CHECK(weft_search("x\xC2\xA0y", 4, "x\xC2\xA0y", 4, WEFT_TEXT_BYTES, &c) ==
          0);
    CHECK_EQ_U(c, 1); /* NBSP is not whitespace for bytes */
    CHECK(weft_search("\x1c"
                      "a\x1c",
                      3, "a", 1, WEFT_TEXT_UTF8, &c) == 0);
    CHECK_EQ_U(c, 1);
    CHECK(weft_search("\x1c"
                      "a\x1c",
                      3, "a", 1, WEFT_TEXT_BYTES, &c) == 0);
    CHECK_EQ_U(c, 0);
}

int main(void)
{
    errors();
    TEST_PASS("search argument errors and special needles");
    k_in_pools(random_cases, NULL);
    TEST_PASS("search == sequential == naive, bytes and UTF-8, pools 1/2/8");
    return 0;
}
