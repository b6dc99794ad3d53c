/*
 * kernels.c - search, search_sequential, wc, par_sum and par_sort: the
 * kernels of weft/kernels.h with a natural Python face.
 *
 * Inputs are never copied: str contents are read through their cached
 * UTF-8 form (PyUnicode_AsUTF8AndSize: the characters themselves for an
 * ASCII string), bytes-like ones through the buffer protocol.  The GIL is
 * released for the whole kernel; exported buffers cannot be resized or
 * closed meanwhile (bytearray and mmap refuse while a view exists).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <weft/kernels.h>

#include "weftpy.h"

/* ------------------------------------------------------------------ */
/* Text inputs                                                         */
/* ------------------------------------------------------------------ */

typedef struct text_arg {
    const char *ptr;
    Py_ssize_t len;
    Py_buffer view; /* when has_view */
    int has_view;
    PyObject *owner; /* bytes holding an encoded copy, or NULL */
} text_arg;

static void text_release(text_arg *t)
{
    if (t->has_view)
        PyBuffer_Release(&t->view);
    t->has_view = 0;
    Py_CLEAR(t->owner);
}

/* A str as UTF-8.  Lone surrogates (which str.split() handles but UTF-8
 * cannot hold) are encoded with surrogatepass: such a 3-byte sequence is
 * not whitespace to the kernel, so the words and their equality are the
 * same as str's. */
static int text_from_str(PyObject *obj, text_arg *t)
{
    t->ptr = PyUnicode_AsUTF8AndSize(obj, &t->len);
    if (t->ptr != NULL)
        return 0;
    if (!PyErr_ExceptionMatches(PyExc_UnicodeEncodeError))
        return -1;
    PyErr_Clear();
    t->owner = PyUnicode_AsEncodedString(obj, "utf-8", "surrogatepass");
    if (t->owner == NULL)
        return -1;
    t->ptr = PyBytes_AS_STRING(t->owner);
    t->len = PyBytes_GET_SIZE(t->owner);
    return 0;
}

static int text_from_buffer(PyObject *obj, text_arg *t)
{
    if (PyObject_GetBuffer(obj, &t->view, PyBUF_SIMPLE) < 0)
        return -1;
    t->has_view = 1;
    t->ptr = t->view.buf;
    t->len = t->view.len;
    return 0;
}

/* str -> its UTF-8; bytes-like -> its bytes.  *is_str tells which. */
static int text_from_any(PyObject *obj, text_arg *t, int *is_str,
                         const char *fname)
{
    memset(t, 0, sizeof(*t));
    if (PyUnicode_Check(obj)) {
        *is_str = 1;
        return text_from_str(obj, t);
    }
    if (PyObject_CheckBuffer(obj)) {
        *is_str = 0;
        return text_from_buffer(obj, t);
    }
    PyErr_Format(PyExc_TypeError,
                 "%s() argument must be str or a bytes-like object, not "
                 "'%.100s'",
                 fname, Py_TYPE(obj)->tp_name);
    return -1;
}

/* ------------------------------------------------------------------ */
/* search                                                              */
/* ------------------------------------------------------------------ */

/*
 * Bytes needles.  contents.split().count(needle) compares every word with
 * the needle by ==, which for bytes-like objects is not a comparison of
 * their raw bytes:
 *  - the words of bytearray contents are bytearrays, and bytearray.__eq__
 *    compares raw bytes with anything that exports a simple (C-contiguous)
 *    buffer: an array.array, an mmap, a memoryview of any format;
 *  - the words of any other contents are bytes (memoryview and mmap have
 *    no split(): they are taken as bytes(contents)), and bytes.__eq__
 *    accepts only bytes and bytearray; other exporters (array.array,
 *    mmap, ctypes arrays) compare unequal to bytes;
 *  - a memoryview that bytearray.__eq__ could not view that way, or any
 *    memoryview against bytes, compares item by item, its items unpacked
 *    as the struct module does: memoryview(array('h', [97])) == b"a", but
 *    memoryview(array('b', [-1])) != b"\xff", and a 'c' view (whose items
 *    are bytes objects, not ints) equals no bytes at all.
 * So the needle comes down to the one byte string a word must hold to
 * equal it, or to none (count 0).
 */

/* The byte b such that x == b, or -1.  struct unpacks ints, bools, floats
 * and bytes; only the first three can equal an int. */
