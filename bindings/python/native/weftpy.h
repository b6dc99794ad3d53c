/*
 * weftpy.h - internals shared by the files of the weft._native extension.
 *
 * The extension links the shared libweft that weft_ctypes loads too, so
 * a process has one weft runtime (see bindings/python/CMakeLists.txt).
 *
 * Threads and the GIL:
 *  - every worker of a pool made here owns one PyThreadState for its whole
 *    life (created by the pool's start handler, deleted by its exit
 *    handler), so running Python on a worker costs a GIL acquisition, not
 *    a thread-state creation;
 *  - no thread ever waits for weft work while holding the GIL (a worker
 *    waiting for nested work runs other jobs, which may need the GIL);
 *  - every pool is destroyed before the interpreter finalizes (atexit),
 *    because a worker that touches the GIL during finalization would be
 *    terminated by CPython in the middle of weft's worker loop.  A Pool
 *    that is garbage collected unclosed does not wait for its work (as
 *    with ThreadPoolExecutor): a helper thread destroys its weft pool once
 *    that work is done, and atexit waits for such helpers.
 */
#ifndef WEFTPY_H
#define WEFTPY_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdatomic.h>
#include <weft.h>

/* ---- pools (pool.c) ---- */

/* What the workers of one weft pool know it by (their weftpy_owner).  It
 * lives until they have all exited, which may be after the Pool object is
 * freed (pool_dealloc), so no later Pool at the same address is mistaken
 * for theirs. */
typedef struct weftpy_owner_id {
    weft_pool *pool;
} weftpy_owner_id;

typedef struct weftpy_pool {
    PyObject_HEAD
    weft_pool *pool;        /* NULL until first use, and once closed */
    weftpy_owner_id *owner; /* with `pool`: its workers' weftpy_owner */
    unsigned requested;     /* threads asked for; 0: weft's default */
    unsigned long fork_gen; /* weftpy_fork_gen when `pool` was created */
    int closed;
    int closing;  /* close() is destroying the weft pool */
    int creating; /* a thread is creating it, with the GIL released */
    /* Uses of `pool` begun with the GIL held and ended without it
     * (weft_pool_run calls, spawns queued for the relay); close() and
     * dealloc wait for them before destroying. */
    _Atomic long inflight;
    /* Registry of live pools, so that atexit can destroy them all (GIL). */
    struct weftpy_pool *prev, *next;
    PyObject *weakreflist;
} weftpy_pool;

extern PyTypeObject *weftpy_pool_type;

/* Bumped in the child after fork(): pools of an older generation have no
 * threads in this process and are re-created on next use. */
extern _Atomic unsigned long weftpy_fork_gen;
/* Set by _shutdown (atexit): every pool is gone, work is cancelled. */
extern _Atomic int weftpy_shutdown;

/* On a worker of one of our pools: its own thread state (not owned by the
 * code running now; save/restore it around GIL use).  NULL elsewhere. */
extern _Thread_local PyThreadState *weftpy_tstate;
/* On a worker of one of our pools: that pool's owner id (identity only). */
extern _Thread_local weftpy_owner_id *weftpy_owner;

int weftpy_pool_init_type(PyObject *module);
/* The module's default pool (created on first use); borrowed; NULL with
 * an exception set on failure. */
weftpy_pool *weftpy_default_pool(void);
/* The weft pool behind self, created (or re-created after fork) on
 * demand.  GIL held.  NULL with an exception (closed, shutting down,
 * creation failed). */
weft_pool *weftpy_pool_get(weftpy_pool *self);
/* Run fn(arg) on a worker of self (or inline on one of its own workers)
 * with the GIL released, blocking.  fn must not touch Python.  Returns 0,
 * or -1 with an exception set. */
int weftpy_pool_run(weftpy_pool *self, weft_fn fn, void *arg);
PyObject *weftpy_shutdown_all(PyObject *module, PyObject *unused);
/* Raise the Python error matching a weft errno (MemoryError for ENOMEM,
 * RuntimeError otherwise).  Returns NULL. */
PyObject *weftpy_raise_errno(int err, const char *what);

/*
 * Call before a thread's first use of libweft (cheap enough to call before
 * every use).  libweft reads its thread-locals through TLS descriptors
 * (-mtls-dialect=gnu2), and GCC keeps values in vector registers across
 * those reads (weft_pool_run holds its `arg` in %xmm0).  On a thread that
 * first touches a dlopen()ed module's TLS, glibc before 2.40 resolves the
 * descriptor through a slow path that does not preserve vector registers
 * (glibc bug 31372; Debian 12 has 2.36): weft_pool_run's argument arrived
 * as NULL.  A first access through an ordinary call -- which may clobber
 * them -- allocates the thread's block, and later accesses take the fast
 * path, which preserves everything.
 */
static inline void weftpy_tls_warm(void)
{
    (void)weft_current_thread_index();
}

/* Acquire / release the GIL on a thread that may be a worker (uses its
 * own thread state) or any other native thread (PyGILState). */
typedef struct weftpy_gil {
    PyThreadState *ts;
    PyGILState_STATE g;
} weftpy_gil;

static inline void weftpy_gil_take(weftpy_gil *gil)
{
    gil->ts = weftpy_tstate;
    if (gil->ts != NULL)
        PyEval_RestoreThread(gil->ts);
    else
        gil->g = PyGILState_Ensure();
}

static inline void weftpy_gil_drop(weftpy_gil *gil)
{
    if (gil->ts != NULL)
        (void)PyEval_SaveThread();
    else
        PyGILState_Release(gil->g);
}

/* ---- par_map (par_map.c) ---- */

PyObject *weftpy_par_map(weftpy_pool *pool, PyObject *args, PyObject *kwds);

/* ---- kernels (kernels.c) ---- */

int weftpy_kernels_init(PyObject *module);
PyObject *weftpy_search(weftpy_pool *pool, PyObject *const *args,
                        Py_ssize_t nargs, int sequential);
PyObject *weftpy_wc(weftpy_pool *pool, PyObject *data);
PyObject *weftpy_par_sum(weftpy_pool *pool, PyObject *buffer);
PyObject *weftpy_par_sort(weftpy_pool *pool, PyObject *buffer);

#endif /* WEFTPY_H */
