/*
 * par_map.c - weft.par_map(fn, iterable, /, *, chunksize=None).
 *
 * The items are materialized once, and the results go straight into a
 * preallocated list.  A tuple is used as is.  A list is read in place, as
 * map's iterator reads it: item i is fetched (and held) when its turn
 * comes, so fn may mutate the list; one that shrinks below the length it
 * had raises RuntimeError.  (Copying 100,000 items instead cost more than
 * the calls to abs: a fresh 800 KB block is page-faulted in.)  A range is
 * not materialized either: its items are made in the chunks.  Anything
 * else is collected into a list first.
 *
 * Scheduling.  Runners take chunks from a shared cursor until none are
 * left; a runner takes the GIL once per chunk.  With chunksize=None the
 * chunks are "guided": each takes 1/(2 * threads) of what remains.  The
 * trade-off is the GIL: when fn holds the GIL (abs, pure Python) every
 * chunk costs a GIL hand-off, so chunks must be few and large; when fn
 * releases it (hashlib, zlib, numpy) the workers overlap and the last
 * chunks must be small for the load to balance.  Guided chunks give both:
 * O(threads * log n) chunks in all, single items at the end.
 *
 * Where the runners come from.  A caller outside the pool spawns one per
 * worker with weft_pool_spawn: they go through the pool's injector, which
 * every idle worker sees.  (Not weft_parallel_for from one spawned root:
 * a job a worker forks while no other worker is searching stays in the
 * private part of its deque until that worker's next push, so a worker
 * busy with GIL-holding Python code would hide the other runners from
 * idle workers.)  A caller that is a worker (par_map nested in fn) forks
 * the runners with weft_parallel_for and helps run them; between chunks a
 * runner makes an empty weft_join, whose push shares any runner still
 * private with workers that have become idle since.
 *
 * Waiting.  A caller outside the pool waits on a condition variable with
 * the GIL released, waking every POLL_MS to take the GIL and run
 * PyErr_CheckSignals (Ctrl-C).  Runners that drop and retake the GIL at
 * every chunk would win that race nearly every time (the thread that just
 * released the GIL retakes it before the woken waiter runs; Ctrl-C took 5 s
 * with chunksize=1), so the caller raises caller_wants_gil first and
 * runners wait at chunk boundaries until it has had its turn.  On a signal
 * exception it cancels the work
 * and returns at once; the state is reference counted, so the chunks
 * already running finish in the background and the last runner frees it.
 * A caller that is a worker releases the GIL and runs the work in its pool
 * (weft_pool_run), helping instead of blocking.
 *
 * Cancellation is checked before every item: the state's own flag, its
 * parents' (a nested par_map stops with the outer one) and the global
 * shutdown flag.
 *
 * Errors.  The exception re-raised is the first one recorded, i.e. the
 * first raised in time, not the one of the lowest index as with map():
 * finding that one would mean running every item below the failure, which
 * the cancellation exists to avoid.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <time.h>

#include "weftpy.h"

#define POLL_MS 20

typedef struct pm_state pm_state;
struct pm_state {
    _Atomic int refs;
    _Atomic int cancel;
    _Atomic Py_ssize_t next;      /* first item not yet handed out */
    _Atomic Py_ssize_t completed; /* items whose result is stored */
    _Atomic int runners_left;     /* spawned runners still running */
    /* Set while the caller outside the pool is taking the GIL to check
     * for signals: runners hold off at chunk boundaries (see Waiting). */
    _Atomic int caller_wants_gil;
    pm_state *parent; /* enclosing par_map (nested), or NULL */
    int nested;       /* runners forked on a worker */
    Py_ssize_t n;
    Py_ssize_t chunk; /* fixed chunk size, or 0: guided */
    Py_ssize_t threads;
    /* Python objects: used with the GIL held; released by the caller, or
     * by the root job if the caller has gone (abandoned). */
    PyObject *fn;
    PyObject *seq;    /* the tuple or list of items, or NULL (a range) */
    PyObject **items; /* a tuple's items, or NULL */
    int live_list;    /* seq is the caller's list: index it under the GIL */
    long long start, step;
    PyObject *results;
    PyObject *err_type, *err_value, *err_tb;
    /* Completion, for a caller waiting outside the pool. */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done;
    int abandoned;
};

