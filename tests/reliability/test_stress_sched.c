/*
 * test_stress_sched.c - random task trees mixing join, scope and
 * parallel_for with random busy work, checked against a sequential
 * evaluation of the same tree, on 1, 2, 3, 8 and 32 workers; then many
 * outside threads submitting at once while pools are created and
 * destroyed.  Every node of every tree counts itself: a tree passes when
 * its value and its node count both equal the sequential evaluation's.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "harness.h"
#include "weft.h"

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

/* A node's value: its own hash, busy work, plus its children's values
 * (a wrapping sum, so the order children finish in does not matter). */
static uint64_t busy_work(uint64_t h)
{
    uint64_t v = h;
    for (unsigned i = 0; i < (h & 63); i++)
        v = mix(v);
    return v;
}

static int kind_of(uint64_t h, int depth)
{
    if (depth <= 0)
        return 0;                   /* leaf */
    return 1 + (int)((h >> 8) % 3); /* 1 join, 2 scope, 3 parallel_for */
}

static unsigned fanout(uint64_t h)
{
    return 2 + (unsigned)((h >> 16) % 5);
}

/* The tree's value; *nodes counts its nodes. */
static uint64_t eval_seq(uint64_t seed, int depth, long *nodes)
{
    uint64_t h = mix(seed), v = busy_work(h);
    int k = kind_of(h, depth);
    (*nodes)++;
    if (k == 0)
        return v;
    unsigned n = k == 1 ? 2 : fanout(h);
    for (unsigned i = 0; i < n; i++)
        v += eval_seq(h + i, depth - 1 - (int)((h >> (20 + i)) & 1), nodes);
    return v;
}

typedef struct node {
    uint64_t seed;
    int depth;
    uint64_t value;
    _Atomic long *count; /* every node evaluated adds 1 */
} node;

static void eval_par(void *p);

typedef struct group {
    uint64_t h;
    int depth;
    _Atomic uint64_t sum;
    _Atomic long *count;
} group;

static int child_depth(uint64_t h, unsigned i, int depth)
{
    return depth - 1 - (int)((h >> (20 + i)) & 1);
}

static void scope_child(weft_scope *s, void *arg);

typedef struct scope_task {
    group *g;
    unsigned i;
} scope_task;

static scope_task *tasks_for(group *g, unsigned n, scope_task *buf)
{
    for (unsigned i = 0; i < n; i++)
        buf[i] = (scope_task){g, i};
    return buf;
}

static void scope_child(weft_scope *s, void *arg)
{
    (void)s;
    scope_task *t = arg;
    node c = {t->g->h + t->i, child_depth(t->g->h, t->i, t->g->depth), 0,
              t->g->count};
    eval_par(&c);
    atomic_fetch_add(&t->g->sum, c.value);
}

typedef struct scope_arg {
    scope_task *tasks;
    unsigned n;
} scope_arg;

static void scope_body(weft_scope *s, void *arg)
{
    scope_arg *a = arg;
    for (unsigned i = 0; i < a->n; i++)
        weft_spawn(s, scope_child, &a->tasks[i]);
}

static void for_body(size_t lo, size_t hi, void *arg)
{
    group *g = arg;
    for (size_t i = lo; i < hi; i++) {
        node c = {g->h + i, child_depth(g->h, (unsigned)i, g->depth), 0,
                  g->count};
        eval_par(&c);
        atomic_fetch_add(&g->sum, c.value);
    }
}

static void eval_par(void *p)
{
    node *nd = p;
    uint64_t h = mix(nd->seed), v = busy_work(h);
    int k = kind_of(h, nd->depth);
    atomic_fetch_add_explicit(nd->count, 1, memory_order_relaxed);
    if (k == 1) {
        node a = {h, child_depth(h, 0, nd->depth), 0, nd->count};
        node b = {h + 1, child_depth(h, 1, nd->depth), 0, nd->count};
        weft_join(eval_par, &a, eval_par, &b);
        v += a.value + b.value;
    } else if (k >= 2) {
        group g = {h, nd->depth, 0, nd->count};
        unsigned n = fanout(h);
        if (k == 2) {
            scope_task buf[8];
            scope_arg a = {tasks_for(&g, n, buf), n};
            weft_scope_run(scope_body, &a);
        } else {
            weft_parallel_for(0, n, 1, for_body, &g);
        }
        v += atomic_load(&g.sum);
    }
    nd->value = v;
}

