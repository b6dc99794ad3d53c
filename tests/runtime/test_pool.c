/*
 * test_pool.c - pools: many outside threads submitting at once, creating
 * and destroying pools repeatedly without leaking threads, descriptors or
 * memory, cross-pool calls, thread names, and bad input.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "weft.h"

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

long long weft__debug_allocated_bytes(void); /* exported for tests */

typedef struct job {
    long in, out;
} job;

static void square_sum(size_t lo, size_t hi, void *p)
{
    _Atomic long *acc = p;
    long s = 0;
    for (size_t i = lo; i < hi; i++)
        s += (long)i;
    atomic_fetch_add(acc, s);
}

static void job_fn(void *p)
{
    job *j = p;
    _Atomic long acc = 0;
    weft_parallel_for(0, (size_t)j->in, 16, square_sum, &acc);
    j->out = atomic_load(&acc);
}

typedef struct submitter {
    weft_pool *pool;
    int iterations;
    int id;
} submitter;

static void *submit_loop(void *p)
{
    submitter *s = p;
    for (int i = 0; i < s->iterations; i++) {
        job j = {(long)(s->id * 7 + i % 300), -1};
        CHECK_EQ(weft_pool_run(s->pool, job_fn, &j), 0);
        CHECK_EQ(j.out, j.in * (j.in - 1) / 2);
    }
    return NULL;
}

static void many_submitters(void)
{
    weft_pool *pool;
    weft_config cfg = {.num_threads = 4};
    CHECK_EQ(weft_pool_create(&cfg, &pool), 0);
    pthread_t th[16];
    submitter s[16];
    int iters = (int)test_scaled(3000, 100);
    for (int i = 0; i < 16; i++) {
        s[i] = (submitter){pool, iters, i};
        CHECK_EQ(pthread_create(&th[i], NULL, submit_loop, &s[i]), 0);
    }
    for (int i = 0; i < 16; i++)
        pthread_join(th[i], NULL);
    weft_pool_destroy(pool);
    TEST_PASS("16 outside threads x weft_pool_run on one pool");
}

static void noop(void *p)
{
    (void)p;
}

static void churn(void)
{
    /* Warm up whatever is created once per process (liburcu's call_rcu
     * thread, jemalloc's arenas) before taking the baseline. */
    weft_pool *pool;
    CHECK_EQ(weft_pool_create(NULL, &pool), 0);
    job j = {1000, 0};
    CHECK_EQ(weft_pool_run(pool, job_fn, &j), 0);
    weft_pool_destroy(pool);

    int threads0 = test_count_dir("/proc/self/task");
    int fds0 = test_count_dir("/proc/self/fd");
    long long bytes0 = weft__debug_allocated_bytes();
    int rounds = (int)test_scaled(1000, 50);
    if (RUNNING_ON_VALGRIND)
        rounds = 10; /* memcheck pays for each worker's 64 MiB stack */
    for (int i = 0; i < rounds; i++) {
        weft_config cfg = {.num_threads = (unsigned)(1 + i % 8)};
        CHECK_EQ(weft_pool_create(&cfg, &pool), 0);
        if (i % 3 == 0)
            CHECK_EQ(weft_pool_run(pool, noop, NULL), 0);
        if (i % 7 == 0) {
            job k = {5000, 0};
            CHECK_EQ(weft_pool_run(pool, job_fn, &k), 0);
            CHECK_EQ(k.out, 5000L * 4999 / 2);
        }
        weft_pool_destroy(pool);
    }
    CHECK_EQ(test_count_dir("/proc/self/task"), threads0);
    CHECK_EQ(test_count_dir("/proc/self/fd"), fds0);
    long long bytes1 = weft__debug_allocated_bytes();
    if (bytes0 >= 0) {
        /* jemalloc: what this thread's cache holds may differ a little. */
        printf("  allocated bytes before %lld, after %lld\n", bytes0, bytes1);
        CHECK(bytes1 - bytes0 < 256 * 1024);
    }
    TEST_PASS("create/destroy pools repeatedly: no thread, fd or memory left");
}

/* A worker of pool A runs something in pool B and keeps working in A. */
typedef struct cross {
    weft_pool *other;
    _Atomic long done;
} cross;

static void cross_inner(void *p)
{
    cross *c = p;
    CHECK(weft_current_thread_index() >= 0);
    atomic_fetch_add(&c->done, 1);
}

static void cross_body(size_t lo, size_t hi, void *p)
{
    cross *c = p;
    for (size_t i = lo; i < hi; i++)
        CHECK_EQ(weft_pool_run(c->other, cross_inner, c), 0);
}

static void cross_outer(void *p)
{
    weft_parallel_for(0, 500, 1, cross_body, p);
}