/* The par_map whose chunk this thread is running (for nesting). */
static _Thread_local pm_state *running;

static void pm_clear_py(pm_state *s)
{
    Py_CLEAR(s->fn);
    Py_CLEAR(s->seq);
    Py_CLEAR(s->results);
    Py_CLEAR(s->err_type);
    Py_CLEAR(s->err_value);
    Py_CLEAR(s->err_tb);
}

/* Drop a reference to the C side (no Python objects left by then). */
static void pm_unref(pm_state *s)
{
    if (atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1) {
        pthread_cond_destroy(&s->cv);
        pthread_mutex_destroy(&s->mu);
        PyMem_RawFree(s);
    }
}

static int pm_cancelled(const pm_state *s)
{
    for (const pm_state *p = s; p != NULL; p = p->parent)
        if (atomic_load_explicit(&p->cancel, memory_order_relaxed))
            return 1;
    return atomic_load_explicit(&weftpy_shutdown, memory_order_relaxed);
}

/* Hand out the next chunk [*lo, *hi); 0 when none is left. */
static int pm_grab(pm_state *s, Py_ssize_t *lo, Py_ssize_t *hi)
{
    Py_ssize_t cur = atomic_load_explicit(&s->next, memory_order_relaxed);
    for (;;) {
        Py_ssize_t rem = s->n - cur;
        if (rem <= 0)
            return 0;
        Py_ssize_t take = s->chunk ? s->chunk : rem / (2 * s->threads);
        if (take < 1)
            take = 1;
        if (take > rem)
            take = rem;
        if (atomic_compare_exchange_weak_explicit(&s->next, &cur, cur + take,
                                                  memory_order_relaxed,
                                                  memory_order_relaxed)) {
            *lo = cur;
            *hi = cur + take;
            return 1;
        }
    }
}

/* Keep the first error (GIL held), with its traceback, and cancel. */
static void pm_record_error(pm_state *s)
{
    PyObject *t, *v, *tb;
    PyErr_Fetch(&t, &v, &tb);
    if (s->err_type == NULL) {
        PyErr_NormalizeException(&t, &v, &tb);
        if (tb != NULL && v != NULL)
            PyException_SetTraceback(v, tb);
        s->err_type = t;
        s->err_value = v;
        s->err_tb = tb;
    } else {
        Py_XDECREF(t);
        Py_XDECREF(v);
        Py_XDECREF(tb);
    }
    atomic_store_explicit(&s->cancel, 1, memory_order_relaxed);
}

static void noop(void *arg)
{
    (void)arg;
}

/* Before taking the GIL for a chunk: let a caller that is checking for
 * signals go first.  It holds the flag for one GIL round trip, so a short
 * sleep (not a spin, which would take the core the caller needs) is
 * enough.  Relaxed: the flag carries no data, only a turn. */
static void pm_yield_to_caller(const pm_state *s)
{
    const struct timespec pause = {0, 50 * 1000};
    while (atomic_load_explicit(&s->caller_wants_gil, memory_order_relaxed) &&
           !pm_cancelled(s))
        nanosleep(&pause, NULL);
}

