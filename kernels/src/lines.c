/*
 * lines.c - par_lines: split a buffer into chunks of whole lines.
 *
 * A piece [lo, hi) always starts at a line start and ends at a line end.
 * To split it, look for the '\n' nearest to the middle: scan windows of
 * doubling size alternately forward and backward from mid, so the cost is
 * proportional to the distance to the newline found, never to the piece,
 * and the cut is the nearest one.  Each piece remembers the newline-free
 * stretches already scanned at its head and tail, so a line longer than
 * the grain (or than half the piece) is scanned once, not once per level:
 * after a failed forward scan the right part is known to be free of
 * newlines and is never searched again.
 */
#include <errno.h>
#include <stdalign.h>
#include <string.h>

#include "internal.h"

#define LINES_STACK_ACC 256
#define LINES_FIRST_WINDOW 256

typedef struct lines_ctx {
    const char *buf;
    size_t grain, max_len;
    weft_lines_fn fn;        /* weft_par_lines */
    weft_lines_fold_fn fold; /* weft_par_lines_reduce */
    weft_combine_fn combine;
    const void *identity;
    size_t acc_size;
    void *arg;
} lines_ctx;

typedef struct lines_piece {
    const lines_ctx *c;
    size_t lo, hi;
    size_t head_free; /* no '\n' in [lo, head_free) */
    size_t tail_free; /* no '\n' in [tail_free, hi - 1) */
    weft__kbudget b;
    void *acc; /* NULL for weft_par_lines */
} lines_piece;

static inline size_t max_sz(size_t a, size_t b)
{
    return a > b ? a : b;
}
static inline size_t min_sz(size_t a, size_t b)
{
    return a < b ? a : b;
}

/*
 * Find the cut (a position just after a '\n', strictly inside (lo, hi))
 * nearest to the middle of p.  Returns 0 if there is none.  On success
 * fills the knowledge of the two halves.
 */
static size_t find_cut(const lines_piece *p, lines_piece *left,
                       lines_piece *right)
{
    const char *buf = p->c->buf;
    size_t lo = p->lo, hi = p->hi, mid = lo + (hi - lo) / 2;
    /* A newline at hi - 1 is the piece's own end, not a cut. */
    size_t fend = max_sz(mid, min_sz(p->tail_free, hi - 1));
    size_t f = min_sz(max_sz(mid, p->head_free), fend);
    size_t bend = max_sz(lo, min_sz(p->head_free, mid));
    /* The backward scan starts at mid, or lower where the tail is known
     * to be free of newlines. */
    size_t b = max_sz(bend, min_sz(mid, p->tail_free));
    const char *fhit = NULL, *bhit = NULL;
    for (size_t w = LINES_FIRST_WINDOW;; w *= 2) {
        if (f < fend) {
            size_t e = fend - f > w ? f + w : fend;
            fhit = memchr(buf + f, '\n', e - f);
            if (fhit == NULL)
                f = e;
        }
        if (b > bend) {
            size_t s = b - bend > w ? b - w : bend;
            bhit = memrchr(buf + s, '\n', b - s);
            if (bhit == NULL)
                b = s;
        }
        if (fhit != NULL || bhit != NULL)
            break;
        if (f >= fend && b <= bend)
            return 0;
    }
    size_t fcut = fhit != NULL ? (size_t)(fhit - buf) + 1 : 0;
    size_t bcut = bhit != NULL ? (size_t)(bhit - buf) + 1 : 0;
    bool forward = fhit != NULL && (bhit == NULL || fcut - mid <= mid - bcut);
    *left = *p;
    *right = *p;
    if (forward) {
        size_t cut = fcut;
        /* [b, cut - 1) holds no newline: before mid the backward scan
         * (down to the hit it found, if farther; down to lo when it ran
         * into the known-free head) and after it the forward scan. */
        size_t free_from = bhit != NULL ? bcut : b <= bend ? lo : b;
        left->hi = cut;
        left->tail_free = min_sz(free_from, cut - 1);
        right->lo = cut;
        right->head_free = cut;
        right->tail_free = max_sz(p->tail_free, cut);
        return cut;
    }
    size_t cut = bcut;
    /* [cut, free_to) holds no newline. */
    size_t free_to = fhit != NULL ? fcut - 1 : f;
    if (free_to >= fend)
        free_to = hi - 1; /* up to fend, then the known-free tail */
    left->hi = cut;
    left->tail_free = cut - 1;
    right->lo = cut;
    right->head_free = free_to;
    right->tail_free = max_sz(p->tail_free, cut);
    return cut;
}