static int byte_value(PyObject *x)
{
    if (PyLong_Check(x)) {
        int overflow;
        long v = PyLong_AsLongAndOverflow(x, &overflow);
        return overflow == 0 && v >= 0 && v <= 255 ? (int)v : -1;
    }
    if (PyFloat_Check(x)) {
        double d = PyFloat_AS_DOUBLE(x);
        return d >= 0 && d <= 255 && d == (double)(int)d ? (int)d : -1;
    }
    return -1;
}

/* What needle_word and its helpers return besides -1 (an exception). */
enum { WORD_FOUND = 0, NO_WORD = 1 };

/* memoryview.__eq__ takes struct errors (an unknown format...) for "not
 * equal"; only these two are errors to it. */
static int struct_failure(void)
{
    if (PyErr_ExceptionMatches(PyExc_ImportError) ||
        PyErr_ExceptionMatches(PyExc_MemoryError))
        return -1;
    PyErr_Clear();
    return NO_WORD;
}

/* The word of n items of `itemsize` bytes in raw (a one-dimensional view's
 * bytes, in order), unpacked with `format`, if each equals a byte. */
static int items_word(const char *format, Py_ssize_t itemsize, Py_ssize_t n,
                      PyObject *raw, text_arg *nd)
{
    PyObject *mod = PyImport_ImportModule("struct");
    if (mod == NULL)
        return -1;
    PyObject *st = PyObject_CallMethod(mod, "Struct", "s", format);
    Py_DECREF(mod);
    if (st == NULL)
        return struct_failure();
    PyObject *size_obj = PyObject_GetAttrString(st, "size");
    Py_ssize_t size = size_obj != NULL ? PyLong_AsSsize_t(size_obj) : -1;
    Py_XDECREF(size_obj);
    PyObject *unpack =
        size >= 0 ? PyObject_GetAttrString(st, "unpack_from") : NULL;
    Py_DECREF(st);
    if (unpack == NULL)
        return -1;
    /* A format wider than the items (a broken exporter) makes
     * memoryview.__eq__ fail: count nothing. */
    if (size > itemsize) {
        Py_DECREF(unpack);
        return NO_WORD;
    }
    PyObject *word = PyBytes_FromStringAndSize(NULL, n);
    int rc = word != NULL ? WORD_FOUND : -1;
    for (Py_ssize_t i = 0; rc == WORD_FOUND && i < n; i++) {
        PyObject *t = PyObject_CallFunction(unpack, "On", raw, i * itemsize);
        if (t == NULL) {
            rc = struct_failure();
            break;
        }
        /* A single value stands for itself; several make a tuple, which
         * equals no int. */
        int b =
            PyTuple_GET_SIZE(t) == 1 ? byte_value(PyTuple_GET_ITEM(t, 0)) : -1;
        Py_DECREF(t);
        if (b < 0)
            rc = NO_WORD;
        else
            PyBytes_AS_STRING(word)[i] = (char)b;
    }
    Py_DECREF(unpack);
    if (rc != WORD_FOUND) {
        Py_XDECREF(word);
        return rc;
    }
    nd->owner = word;
    nd->ptr = PyBytes_AS_STRING(word);
    nd->len = n;
    return WORD_FOUND;
}

/* A memoryview needle, compared item by item (see above). */
static int memoryview_word(PyObject *mv, text_arg *nd)
{
    Py_buffer v;
    if (PyObject_GetBuffer(mv, &v, PyBUF_FULL_RO) < 0) {
        /* Released: it equals nothing but itself. */
        if (!PyErr_ExceptionMatches(PyExc_ValueError))
            return -1;
        PyErr_Clear();
        return NO_WORD;
    }
    /* The words are one-dimensional: no other shape is ever equal. */
    if (v.ndim != 1) {
        PyBuffer_Release(&v);
        return NO_WORD;
    }
    int plain = v.format == NULL || strcmp(v.format, "B") == 0 ||
                strcmp(v.format, "@B") == 0;
    if (plain && PyBuffer_IsContiguous(&v, 'C')) {
        nd->view = v;
        nd->has_view = 1;
        nd->ptr = v.buf;
        nd->len = v.len;
        return WORD_FOUND;
    }
    PyObject *raw = PyBytes_FromStringAndSize(NULL, v.len);
    int rc = -1;
    if (raw != NULL &&
        PyBuffer_ToContiguous(PyBytes_AS_STRING(raw), &v, v.len, 'C') == 0) {
        if (plain) {
            nd->owner = Py_NewRef(raw);
            nd->ptr = PyBytes_AS_STRING(raw);
            nd->len = v.len;
            rc = WORD_FOUND;
        } else {
            rc = items_word(v.format, v.itemsize, v.shape[0], raw, nd);
        }
    }
    Py_XDECREF(raw);
    PyBuffer_Release(&v);
    return rc;
}