/* A runner: take chunks until none is left or the work is cancelled. */
static void pm_runner(pm_state *s)
{
    Py_ssize_t lo, hi;
    int first = 1;
    while (!pm_cancelled(s) && pm_grab(s, &lo, &hi)) {
        /* Nested runners were forked on this worker: an empty join (its
         * push) lets workers that became idle since see the ones still
         * private (see the top of the file).  A few ns; without the GIL. */
        if (s->nested && !first)
            weft_join(noop, NULL, noop, NULL);
        first = 0;
        pm_yield_to_caller(s);
        weftpy_gil gil;
        weftpy_gil_take(&gil);
        pm_state *outer = running;
        running = s;
        Py_ssize_t i = lo;
        for (; i < hi; i++) {
            if (pm_cancelled(s))
                break;
            PyObject *r;
            if (s->items != NULL) {
                r = PyObject_CallOneArg(s->fn, s->items[i]);
            } else if (s->live_list) {
                if (i >= PyList_GET_SIZE(s->seq)) {
                    PyErr_SetString(PyExc_RuntimeError,
                                    "list changed size during par_map");
                    pm_record_error(s);
                    break;
                }
                /* Held for the call: fn may remove it from the list. */
                PyObject *item = Py_NewRef(PyList_GET_ITEM(s->seq, i));
                r = PyObject_CallOneArg(s->fn, item);
                Py_DECREF(item);
            } else {
                PyObject *item = PyLong_FromLongLong(s->start + i * s->step);
                r = item != NULL ? PyObject_CallOneArg(s->fn, item) : NULL;
                Py_XDECREF(item);
            }
            if (r == NULL) {
                pm_record_error(s);
                break;
            }
            PyList_SET_ITEM(s->results, i, r);
        }
        running = outer;
        weftpy_gil_drop(&gil);
        atomic_fetch_add_explicit(&s->completed, i - lo, memory_order_relaxed);
    }
}

static void pm_body(size_t lo, size_t hi, void *arg)
{
    /* Each runner drains the shared cursor; extra slots find it empty. */
    for (size_t r = lo; r < hi; r++)
        pm_runner(arg);
}

/* How many runners are worth starting. */
static Py_ssize_t pm_runners(const pm_state *s)
{
    Py_ssize_t chunks = s->chunk ? (s->n + s->chunk - 1) / s->chunk : s->n;
    return s->threads < chunks ? s->threads : chunks;
}

/* The whole map, on a worker of the target pool (nested calls). */
static void pm_run_all(void *arg)
{
    pm_state *s = arg;
    weft_parallel_for(0, (size_t)pm_runners(s), 1, pm_body, s);
}

/* A runner spawned by a caller outside the pool; the last one to finish
 * wakes the caller. */
static void pm_runner_job(void *arg)
{
    pm_state *s = arg;
    pm_runner(s);
    if (atomic_fetch_sub_explicit(&s->runners_left, 1, memory_order_acq_rel) ==
        1) {
        pthread_mutex_lock(&s->mu);
        s->done = 1;
        int abandoned = s->abandoned;
        pthread_cond_signal(&s->cv);
        pthread_mutex_unlock(&s->mu);
        if (abandoned) {
            /* The caller left (Ctrl-C): the Python objects are ours. */
            weftpy_gil gil;
            weftpy_gil_take(&gil);
            pm_clear_py(s);
            weftpy_gil_drop(&gil);
        }
    }
    pm_unref(s);
}

/* Wait up to POLL_MS for the root job; GIL released.  1 when done. */
static int pm_wait(pm_state *s)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_nsec += POLL_MS * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&s->mu);
    while (!s->done &&
           pthread_cond_timedwait(&s->cv, &s->mu, &deadline) != ETIMEDOUT)
        ;
    int done = s->done;
    pthread_mutex_unlock(&s->mu);
    return done;
}

/* chunksize: None -> 0 (guided); an int >= 1 (huge ones clamp). */
static int parse_chunksize(PyObject *obj, Py_ssize_t *out)
{
    if (obj == NULL || obj == Py_None) {
        *out = 0;
        return 0;
    }
    if (!PyLong_Check(obj)) {
        PyErr_Format(PyExc_TypeError,
                     "chunksize must be an int or None, not %.100s",
                     Py_TYPE(obj)->tp_name);
        return -1;
    }
    int overflow;
    long long v = PyLong_AsLongLongAndOverflow(obj, &overflow);
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (overflow < 0 || (overflow == 0 && v < 1)) {
        PyErr_SetString(PyExc_ValueError, "chunksize must be at least 1");
        return -1;
    }
    *out = overflow > 0 || v > PY_SSIZE_T_MAX ? PY_SSIZE_T_MAX : (Py_ssize_t)v;
    return 0;
}

/* A range whose items all fit in a long long: its start, step, length.
 * 0 (no exception) if it does not fit; 0 with an exception on error. */
