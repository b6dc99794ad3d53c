/*
 * module.c - the weft._native module: module-level functions on the
 * default pool, and module initialisation.
 */
#include "weftpy.h"

#define WEFTPY_STR2(x) #x
#define WEFTPY_STR(x) WEFTPY_STR2(x)
#define WEFTPY_VERSION                                                         \
    WEFTPY_STR(WEFT_VERSION_MAJOR)                                             \
    "." WEFTPY_STR(WEFT_VERSION_MINOR) "." WEFTPY_STR(WEFT_VERSION_PATCH)

/* The default pool, as a new reference: a call may run Python code (a
 * generator being collected) during which another thread could reach
 * _shutdown and drop the module's reference. */
static weftpy_pool *default_pool_ref(void)
{
    weftpy_pool *p = weftpy_default_pool();
    Py_XINCREF(p);
    return p;
}

#define WITH_DEFAULT_POOL(call)                                                \
    do {                                                                       \
        weftpy_pool *p = default_pool_ref();                                   \
        if (p == NULL)                                                         \
            return NULL;                                                       \
        PyObject *r = (call);                                                  \
        Py_DECREF(p);                                                          \
        return r;                                                              \
    } while (0)

static PyObject *mod_par_map(PyObject *m, PyObject *args, PyObject *kwds)
{
    (void)m;
    WITH_DEFAULT_POOL(weftpy_par_map(p, args, kwds));
}

static PyObject *mod_search(PyObject *m, PyObject *const *args,
                            Py_ssize_t nargs)
{
    (void)m;
    WITH_DEFAULT_POOL(weftpy_search(p, args, nargs, 0));
}

static PyObject *mod_search_sequential(PyObject *m, PyObject *const *args,
                                       Py_ssize_t nargs)
{
    (void)m;
    /* Runs on the calling thread: no pool needed (nor created). */
    return weftpy_search(NULL, args, nargs, 1);
}

static PyObject *mod_wc(PyObject *m, PyObject *data)
{
    (void)m;
    WITH_DEFAULT_POOL(weftpy_wc(p, data));
}

static PyObject *mod_par_sum(PyObject *m, PyObject *buffer)
{
    (void)m;
    WITH_DEFAULT_POOL(weftpy_par_sum(p, buffer));
}

static PyObject *mod_par_sort(PyObject *m, PyObject *buffer)
{
    (void)m;
    WITH_DEFAULT_POOL(weftpy_par_sort(p, buffer));
}

static PyObject *mod_num_threads(PyObject *m, PyObject *unused)
{
    (void)m;
    (void)unused;
    weftpy_pool *p = weftpy_default_pool();
    weft_pool *wp = p != NULL ? weftpy_pool_get(p) : NULL;
    return wp != NULL ? PyLong_FromUnsignedLong(weft_pool_num_threads(wp))
                      : NULL;
}

static PyObject *mod_default_pool(PyObject *m, PyObject *unused)
{
    (void)m;
    (void)unused;
    weftpy_pool *p = weftpy_default_pool();
    return Py_XNewRef((PyObject *)p);
}

