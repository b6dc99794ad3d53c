/*
 * search.c - count the whitespace-separated words equal to a needle, with
 * Python's contents.split().count(needle) semantics, without splitting.
 *
 * A word equal to the needle is an occurrence of the needle with
 * whitespace (or the edge of the text) on both sides.  The scan looks for
 * positions i where text[i] is the needle's first byte and
 * text[i + n - 1] its last (16 positions per step with SSE2, which every
 * x86-64 has), and only at those rare candidates checks the two
 * boundaries and the middle bytes.
 *
 * UTF-8 mode: the multi-byte whitespace characters are the byte sequences
 * C2 85, C2 A0, E1 9A 80, E2 80 80..8A, E2 80 A8/A9/AF, E2 81 9F and
 * E3 80 80.  Each starts with a lead byte and continues with continuation
 * bytes (80..BF), so two occurrences never overlap, and in valid UTF-8
 * every occurrence is that character: matching the bytes is exact, with
 * no decoding.  In invalid UTF-8 the same rule applies (an occurrence of
 * such a sequence is whitespace; every other byte is a word byte).  A
 * boundary check therefore looks at most 3 bytes to either side, and
 * never across a chunk edge: par_lines cuts just after a '\n', and no
 * multi-byte whitespace contains one.
 */
#include <errno.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "internal.h"

typedef unsigned char uchar;

static inline bool ws_bytes(uchar c)
{
    return c == ' ' || (uchar)(c - 9) < 5;
}

/* ASCII whitespace of str.split(): 9..13 and 0x1c..0x20. */
static inline bool ws_utf8_ascii(uchar c)
{
    return (uchar)(c - 9) < 5 || (uchar)(c - 0x1c) < 5;
}

/* Length of the multi-byte whitespace starting at p (before end), or 0. */
static inline size_t mbws_len(const uchar *p, const uchar *end)
{
    size_t room = (size_t)(end - p);
    switch (p[0]) {
    case 0xC2:
        return room >= 2 && (p[1] == 0x85 || p[1] == 0xA0) ? 2 : 0;
    case 0xE1:
        return room >= 3 && p[1] == 0x9A && p[2] == 0x80 ? 3 : 0;
    case 0xE2:
        if (room < 3)
            return 0;
        if (p[1] == 0x80)
            return (p[2] >= 0x80 && p[2] <= 0x8A) || p[2] == 0xA8 ||
                           p[2] == 0xA9 || p[2] == 0xAF
                       ? 3
                       : 0;
        return p[1] == 0x81 && p[2] == 0x9F ? 3 : 0;
    case 0xE3:
        return room >= 3 && p[1] == 0x80 && p[2] == 0x80 ? 3 : 0;
    default:
        return 0;
    }
}

/* Is there whitespace just before q, inside [start, q)? */
static inline bool ws_before(const uchar *start, const uchar *q, weft_text mode)
{
    if (q == start)
        return true;
    uchar c = q[-1];
    if (mode == WEFT_TEXT_BYTES)
        return ws_bytes(c);
    if (c < 0x80)
        return ws_utf8_ascii(c);
    return (q - start >= 2 && mbws_len(q - 2, q) == 2) ||
           (q - start >= 3 && mbws_len(q - 3, q) == 3);
}

/* Is there whitespace starting at q, inside [q, end)? */
static inline bool ws_after(const uchar *q, const uchar *end, weft_text mode)
{
    if (q == end)
        return true;
    if (mode == WEFT_TEXT_BYTES)
        return ws_bytes(*q);
    return *q < 0x80 ? ws_utf8_ascii(*q) : mbws_len(q, end) != 0;
}

/* Does the needle contain whitespace (so it can never equal a word)? */
static bool needle_has_ws(const uchar *nd, size_t n, weft_text mode)
{
    for (size_t i = 0; i < n; i++) {
        if (mode == WEFT_TEXT_BYTES ? ws_bytes(nd[i])
            : nd[i] < 0x80          ? ws_utf8_ascii(nd[i])
                                    : mbws_len(nd + i, nd + n))
            return true;
    }
    return false;
}

/* The full check at a position whose first and last bytes match.  Why
 * checking the neighbours suffices even in invalid UTF-8: a whitespace
 * sequence that overlapped the occurrence would have to start before p
 * and end inside it (then p[-1] is a lead or continuation byte of it, and
 * no whitespace ends at p) or start inside it and end after (then no
 * whitespace starts at p + n, which is a continuation byte); see the
 * file comment for why occurrences cannot overlap. */
static inline bool word_at(const uchar *s, const uchar *e, const uchar *p,
                           const uchar *nd, size_t n, weft_text mode)
{
    return (n <= 2 || memcmp(p + 1, nd + 1, n - 2) == 0) &&
           ws_before(s, p, mode) && ws_after(p + n, e, mode);
}