static int range_params(PyObject *r, long long *start, long long *step,
                        Py_ssize_t *n)
{
    static const char *names[3] = {"start", "stop", "step"};
    long long v[3];
    for (int k = 0; k < 3; k++) {
        PyObject *o = PyObject_GetAttrString(r, names[k]);
        if (o == NULL)
            return 0;
        int overflow;
        v[k] = PyLong_AsLongLongAndOverflow(o, &overflow);
        Py_DECREF(o);
        if (v[k] == -1 && PyErr_Occurred())
            return 0;
        if (overflow != 0 || v[k] == LLONG_MIN)
            return 0;
    }
    Py_ssize_t len = PyObject_Length(r);
    if (len < 0) {
        /* OverflowError: too long for Py_ssize_t; so is a list of it. */
        return 0;
    }
    /* start .. stop lie within long long, and so does every item. */
    *start = v[0];
    *step = v[2];
    *n = len;
    return 1;
}

static pm_state *pm_new(void)
{
    pm_state *s = PyMem_RawCalloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    if (pthread_mutex_init(&s->mu, NULL) != 0) {
        pthread_condattr_destroy(&ca);
        PyMem_RawFree(s);
        return NULL;
    }
    if (pthread_cond_init(&s->cv, &ca) != 0) {
        pthread_condattr_destroy(&ca);
        pthread_mutex_destroy(&s->mu);
        PyMem_RawFree(s);
        return NULL;
    }
    pthread_condattr_destroy(&ca);
    return s;
}

/* After the work ended: the result list, or the error (GIL held). */
static PyObject *pm_finish(pm_state *s)
{
    PyObject *result = NULL;
    if (s->err_type != NULL) {
        PyErr_Restore(s->err_type, s->err_value, s->err_tb);
        s->err_type = s->err_value = s->err_tb = NULL;
    } else if (atomic_load_explicit(&s->completed, memory_order_relaxed) !=
               s->n) {
        /* Cancelled from outside: an enclosing par_map failed, or the
         * interpreter is exiting. */
        PyErr_SetString(PyExc_RuntimeError, "par_map was cancelled");
    } else {
        result = s->results;
        s->results = NULL;
    }
    pm_clear_py(s);
    return result;
}

