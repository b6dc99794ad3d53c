/*
 * test_stress_sched.c - random task trees mixing join, scope and
 * parallel_for with random busy work, checked against a sequential
 * evaluation of the same tree, on 1, 2, 3, 8 and 32 workers; then many
 * outside threads submitting while pools are created and destroyed.
 */
#include <errno.h>
#include <pthread.h>
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

static uint64_t eval_seq(uint64_t seed, int depth)
{
    uint64_t h = mix(seed), v = busy_work(h);
    int k = kind_of(h, depth);
    if (k == 0)
        return v;
    unsigned n = k == 1 ? 2 : fanout(h);
    for (unsigned i = 0; i < n; i++)
        v += eval_seq(h + i, depth - 1 - (int)((h >> (20 + i)) & 1));
    return v;
}

typedef struct node {
    uint64_t seed;
    int depth;
    uint64_t value;
} node;

static void eval_par(void *p);

typedef struct group {
    uint64_t h;
    int depth;
    _Atomic uint64_t sum;
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
    node c = {t->g->h + t->i, child_depth(t->g->h, t->i, t->g->depth), 0};
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
        node c = {g->h + i, child_depth(g->h, (unsigned)i, g->depth), 0};
        eval_par(&c);
        atomic_fetch_add(&g->sum, c.value);
    }
}

static void eval_par(void *p)
{
    node *nd = p;
    uint64_t h = mix(nd->seed), v = busy_work(h);
    int k = kind_of(h, nd->depth);
    if (k == 1) {
        node a = {h, child_depth(h, 0, nd->depth), 0};
        node b = {h + 1, child_depth(h, 1, nd->depth), 0};
        weft_join(eval_par, &a, eval_par, &b);
        v += a.value + b.value;
    } else if (k >= 2) {
        group g = {h, nd->depth, 0};
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

static void random_trees(void)
{
    static const unsigned sizes[] = {1, 2, 3, 8, 32};
    int trees = (int)test_scaled(40, 4);
    int depth =
        test_scaled(1, 1) >= 1 && getenv("WEFT_TEST_SCALE") == NULL ? 9 : 7;
    long long nodes = 0;
    for (size_t s = 0; s < 5; s++) {
        weft_pool *pool;
        weft_config cfg = {.num_threads = sizes[s]};
        CHECK_EQ(weft_pool_create(&cfg, &pool), 0);
        for (int t = 0; t < trees; t++) {
            node root = {(uint64_t)t * 7919 + sizes[s], depth, 0};
            CHECK_EQ(weft_pool_run(pool, eval_par, &root), 0);
            CHECK_EQ_U(root.value, eval_seq(root.seed, depth));
            nodes++;
        }
        weft_pool_destroy(pool);
    }
    printf("  %lld random trees checked\n", nodes);
    TEST_PASS(
        "random join/scope/parallel_for trees == sequential, 1..32 workers");
}

/* Outside threads submit to whatever pool is current while another thread
 * keeps replacing it.  A submission to a pool being destroyed may get
 * ESHUTDOWN, never a crash or a lost job. */
typedef struct churn {
    pthread_mutex_t lock;
    weft_pool *pool;
    _Atomic int stop;
    _Atomic long ok, refused;
} churn;

static void *submitter(void *p)
{
    churn *c = p;
    uint64_t seed = (uint64_t)(uintptr_t)&seed;
    while (!atomic_load(&c->stop)) {
        pthread_mutex_lock(&c->lock); /* keeps the pool alive while used */
        node n = {test_rand(&seed), 4, 0};
        int err = weft_pool_run(c->pool, eval_par, &n);
        pthread_mutex_unlock(&c->lock);
        if (err == 0) {
            CHECK_EQ_U(n.value, eval_seq(n.seed, 4));
            atomic_fetch_add(&c->ok, 1);
        } else {
            CHECK_EQ(err, ESHUTDOWN);
            atomic_fetch_add(&c->refused, 1);
        }
    }
    return NULL;
}

static void pools_churning(void)
{
    churn c;
    pthread_mutex_init(&c.lock, NULL);
    weft_config cfg = {.num_threads = 2};
    CHECK_EQ(weft_pool_create(&cfg, &c.pool), 0);
    atomic_init(&c.stop, 0);
    atomic_init(&c.ok, 0);
    atomic_init(&c.refused, 0);
    pthread_t th[8];
    for (int i = 0; i < 8; i++)
        CHECK_EQ(pthread_create(&th[i], NULL, submitter, &c), 0);
    int swaps = (int)test_scaled(200, 10);
    for (int i = 0; i < swaps; i++) {
        weft_pool *fresh;
        weft_config fc = {.num_threads = (unsigned)(1 + i % 4)};
        CHECK_EQ(weft_pool_create(&fc, &fresh), 0);
        pthread_mutex_lock(&c.lock);
        weft_pool *old = c.pool;
        c.pool = fresh;
        pthread_mutex_unlock(&c.lock);
        weft_pool_destroy(old);
    }
    atomic_store(&c.stop, 1);
    for (int i = 0; i < 8; i++)
        pthread_join(th[i], NULL);
    weft_pool_destroy(c.pool);
    printf("  %ld submissions ok while %d pools were replaced\n",
           atomic_load(&c.ok), swaps);
    CHECK(atomic_load(&c.ok) > 0);
    TEST_PASS("outside threads submitting while pools come and go");
}

int main(void)
{
    random_trees();
    pools_churning();
    return 0;
}
