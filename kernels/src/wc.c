/*
 * wc.c - lines, words and bytes exactly as LC_ALL=C wc (GNU coreutils 9.1).
 *
 * What GNU wc counts in the C locale (checked byte by byte against
 * coreutils 9.1, see docs/kernels.md): a line is a '\n'; a word starts at a
 * printable non-space byte (0x21..0x7e) when the last byte that mattered
 * was whitespace (space, \t \n \v \f \r) or there was none; every other
 * byte (NUL and the other control characters, DEL, 0x80..0xff) is
 * ignored: it neither starts a word nor ends one, so "a\0b" is one word.
 *
 * The scan classifies 64 bytes at a time into bit masks (W: word bytes,
 * S: whitespace, the rest ignored) with SSE2 and counts word starts with
 * bit arithmetic, ignored bytes included (see count_block).  Because the
 * only state is "inside a word or not", a byte range summarises into a
 * small monoid (counts + the class of its first and last byte that
 * mattered), so the parallel version cuts the buffer anywhere, not only
 * at newlines: a file that is one huge line still splits.
 */
#include <errno.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "internal.h"

enum { CLS_NONE = 0, CLS_SPACE = 1, CLS_WORD = 2 };

typedef struct wc_acc {
    uint64_t lines, words, bytes;
    unsigned first, last; /* CLS_*: first and last byte that mattered */
} wc_acc;

#define WC_DEFAULT_GRAIN ((size_t)256 * 1024)

typedef struct block_masks {
    uint64_t word, space, nl;
} block_masks;

static inline block_masks classify64(const unsigned char *p)
{
    block_masks m;
#if defined(__SSE2__)
    const __m128i c20 = _mm_set1_epi8(0x20), c7f = _mm_set1_epi8(0x7f);
    const __m128i c08 = _mm_set1_epi8(8), c0e = _mm_set1_epi8(14);
    const __m128i cnl = _mm_set1_epi8('\n');
    uint64_t w = 0, s = 0, n = 0;
    for (int k = 0; k < 4; k++) {
        __m128i v =
            _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
        /* Signed compares: bytes >= 0x80 are negative, below both. */
        __m128i vw =
            _mm_and_si128(_mm_cmpgt_epi8(v, c20), _mm_cmplt_epi8(v, c7f));
        __m128i vs = _mm_or_si128(
            _mm_cmpeq_epi8(v, c20),
            _mm_and_si128(_mm_cmpgt_epi8(v, c08), _mm_cmplt_epi8(v, c0e)));
        __m128i vn = _mm_cmpeq_epi8(v, cnl);
        w |= (uint64_t)(uint16_t)_mm_movemask_epi8(vw) << (16 * k);
        s |= (uint64_t)(uint16_t)_mm_movemask_epi8(vs) << (16 * k);
        n |= (uint64_t)(uint16_t)_mm_movemask_epi8(vn) << (16 * k);
    }
    m.word = w;
    m.space = s;
    m.nl = n;
#else
    m.word = m.space = m.nl = 0;
    for (int i = 0; i < 64; i++) {
        unsigned char c = p[i];
        m.word |= (uint64_t)(c > 0x20 && c < 0x7f) << i;
        m.space |= (uint64_t)(c == ' ' || (unsigned char)(c - 9) < 5) << i;
        m.nl |= (uint64_t)(c == '\n') << i;
    }
#endif
    return m;
}

/*
 * Count the word starts of one block.  in: *carry = inside a word before
 * the block.  A word byte starts a word when the state just before it is
 * "outside"; the state after an ignored byte is the state before it, so
 * runs of ignored bytes that follow a word byte must be filled with
 * "inside".  Such a run starts at a bit of A = W << 1 | carry; adding
 * those start bits to the mask T of ignored bytes carries through exactly
 * those runs, clearing them, and T & ~(T + (A & T)) is what was cleared.
 */
static inline __attribute__((always_inline)) uint64_t
block_starts(block_masks m, unsigned *carry)
{
    uint64_t t = ~(m.word | m.space);
    uint64_t a = m.word << 1 | *carry;
    uint64_t filled = t & ~(t + (a & t));
    uint64_t inside = m.word | filled;
    uint64_t starts = m.word & ~(inside << 1 | *carry);
    *carry = (unsigned)(inside >> 63);
    return starts;
}

/* The loop, compiled twice below: popcount is one instruction with
 * POPCNT and a dozen without, and x86-64's baseline lacks it. */
static inline __attribute__((always_inline)) void
count_span(const unsigned char *p, size_t len, wc_acc *acc)
{
    uint64_t lines = 0, words = 0;
    unsigned carry = 0, first = CLS_NONE;
    bool seen = false;
    size_t i = 0;
    unsigned char tail[64];
    while (i < len) {
        block_masks m;
        if (len - i >= 64) {
            m = classify64(p + i);
        } else {
            /* Zero padding: NUL is ignored and is not a newline. */
            memset(tail, 0, sizeof(tail));
            memcpy(tail, p + i, len - i);
            m = classify64(tail);
        }
        i += 64;
        if (WEFT__KUNLIKELY(!seen) && (m.word | m.space) != 0) {
            uint64_t d = m.word | m.space;
            first = (m.word >> __builtin_ctzll(d)) & 1 ? CLS_WORD : CLS_SPACE;
            seen = true;
        }
        lines += (uint64_t)__builtin_popcountll(m.nl);
        words += (uint64_t)__builtin_popcountll(block_starts(m, &carry));
    }
    acc->lines = lines;
    acc->words = words;
    acc->bytes = len;
    acc->first = first;
    acc->last = !seen ? CLS_NONE : carry ? CLS_WORD : CLS_SPACE;
}

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("popcnt"))) static void
count_span_popcnt(const unsigned char *p, size_t len, wc_acc *acc)
{
    count_span(p, len, acc);
}
#endif