/* Nodes whose single evaluation was checked (value and count). */
static _Atomic long long tasks_checked;

static void random_trees(void)
{
    static const unsigned sizes[] = {1, 2, 3, 8, 32};
    int trees = (int)test_scaled(40, 4);
    int depth =
        test_scaled(1, 1) >= 1 && getenv("WEFT_TEST_SCALE") == NULL ? 9 : 7;
    long long checked = 0;
    for (size_t s = 0; s < 5; s++) {
        weft_pool *pool;
        weft_config cfg = {.num_threads = sizes[s]};
        CHECK_EQ(weft_pool_create(&cfg, &pool), 0);
        for (int t = 0; t < trees; t++) {
            _Atomic long count = 0;
            node root = {(uint64_t)t * 7919 + sizes[s], depth, 0, &count};
            CHECK_EQ(weft_pool_run(pool, eval_par, &root), 0);
            long nodes = 0;
            CHECK_EQ_U(root.value, eval_seq(root.seed, depth, &nodes));
            CHECK_EQ(atomic_load(&count), nodes);
            tasks_checked += nodes;
            checked++;
        }
        weft_pool_destroy(pool);
    }
    printf("  %lld random trees checked (%lld nodes)\n", checked,
           (long long)tasks_checked);
    TEST_PASS(
        "random join/scope/parallel_for trees == sequential, 1..32 workers");
}

/*
 * Outside threads submit to whatever pool is current while the main thread
 * keeps replacing it and destroying the old one.  A submission to a pool
 * being destroyed gets ESHUTDOWN; none may crash or lose a job.
 *
 * The pool lifetime protocol.  weft_pool_run on a pool whose
 * weft_pool_destroy has *returned* is a use after free; while destroy is
 * running it is allowed and returns ESHUTDOWN.  So destroy must not return
 * while a submitter may still call the pool.  Each pool has a slot with a
 * count of the submitters holding it:
 *
 *   submitter: refs++; if slot is still current, use slot->pool (a batch
 *              of runs, stopping at the first ESHUTDOWN); refs--;
 *              else refs-- and retry.
 *   main:      current = fresh slot; weft_pool_destroy(old pool).
 *
 * The old pool's exit_handler (run by every worker when it exits, after
 * its last job, and so before weft_pool_destroy can return) waits until
 * refs is 0.  By then every submitter that saw the slot current has
 * returned from its last weft_pool_run on the pool, and any later one sees
 * the new slot (seq_cst: the increment and the check of current in a
 * submitter against the store of current and the check of refs here), so
 * it never calls the old pool.  Slots are never freed while submitters run.
 * Submitters hold a slot across several runs, so some of them are still
 * submitting when destroy starts: those runs get ESHUTDOWN.
 */
typedef struct slot {
    weft_pool *pool;
    _Atomic long refs;
} slot;

typedef struct churn {
    slot *slots;
    _Atomic(slot *) current;
    _Atomic int stop;
    _Atomic long ok, refused, acquired, retries;
} churn;

static void wait_for_holders(unsigned index, void *arg)
{
    (void)index;
    slot *s = arg;
    while (atomic_load(&s->refs) != 0)
        sched_yield();
}

static slot *acquire(churn *c)
{
    for (;;) {
        slot *s = atomic_load(&c->current);
        atomic_fetch_add(&s->refs, 1);
        if (atomic_load(&c->current) == s)
            return s;
        atomic_fetch_sub(&s->refs, 1); /* replaced meanwhile */
        atomic_fetch_add(&c->retries, 1);
    }
}