static PyMethodDef module_methods[] = {
    {"par_map", (PyCFunction)(void (*)(void))mod_par_map,
     METH_VARARGS | METH_KEYWORDS,
     "par_map(fn, iterable, /, *, chunksize=None)\n--\n\n"
     "Return list(map(fn, iterable)), computed on weft's workers.\n\n"
     "The items are collected first, then handed out in chunks (guided "
     "when chunksize is None: large first, single items at the end); a "
     "worker takes the GIL once per chunk.  The caller waits with the GIL "
     "released, so functions that release the GIL themselves (hashlib, "
     "zlib, numpy, weft's kernels) run in parallel.  Ctrl-C raises "
     "KeyboardInterrupt within a fraction of a second and stops the "
     "remaining items (items already running finish in the background).  "
     "May be nested: fn can call par_map.\n\n"
     "Exceptions: once a call of fn raises, items not yet started are "
     "skipped, and par_map re-raises, with its traceback, the exception "
     "raised first in time -- not necessarily that of the lowest index, "
     "which map() would raise: items run concurrently and out of order, "
     "so when fn fails on several items, which one is reported depends "
     "on timing, and items before the reported one may never have run.  "
     "If only one item fails, its exception is the one raised.\n\n"
     "Raises TypeError if fn is not callable or iterable is not iterable, "
     "ValueError if chunksize < 1."},
    {"search", (PyCFunction)(void (*)(void))mod_search, METH_FASTCALL,
     "search(contents, needle, /)\n--\n\n"
     "contents.split().count(needle), in parallel with the GIL released.\n\n"
     "contents is a str (Unicode whitespace, as str.split) or a bytes-like "
     "object: bytes, bytearray, memoryview, mmap... (ASCII whitespace, as "
     "bytes.split; contents without a split method count as "
     "bytes(contents)); needle is of the same kind (TypeError otherwise).  "
     "Nothing is copied.\n\n"
     "A word matches when word == needle, exactly as in Python: the words "
     "of bytes-like contents are bytes (bytearray for bytearray contents), "
     "so a bytes or bytearray needle matches by its bytes, a memoryview "
     "item by item (memoryview(array('h', [97])) matches b'a', "
     "memoryview(array('b', [-1])) does not match b'\\xff'), and other "
     "buffers (array.array, mmap...) match only bytearray words."},
    {"search_sequential", (PyCFunction)(void (*)(void))mod_search_sequential,
     METH_FASTCALL,
     "search_sequential(contents, needle, /)\n--\n\n"
     "Like search, on the calling thread only (still without the GIL, so "
     "several Python threads searching at once run in parallel)."},
    {"wc", (PyCFunction)mod_wc, METH_O,
     "wc(data, /)\n--\n\n"
     "WcCounts(lines, words, bytes) of data, exactly as `LC_ALL=C wc` "
     "counts them.  data is bytes-like, or a str (counted as its UTF-8 "
     "encoding)."},
    {"par_sum", (PyCFunction)mod_par_sum, METH_O,
     "par_sum(buffer, /)\n--\n\n"
     "Sum of the numbers in a C-contiguous buffer (array.array, numpy "
     "array, bytes...) of integers (8 to 64 bits) or floats (32 or 64 "
     "bits), in parallel.  Integer sums are exact and returned as int, "
     "equal to sum(buffer).  Float sums are returned as float, summed in "
     "double in blocks and then pairwise in a fixed order: the same bits "
     "on every run and any number of threads, within rounding of "
     "sum(buffer) (usually closer to the exact sum).  A multi-dimensional "
     "buffer is summed over all its elements."},
    {"par_sort", (PyCFunction)mod_par_sort, METH_O,
     "par_sort(buffer, /)\n--\n\n"
     "Sort a writable one-dimensional C-contiguous buffer of numbers "
     "(array.array, numpy array, bytearray...) in place, ascending, in "
     "parallel, and return None.  Floats follow IEEE total order: -0.0 "
     "before 0.0, NaNs last.  TypeError for a read-only buffer."},
    {"num_threads", (PyCFunction)mod_num_threads, METH_NOARGS,
     "num_threads()\n--\n\n"
     "Worker threads of the default pool: WEFT_NUM_THREADS if set, else the "
     "CPUs this process may run on."},
    {"_default_pool", (PyCFunction)mod_default_pool, METH_NOARGS,
     "_default_pool()\n--\n\nThe Pool behind the module-level functions."},
    {"_shutdown", (PyCFunction)weftpy_shutdown_all, METH_NOARGS,
     "_shutdown()\n--\n\n"
     "Cancel work in flight and destroy every pool (registered with "
     "atexit: pools must be gone before the interpreter finalizes)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "weft._native",
    .m_doc = "The CPython extension behind the weft package.",
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC PyInit__native(void)
{
    PyObject *m = PyModule_Create(&module_def);
    if (m == NULL)
        return NULL;
    if (weftpy_pool_init_type(m) < 0 || weftpy_kernels_init(m) < 0 ||
        PyModule_AddStringConstant(m, "__version__", WEFTPY_VERSION) < 0 ||
        PyModule_AddIntConstant(m, "MAX_THREADS", WEFT_MAX_THREADS) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