static void count_span_generic(const unsigned char *p, size_t len, wc_acc *acc)
{
    count_span(p, len, acc);
}

static void count_chunk(const char *p, size_t len, wc_acc *acc)
{
#if defined(__x86_64__) || defined(__i386__)
    if (__builtin_cpu_supports("popcnt")) {
        count_span_popcnt((const unsigned char *)p, len, acc);
        return;
    }
#endif
    count_span_generic((const unsigned char *)p, len, acc);
}

/* acc = acc (+) next, next being the bytes right after acc's. */
static void acc_combine(wc_acc *acc, const wc_acc *next)
{
    acc->lines += next->lines;
    acc->bytes += next->bytes;
    /* next counted a word start at its first word byte, but if acc ends
     * inside a word that byte continues it. */
    acc->words += next->words;
    if (acc->last == CLS_WORD && next->first == CLS_WORD)
        acc->words--;
    if (acc->first == CLS_NONE)
        acc->first = next->first;
    if (next->last != CLS_NONE)
        acc->last = next->last;
}

/* ---- parallel: split anywhere, adaptively ---- */

typedef struct wc_ctx {
    const char *buf;
    size_t grain, max_len;
} wc_ctx;

typedef struct wc_piece {
    const wc_ctx *c;
    size_t lo, hi;
    weft__kbudget b;
    wc_acc acc;
} wc_piece;

static void wc_run(void *arg)
{
    wc_piece *p = arg;
    weft__kbudget b = p->b;
    size_t len = p->hi - p->lo;
    if (!weft__kbudget_split(&b, len, p->c->grain, p->c->max_len)) {
        count_chunk(p->c->buf + p->lo, len, &p->acc);
        return;
    }
    /* Cut at a multiple of 64 bytes from lo when the piece is big enough,
     * so every full block of the left half is a whole SSE block. */
    size_t half = len / 2;
    if (half > 64)
        half &= ~(size_t)63;
    wc_piece left = {p->c, p->lo, p->lo + half, b, {0, 0, 0, 0, 0}};
    wc_piece right = {p->c, p->lo + half, p->hi, b, {0, 0, 0, 0, 0}};
    weft_join(wc_run, &left, wc_run, &right);
    acc_combine(&left.acc, &right.acc);
    p->acc = left.acc;
}

static void wc_start(void *arg)
{
    wc_piece *p = arg;
    p->b = weft__kbudget_root();
    wc_run(p);
}

static void to_counts(const wc_acc *a, weft_wc_counts *out)
{
    out->lines = a->lines;
    out->words = a->words;
    out->bytes = a->bytes;
}

static void wc_par(const char *buf, size_t len, const weft_split_opts *opts,
                   wc_acc *acc)
{
    wc_ctx c = {buf, WC_DEFAULT_GRAIN, 0};
    if (opts != NULL) {
        if (opts->grain != 0)
            c.grain = opts->grain;
        c.max_len = opts->max_len;
    }
    wc_piece p = {&c, 0, len, {0, NULL}, {0, 0, 0, 0, 0}};
    if (len <= c.grain)
        count_chunk(buf, len, &p.acc);
    else
        weft__kenter(wc_start, &p);
    *acc = p.acc;
}

int weft_wc_ex(const char *buf, size_t len, const weft_split_opts *opts,
               weft_wc_counts *out)
{
    if (out == NULL || (buf == NULL && len > 0))
        return EINVAL;
    wc_acc a;
    wc_par(buf, len, opts, &a);
    to_counts(&a, out);
    return 0;
}

int weft_wc(const char *buf, size_t len, weft_wc_counts *out)
{
    return weft_wc_ex(buf, len, NULL, out);
}

int weft_wc_sequential(const char *buf, size_t len, weft_wc_counts *out)
{
    if (out == NULL || (buf == NULL && len > 0))
        return EINVAL;
    wc_acc a;
    count_chunk(buf, len, &a);
    to_counts(&a, out);
    return 0;
}

/* ---- streaming ---- */

static void state_add(weft_wc_state *st, const wc_acc *a)
{
    wc_acc s = {st->counts.lines, st->counts.words, st->counts.bytes, CLS_NONE,
                st->in_word ? CLS_WORD : CLS_SPACE};
    acc_combine(&s, a);
    to_counts(&s, &st->counts);
    st->in_word = s.last == CLS_WORD;
}

int weft_wc_update(weft_wc_state *state, const char *buf, size_t len)
{
    if (state == NULL || (buf == NULL && len > 0))
        return EINVAL;
    wc_acc a;
    wc_par(buf, len, NULL, &a);
    state_add(state, &a);
    return 0;
}

int weft_wc_update_sequential(weft_wc_state *state, const char *buf, size_t len)
{
    if (state == NULL || (buf == NULL && len > 0))
        return EINVAL;
    wc_acc a;
    count_chunk(buf, len, &a);
    state_add(state, &a);
    return 0;
}
