/*
 * test_scope.c - weft_scope_run waits for every spawned task: a million of
 * them, spawned as a tree and flat from one task; nested scopes; spawns
 * from outside threads.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "harness.h"
#include "weft.h"

typedef struct tree {
    _Atomic long count;
    int fanout;
} tree;

typedef struct node {
    tree *t;
    int depth;
} node;

static _Atomic long *g_count;
/* Tasks whose runs were counted and checked (for the weft-total line). */
static _Atomic long long tasks_checked;

/* Each task spawns `fanout` children until depth 0.  The task argument
 * packs the depth into a small heap-free form: a pointer to a static
 * table of depths. */
static int depths[32];

static void tree_task(weft_scope *s, void *arg)
{
    int depth = *(int *)arg;
    atomic_fetch_add_explicit(g_count, 1, memory_order_relaxed);
    if (depth == 0)
        return;
    for (int i = 0; i < 4; i++)
        weft_spawn(s, tree_task, &depths[depth - 1]);
}

static void tree_root(weft_scope *s, void *arg)
{
    weft_spawn(s, tree_task, arg);
}

static void flat_task(weft_scope *s, void *arg)
{
    (void)s;
    (void)arg;
    atomic_fetch_add_explicit(g_count, 1, memory_order_relaxed);
}

typedef struct flat_arg {
    long n;
} flat_arg;

static void flat_spawner(weft_scope *s, void *arg)
{
    flat_arg *f = arg;
    for (long i = 0; i < f->n; i++)
        weft_spawn(s, flat_task, NULL);
}

static void flat_root(weft_scope *s, void *arg)
{
    weft_spawn(s, flat_spawner, arg); /* flat, from one spawned task */
}

static long tree_size(int depth)
{
    long total = 0, level = 1;
    for (int d = 0; d <= depth; d++, level *= 4)
        total += level;
    return total;
}

static void million(void *unused)
{
    (void)unused;
    _Atomic long count = 0;
    g_count = &count;
    /* 4-ary tree of depth 9: 349,525 tasks; depth 10: 1,398,101. */
    int depth = test_scaled(1000000, 1000) >= 1000000 ? 10 : 6;
    weft_scope_run(tree_root, &depths[depth]);
    CHECK_EQ(atomic_load(&count), tree_size(depth));
    atomic_fetch_add(&tasks_checked, tree_size(depth));

    atomic_store(&count, 0);
    flat_arg f = {test_scaled(1000000, 20000)};
    weft_scope_run(flat_root, &f);
    CHECK_EQ(atomic_load(&count), f.n);
    atomic_fetch_add(&tasks_checked, f.n);
}

/* Nested scopes: the inner one finishes before the outer body goes on. */
typedef struct nest {
    _Atomic int inner_done;
    _Atomic int order_ok;
} nest;

static void inner_task(weft_scope *s, void *arg)
{
    (void)s;
    nest *n = arg;
    atomic_fetch_add(&n->inner_done, 1);
}

static void inner_body(weft_scope *s, void *arg)
{
    for (int i = 0; i < 100; i++)
        weft_spawn(s, inner_task, arg);
}

static void outer_task(weft_scope *s, void *arg)
{
    (void)s;
    nest *n = arg;
    int before = atomic_load(&n->inner_done);
    weft_scope_run(inner_body, arg);
    if (atomic_load(&n->inner_done) < before + 100)
        atomic_store(&n->order_ok, 0);
}

static void outer_body(weft_scope *s, void *arg)
{
    for (int i = 0; i < 20; i++)
        weft_spawn(s, outer_task, arg);
}

static void nested(void)
{
    nest n;
    atomic_init(&n.inner_done, 0);
    atomic_init(&n.order_ok, 1);
    weft_scope_run(outer_body, &n);
    CHECK_EQ(atomic_load(&n.inner_done), 2000);
    atomic_fetch_add(&tasks_checked, 2000);
    CHECK(atomic_load(&n.order_ok));
    TEST_PASS("nested scopes");
}

/* A scope's tasks may also be spawned by a thread outside the pool while
 * the scope is open. */
typedef struct outside {
    weft_scope *scope;
    _Atomic long count;
} outside;

static void count_task(weft_scope *s, void *arg)
{
    (void)s;
    atomic_fetch_add(&((outside *)arg)->count, 1);
}

static void *spawner_thread(void *arg)
{
    outside *o = arg;
    for (int i = 0; i < 1000; i++)
        weft_spawn(o->scope, count_task, o);
    return NULL;
}

static void outside_body(weft_scope *s, void *arg)
{
    outside *o = arg;
    o->scope = s;
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, spawner_thread, o), 0);
    pthread_join(t, NULL); /* the scope is still open while we wait */
}

static void spawn_from_outside(void)
{
    outside o;
    atomic_init(&o.count, 0);
    weft_scope_run(outside_body, &o);
    CHECK_EQ(atomic_load(&o.count), 1000);
    atomic_fetch_add(&tasks_checked, 1000);
    weft_spawn(NULL, count_task, &o); /* ignored */
    weft_scope_run(NULL, NULL);       /* ignored */
    TEST_PASS("spawn from a thread outside the pool; NULL arguments ignored");
}

int main(void)
{
    for (int i = 0; i < 32; i++)
        depths[i] = i;
    million(NULL);
    TEST_PASS("a million tasks, as a tree and flat (default pool)");
    static const unsigned sizes[] = {1, 2, 8};
    for (size_t s = 0; s < 3; s++) {
        weft_pool *pool;
        weft_config cfg = {.num_threads = sizes[s]};
        CHECK_EQ(weft_pool_create(&cfg, &pool), 0);
        CHECK_EQ(weft_pool_run(pool, million, NULL), 0);
        weft_pool_destroy(pool);
    }
    TEST_PASS("a million tasks, as a tree and flat (1/2/8 workers)");
    nested();
    spawn_from_outside();
    printf("weft-total tasks %lld\n", (long long)atomic_load(&tasks_checked));
    return 0;
}