static void cross_pool(void)
{
    weft_pool *a, *b;
    weft_config ca = {.num_threads = 2}, cb = {.num_threads = 3};
    CHECK_EQ(weft_pool_create(&ca, &a), 0);
    CHECK_EQ(weft_pool_create(&cb, &b), 0);
    cross c = {b, 0};
    CHECK_EQ(weft_pool_run(a, cross_outer, &c), 0);
    CHECK_EQ(atomic_load(&c.done), 500);
    /* Running in the pool one is already in just calls the function. */
    cross d = {a, 0};
    CHECK_EQ(weft_pool_run(a, cross_outer, &d), 0);
    CHECK_EQ(atomic_load(&d.done), 500);
    weft_pool_destroy(a);
    weft_pool_destroy(b);
    TEST_PASS("weft_pool_run across pools");
}

static int thread_named(const char *want)
{
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    int found = 0;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[300], name[64] = {0};
        snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (f && fgets(name, sizeof(name), f)) {
            name[strcspn(name, "\n")] = 0;
            if (strcmp(name, want) == 0)
                found = 1;
        }
        if (f)
            fclose(f);
    }
    if (d)
        closedir(d);
    return found;
}

static void names(void)
{
    weft_pool *pool;
    weft_config cfg = {
        .num_threads = 3, .thread_name = "solver", .stack_size = 0};
    CHECK_EQ(weft_pool_create(&cfg, &pool), 0);
    CHECK(thread_named("solver-0"));
    CHECK(thread_named("solver-2"));
    weft_pool_destroy(pool);
    weft_config longname = {.num_threads = 2,
                            .thread_name = "averyveryverylongname",
                            .stack_size = 0};
    CHECK_EQ(weft_pool_create(&longname, &pool), 0);
    CHECK(thread_named("averyveryvery-1")); /* 15 characters kept */
    weft_pool_destroy(pool);
    CHECK_EQ(weft_pool_create(NULL, &pool), 0);
    CHECK(thread_named("weft-0"));
    weft_pool_destroy(pool);
    TEST_PASS("workers are named <name>-<index>");
}

static void bad_input(void)
{
    weft_pool *pool = (weft_pool *)0x1;
    weft_config absurd = {.num_threads = 1000000};
    CHECK_EQ(weft_pool_create(&absurd, &pool), EINVAL);
    CHECK(pool == (weft_pool *)0x1); /* untouched on error */
    CHECK_EQ(weft_pool_create(NULL, NULL), EINVAL);
    weft_config tiny = {
        .num_threads = 2, .thread_name = NULL, .stack_size = 100};
    CHECK_EQ(weft_pool_create(&tiny, &pool), EINVAL);
    CHECK_EQ(weft_pool_run(NULL, noop, NULL), EINVAL);
    CHECK_EQ(weft_pool_num_threads(NULL), 0u);
    weft_pool_destroy(NULL);

    /* Thread creation fails (a 64 TiB stack cannot be mapped): EAGAIN,
     * and the workers already started are joined, nothing leaks.  (A pool
     * first, so that helper threads started once per process - liburcu's,
     * ThreadSanitizer's - are already there.) */
    weft_pool *warm;
    CHECK_EQ(weft_pool_create(NULL, &warm), 0);
    weft_pool_destroy(warm);
    int threads0 = test_count_dir("/proc/self/task");
    weft_config huge = {
        .num_threads = 4, .thread_name = NULL, .stack_size = (size_t)1 << 46};
    int err = weft_pool_create(&huge, &pool);
    if (RUNNING_ON_VALGRIND)
        CHECK(err == EAGAIN || err == EINVAL); /* valgrind refuses the size */
    else
        CHECK_EQ(err, EAGAIN);
    CHECK_EQ(test_count_dir("/proc/self/task"), threads0);

    weft_pool *p2;
    CHECK_EQ(weft_pool_create(NULL, &p2), 0);
    CHECK_EQ(weft_pool_run(p2, NULL, NULL), EINVAL);
    weft_pool_destroy(p2);

    /* The default pool cannot be destroyed. */
    weft_pool *def = weft_default_pool();
    CHECK(def != NULL);
    weft_pool_destroy(def);
    CHECK_EQ(weft_pool_run(def, noop, NULL), 0);
    TEST_PASS("bad input: EINVAL / EAGAIN, nothing leaked");
}

static void env_threads(void)
{
    setenv("WEFT_NUM_THREADS", "3", 1);
    weft_pool *pool;
    CHECK_EQ(weft_pool_create(NULL, &pool), 0);
    CHECK_EQ(weft_pool_num_threads(pool), 3u);
    weft_pool_destroy(pool);
    setenv("WEFT_NUM_THREADS", "bogus", 1); /* ignored, with a warning */
    CHECK_EQ(weft_pool_create(NULL, &pool), 0);
    CHECK(weft_pool_num_threads(pool) >= 1);
    weft_pool_destroy(pool);
    unsetenv("WEFT_NUM_THREADS");
    weft_config explicit_cfg = {.num_threads = 5};
    CHECK_EQ(weft_pool_create(&explicit_cfg, &pool), 0);
    CHECK_EQ(weft_pool_num_threads(pool), 5u);
    weft_pool_destroy(pool);
    TEST_PASS("WEFT_NUM_THREADS");
}