/* The bytes a word must hold to equal needle (see above), in nd:
 * WORD_FOUND, NO_WORD when no word can, or -1 with an exception set. */
static int needle_word(PyObject *needle, int bytearray_words, text_arg *nd)
{
    memset(nd, 0, sizeof(*nd));
    if (PyBytes_Check(needle) || PyByteArray_Check(needle))
        return text_from_buffer(needle, nd);
    if (bytearray_words) {
        if (text_from_buffer(needle, nd) == 0)
            return WORD_FOUND;
        /* As bytearray.__eq__ does: what it cannot view is not its to
         * judge. */
        PyErr_Clear();
    }
    if (!PyMemoryView_Check(needle))
        return NO_WORD;
    return memoryview_word(needle, nd);
}

typedef struct search_job {
    const char *buf, *needle;
    size_t len, needle_len;
    weft_text mode;
    uint64_t count;
    int err;
} search_job;

static void search_thunk(void *arg)
{
    search_job *j = arg;
    j->err = weft_search(j->buf, j->len, j->needle, j->needle_len, j->mode,
                         &j->count);
}

PyObject *weftpy_search(weftpy_pool *pool, PyObject *const *args,
                        Py_ssize_t nargs, int sequential)
{
    const char *fname = sequential ? "search_sequential" : "search";
    /* search_sequential runs on the calling thread, but a closed Pool
     * refuses every use, as its other methods do. */
    if (pool != NULL && pool->closed) {
        PyErr_SetString(PyExc_RuntimeError, "the weft.Pool is closed");
        return NULL;
    }
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError,
                     "%s() takes exactly 2 arguments (%zd given)", fname,
                     nargs);
        return NULL;
    }
    PyObject *contents = args[0], *needle = args[1];
    text_arg c, nd;
    int c_str, n_str;
    if (text_from_any(contents, &c, &c_str, fname) < 0)
        return NULL;
    /* bytes.split().count("x") would quietly be 0: a str needle for bytes
     * contents (or the reverse) is a mistake, reported as such. */
    if (PyUnicode_Check(needle) != c_str ||
        (!c_str && !PyObject_CheckBuffer(needle))) {
        PyErr_Format(PyExc_TypeError,
                     "%s(): the needle must be %s when the contents are %s, "
                     "not '%.100s'",
                     fname, c_str ? "str" : "a bytes-like object",
                     c_str ? "str" : "bytes-like", Py_TYPE(needle)->tp_name);
        text_release(&c);
        return NULL;
    }
    int found = c_str ? text_from_any(needle, &nd, &n_str, fname)
                      : needle_word(needle, PyByteArray_Check(contents), &nd);
    if (found != WORD_FOUND) {
        text_release(&c);
        return found < 0 ? NULL : PyLong_FromLong(0);
    }
    search_job j = {c.ptr,
                    nd.ptr,
                    (size_t)c.len,
                    (size_t)nd.len,
                    c_str ? WEFT_TEXT_UTF8 : WEFT_TEXT_BYTES,
                    0,
                    0};
    int rc = 0;
    if (sequential) {
        /* On the calling thread: two Python threads searching at once
         * run in parallel. */
        weftpy_tls_warm();
        Py_BEGIN_ALLOW_THREADS
        j.err = weft_search_sequential(j.buf, j.len, j.needle, j.needle_len,
                                       j.mode, &j.count);
        Py_END_ALLOW_THREADS
    } else {
        rc = weftpy_pool_run(pool, search_thunk, &j);
    }
    text_release(&c);
    text_release(&nd);
    if (rc < 0)
        return NULL;
    if (j.err != 0)
        return weftpy_raise_errno(j.err, fname);
    return PyLong_FromUnsignedLongLong(j.count);
}

/* ------------------------------------------------------------------ */
/* wc                                                                  */
/* ------------------------------------------------------------------ */

static PyTypeObject *wc_type;

static PyStructSequence_Field wc_fields[] = {
    {"lines", "number of newline bytes"},
    {"words", "number of words (runs of bytes other than C-locale space)"},
    {"bytes", "number of bytes"},
    {NULL, NULL},
};

