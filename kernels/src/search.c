/*
 * search.c - count the whitespace-separated words equal to a needle, with
 * Python's contents.split().count(needle) semantics, without splitting.
 *
 * A word equal to the needle is an occurrence of the needle with
 * whitespace (or the edge of the text) on both sides.  The scan looks for
 * positions i where text[i] is the needle's first byte and
 * text[i + n - 1] its last (32 positions per step with SSE2, which every
 * x86-64 has); only where there are such candidates does it test the
 * bytes around them for whitespace, again 16 at a time (block16), and
 * the middle bytes.
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

/* Does a multi-byte whitespace end just before q, inside [start, q)?  Out
 * of line: rare, and it keeps the scan loop small. */
static __attribute__((noinline)) bool mbws_ends_at(const uchar *start,
                                                   const uchar *q)
{
    return (q - start >= 2 && mbws_len(q - 2, q) == 2) ||
           (q - start >= 3 && mbws_len(q - 3, q) == 3);
}

static __attribute__((noinline)) bool mbws_starts_at(const uchar *q,
                                                     const uchar *end)
{
    return mbws_len(q, end) != 0;
}

/* Is there whitespace just before q, inside [start, q)? */
static inline __attribute__((always_inline)) bool
ws_before(const uchar *start, const uchar *q, weft_text mode)
{
    if (q == start)
        return true;
    uchar c = q[-1];
    if (mode == WEFT_TEXT_BYTES)
        return ws_bytes(c);
    if (c < 0x80)
        return ws_utf8_ascii(c);
    return mbws_ends_at(start, q);
}

/* Is there whitespace starting at q, inside [q, end)? */
static inline __attribute__((always_inline)) bool
ws_after(const uchar *q, const uchar *end, weft_text mode)
{
    if (q == end)
        return true;
    if (mode == WEFT_TEXT_BYTES)
        return ws_bytes(*q);
    return *q < 0x80 ? ws_utf8_ascii(*q) : mbws_starts_at(q, end);
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

static inline uint64_t load8(const uchar *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
    return x;
}

static inline uint32_t load4(const uchar *p)
{
    uint32_t x;
    memcpy(&x, p, 4);
    return x;
}

/* a[0..len) == b[0..len), without a call for the short needles that
 * dominate: two overlapping loads cover 4..8 or 9..16 bytes. */
static inline __attribute__((always_inline)) bool
middle_equal(const uchar *a, const uchar *b, size_t len)
{
    if (len <= 3)
        return len == 0 || (a[0] == b[0] && a[len - 1] == b[len - 1] &&
                            a[len / 2] == b[len / 2]);
    if (len <= 8)
        return load4(a) == load4(b) && load4(a + len - 4) == load4(b + len - 4);
    if (len <= 16)
        return load8(a) == load8(b) && load8(a + len - 8) == load8(b + len - 8);
    return memcmp(a, b, len) == 0;
}

/* The full check at a position whose first and last bytes match.  Why
 * checking the neighbours suffices even in invalid UTF-8: a whitespace
 * sequence that overlapped the occurrence would have to start before p
 * and end inside it (then p[-1] is a lead or continuation byte of it, and
 * no whitespace ends at p) or start inside it and end after (then no
 * whitespace starts at p + n, which is a continuation byte); see the
 * file comment for why occurrences cannot overlap. */
static inline __attribute__((always_inline)) bool
word_at(const uchar *s, const uchar *e, const uchar *p, const uchar *nd,
        size_t n, weft_text mode)
{
    return ws_before(s, p, mode) && ws_after(p + n, e, mode) &&
           middle_equal(p + 1, nd + 1, n < 2 ? 0 : n - 2);
}

static inline __attribute__((always_inline)) uint64_t
search_scalar(const uchar *s, const uchar *e, const uchar *p, const uchar *last,
              const uchar *nd, size_t n, weft_text mode)
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

/* Bits set in a 32-bit mask, without a POPCNT instruction (not in the
 * x86-64 baseline) or a call. */
static inline unsigned popcount32(uint32_t x)
{
    x = x - ((x >> 1) & 0x55555555u);
    x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
    x = (x + (x >> 4)) & 0x0f0f0f0fu;
    return (x * 0x01010101u) >> 24;
}

#if defined(__SSE2__)
static inline __m128i load16(const uchar *p)
{
    return _mm_loadu_si128((const __m128i *)(const void *)p);
}

/* Bytes in [lo, lo + 4]: (v - lo) <= 4 as unsigned bytes. */
static inline __m128i in_range5(__m128i v, char lo)
{
    __m128i d = _mm_sub_epi8(v, _mm_set1_epi8(lo));
    return _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(4)), d);
}

/* The ASCII whitespace of the mode, as a byte mask. */
static inline __m128i ws_vec(__m128i v, weft_text mode)
{
    __m128i w = in_range5(v, 9); /* \t \n \v \f \r */
    if (mode == WEFT_TEXT_BYTES)
        return _mm_or_si128(w, _mm_cmpeq_epi8(v, _mm_set1_epi8(' ')));
    return _mm_or_si128(w, in_range5(v, 0x1c)); /* 0x1c..0x1f, space */
}