static void run_leaf(const lines_piece *p)
{
    const lines_ctx *c = p->c;
    if (p->acc != NULL)
        c->fold(c->buf + p->lo, p->hi - p->lo, p->acc, c->arg);
    else
        c->fn(c->buf + p->lo, p->hi - p->lo, c->arg);
}

static void lines_run(void *arg)
{
    lines_piece *p = arg;
    const lines_ctx *c = p->c;
    weft__kbudget b = p->b;
    lines_piece left, right;
    /* A piece with no newline strictly inside cannot split: skip the
     * scan when the remembered free stretches cover it. */
    if (p->head_free >= p->tail_free ||
        !weft__kbudget_split(&b, p->hi - p->lo, c->grain, c->max_len) ||
        find_cut(p, &left, &right) == 0) {
        run_leaf(p);
        return;
    }
    left.b = b;
    right.b = b;
    if (p->acc == NULL) {
        weft_join(lines_run, &left, lines_run, &right);
        return;
    }
    alignas(max_align_t) unsigned char local[LINES_STACK_ACC];
    void *racc = local;
    if (c->acc_size > sizeof(local)) {
        racc = weft__kalloc(c->acc_size);
        if (racc == NULL) {
            /* No room for a second accumulator: fold it all here. */
            run_leaf(p);
            return;
        }
    }
    memcpy(racc, c->identity, c->acc_size);
    right.acc = racc;
    weft_join(lines_run, &left, lines_run, &right);
    c->combine(p->acc, racc, c->arg); /* left (+) right: buffer order */
    if (racc != local)
        weft__kfree(racc, c->acc_size);
}

static void lines_start(void *arg)
{
    lines_piece *p = arg;
    p->b = weft__kbudget_root();
    lines_run(p);
}

static int lines_go(const lines_ctx *c, size_t len, void *acc)
{
    if (len == 0)
        return 0;
    lines_piece p;
    memset(&p, 0, sizeof(p));
    p.c = c;
    p.lo = 0;
    p.hi = len;
    p.head_free = 0;
    p.tail_free = len - 1; /* nothing known */
    p.acc = acc;
    if (len <= c->grain) {
        run_leaf(&p); /* nothing to split: stay on this thread */
        return 0;
    }
    weft__kenter(lines_start, &p);
    return 0;
}

static void opts_get(const weft_split_opts *opts, size_t *grain,
                     size_t *max_len)
{
    *grain = WEFT_LINES_DEFAULT_GRAIN;
    *max_len = 0;
    if (opts != NULL) {
        if (opts->grain != 0)
            *grain = opts->grain;
        *max_len = opts->max_len;
    }
}

int weft_par_lines_ex(const char *buf, size_t len, const weft_split_opts *opts,
                      weft_lines_fn fn, void *arg)
{
    if (fn == NULL || (buf == NULL && len > 0))
        return EINVAL;
    lines_ctx c;
    memset(&c, 0, sizeof(c));
    c.buf = buf;
    opts_get(opts, &c.grain, &c.max_len);
    c.fn = fn;
    c.arg = arg;
    return lines_go(&c, len, NULL);
}

int weft_par_lines(const char *buf, size_t len, size_t grain, weft_lines_fn fn,
                   void *arg)
{
    weft_split_opts o = {grain, 0};
    return weft_par_lines_ex(buf, len, &o, fn, arg);
}

int weft_par_lines_reduce_ex(const char *buf, size_t len,
                             const weft_split_opts *opts, void *result,
                             const void *identity, size_t acc_size,
                             weft_lines_fold_fn fold, weft_combine_fn combine,
                             void *arg)
{
    if ((buf == NULL && len > 0) || result == NULL || identity == NULL ||
        fold == NULL || combine == NULL || acc_size == 0 || result == identity)
        return EINVAL;
    lines_ctx c;
    memset(&c, 0, sizeof(c));
    c.buf = buf;
    opts_get(opts, &c.grain, &c.max_len);
    c.fold = fold;
    c.combine = combine;
    c.identity = identity;
    c.acc_size = acc_size;
    c.arg = arg;
    memcpy(result, identity, acc_size);
    return lines_go(&c, len, result);
}

int weft_par_lines_reduce(const char *buf, size_t len, size_t grain,
                          void *result, const void *identity, size_t acc_size,
                          weft_lines_fold_fn fold, weft_combine_fn combine,
                          void *arg)
{
    weft_split_opts o = {grain, 0};
    return weft_par_lines_reduce_ex(buf, len, &o, result, identity, acc_size,
                                    fold, combine, arg);
}