static PyStructSequence_Desc wc_desc = {
    "weft.WcCounts",
    "wc(data) result: (lines, words, bytes), as LC_ALL=C wc counts them.",
    wc_fields,
    3,
};

typedef struct wc_job {
    const char *buf;
    size_t len;
    weft_wc_counts out;
    int err;
} wc_job;

static void wc_thunk(void *arg)
{
    wc_job *j = arg;
    j->err = weft_wc(j->buf, j->len, &j->out);
}

PyObject *weftpy_wc(weftpy_pool *pool, PyObject *data)
{
    text_arg t;
    int is_str;
    if (text_from_any(data, &t, &is_str, "wc") < 0)
        return NULL;
    wc_job j = {t.ptr, (size_t)t.len, {0, 0, 0}, 0};
    int rc = weftpy_pool_run(pool, wc_thunk, &j);
    text_release(&t);
    if (rc < 0)
        return NULL;
    if (j.err != 0)
        return weftpy_raise_errno(j.err, "wc");
    PyObject *r = PyStructSequence_New(wc_type);
    if (r == NULL)
        return NULL;
    uint64_t v[3] = {j.out.lines, j.out.words, j.out.bytes};
    for (int i = 0; i < 3; i++) {
        PyObject *x = PyLong_FromUnsignedLongLong(v[i]);
        if (x == NULL) {
            Py_DECREF(r);
            return NULL;
        }
        PyStructSequence_SET_ITEM(r, i, x);
    }
    return r;
}

/* ------------------------------------------------------------------ */
/* Typed buffers: par_sum, par_sort                                    */
/* ------------------------------------------------------------------ */

/* The weft_dtype of a buffer's elements, from its struct-module format
 * and item size.  Native ('@', or none) and standard ('=', and '<'/'>'
 * when that is this machine's order) formats are both accepted: the item
 * size settles the width either way. */
static int buffer_dtype(const Py_buffer *v, weft_dtype *out, const char *fn)
{
    const char *f = v->format != NULL ? v->format : "B";
    const char *code = f;
#if PY_LITTLE_ENDIAN
    if (*code == '@' || *code == '=' || *code == '<')
        code++;
#else
    if (*code == '@' || *code == '=' || *code == '>' || *code == '!')
        code++;
#endif
    if (code[0] != '\0' && code[1] == '\0') {
        Py_ssize_t size = v->itemsize;
        int found = 1;
        switch (code[0]) {
        case 'b':
        case 'h':
        case 'i':
        case 'l':
        case 'q':
        case 'n':
            *out = size == 1   ? WEFT_I8
                   : size == 2 ? WEFT_I16
                   : size == 4 ? WEFT_I32
                   : size == 8 ? WEFT_I64
                               : (found = 0, WEFT_I8);
            break;
        case 'B':
        case 'H':
        case 'I':
        case 'L':
        case 'Q':
        case 'N':
        case '?':
            *out = size == 1   ? WEFT_U8
                   : size == 2 ? WEFT_U16
                   : size == 4 ? WEFT_U32
                   : size == 8 ? WEFT_U64
                               : (found = 0, WEFT_U8);
            break;
        case 'f':
            *out = WEFT_F32;
            found = size == 4;
            break;
        case 'd':
            *out = WEFT_F64;
            found = size == 8;
            break;
        default:
            found = 0;
        }
        if (found)
            return 0;
    }
    PyErr_Format(PyExc_TypeError,
                 "%s(): unsupported buffer format '%s' (want integers of 8 "
                 "to 64 bits, float32 or float64 in native byte order)",
                 fn, f);
    return -1;
}

/* Get a C-contiguous typed view of obj. */
static int typed_buffer(PyObject *obj, Py_buffer *v, int writable,
                        const char *fn)
{
    if (!PyObject_CheckBuffer(obj)) {
        PyErr_Format(PyExc_TypeError,
                     "%s() argument must support the buffer protocol "
                     "(array.array, numpy array, ...), not '%.100s'",
                     fn, Py_TYPE(obj)->tp_name);
        return -1;
    }
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT;
    if (writable)
        flags |= PyBUF_WRITABLE;
    if (PyObject_GetBuffer(obj, v, flags) < 0) {
        if (!writable)
            return -1;
        /* Exporters refuse a writable view in their own way (BufferError,
         * numpy's ValueError); if a read-only view is fine, say so in the
         * usual way. */
        PyObject *t, *val, *tb;
        PyErr_Fetch(&t, &val, &tb);
        if (PyObject_GetBuffer(obj, v, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) ==
            0) {
            PyBuffer_Release(v);
            Py_XDECREF(t);
            Py_XDECREF(val);
            Py_XDECREF(tb);
            PyErr_Format(PyExc_TypeError,
                         "%s() needs a writable buffer, and '%.100s' is "
                         "read-only",
                         fn, Py_TYPE(obj)->tp_name);
        } else {
            PyErr_Clear();
            PyErr_Restore(t, val, tb);
        }
        return -1;
    }
    return 0;
}