/* weft_pool_spawn returns at once; destroy waits for what was spawned.
 * The handlers run once per worker, on the worker. */
static _Atomic int started, exited;
static _Atomic long spawned_done;

static void on_start(unsigned index, void *arg)
{
    CHECK(arg == &started);
    CHECK_EQ(weft_current_thread_index(), (int)index);
    atomic_fetch_add(&started, 1);
}

static void on_exit_handler(unsigned index, void *arg)
{
    (void)arg;
    CHECK_EQ(weft_current_thread_index(), (int)index);
    atomic_fetch_add(&exited, 1);
}

static void slow_increment(void *p)
{
    (void)p;
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
    atomic_fetch_add(&spawned_done, 1);
}

static void spawn_and_handlers(void)
{
    weft_pool *pool;
    weft_config cfg = {.num_threads = 3,
                       .start_handler = on_start,
                       .exit_handler = on_exit_handler,
                       .handler_arg = &started};
    CHECK_EQ(weft_pool_create(&cfg, &pool), 0);
    for (int i = 0; i < 200; i++)
        CHECK_EQ(weft_pool_spawn(pool, slow_increment, NULL), 0);
    CHECK_EQ(weft_pool_spawn(pool, NULL, NULL), EINVAL);
    CHECK_EQ(weft_pool_spawn(NULL, slow_increment, NULL), EINVAL);
    weft_pool_destroy(pool); /* waits for all 200 */
    CHECK_EQ(atomic_load(&spawned_done), 200);
    CHECK_EQ(atomic_load(&started), 3);
    CHECK_EQ(atomic_load(&exited), 3);
    TEST_PASS("weft_pool_spawn; start and exit handlers");
}

/* weft_pool_run on a pool whose destroy has begun: ESHUTDOWN.  A spawned
 * job holds destroy back until the late caller has been refused. */
typedef struct closing {
    weft_pool *pool;
    _Atomic int release;
} closing;

static void held(void *p)
{
    closing *c = p;
    while (!atomic_load(&c->release))
        usleep(1000);
}

static void *destroyer(void *p)
{
    weft_pool_destroy(((closing *)p)->pool);
    return NULL;
}

static void shutdown_refused(void)
{
    closing c;
    weft_config cfg = {.num_threads = 2};
    CHECK_EQ(weft_pool_create(&cfg, &c.pool), 0);
    atomic_init(&c.release, 0);
    CHECK_EQ(weft_pool_spawn(c.pool, held, &c), 0);
    pthread_t d;
    CHECK_EQ(pthread_create(&d, NULL, destroyer, &c), 0);
    usleep(200000); /* destroy is now waiting for the held job */
    CHECK_EQ(weft_pool_run(c.pool, noop, NULL), ESHUTDOWN);
    CHECK_EQ(weft_pool_spawn(c.pool, noop, NULL), ESHUTDOWN);
    atomic_store(&c.release, 1);
    pthread_join(d, NULL);
    TEST_PASS("weft_pool_run on a pool being destroyed: ESHUTDOWN");
}

/* Destroying a pool from one of its own workers would wait for itself:
 * weft aborts with a message instead (checked in a child process). */
static void destroy_self(void *p)
{
    weft_pool_destroy(*(weft_pool **)p);
}

static void destroy_from_worker(void)
{
#if defined(__SANITIZE_THREAD__)
    return; /* TSan cannot start threads in a fork child (see test_fork) */
#endif
    int fds[2];
    CHECK_EQ(pipe(fds), 0);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], 2);
        weft_pool *pool;
        weft_config cfg = {.num_threads = 2};
        if (weft_pool_create(&cfg, &pool) != 0)
            _exit(3);
        weft_pool_run(pool, destroy_self, &pool);
        _exit(0); /* not reached */
    }
    close(fds[1]);
    char msg[512] = {0};
    ssize_t got = read(fds[0], msg, sizeof(msg) - 1);
    close(fds[0]);
    int status;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
    CHECK(got > 0 && strstr(msg, "weft_pool_destroy called from a worker"));
    TEST_PASS("weft_pool_destroy from its own worker aborts with a message");
}

int main(void)
{
    destroy_from_worker();
    shutdown_refused();
    spawn_and_handlers();
    bad_input();
    names();
    env_threads();
    cross_pool();
    many_submitters();
    churn();
    return 0;
}
