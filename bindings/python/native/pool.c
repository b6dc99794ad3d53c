/*
 * pool.c - weft.Pool: a weft pool whose workers each own a Python thread
 * state; the module's default pool; fork and interpreter-exit handling.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "weftpy.h"

_Atomic unsigned long weftpy_fork_gen;
_Atomic int weftpy_shutdown;
_Thread_local PyThreadState *weftpy_tstate;
_Thread_local weftpy_owner_id *weftpy_owner;
static _Thread_local PyGILState_STATE worker_gstate;

/* The relay thread (see relay_spawn); reset in a fork child. */
static pthread_mutex_t relay_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t relay_cv = PTHREAD_COND_INITIALIZER;
static struct relay_item *relay_head, *relay_tail;
static int relay_running;

/* Live pools (GIL): atexit closes them all. */
static weftpy_pool *registry;
/* The default pool behind the module-level functions (GIL). */
static weftpy_pool *default_pool;
/* Pools being destroyed by a helper thread (see pool_dealloc); atexit
 * waits for them. */
static _Atomic long deferred_destroys;

PyObject *weftpy_raise_errno(int err, const char *what)
{
    if (err == ENOMEM)
        return PyErr_NoMemory();
    if (err == ESHUTDOWN)
        PyErr_Format(PyExc_RuntimeError, "%s: the pool is shut down", what);
    else
        PyErr_Format(PyExc_RuntimeError, "%s: %s", what, strerror(err));
    return NULL;
}

static void sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

/* Start a detached helper thread.  Returns 0 or an errno.  Helpers never
 * run a signal handler meant for the process: they start with every
 * signal blocked. */
static int start_helper(void *(*fn)(void *), void *arg)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t t;
    int err = pthread_create(&t, &attr, fn, arg);
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return err;
}

/* ------------------------------------------------------------------ */
/* Worker thread states                                                */
/* ------------------------------------------------------------------ */

/* PyGILState_Ensure creates a thread state bound to this thread (so that
 * PyGILState_Ensure calls made later on this worker, e.g. by ctypes
 * callbacks, find it instead of making another); we keep it, released,
 * until the worker exits. */
static void worker_start(unsigned index, void *arg)
{
    (void)index;
    worker_gstate = PyGILState_Ensure();
    weftpy_owner = arg;
    weftpy_tstate = PyEval_SaveThread();
}

static void worker_exit(unsigned index, void *arg)
{
    (void)index;
    (void)arg;
    if (weftpy_tstate == NULL)
        return;
    PyEval_RestoreThread(weftpy_tstate);
    weftpy_tstate = NULL;
    weftpy_owner = NULL;
    /* The outermost release: clears and deletes the thread state. */
    PyGILState_Release(worker_gstate);
}

/* In the child after fork() only the forking thread exists: every pool of
 * the parent is a husk.  Workers' thread states were deleted by CPython's
 * own after-fork handler.  If the forking thread was one of our workers,
 * it no longer is. */
static void atfork_child(void)
{
    atomic_fetch_add_explicit(&weftpy_fork_gen, 1, memory_order_relaxed);
    weftpy_tstate = NULL;
    weftpy_owner = NULL;
    for (weftpy_pool *p = registry; p != NULL; p = p->next) {
        atomic_store_explicit(&p->inflight, 0, memory_order_relaxed);
        p->closing = 0;
        p->creating = 0; /* a creator that was in weft_pool_create is gone */
    }
    /* So are the helpers destroying dropped pools (the parent's, leaked
     * here): atexit must not wait for them. */
    atomic_store_explicit(&deferred_destroys, 0, memory_order_relaxed);
    /* The relay thread is gone too; what it had queued was for the
     * parent's pools (leaked with them). */
    pthread_mutex_init(&relay_mu, NULL);
    pthread_cond_init(&relay_cv, NULL);
    relay_head = relay_tail = NULL;
    relay_running = 0;
}

