/*
 * test_signals.c - worker threads block every signal, so a signal meant
 * for the process is handled by an application thread, never by a worker
 * in the middle of a job.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <unistd.h>

#include "harness.h"
#include "weft.h"

static _Atomic int handled_on_worker = 0, handled = 0;

static void on_usr1(int sig)
{
    (void)sig;
    if (weft_current_thread_index() >= 0)
        atomic_store(&handled_on_worker, 1);
    atomic_store(&handled, 1);
}

typedef struct spin {
    _Atomic int stop;
} spin;

static void busy_body(size_t lo, size_t hi, void *p)
{
    spin *s = p;
    (void)lo;
    (void)hi;
    while (!atomic_load(&s->stop))
        ;
}

static void busy(void *p)
{
    weft_parallel_for(0, 64, 1, busy_body, p);
}

static void *stopper(void *p)
{
    spin *s = p;
    for (int i = 0; i < 50; i++) {
        kill(getpid(), SIGUSR1); /* to the process: any unblocked thread */
        usleep(2000);
    }
    atomic_store(&s->stop, 1);
    return NULL;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    weft_pool *pool;
    weft_config cfg = {.num_threads = 2};
    CHECK_EQ(weft_pool_create(&cfg, &pool), 0);
    spin s;
    atomic_init(&s.stop, 0);
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, stopper, &s), 0);
    CHECK_EQ(weft_pool_run(pool, busy, &s), 0);
    pthread_join(t, NULL);
    weft_pool_destroy(pool);
    CHECK(atomic_load(&handled));
    CHECK(!atomic_load(&handled_on_worker));
    TEST_PASS("process signals are never handled on a worker");
    return 0;
}
