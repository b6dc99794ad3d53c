/*
 * test_wc.c - weft_wc equals weft_wc_sequential and a byte-at-a-time model
 * of LC_ALL=C wc (GNU coreutils 9.1: a word starts at a byte 0x21..0x7e
 * after whitespace; other non-space bytes are ignored), on every byte
 * value, random text, the par_lines shapes; with tiny grains, forced
 * splitting, pools of 1, 2, 8; and the streaming form fed in random
 * pieces.  (test_cli.py compares with the real `wc`.)
 */
#include <errno.h>

#include "kharness.h"
#include "reference.h"

static void same(weft_wc_counts a, weft_wc_counts b)
{
    CHECK_EQ_U(a.lines, b.lines);
    CHECK_EQ_U(a.words, b.words);
    CHECK_EQ_U(a.bytes, b.bytes);
}

static void check(const char *s, size_t len, uint64_t *rng)
{
    weft_wc_counts want = ref_wc((const unsigned char *)s, len), got;
    CHECK(weft_wc_sequential(s, len, &got) == 0);
    same(want, got);
    CHECK(weft_wc(s, len, &got) == 0);
    same(want, got);
    static const weft_split_opts opts[] = {{1, 1}, {1, 0}, {3, 17}, {0, 100}};
    for (size_t k = 0; k < sizeof(opts) / sizeof(opts[0]); k++) {
        CHECK(weft_wc_ex(s, len, &opts[k], &got) == 0);
        same(want, got);
    }
    /* Streaming, cut at random places (empty pieces included). */
    for (int par = 0; par < 2; par++) {
        weft_wc_state st = WEFT_WC_STATE_INIT;
        size_t pos = 0;
        while (pos < len) {
            size_t piece =
                (size_t)k_below(rng, len - pos < 200 ? len - pos + 1 : 200);
            CHECK((par ? weft_wc_update(&st, s + pos, piece)
                       : weft_wc_update_sequential(&st, s + pos, piece)) == 0);
            pos += piece;
        }
        CHECK(weft_wc_update(&st, NULL, 0) == 0);
        same(want, st.counts);
    }
}

static void cases(void *unused)
{
    (void)unused;
    uint64_t rng = 99 + k_current_threads;
    /* Every byte value alone, between letters, between spaces. */
    for (int b = 0; b < 256; b++) {
        char s[5] = {'a', (char)b, 'b', ' ', (char)b};
        check(s + 1, 1, &rng);
        check(s, 3, &rng);
        check(s + 1, 4, &rng);
    }
    static const char *fixed[] = {
        "",       "\n",    "a",    "a\n",       "a b\n",           "a\r\nb",
        "\n\n\n", "  x  ", "x\0y", "\x80x\x80", "a\x01\x02\x03b c"};
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        check(fixed[i], i == 8 ? 3 : strlen(fixed[i]), &rng);
    int rounds = (int)test_scaled(80, 8);
    size_t maxlen = (size_t)test_scaled(40000, 3000);
    for (int t = 0; t < rounds; t++) {
        size_t len = (size_t)k_below(&rng, maxlen);
        char *s = k_xmalloc(len);
        int kind = t % 4;
        for (size_t i = 0; i < len; i++) {
            uint64_t r = k_below(&rng, 100);
            if (kind == 0) /* random bytes */
                s[i] = (char)k_below(&rng, 256);
            else if (kind == 1) /* text with random whitespace */
                s[i] = r < 20 ? " \t\n\r\v\f"[k_below(&rng, 6)]
                              : (char)('a' + k_below(&rng, 26));
            else if (kind == 2) /* ignored bytes inside and between words */
                s[i] = r < 30   ? (char)k_below(&rng, 9)
                       : r < 40 ? (char)(0x80 + k_below(&rng, 128))
                       : r < 55 ? ' '
                                : 'w';
            else /* one long line, or few newlines */
                s[i] = r < 1 ? '\n' : r < 10 ? ' ' : 'q';
        }
        check(s, len, &rng);
        free(s);
    }
}

static void errors(void)
{
    weft_wc_counts c = {7, 7, 7};
    CHECK_EQ(weft_wc("a", 1, NULL), EINVAL);
    CHECK_EQ(weft_wc(NULL, 1, &c), EINVAL);
    CHECK_EQ(weft_wc_sequential(NULL, 1, &c), EINVAL);
    CHECK_EQ(weft_wc_ex(NULL, 1, NULL, &c), EINVAL);
    CHECK_EQ_U(c.lines, 7);
    CHECK(weft_wc(NULL, 0, &c) == 0);
    CHECK_EQ_U(c.bytes, 0);
    weft_wc_state st = WEFT_WC_STATE_INIT;
    CHECK_EQ(weft_wc_update(NULL, "a", 1), EINVAL);
    CHECK_EQ(weft_wc_update(&st, NULL, 1), EINVAL);
    CHECK_EQ(weft_wc_update_sequential(&st, NULL, 1), EINVAL);
    CHECK_EQ_U(st.counts.bytes, 0);
}

int main(void)
{
    errors();
    TEST_PASS("wc argument errors");
    k_in_pools(cases, NULL);
    TEST_PASS("wc == sequential == model of GNU wc, pools 1/2/8, streaming");
    return 0;
}