static uint64_t search_scalar(const uchar *s, const uchar *e, const uchar *p,
                              const uchar *last, const uchar *nd, size_t n,
                              weft_text mode)
{
    uint64_t count = 0;
    uchar f = nd[0], l = nd[n - 1];
    while (p <= last) {
        p = memchr(p, f, (size_t)(last - p) + 1);
        if (p == NULL)
            break;
        if (p[n - 1] == l && word_at(s, e, p, nd, n, mode))
            count++;
        p++;
    }
    return count;
}

#if defined(__SSE2__)
static inline uint32_t candidates16(const uchar *p, size_t n, __m128i vf,
                                    __m128i vl)
{
    __m128i a = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + n - 1));
    __m128i m = _mm_and_si128(_mm_cmpeq_epi8(a, vf), _mm_cmpeq_epi8(b, vl));
    return (uint32_t)_mm_movemask_epi8(m);
}
#endif

static uint64_t search_span(const uchar *s, const uchar *e, const uchar *nd,
                            size_t n, weft_text mode)
{
    size_t len = (size_t)(e - s);
    if (len < n)
        return 0;
    const uchar *last = e - n; /* the last possible start */
    const uchar *p = s;
    uint64_t count = 0;
#if defined(__SSE2__)
    __m128i vf = _mm_set1_epi8((char)nd[0]);
    __m128i vl = _mm_set1_epi8((char)nd[n - 1]);
    /* 32 starts per step; the loads reach p + n + 30 < e. */
    while ((size_t)(e - p) >= n + 31) {
        uint32_t m =
            candidates16(p, n, vf, vl) | candidates16(p + 16, n, vf, vl) << 16;
        while (WEFT__KUNLIKELY(m != 0)) {
            const uchar *q = p + __builtin_ctz(m);
            if (word_at(s, e, q, nd, n, mode))
                count++;
            m &= m - 1;
        }
        p += 32;
    }
#endif
    return count + search_scalar(s, e, p, last, nd, n, mode);
}

uint64_t weft__search_chunk(const char *p, size_t len, const char *needle,
                            size_t needle_len, weft_text mode)
{
    return search_span((const uchar *)p, (const uchar *)p + len,
                       (const uchar *)needle, needle_len, mode);
}

typedef struct search_arg {
    const char *needle;
    size_t n;
    weft_text mode;
} search_arg;

static void search_fold(const char *chunk, size_t len, void *acc, void *arg)
{
    const search_arg *a = arg;
    *(uint64_t *)acc +=
        weft__search_chunk(chunk, len, a->needle, a->n, a->mode);
}

static void search_combine(void *acc, const void *other, void *arg)
{
    (void)arg;
    *(uint64_t *)acc += *(const uint64_t *)other;
}

/* Validates the arguments; returns -1 when the search may go on, else
 * the return value (with *count set to 0 for a needle that never
 * matches). */
static int search_check(const char *contents, size_t len, const char *needle,
                        size_t needle_len, weft_text mode, uint64_t *count)
{
    if (count == NULL || (contents == NULL && len > 0) ||
        (needle == NULL && needle_len > 0) ||
        (mode != WEFT_TEXT_BYTES && mode != WEFT_TEXT_UTF8))
        return EINVAL;
    if (needle_len == 0 || needle_len > len ||
        needle_has_ws((const uchar *)needle, needle_len, mode)) {
        *count = 0;
        return 0;
    }
    return -1;
}

int weft_search_sequential(const char *contents, size_t len, const char *needle,
                           size_t needle_len, weft_text mode, uint64_t *count)
{
    int rc = search_check(contents, len, needle, needle_len, mode, count);
    if (rc >= 0)
        return rc;
    *count = weft__search_chunk(contents, len, needle, needle_len, mode);
    return 0;
}

int weft_search_ex(const char *contents, size_t len, const char *needle,
                   size_t needle_len, weft_text mode,
                   const weft_split_opts *opts, uint64_t *count)
{
    int rc = search_check(contents, len, needle, needle_len, mode, count);
    if (rc >= 0)
        return rc;
    search_arg a = {needle, needle_len, mode};
    uint64_t zero = 0, total;
    rc = weft_par_lines_reduce_ex(contents, len, opts, &total, &zero,
                                  sizeof(total), search_fold, search_combine,
                                  &a);
    if (rc == 0)
        *count = total;
    return rc;
}

int weft_search(const char *contents, size_t len, const char *needle,
                size_t needle_len, weft_text mode, uint64_t *count)
{
    return weft_search_ex(contents, len, needle, needle_len, mode, NULL, count);
}