typedef struct sum_job {
    const void *data;
    size_t n;
    weft_dtype type;
    weft_sum_result out;
    int err;
} sum_job;

static void sum_thunk(void *arg)
{
    sum_job *j = arg;
    j->err = weft_sum(j->data, j->n, j->type, &j->out);
}

/* hi:lo, a 128-bit two's-complement integer, as a Python int. */
static PyObject *long_from_128(int64_t hi, uint64_t lo)
{
    if (hi == 0)
        return PyLong_FromUnsignedLongLong(lo);
    if (hi == -1 && lo >= (uint64_t)1 << 63)
        return PyLong_FromLongLong((long long)(int64_t)lo);
    PyObject *h = PyLong_FromLongLong(hi);
    PyObject *shift = PyLong_FromLong(64);
    PyObject *l = PyLong_FromUnsignedLongLong(lo);
    PyObject *hs = h && shift ? PyNumber_Lshift(h, shift) : NULL;
    PyObject *r = hs && l ? PyNumber_Add(hs, l) : NULL;
    Py_XDECREF(h);
    Py_XDECREF(shift);
    Py_XDECREF(l);
    Py_XDECREF(hs);
    return r;
}

PyObject *weftpy_par_sum(weftpy_pool *pool, PyObject *buffer)
{
    Py_buffer v;
    if (typed_buffer(buffer, &v, 0, "par_sum") < 0)
        return NULL;
    sum_job j;
    memset(&j, 0, sizeof(j));
    if (buffer_dtype(&v, &j.type, "par_sum") < 0) {
        PyBuffer_Release(&v);
        return NULL;
    }
    j.data = v.buf;
    j.n = (size_t)(v.len / v.itemsize);
    int rc = weftpy_pool_run(pool, sum_thunk, &j);
    PyBuffer_Release(&v);
    if (rc < 0)
        return NULL;
    if (j.err != 0)
        return weftpy_raise_errno(j.err, "par_sum");
    if (j.out.is_float)
        return PyFloat_FromDouble(j.out.f);
    return long_from_128(j.out.hi, j.out.lo);
}

typedef struct sort_job {
    void *data;
    size_t n;
    weft_dtype type;
    int err;
} sort_job;

static void sort_thunk(void *arg)
{
    sort_job *j = arg;
    j->err = weft_sort_typed(j->data, j->n, j->type);
}

PyObject *weftpy_par_sort(weftpy_pool *pool, PyObject *buffer)
{
    Py_buffer v;
    if (typed_buffer(buffer, &v, 1, "par_sort") < 0)
        return NULL;
    sort_job j = {v.buf, 0, WEFT_U8, 0};
    if (v.ndim > 1) {
        PyErr_SetString(PyExc_ValueError,
                        "par_sort() sorts one-dimensional buffers only");
        PyBuffer_Release(&v);
        return NULL;
    }
    if (buffer_dtype(&v, &j.type, "par_sort") < 0) {
        PyBuffer_Release(&v);
        return NULL;
    }
    j.n = (size_t)(v.len / v.itemsize);
    int rc = weftpy_pool_run(pool, sort_thunk, &j);
    PyBuffer_Release(&v);
    if (rc < 0)
        return NULL;
    if (j.err != 0)
        return weftpy_raise_errno(j.err, "par_sort");
    Py_RETURN_NONE;
}

int weftpy_kernels_init(PyObject *module)
{
    wc_type = PyStructSequence_NewType(&wc_desc);
    if (wc_type == NULL)
        return -1;
    Py_INCREF(wc_type);
    if (PyModule_AddObject(module, "WcCounts", (PyObject *)wc_type) < 0) {
        Py_DECREF(wc_type);
        return -1;
    }
    return 0;
}
