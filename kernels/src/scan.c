/*
 * scan.c - inclusive and exclusive prefix sums, blocked in two passes.
 *
 * The array is cut into nb blocks of bs elements, where bs depends only on
 * n (at least SCAN_BLOCK, and large enough that nb <= SCAN_MAX_BLOCKS).
 * Pass 1 scans every block on its own (in parallel) and keeps its total
 * T_b; the offsets are then O_1 = T_0, O_{b+1} = O_b + T_b (a sequential
 * loop over at most SCAN_MAX_BLOCKS values); pass 2 adds O_b to every
 * element of block b > 0 (in parallel).  So out[i] of block b > 0 is
 * O_b + (local prefix), each local prefix summed left to right.  That is
 * the documented order of the float additions; the sequential twin runs
 * exactly the same passes on one thread, so it gives the same bits.
 * Integers are added as unsigned numbers of their width (wrapping).
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

#define SCAN_BLOCK ((size_t)4096)
#define SCAN_MAX_BLOCKS ((size_t)1024)

typedef void (*local_fn)(const void *in, void *out, size_t lo, size_t hi,
                         bool excl, void *total);
typedef void (*offset_fn)(void *out, size_t lo, size_t hi, bool excl,
                          const void *off);
typedef void (*next_fn)(void *off, const void *total); /* off += total */

/* in and out may be the same array: every element is read before its
 * slot is written. */
#define SCAN_TYPE(NAME, T)                                                     \
    static void NAME##_local(const void *in_, void *out_, size_t lo,           \
                             size_t hi, bool excl, void *total)                \
    {                                                                          \
        const T *in = in_;                                                     \
        T *out = out_;                                                         \
        T run = in[lo];                                                        \
        if (excl) {                                                            \
            out[lo] = (T)0;                                                    \
            for (size_t i = lo + 1; i < hi; i++) {                             \
                T x = in[i];                                                   \
                out[i] = run;                                                  \
                run = (T)(run + x);                                            \
            }                                                                  \
        } else {                                                               \
            out[lo] = run;                                                     \
            for (size_t i = lo + 1; i < hi; i++) {                             \
                run = (T)(run + in[i]);                                        \
                out[i] = run;                                                  \
            }                                                                  \
        }                                                                      \
        memcpy(total, &run, sizeof(T));                                        \
    }                                                                          \
    static void NAME##_offset(void *out_, size_t lo, size_t hi, bool excl,     \
                              const void *off_)                                \
    {                                                                          \
        T *out = out_;                                                         \
        T off;                                                                 \
        memcpy(&off, off_, sizeof(T));                                         \
        size_t i = lo;                                                         \
        if (excl)                                                              \
            out[i++] = off;                                                    \
        for (; i < hi; i++)                                                    \
            out[i] = (T)(off + out[i]);                                        \
    }                                                                          \
    static void NAME##_next(void *off_, const void *total_)                    \
    {                                                                          \
        T off, total;                                                          \
        memcpy(&off, off_, sizeof(T));                                         \
        memcpy(&total, total_, sizeof(T));                                     \
        off = (T)(off + total);                                                \
        memcpy(off_, &off, sizeof(T));                                         \
    }

SCAN_TYPE(s_u8, uint8_t)
SCAN_TYPE(s_u16, uint16_t)
SCAN_TYPE(s_u32, uint32_t)
SCAN_TYPE(s_u64, uint64_t)
SCAN_TYPE(s_f32, float)
SCAN_TYPE(s_f64, double)

typedef struct scan_ctx {
    const void *in;
    void *out;
    size_t n, bs, nb;
    bool excl;
    local_fn local;
    offset_fn offset;
    uint64_t *slots; /* per block: its total, then its offset */
} scan_ctx;

static void local_body(size_t lo, size_t hi, void *arg)
{
    scan_ctx *c = arg;
    for (size_t b = lo; b < hi; b++) {
        size_t s = b * c->bs, e = c->n - s > c->bs ? s + c->bs : c->n;
        c->local(c->in, c->out, s, e, c->excl, &c->slots[b]);
    }
}

static void offset_body(size_t lo, size_t hi, void *arg)
{
    scan_ctx *c = arg;
    for (size_t b = lo; b < hi; b++) {
        size_t s = b * c->bs, e = c->n - s > c->bs ? s + c->bs : c->n;
        c->offset(c->out, s, e, c->excl, &c->slots[b]);
    }
}

static int scan_common(const void *in, void *out, size_t n, weft_dtype type,
                       weft_scan_kind kind, bool par)
{
    size_t w = weft_dtype_size(type), bytes;
    if (w == 0 ||
        (kind != WEFT_SCAN_INCLUSIVE && kind != WEFT_SCAN_EXCLUSIVE) ||
        ((in == NULL || out == NULL) && n > 0) || !weft__kmul(n, w, &bytes))
        return EINVAL;
    if (n == 0)
        return 0;
    scan_ctx c;
    next_fn next;
    switch (type) {
    case WEFT_I8:
    case WEFT_U8:
        c.local = s_u8_local, c.offset = s_u8_offset, next = s_u8_next;
        break;
    case WEFT_I16:
    case WEFT_U16:
        c.local = s_u16_local, c.offset = s_u16_offset, next = s_u16_next;
        break;
    case WEFT_I32:
    case WEFT_U32:
        c.local = s_u32_local, c.offset = s_u32_offset, next = s_u32_next;
        break;
    case WEFT_I64:
    case WEFT_U64:
        c.local = s_u64_local, c.offset = s_u64_offset, next = s_u64_next;
        break;
    case WEFT_F32:
        c.local = s_f32_local, c.offset = s_f32_offset, next = s_f32_next;
        break;
    default:
        c.local = s_f64_local, c.offset = s_f64_offset, next = s_f64_next;
        break;
    }
    uint64_t slots[SCAN_MAX_BLOCKS];
    c.in = in;
    c.out = out;
    c.n = n;
    c.bs = (n + SCAN_MAX_BLOCKS - 1) / SCAN_MAX_BLOCKS;
    if (c.bs < SCAN_BLOCK)
        c.bs = SCAN_BLOCK;
    c.nb = (n + c.bs - 1) / c.bs;
    c.excl = kind == WEFT_SCAN_EXCLUSIVE;
    c.slots = slots;
    memset(slots, 0, c.nb * sizeof(slots[0])); /* narrow types fill less */
    if (par && c.nb > 1)
        weft_parallel_for(0, c.nb, 1, local_body, &c);
    else
        local_body(0, c.nb, &c);
    if (c.nb == 1)
        return 0;
    /* Totals become offsets: slot b <- O_b (slot 0 is unused after). */
    uint64_t off = slots[0];
    for (size_t b = 1; b < c.nb; b++) {
        uint64_t total = slots[b];
        slots[b] = off;
        next(&off, &total);
    }
    if (par)
        weft_parallel_for(1, c.nb, 1, offset_body, &c);
    else
        offset_body(1, c.nb, &c);
    return 0;
}

int weft_scan(const void *in, void *out, size_t n, weft_dtype type,
              weft_scan_kind kind)
{
    return scan_common(in, out, n, type, kind, true);
}

int weft_scan_sequential(const void *in, void *out, size_t n, weft_dtype type,
                         weft_scan_kind kind)
{
    return scan_common(in, out, n, type, kind, false);
}