PyObject *weftpy_par_map(weftpy_pool *pool, PyObject *args, PyObject *kwds)
{
    /* fn and iterable positional-only, as for map(). */
    static char *kwlist[] = {"", "", "chunksize", NULL};
    PyObject *fn, *iterable, *chunk_obj = Py_None;
    Py_ssize_t chunk;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO|$O:par_map", kwlist, &fn,
                                     &iterable, &chunk_obj) ||
        parse_chunksize(chunk_obj, &chunk) < 0)
        return NULL;
    if (!PyCallable_Check(fn)) {
        PyErr_Format(PyExc_TypeError, "'%.100s' object is not callable",
                     Py_TYPE(fn)->tp_name);
        return NULL;
    }

    /* Materialize (see the top of the file). */
    PyObject *seq;
    int live_list = 0;
    long long start = 0, step = 0;
    Py_ssize_t n = 0;
    int lazy_range = 0;
    if (PyRange_Check(iterable) && range_params(iterable, &start, &step, &n)) {
        seq = NULL;
        lazy_range = 1;
    } else if (PyErr_Occurred()) {
        return NULL;
    } else if (PyTuple_CheckExact(iterable)) {
        seq = Py_NewRef(iterable);
    } else if (PyList_CheckExact(iterable)) {
        seq = Py_NewRef(iterable);
        live_list = 1;
    } else {
        PyObject *it = PyObject_GetIter(iterable);
        if (it == NULL)
            return NULL; /* TypeError: not iterable */
        seq = PySequence_List(it);
        Py_DECREF(it);
    }
    if (seq != NULL)
        n = PySequence_Fast_GET_SIZE(seq);
    else if (!lazy_range)
        return NULL;
    if (n == 0) {
        Py_XDECREF(seq);
        return PyList_New(0);
    }

    weft_pool *wp = weftpy_pool_get(pool);
    if (wp == NULL) {
        Py_XDECREF(seq);
        return NULL;
    }
    PyObject *results = PyList_New(n);
    pm_state *s = results != NULL ? pm_new() : NULL;
    if (s == NULL) {
        Py_XDECREF(results);
        Py_XDECREF(seq);
        return results == NULL ? NULL : PyErr_NoMemory();
    }
    s->n = n;
    s->chunk = chunk > n ? n : chunk; /* and no overflow in chunk counts */
    s->threads = (Py_ssize_t)weft_pool_num_threads(wp);
    s->fn = Py_NewRef(fn);
    s->seq = seq;
    /* A list of our own (from an iterator) cannot change: its array is
     * read directly, like a tuple's. */
    s->live_list = live_list;
    s->items = seq != NULL && !live_list ? PySequence_Fast_ITEMS(seq) : NULL;
    s->start = start;
    s->step = step;
    s->results = results;

    if (weftpy_tstate != NULL && PyThreadState_Get() == weftpy_tstate) {
        /* Nested: we are a worker running fn.  Never block a worker on a
         * condition variable: release the GIL and let weft run the work
         * here (our pool) or while we keep working (another pool). */
        atomic_store_explicit(&s->refs, 1, memory_order_relaxed);
        s->parent = running;
        s->nested = 1;
        atomic_fetch_add_explicit(&pool->inflight, 1, memory_order_seq_cst);
        int err;
        Py_BEGIN_ALLOW_THREADS
        err = weft_pool_run(wp, pm_run_all, s);
        Py_END_ALLOW_THREADS
        atomic_fetch_sub_explicit(&pool->inflight, 1, memory_order_release);
        PyObject *result =
            err != 0 ? weftpy_raise_errno(err, "par_map") : pm_finish(s);
        if (err != 0)
            pm_clear_py(s);
        pm_unref(s);
        return result;
    }

    /* Spawning does not block, so the GIL may stay held; destroy waits for
     * spawned jobs, so close() cannot pull the pool from under them. */
    Py_ssize_t runners = pm_runners(s);
    atomic_store_explicit(&s->refs, (int)runners + 1, memory_order_relaxed);
    atomic_store_explicit(&s->runners_left, (int)runners, memory_order_relaxed);
    for (Py_ssize_t r = 0; r < runners; r++) {
        int err = weft_pool_spawn(wp, pm_runner_job, s);
        if (err != 0) {
            /* The runners already started will do the work; account for
             * the ones that will never run. */
            Py_ssize_t missing = runners - r;
            atomic_fetch_sub_explicit(&s->refs, (int)missing,
                                      memory_order_relaxed);
            if (r == 0) {
                pm_clear_py(s);
                pm_unref(s);
                return weftpy_raise_errno(err, "par_map");
            }
            if (atomic_fetch_sub_explicit(&s->runners_left, (int)missing,
                                          memory_order_acq_rel) == missing) {
                /* They all finished already. */
                pthread_mutex_lock(&s->mu);
                s->done = 1;
                pthread_mutex_unlock(&s->mu);
            }
            break;
        }
    }
    for (;;) {
        int done;
        Py_BEGIN_ALLOW_THREADS
        done = pm_wait(s);
        if (!done)
            atomic_store_explicit(&s->caller_wants_gil, 1,
                                  memory_order_relaxed);
        Py_END_ALLOW_THREADS
        atomic_store_explicit(&s->caller_wants_gil, 0, memory_order_relaxed);
        if (done)
            break;
        if (PyErr_CheckSignals() < 0) {
            /* Ctrl-C (or any signal handler that raised): stop handing
             * out items and leave now; the root frees what is left. */
            atomic_store_explicit(&s->cancel, 1, memory_order_relaxed);
            pthread_mutex_lock(&s->mu);
            int finished = s->done;
            if (!finished)
                s->abandoned = 1;
            pthread_mutex_unlock(&s->mu);
            if (finished)
                pm_clear_py(s);
            pm_unref(s);
            return NULL;
        }
    }
    PyObject *result = pm_finish(s);
    pm_unref(s);
    return result;
}