static int create_weft_pool(weftpy_pool *self)
{
    weftpy_owner_id *id = PyMem_RawMalloc(sizeof(*id));
    if (id == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    weft_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.num_threads = self->requested;
    cfg.thread_name = "weft-py";
    cfg.start_handler = worker_start;
    cfg.exit_handler = worker_exit;
    cfg.handler_arg = id;
    weft_pool *p = NULL;
    /* Without the GIL: each new worker takes it in worker_start, and if a
     * later thread cannot be created, weft_pool_create joins the ones that
     * started -- which would wait forever for a GIL held here.  Others
     * wanting this pool meanwhile wait for `creating` to drop. */
    self->creating = 1;
    int err;
    Py_BEGIN_ALLOW_THREADS
    err = weft_pool_create(&cfg, &p);
    Py_END_ALLOW_THREADS
    self->creating = 0;
    if (err != 0) {
        PyMem_RawFree(id);
        weftpy_raise_errno(err, "cannot create a weft pool");
        return -1;
    }
    id->pool = p;
    self->pool = p;
    self->owner = id;
    self->fork_gen =
        atomic_load_explicit(&weftpy_fork_gen, memory_order_relaxed);
    return 0;
}

/* Another thread is creating self's pool without the GIL: wait for it
 * (GIL held on entry and exit). */
static void wait_for_creation(weftpy_pool *self)
{
    while (self->creating) {
        Py_BEGIN_ALLOW_THREADS
        sleep_us(100);
        Py_END_ALLOW_THREADS
    }
}

weft_pool *weftpy_pool_get(weftpy_pool *self)
{
    weftpy_tls_warm(); /* every call into libweft starts here */
    wait_for_creation(self);
    if (atomic_load_explicit(&weftpy_shutdown, memory_order_relaxed)) {
        PyErr_SetString(PyExc_RuntimeError,
                        "weft is shut down (the interpreter is exiting)");
        return NULL;
    }
    if (self->closed) {
        PyErr_SetString(PyExc_RuntimeError, "the weft.Pool is closed");
        return NULL;
    }
    if (self->pool != NULL &&
        self->fork_gen !=
            atomic_load_explicit(&weftpy_fork_gen, memory_order_relaxed)) {
        /* The parent's: no threads here; leak it. */
        self->pool = NULL;
        self->owner = NULL;
    }
    if (self->pool == NULL && create_weft_pool(self) < 0)
        return NULL;
    return self->pool;
}

int weftpy_pool_run(weftpy_pool *self, weft_fn fn, void *arg)
{
    weft_pool *p = weftpy_pool_get(self);
    if (p == NULL)
        return -1;
    /* Registered while the GIL is held, so close() (which needs the GIL
     * to start) waits for us before destroying p. */
    atomic_fetch_add_explicit(&self->inflight, 1, memory_order_seq_cst);
    int err;
    Py_BEGIN_ALLOW_THREADS
    err = weft_pool_run(p, fn, arg);
    Py_END_ALLOW_THREADS
    atomic_fetch_sub_explicit(&self->inflight, 1, memory_order_release);
    if (err != 0) {
        weftpy_raise_errno(err, "weft_pool_run");
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Closing                                                             */
/* ------------------------------------------------------------------ */

/* On one of self's own workers (which must not wait for self's pool). */
static int on_own_worker(const weftpy_pool *self)
{
    return weftpy_tstate != NULL && self->owner != NULL &&
           weftpy_owner == self->owner;
}

/* Wait for the work in flight, join the workers and free the pool.  GIL
 * released: the workers' exit handlers take it one by one to delete their
 * thread states. */
static void destroy_owned(weftpy_owner_id *id)
{
    weft_pool_destroy(id->pool);
    /* Every worker has exited: nothing holds id as its weftpy_owner. */
    PyMem_RawFree(id);
}

static void *destroy_thread(void *arg)
{
    weftpy_tls_warm();
    destroy_owned(arg);
    atomic_fetch_sub_explicit(&deferred_destroys, 1, memory_order_release);
    return NULL;
}

/* Destroy the weft pool behind self; GIL held on entry and exit (released
 * while waiting).  Returns 0, or -1 with an exception set. */
static int pool_close_impl(weftpy_pool *self)
{
    weftpy_tls_warm();
    if (on_own_worker(self)) {
        PyErr_SetString(PyExc_RuntimeError,
                        "a weft.Pool cannot be closed from one of its own "
                        "workers (it would wait for itself)");
        return -1;
    }
    wait_for_creation(self); /* then there is a pool to destroy */
    if (self->closed) {
        /* Another thread may still be destroying it: closing means
         * "gone when close() returns", for every caller. */
        while (self->closing) {
            Py_BEGIN_ALLOW_THREADS
            sleep_us(1000);
            Py_END_ALLOW_THREADS
        }
        return 0;
    }
    self->closed = 1;
    weft_pool *p = self->pool;
    weftpy_owner_id *id = self->owner;
    self->pool = NULL;
    self->owner = NULL;
    if (p == NULL ||
        self->fork_gen !=
            atomic_load_explicit(&weftpy_fork_gen, memory_order_relaxed))
        return 0;
    self->closing = 1;
    Py_BEGIN_ALLOW_THREADS
    while (atomic_load_explicit(&self->inflight, memory_order_acquire) != 0)
        sleep_us(100);
    destroy_owned(id);
    Py_END_ALLOW_THREADS
    self->closing = 0;
    return 0;
}

static void registry_remove(weftpy_pool *self)
{
    if (self->prev != NULL)
        self->prev->next = self->next;
    else if (registry == self)
        registry = self->next;
    if (self->next != NULL)
        self->next->prev = self->prev;
    self->prev = self->next = NULL;
}

/* ------------------------------------------------------------------ */
/* The Pool type                                                       */
/* ------------------------------------------------------------------ */

/* Parse a thread count: None -> 0 (weft's default), else 1..MAX. */
static int parse_threads(PyObject *obj, unsigned *out)
{
    if (obj == NULL || obj == Py_None) {
        *out = 0;
        return 0;
    }
    if (!PyLong_Check(obj)) {
        PyErr_Format(PyExc_TypeError,
                     "threads must be an int or None, not %.100s",
                     Py_TYPE(obj)->tp_name);
        return -1;
    }
    int overflow;
    long long v = PyLong_AsLongLongAndOverflow(obj, &overflow);
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (overflow < 0 || (overflow == 0 && v < 1)) {
        PyErr_SetString(PyExc_ValueError, "threads must be at least 1");
        return -1;
    }
    if (overflow > 0 || v > WEFT_MAX_THREADS) {
        PyErr_Format(PyExc_ValueError, "threads must be at most %d",
                     WEFT_MAX_THREADS);
        return -1;
    }
    *out = (unsigned)v;
    return 0;
}

static weftpy_pool *pool_alloc(PyTypeObject *type, unsigned threads)
{
    weftpy_pool *self = (weftpy_pool *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    self->requested = threads;
    self->next = registry;
    if (registry != NULL)
        registry->prev = self;
    registry = self;
    return self;
}

static PyObject *pool_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"threads", NULL};
    PyObject *threads_obj = Py_None;
    unsigned threads;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O:Pool", kwlist,
                                     &threads_obj) ||
        parse_threads(threads_obj, &threads) < 0)
        return NULL;
    if (atomic_load_explicit(&weftpy_shutdown, memory_order_relaxed)) {
        PyErr_SetString(PyExc_RuntimeError,
                        "weft is shut down (the interpreter is exiting)");
        return NULL;
    }
    weftpy_pool *self = pool_alloc(type, threads);
    if (self == NULL)
        return NULL;
    /* Start the workers now, so that failures show where the pool is
     * made rather than at first use. */
    if (weftpy_pool_get(self) == NULL) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static void pool_dealloc(weftpy_pool *self)
{
    weftpy_tls_warm();
    PyObject_GC_UnTrack(self);
    if (self->weakreflist != NULL)
        PyObject_ClearWeakRefs((PyObject *)self);
    registry_remove(self);
    int own = on_own_worker(self);
    weft_pool *p = self->pool;
    weftpy_owner_id *id = self->owner;
    self->pool = NULL;
    self->owner = NULL;
    if (p != NULL &&
        self->fork_gen ==
            atomic_load_explicit(&weftpy_fork_gen, memory_order_relaxed)) {
        /* Counted before the GIL is released below: an atexit _shutdown
         * running meanwhile no longer finds this pool in the registry,
         * but must still wait for it. */
        atomic_fetch_add_explicit(&deferred_destroys, 1, memory_order_relaxed);
        if (atomic_load_explicit(&self->inflight, memory_order_acquire) != 0) {
            /* Spawns queued for the relay point at self without holding a
             * reference: wait until they are handed over (the relay needs
             * neither the GIL nor a worker for that). */
            Py_BEGIN_ALLOW_THREADS
            while (atomic_load_explicit(&self->inflight,
                                        memory_order_acquire) != 0)
                sleep_us(100);
            Py_END_ALLOW_THREADS
        }
        /* Dropping a pool does not wait for its work, as dropping a
         * ThreadPoolExecutor does not: a helper thread destroys it once the
         * work is done (and on one of its own workers, which cannot wait
         * for its own pool, there is no other way). */
        if (start_helper(destroy_thread, id) != 0) {
            if (!own) {
                /* No thread: wait here, as close() does. */
                Py_BEGIN_ALLOW_THREADS
                destroy_owned(id);
                Py_END_ALLOW_THREADS
            }
            /* On its own worker: leak the pool rather than deadlock. */
            atomic_fetch_sub_explicit(&deferred_destroys, 1,
                                      memory_order_release);
        }
    }
    PyTypeObject *tp = Py_TYPE(self);
    tp->tp_free((PyObject *)self);
}

static int pool_traverse(weftpy_pool *self, visitproc visit, void *arg)
{
    (void)self;
    (void)visit;
    (void)arg;
    return 0;
}

static PyObject *pool_close(weftpy_pool *self, PyObject *unused)
{
    (void)unused;
    if (pool_close_impl(self) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *pool_enter(weftpy_pool *self, PyObject *unused)
{
    (void)unused;
    if (weftpy_pool_get(self) == NULL)
        return NULL;
    Py_INCREF(self);
    return (PyObject *)self;
}

static PyObject *pool_exit(weftpy_pool *self, PyObject *args)
{
    (void)args;
    if (pool_close_impl(self) < 0)
        return NULL;
    Py_RETURN_FALSE;
}

static PyObject *pool_num_threads(weftpy_pool *self, PyObject *unused)
{
    (void)unused;
    weft_pool *p = weftpy_pool_get(self);
    if (p == NULL)
        return NULL;
    return PyLong_FromUnsignedLong(weft_pool_num_threads(p));
}

static PyObject *pool_get_closed(weftpy_pool *self, void *closure)
{
    (void)closure;
    return PyBool_FromLong(self->closed);
}

static PyObject *pool_repr(weftpy_pool *self)
{
    if (self->closed)
        return PyUnicode_FromFormat("<weft.Pool closed>");
    if (self->pool == NULL)
        return PyUnicode_FromFormat("<weft.Pool threads=%u>", self->requested);
    return PyUnicode_FromFormat("<weft.Pool threads=%u>",
                                weft_pool_num_threads(self->pool));
}

/* ---- _spawn: fire-and-forget call, the base of weft.Executor ---- */

static void spawn_job(void *arg)
{
    PyObject *callable = arg;
    weftpy_gil gil;
    weftpy_gil_take(&gil);
    PyObject *r = PyObject_CallNoArgs(callable);
    if (r == NULL)
        PyErr_WriteUnraisable(callable);
    Py_XDECREF(r);
    Py_DECREF(callable);
    weftpy_gil_drop(&gil);
}

/*
 * The relay: spawns made on one of the pool's own workers.  weft_pool_spawn
 * there pushes the job on that worker's deque, where it stays private
 * until the worker's next fork or join if no other worker was looking for
 * work at that moment.  The worker then goes on running Python code (the
 * task that submitted), and a worker that becomes idle later never sees
 * the job: a task that submits a subtask and waits for its result would
 * wait forever.  So such spawns are handed to a plain thread outside every
 * pool, whose weft_pool_spawn goes through the injector that all workers
 * see.  (Spawns from anywhere else go straight to weft_pool_spawn.)
 */
typedef struct relay_item {
    struct relay_item *next;
    weftpy_pool *owner; /* its inflight count keeps `pool` alive */
    weft_pool *pool;
    PyObject *callable;
} relay_item;

static void *relay_main(void *unused)
{
    (void)unused;
    weftpy_tls_warm();
    for (;;) {
        pthread_mutex_lock(&relay_mu);
        while (relay_head == NULL)
            pthread_cond_wait(&relay_cv, &relay_mu);
        relay_item *item = relay_head;
        relay_head = item->next;
        if (relay_head == NULL)
            relay_tail = NULL;
        pthread_mutex_unlock(&relay_mu);

        int err = weft_pool_spawn(item->pool, spawn_job, item->callable);
        if (err != 0) {
            /* Only ENOMEM is possible: close() waits for inflight before
             * it destroys the pool. */
            PyGILState_STATE g = PyGILState_Ensure();
            weftpy_raise_errno(err, "cannot submit work");
            PyErr_WriteUnraisable(item->callable);
            Py_DECREF(item->callable);
            PyGILState_Release(g);
        }
        atomic_fetch_sub_explicit(&item->owner->inflight, 1,
                                  memory_order_release);
        PyMem_RawFree(item);
    }
    return NULL;
}

/* Queue a spawn for the relay (GIL held).  Returns 0 or an errno. */
static int relay_spawn(weftpy_pool *owner, weft_pool *pool, PyObject *callable)
{
    relay_item *item = PyMem_RawMalloc(sizeof(*item));
    if (item == NULL)
        return ENOMEM;
    item->next = NULL;
    item->owner = owner;
    item->pool = pool;
    item->callable = callable;
    pthread_mutex_lock(&relay_mu);
    if (!relay_running) {
        int err = start_helper(relay_main, NULL);
        if (err != 0) {
            pthread_mutex_unlock(&relay_mu);
            PyMem_RawFree(item);
            return err;
        }
        relay_running = 1;
    }
    /* Registered with the GIL held, like weftpy_pool_run's callers. */
    atomic_fetch_add_explicit(&owner->inflight, 1, memory_order_seq_cst);
    if (relay_tail != NULL)
        relay_tail->next = item;
    else
        relay_head = item;
    relay_tail = item;
    pthread_cond_signal(&relay_cv);
    pthread_mutex_unlock(&relay_mu);
    return 0;
}

static PyObject *pool_spawn(weftpy_pool *self, PyObject *callable)
{
    if (!PyCallable_Check(callable)) {
        PyErr_Format(PyExc_TypeError, "'%.100s' object is not callable",
                     Py_TYPE(callable)->tp_name);
        return NULL;
    }
    weft_pool *p = weftpy_pool_get(self);
    if (p == NULL)
        return NULL;
    Py_INCREF(callable);
    /* Non-blocking, so safe with the GIL held; weft_pool_destroy waits for
     * spawned calls, so close() lets them finish. */
    int err = on_own_worker(self) ? relay_spawn(self, p, callable)
                                  : weft_pool_spawn(p, spawn_job, callable);
    if (err != 0) {
        Py_DECREF(callable);
        return weftpy_raise_errno(err, "cannot submit work");
    }
    Py_RETURN_NONE;
}

/* ---- the methods that mirror the module-level functions ---- */

static PyObject *pool_par_map(weftpy_pool *self, PyObject *args, PyObject *kwds)
{
    return weftpy_par_map(self, args, kwds);
}

static PyObject *pool_search(weftpy_pool *self, PyObject *const *args,
                             Py_ssize_t nargs)
{
    return weftpy_search(self, args, nargs, 0);
}

static PyObject *pool_search_sequential(weftpy_pool *self,
                                        PyObject *const *args, Py_ssize_t nargs)
{
    return weftpy_search(self, args, nargs, 1);
}

static PyObject *pool_wc(weftpy_pool *self, PyObject *data)
{
    return weftpy_wc(self, data);
}

static PyObject *pool_par_sum(weftpy_pool *self, PyObject *buffer)
{
    return weftpy_par_sum(self, buffer);
}

static PyObject *pool_par_sort(weftpy_pool *self, PyObject *buffer)
{
    return weftpy_par_sort(self, buffer);
}

static PyMethodDef pool_methods[] = {
    {"par_map", (PyCFunction)(void (*)(void))pool_par_map,
     METH_VARARGS | METH_KEYWORDS,
     "par_map(fn, iterable, /, *, chunksize=None)\n--\n\n"
     "Like weft.par_map, on this pool's workers."},
    {"search", (PyCFunction)(void (*)(void))pool_search, METH_FASTCALL,
     "search(contents, needle, /)\n--\n\n"
     "Like weft.search, on this pool's workers."},
    {"search_sequential", (PyCFunction)(void (*)(void))pool_search_sequential,
     METH_FASTCALL,
     "search_sequential(contents, needle, /)\n--\n\n"
     "Like weft.search_sequential (runs on the calling thread)."},
    {"wc", (PyCFunction)pool_wc, METH_O,
     "wc(data, /)\n--\n\nLike weft.wc, on this pool's workers."},
    {"par_sum", (PyCFunction)pool_par_sum, METH_O,
     "par_sum(buffer, /)\n--\n\nLike weft.par_sum, on this pool's workers."},
    {"par_sort", (PyCFunction)pool_par_sort, METH_O,
     "par_sort(buffer, /)\n--\n\n"
     "Like weft.par_sort, on this pool's workers."},
    {"num_threads", (PyCFunction)pool_num_threads, METH_NOARGS,
     "num_threads()\n--\n\nThe number of worker threads of this pool."},
    {"close", (PyCFunction)pool_close, METH_NOARGS,
     "close()\n--\n\n"
     "Wait for the work in flight, then stop and join the workers.  "
     "Idempotent.  Any later use raises RuntimeError.  (A pool garbage "
     "collected without close() does not wait: see Pool.)"},
    {"_spawn", (PyCFunction)pool_spawn, METH_O,
     "_spawn(callable, /)\n--\n\n"
     "Call callable() on a worker and return at once (the base of "
     "weft.Executor).  An exception it raises is reported as unraisable."},
    {"__enter__", (PyCFunction)pool_enter, METH_NOARGS, NULL},
    {"__exit__", (PyCFunction)pool_exit, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef pool_getset[] = {
    {"closed", (getter)pool_get_closed, NULL, "True once close() was called.",
     NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject pool_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "weft.Pool",
    .tp_basicsize = sizeof(weftpy_pool),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "Pool(threads=None)\n--\n\n"
              "A weft pool of its own: `threads` worker threads (None: "
              "WEFT_NUM_THREADS, else the CPUs this process may use), each "
              "with its own Python thread state.\n\n"
              "Offers the module's functions as methods (par_map, search, "
              "search_sequential, wc, par_sum, par_sort, num_threads).  Use "
              "it as a context manager, or call close(), to wait for its "
              "work and join its threads.  A pool garbage collected without "
              "being closed does not block (as with ThreadPoolExecutor): "
              "work already submitted still runs, and its threads exit "
              "once that is done; interpreter exit waits for them.",
    .tp_new = pool_new,
    .tp_dealloc = (destructor)pool_dealloc,
    .tp_traverse = (traverseproc)pool_traverse,
    .tp_repr = (reprfunc)pool_repr,
    .tp_methods = pool_methods,
    .tp_getset = pool_getset,
    .tp_weaklistoffset = offsetof(weftpy_pool, weakreflist),
};

PyTypeObject *weftpy_pool_type = &pool_type;

int weftpy_pool_init_type(PyObject *module)
{
    if (PyType_Ready(&pool_type) < 0)
        return -1;
    Py_INCREF(&pool_type);
    if (PyModule_AddObject(module, "Pool", (PyObject *)&pool_type) < 0) {
        Py_DECREF(&pool_type);
        return -1;
    }
    static int atfork_done;
    if (!atfork_done) {
        int err = pthread_atfork(NULL, NULL, atfork_child);
        if (err != 0) {
            weftpy_raise_errno(err, "pthread_atfork");
            return -1;
        }
        atfork_done = 1;
    }
    return 0;
}

weftpy_pool *weftpy_default_pool(void)
{
    if (default_pool == NULL) {
        if (atomic_load_explicit(&weftpy_shutdown, memory_order_relaxed)) {
            PyErr_SetString(PyExc_RuntimeError,
                            "weft is shut down (the interpreter is exiting)");
            return NULL;
        }
        /* Its workers start on first use (weftpy_pool_get). */
        default_pool = pool_alloc(&pool_type, 0);
    }
    return default_pool;
}

/* atexit: cancel work in flight, then destroy every pool while the
 * interpreter is still whole (see weftpy.h). */
PyObject *weftpy_shutdown_all(PyObject *module, PyObject *unused)
{
    (void)module;
    (void)unused;
    atomic_store_explicit(&weftpy_shutdown, 1, memory_order_relaxed);
    for (;;) {
        weftpy_pool *p = registry;
        while (p != NULL && p->closed && !p->closing)
            p = p->next;
        if (p == NULL)
            break;
        Py_INCREF(p);
        int r = pool_close_impl(p);
        Py_DECREF(p);
        if (r < 0)
            return NULL; /* called from a worker: leave the rest */
    }
    Py_CLEAR(default_pool);
    Py_BEGIN_ALLOW_THREADS
    while (atomic_load_explicit(&deferred_destroys, memory_order_acquire) != 0)
        sleep_us(1000);
    Py_END_ALLOW_THREADS
    Py_RETURN_NONE;
}
