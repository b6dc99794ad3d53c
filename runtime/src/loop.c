/*
 * loop.c - weft_parallel_for and weft_parallel_reduce.
 *
 * Both split their range with weft_join, adaptively, as rayon's Splitter
 * does: a range starts with a budget of `splits = threads` and halves it at
 * each split; when it reaches 0 the piece runs sequentially.  A piece that
 * was stolen (it runs on another worker than the one that split it) gets
 * its budget reset to max(threads, splits / 2): a thief is evidence of
 * idle workers, so that piece splits further.  A piece never splits below
 * the grain.  So a balanced loop makes about 2 * threads pieces, and an
 * unbalanced one keeps splitting exactly where workers are starving.
 */
#include <errno.h>
#include <stdalign.h>
#include <string.h>

#include "alloc.h"
#include "registry.h"

typedef struct split_state {
    unsigned splits;
    weft__worker *parent; /* worker that created this piece */
} split_state;

/* Should a piece of length len, created by `parent`, split again on
 * worker w?  Updates the budget. */
static bool try_split(split_state *st, weft__worker *w, size_t len,
                      size_t grain)
{
    if (len / 2 < grain)
        return false;
    unsigned threads = w->pool->num_threads;
    if (w != st->parent) {
        st->splits = st->splits / 2 > threads ? st->splits / 2 : threads;
        return true;
    }
    if (st->splits > 0) {
        st->splits /= 2;
        return true;
    }
    return false;
}

/* ---- parallel_for ---- */

typedef struct for_ctx {
    weft_range_fn body;
    void *arg;
    size_t grain;
} for_ctx;

typedef struct for_piece {
    const for_ctx *ctx;
    size_t lo, hi;
    split_state st;
} for_piece;

static void for_run(void *p)
{
    for_piece *piece = p;
    weft__worker *w = weft__tls_worker;
    const for_ctx *c = piece->ctx;
    split_state st = piece->st;
    size_t lo = piece->lo, hi = piece->hi;
    if (!try_split(&st, w, hi - lo, c->grain)) {
        c->body(lo, hi, c->arg);
        return;
    }
    size_t mid = lo + (hi - lo) / 2;
    for_piece left = {c, lo, mid, {st.splits, w}};
    for_piece right = {c, mid, hi, {st.splits, w}};
    weft_join(for_run, &left, for_run, &right);
}

static void for_start(void *p)
{
    for_piece *piece = p;
    weft__worker *w = weft__tls_worker;
    piece->st.splits = w->pool->num_threads;
    piece->st.parent = w;
    for_run(piece);
}

void weft_parallel_for(size_t begin, size_t end, size_t grain,
                       weft_range_fn body, void *arg)
{
    if (begin >= end || body == NULL)
        return;
    for_ctx ctx = {body, arg, grain == 0 ? 1 : grain};
    for_piece piece = {&ctx, begin, end, {0, NULL}};
    if (weft__tls_worker != NULL)
        for_start(&piece);
    else if (end - begin <= ctx.grain || !weft__run_outside(for_start, &piece))
        body(begin, end, arg); /* nothing to split, or no pool */
}

/* ---- parallel_reduce ---- */

/* Accumulators up to this size live on the stack. */
#define WEFT__REDUCE_STACK_ACC 256

typedef struct reduce_ctx {
    weft_fold_fn fold;
    weft_combine_fn combine;
    void *arg;
    const void *identity;
    size_t acc_size;
    size_t grain;
} reduce_ctx;

typedef struct reduce_piece {
    const reduce_ctx *ctx;
    size_t lo, hi;
    split_state st;
    void *acc; /* already holds a copy of identity */
} reduce_piece;

static void reduce_run(void *p)
{
    reduce_piece *piece = p;
    weft__worker *w = weft__tls_worker;
    const reduce_ctx *c = piece->ctx;
    split_state st = piece->st;
    size_t lo = piece->lo, hi = piece->hi;
    if (!try_split(&st, w, hi - lo, c->grain)) {
        c->fold(lo, hi, piece->acc, c->arg);
        return;
    }
    alignas(max_align_t) unsigned char local[WEFT__REDUCE_STACK_ACC];
    void *right_acc = local;
    if (c->acc_size > sizeof(local)) {
        right_acc = weft__alloc(c->acc_size, alignof(max_align_t));
        if (right_acc == NULL) {
            /* No memory for a second accumulator: fold this piece
             * sequentially, which needs none. */
            c->fold(lo, hi, piece->acc, c->arg);
            return;
        }
    }
    memcpy(right_acc, c->identity, c->acc_size);
    size_t mid = lo + (hi - lo) / 2;
    reduce_piece left = {c, lo, mid, {st.splits, w}, piece->acc};
    reduce_piece right = {c, mid, hi, {st.splits, w}, right_acc};
    weft_join(reduce_run, &left, reduce_run, &right);
    c->combine(piece->acc, right_acc, c->arg); /* left (+) right: in order */
    if (right_acc != local)
        weft__free(right_acc, c->acc_size, alignof(max_align_t));
}

static void reduce_start(void *p)
{
    reduce_piece *piece = p;
    weft__worker *w = weft__tls_worker;
    piece->st.splits = w->pool->num_threads;
    piece->st.parent = w;
    reduce_run(piece);
}

int weft_parallel_reduce(size_t begin, size_t end, size_t grain, void *result,
                         const void *identity, size_t acc_size,
                         weft_fold_fn fold, weft_combine_fn combine, void *arg)
{
    if (result == NULL || identity == NULL || fold == NULL || combine == NULL ||
        acc_size == 0 || result == identity)
        return EINVAL;
    memcpy(result, identity, acc_size);
    if (begin >= end)
        return 0;
    reduce_ctx ctx = {fold,     combine,  arg,
                      identity, acc_size, grain == 0 ? 1 : grain};
    reduce_piece piece = {&ctx, begin, end, {0, NULL}, result};
    if (weft__tls_worker != NULL)
        reduce_start(&piece);
    else if (end - begin <= ctx.grain ||
             !weft__run_outside(reduce_start, &piece))
        fold(begin, end, result, arg);
    return 0;
}