static void *submitter(void *p)
{
    churn *c = p;
    uint64_t seed = (uint64_t)(uintptr_t)&seed;
    while (!atomic_load(&c->stop)) {
        slot *s = acquire(c);
        atomic_fetch_add(&c->acquired, 1);
        int batch = 1 + (int)(test_rand(&seed) % 8);
        for (int b = 0; b < batch; b++) {
            _Atomic long count = 0;
            node n = {test_rand(&seed), 4, 0, &count};
            int err = weft_pool_run(s->pool, eval_par, &n);
            if (err != 0) {
                CHECK_EQ(err, ESHUTDOWN);
                CHECK_EQ(atomic_load(&count), 0); /* nothing ran */
                atomic_fetch_add(&c->refused, 1);
                break; /* the pool is going: let go of it */
            }
            long nodes = 0;
            CHECK_EQ_U(n.value, eval_seq(n.seed, 4, &nodes));
            CHECK_EQ(atomic_load(&count), nodes);
            atomic_fetch_add(&tasks_checked, nodes);
            atomic_fetch_add(&c->ok, 1);
        }
        atomic_fetch_sub(&s->refs, 1);
    }
    return NULL;
}

static weft_pool *churn_pool(slot *s, unsigned threads)
{
    atomic_init(&s->refs, 0);
    weft_config cfg = {.num_threads = threads,
                       .exit_handler = wait_for_holders,
                       .handler_arg = s};
    CHECK_EQ(weft_pool_create(&cfg, &s->pool), 0);
    return s->pool;
}

static void pools_churning(void)
{
    int swaps = (int)test_scaled(200, 40);
    churn c;
    c.slots = calloc((size_t)swaps + 1, sizeof(slot));
    CHECK(c.slots != NULL);
    churn_pool(&c.slots[0], 2);
    atomic_init(&c.current, &c.slots[0]);
    atomic_init(&c.stop, 0);
    atomic_init(&c.ok, 0);
    atomic_init(&c.refused, 0);
    atomic_init(&c.acquired, 0);
    atomic_init(&c.retries, 0);
    enum { SUBMITTERS = 8 };
    pthread_t th[SUBMITTERS];
    for (int i = 0; i < SUBMITTERS; i++)
        CHECK_EQ(pthread_create(&th[i], NULL, submitter, &c), 0);
    for (int i = 1; i <= swaps; i++) {
        slot *fresh = &c.slots[i];
        churn_pool(fresh, (unsigned)(1 + i % 4));
        slot *old = atomic_exchange(&c.current, fresh);
        /* Give the submitters a moment on the old pool now and then, so
         * that destroy finds some of them in the middle of a batch. */
        if (i % 2 == 0)
            sched_yield();
        weft_pool_destroy(old->pool); /* waits for old's holders */
        CHECK_EQ(atomic_load(&old->refs), 0);
        old->pool = NULL;
    }
    atomic_store(&c.stop, 1);
    for (int i = 0; i < SUBMITTERS; i++)
        pthread_join(th[i], NULL);
    slot *last = atomic_load(&c.current);
    weft_pool_destroy(last->pool);
    free(c.slots);
    printf("  %d pools replaced under %d submitters: %ld runs ok, %ld got "
           "ESHUTDOWN (%ld pools taken, %ld retries)\n",
           swaps, SUBMITTERS, atomic_load(&c.ok), atomic_load(&c.refused),
           atomic_load(&c.acquired), atomic_load(&c.retries));
    CHECK(atomic_load(&c.ok) > 0);
    if (atomic_load(&c.refused) == 0)
        printf("  (no submission met a pool being destroyed this time)\n");
    TEST_PASS("outside threads submitting while pools come and go");
}

int main(void)
{
    random_trees();
    pools_churning();
    printf("weft-total tasks %lld\n", (long long)atomic_load(&tasks_checked));
    return 0;
}