/*
 * Count the words equal to the needle that start in [p, p + 16), given m:
 * the positions whose first and last bytes match.  The boundaries are
 * tested 16 at a time: in bytes mode exactly; in UTF-8 mode exactly when
 * the neighbour is ASCII, and a neighbour >= 0x80 (which a multi-byte
 * space would start or end with) leaves the position to the scalar test.
 * For needles of up to 3 bytes the middle byte is tested here too, so in
 * ASCII text the dense needles ("the", "a") are counted without a branch
 * per occurrence.
 */
static inline __attribute__((always_inline)) uint64_t
block16(const uchar *s, const uchar *e, const uchar *p, uint32_t m,
        const uchar *nd, size_t n, weft_text mode)
{
    __m128i prev = load16(p - 1), next = load16(p + n);
    uint32_t pw = (uint32_t)_mm_movemask_epi8(ws_vec(prev, mode));
    uint32_t nw = (uint32_t)_mm_movemask_epi8(ws_vec(next, mode));
    uint32_t sure = m & pw & nw, unsure = 0;
    if (mode == WEFT_TEXT_UTF8)
        unsure = m & ~sure & (pw | (uint32_t)_mm_movemask_epi8(prev)) &
                 (nw | (uint32_t)_mm_movemask_epi8(next));
    uint64_t count = 0;
    if (n <= 3) {
        if (n == 3)
            sure &= (uint32_t)_mm_movemask_epi8(
                _mm_cmpeq_epi8(load16(p + 1), _mm_set1_epi8((char)nd[1])));
        count = popcount32(sure);
    } else {
        unsure |= sure;
    }
    while (unsure != 0) {
        const uchar *q = p + __builtin_ctz(unsure);
        if (word_at(s, e, q, nd, n, mode))
            count++;
        unsure &= unsure - 1;
    }
    return count;
}
#endif

/* Compiled once per mode (the wrappers below), so that each copy keeps
 * only its own whitespace tests. */
static inline __attribute__((always_inline)) uint64_t
search_span(const uchar *s, const uchar *e, const uchar *nd, size_t n,
            weft_text mode)
{
    size_t len = (size_t)(e - s);
    if (len < n)
        return 0;
    const uchar *last = e - n; /* the last possible start */
    const uchar *p = s;
    uint64_t count = 0;
#if defined(__SSE2__)
    /* Position 0 has no byte before it to load: the scalar test. */
    count +=
        s[0] == nd[0] && s[n - 1] == nd[n - 1] && word_at(s, e, s, nd, n, mode);
    p = s + 1;
    __m128i vf = _mm_set1_epi8((char)nd[0]);
    __m128i vl = _mm_set1_epi8((char)nd[n - 1]);
    /* 32 starts per step; the loads reach p + n + 31 < e. */
    while ((size_t)(e - p) >= n + 32) {
        __m128i a0 = load16(p), a1 = load16(p + 16);
        __m128i b0 = load16(p + n - 1), b1 = load16(p + n + 15);
        uint32_t m0 = (uint32_t)_mm_movemask_epi8(
            _mm_and_si128(_mm_cmpeq_epi8(a0, vf), _mm_cmpeq_epi8(b0, vl)));
        uint32_t m1 = (uint32_t)_mm_movemask_epi8(
            _mm_and_si128(_mm_cmpeq_epi8(a1, vf), _mm_cmpeq_epi8(b1, vl)));
        if (WEFT__KUNLIKELY((m0 | m1) != 0)) {
            if (m0 != 0)
                count += block16(s, e, p, m0, nd, n, mode);
            if (m1 != 0)
                count += block16(s, e, p + 16, m1, nd, n, mode);
        }
        p += 32;
    }
#endif
    return count + search_scalar(s, e, p, last, nd, n, mode);
}

static uint64_t search_bytes(const uchar *s, const uchar *e, const uchar *nd,
                             size_t n)
{
    return search_span(s, e, nd, n, WEFT_TEXT_BYTES);
}

static uint64_t search_utf8(const uchar *s, const uchar *e, const uchar *nd,
                            size_t n)
{
    return search_span(s, e, nd, n, WEFT_TEXT_UTF8);
}

static uint64_t search_chunk(const char *p, size_t len, const char *needle,
                             size_t needle_len, weft_text mode)
{
    const uchar *s = (const uchar *)p, *nd = (const uchar *)needle;
    return mode == WEFT_TEXT_BYTES ? search_bytes(s, s + len, nd, needle_len)
                                   : search_utf8(s, s + len, nd, needle_len);
}

typedef struct search_arg {
    const char *needle;
    size_t n;
    weft_text mode;
} search_arg;

static void search_fold(const char *chunk, size_t len, void *acc, void *arg)
{
    const search_arg *a = arg;
    *(uint64_t *)acc += search_chunk(chunk, len, a->needle, a->n, a->mode);
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
    *count = search_chunk(contents, len, needle, needle_len, mode);
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
