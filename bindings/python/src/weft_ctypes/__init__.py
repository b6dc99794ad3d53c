"""weft_ctypes: weft's kernels and par_map from pure Python, over libweft.so.

For places without a compiler: nothing here is compiled.  The shared
library is looked up

1. at ``$WEFT_LIBRARY`` when that is set (and only there);
2. next to this module (``weft_ctypes/libweft.so``, as pip installs it);
3. on the system path (``ctypes.util.find_library("weft")``, then
   ``libweft.so.0``).

It is loaded with ``ctypes.CDLL``, which releases the GIL for every call
into it (``PyDLL`` would keep it, and weft's workers calling back into
Python would deadlock).  Inputs are passed without copies: buffers through
the buffer protocol and ``str`` through its cached UTF-8 form (via
``ctypes.pythonapi``; where that is missing, e.g. on PyPy, through a copy).

The answers and the errors are those of the ``weft`` extension where the
two overlap: ``search``, ``search_sequential``, ``wc``, ``par_sum``,
``par_sort``, ``par_map`` and ``num_threads``.  Differences:

* ``par_map`` with a Python function calls Python once per chunk (a ctypes
  callback from a native thread costs several microseconds: it makes a
  thread state each time), and the work runs on libweft.so's default pool,
  not on a pool of the extension's;
* ``par_map`` also takes a *native* callback -- a ctypes function pointer
  (``CFUNCTYPE``) or a raw C function address such as numba's
  ``cfunc(...).address`` -- with a float64 or int64 input buffer and an
  optional output buffer, and then runs entirely in C without the GIL.
"""

import array
import collections
import ctypes
import ctypes.util
import os
import struct
import sys
import threading

__all__ = [
    "WcCounts",
    "library_path",
    "num_threads",
    "par_map",
    "par_sort",
    "par_sum",
    "search",
    "search_sequential",
    "wc",
]

# ---------------------------------------------------------------------------
# Loading the library


def _load():
    env = os.environ.get("WEFT_LIBRARY")
    if env:
        return ctypes.CDLL(env), env
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "libweft.so")
    candidates = [here]
    found = ctypes.util.find_library("weft")
    if found:
        candidates.append(found)
    candidates.append("libweft.so.0")
    errors = []
    for path in candidates:
        try:
            return ctypes.CDLL(path), path
        except OSError as exc:
            errors.append(f"{path}: {exc}")
    raise OSError("weft_ctypes: cannot load libweft.so (set WEFT_LIBRARY to "
                  "its path); tried " + "; ".join(errors))


_lib, library_path = _load()

_size_t = ctypes.c_size_t
_vp = ctypes.c_void_p
_RANGE_FN = ctypes.CFUNCTYPE(None, _size_t, _size_t, _vp)


class _WcCountsC(ctypes.Structure):
    _fields_ = [("lines", ctypes.c_uint64), ("words", ctypes.c_uint64),
                ("bytes", ctypes.c_uint64)]


class _SumResultC(ctypes.Structure):
    _fields_ = [("is_float", ctypes.c_int), ("f", ctypes.c_double),
                ("lo", ctypes.c_uint64), ("hi", ctypes.c_int64)]


def _proto(name, restype, *argtypes):
    try:
        fn = getattr(_lib, name)
    except AttributeError:
        # A libweft without this kernel: fail when it is used, not on import.
        def missing(*args):
            raise NotImplementedError(f"{name} is missing from {library_path}")

        return missing
    fn.restype = restype
    fn.argtypes = argtypes
    return fn


_c_int = ctypes.c_int
_weft_current_thread_index = _proto("weft_current_thread_index", _c_int)


def _warm():
    """Call before a thread's first use of libweft (done before every use).

    libweft reads its thread-locals through TLS descriptors, and keeps
    values in vector registers across those reads; on a thread that first
    touches a dlopen()ed library's TLS, glibc before 2.40 takes a slow path
    that does not preserve vector registers (glibc bug 31372), so an
    argument could be lost.  A first access through an ordinary call makes
    the later ones take the fast path."""
    _weft_current_thread_index()


_weft_default_pool = _proto("weft_default_pool", _vp)
_weft_pool_num_threads = _proto("weft_pool_num_threads", ctypes.c_uint, _vp)
_weft_parallel_for = _proto("weft_parallel_for", None, _size_t, _size_t,
                            _size_t, _RANGE_FN, _vp)
_weft_search = _proto("weft_search", _c_int, _vp, _size_t, _vp, _size_t,
                      _c_int, ctypes.POINTER(ctypes.c_uint64))
_weft_search_sequential = _proto("weft_search_sequential", _c_int, _vp,
                                 _size_t, _vp, _size_t, _c_int,
                                 ctypes.POINTER(ctypes.c_uint64))
_weft_wc = _proto("weft_wc", _c_int, _vp, _size_t, ctypes.POINTER(_WcCountsC))
_weft_sum = _proto("weft_sum", _c_int, _vp, _size_t, _c_int,
                   ctypes.POINTER(_SumResultC))
_weft_sort_typed = _proto("weft_sort_typed", _c_int, _vp, _size_t, _c_int)
_weft_map_f64 = _proto("weft_map_f64", _c_int, _vp, _vp, _size_t, _vp)
_weft_map_i64 = _proto("weft_map_i64", _c_int, _vp, _vp, _size_t, _vp)

# enum weft_text and enum weft_dtype (weft/kernels.h)
_TEXT_BYTES, _TEXT_UTF8 = 0, 1
(_I8, _I16, _I32, _I64, _U8, _U16, _U32, _U64, _F32, _F64) = range(10)


def _check(err, what):
    if err == 0:
        return
    if err == 12:  # ENOMEM
        raise MemoryError()
    raise RuntimeError(f"{what}: {os.strerror(err)}")


# ---------------------------------------------------------------------------
# Zero-copy access to buffers and str (CPython's C API through pythonapi)

_PyBUF_SIMPLE = 0
_PyBUF_WRITABLE = 0x0001
_PyBUF_FORMAT = 0x0004
_PyBUF_C_CONTIGUOUS = 0x0020 | 0x0010 | 0x0008


class _Py_buffer(ctypes.Structure):
    _fields_ = [("buf", _vp), ("obj", _vp), ("len", ctypes.c_ssize_t),
                ("itemsize", ctypes.c_ssize_t), ("readonly", _c_int),
                ("ndim", _c_int), ("format", ctypes.c_char_p),
                ("shape", _vp), ("strides", _vp), ("suboffsets", _vp),
                ("internal", _vp)]


try:
    _api = ctypes.pythonapi
    _GetBuffer = _api.PyObject_GetBuffer
    _GetBuffer.restype = _c_int
    _GetBuffer.argtypes = [ctypes.py_object, ctypes.POINTER(_Py_buffer), _c_int]
    _ReleaseBuffer = _api.PyBuffer_Release
    _ReleaseBuffer.restype = None
    _ReleaseBuffer.argtypes = [ctypes.POINTER(_Py_buffer)]
    _AsUTF8AndSize = _api.PyUnicode_AsUTF8AndSize
    _AsUTF8AndSize.restype = _vp
    _AsUTF8AndSize.argtypes = [ctypes.py_object,
                               ctypes.POINTER(ctypes.c_ssize_t)]
except (AttributeError, OSError):  # not CPython: copies instead
    _api = None


class _View:
    """A buffer export of obj, released on exit: .ptr, .len, .itemsize,
    .format, .ndim.  Without pythonapi, a copy (read-only inputs only)."""

    __slots__ = ("_obj", "_flags", "_view", "_keep", "ptr", "len",
                 "itemsize", "format", "ndim")

    def __init__(self, obj, flags):
        self._obj = obj
        self._flags = flags
        self._view = None
        self._keep = None

    def __enter__(self):
        if _api is not None:
            view = _Py_buffer()
            _GetBuffer(self._obj, ctypes.byref(view), self._flags)
            self._view = view
            self.ptr = view.buf
            self.len = view.len
            self.itemsize = view.itemsize
            self.format = view.format.decode() if view.format else "B"
            self.ndim = view.ndim
            return self
        mv = memoryview(self._obj)
        if self._flags & _PyBUF_WRITABLE:
            if mv.readonly:
                raise BufferError("Object is not writable.")
            if not mv.c_contiguous:
                raise BufferError("buffer is not C-contiguous")
            keep = (ctypes.c_char * mv.nbytes).from_buffer(mv.cast("B"))
        else:
            keep = ctypes.create_string_buffer(mv.tobytes(), mv.nbytes)
        self._keep = (mv, keep)
        self.ptr = ctypes.addressof(keep)
        self.len = mv.nbytes
        self.itemsize = mv.itemsize
        self.format = mv.format
        self.ndim = mv.ndim
        return self

    def __exit__(self, *exc):
        if self._view is not None:
            _ReleaseBuffer(ctypes.byref(self._view))
            self._view = None
        if self._keep is not None:
            self._keep[0].release()
            self._keep = None
        return False


class _Text:
    """str (as UTF-8) or bytes-like contents: .ptr and .len."""

    def __init__(self, obj):
        self._obj = obj
        self._view = None

    def __enter__(self):
        obj = self._obj
        if isinstance(obj, str):
            if _api is not None:
                size = ctypes.c_ssize_t()
                try:
                    self.ptr = _AsUTF8AndSize(obj, ctypes.byref(size))
                    self.len = size.value
                    return self
                except UnicodeEncodeError:
                    pass
            # Lone surrogates (or no pythonapi): an encoded copy, with the
            # same words as the str (see the extension's kernels.c).
            self._copy = obj.encode("utf-8", "surrogatepass")
            self.ptr = ctypes.cast(ctypes.c_char_p(self._copy), _vp).value
            self.len = len(self._copy)
            return self
        self._view = _View(obj, _PyBUF_SIMPLE).__enter__()
        self.ptr = self._view.ptr
        self.len = self._view.len
        return self

    def __exit__(self, *exc):
        if self._view is not None:
            self._view.__exit__()
            self._view = None
        return False


def _is_buffer(obj):
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return True
    if isinstance(obj, str):
        return False
    try:
        memoryview(obj).release()
    except TypeError:
        return False
    except (ValueError, BufferError):
        pass  # an exporter that refuses for now (a closed mmap) is one still
    return True


def _text_kind(obj, fname):
    if isinstance(obj, str):
        return True
    if _is_buffer(obj):
        return False
    raise TypeError(f"{fname}() argument must be str or a bytes-like object, "
                    f"not '{type(obj).__name__}'")


# ---------------------------------------------------------------------------
# Kernels


# Bytes needles.  contents.split().count(needle) compares every word with
# the needle by ==, which for bytes-like objects is not a comparison of raw
# bytes (the extension's kernels.c does the same, in C):
#  - the words of bytearray contents are bytearrays, and bytearray.__eq__
#    compares raw bytes with anything that exports a contiguous buffer;
#  - the words of any other contents are bytes (memoryview and mmap have no
#    split(): they are taken as bytes(contents)), and bytes.__eq__ accepts
#    only bytes and bytearray; array.array, mmap, ctypes arrays compare
#    unequal to bytes;
#  - a memoryview that bytearray.__eq__ could not take, or any memoryview
#    against bytes, compares item by item, its items unpacked with struct:
#    memoryview(array('h', [97])) == b"a", memoryview(array('b', [-1])) !=
#    b"\xff", and a 'c' view (items are bytes, not ints) equals no bytes.
# So the needle comes down to the one byte string a word must hold, or none.


def _byte_value(value):
    """The byte b with value == b, or None (struct unpacks ints, bools,
    floats and bytes; only the first three can equal an int)."""
    if (isinstance(value, (int, float)) and 0 <= value <= 255
            and value == int(value)):
        return int(value)
    return None


def _items_word(view):
    """A one-dimensional memoryview's items as bytes, if each equals a
    byte, as memoryview.__eq__ compares them; else None."""
    try:
        unpacker = struct.Struct(view.format)
    except struct.error:  # memoryview.__eq__: not equal
        return None
    if unpacker.size > view.itemsize:  # fails there too: not equal
        return None
    raw = view.tobytes()
    word = bytearray()
    for i in range(view.shape[0]):
        try:
            values = unpacker.unpack_from(raw, i * view.itemsize)
        except struct.error:
            return None
        # A single value stands for itself; a tuple equals no int.
        byte = _byte_value(values[0]) if len(values) == 1 else None
        if byte is None:
            return None
        word.append(byte)
    return bytes(word)


def _needle_word(needle, bytearray_words):
    """The bytes a word must hold to equal needle, or None when no word
    can (see above)."""
    if isinstance(needle, (bytes, bytearray)):
        return needle
    if not bytearray_words and not isinstance(needle, memoryview):
        return None
    try:
        view = memoryview(needle)
    except Exception:  # noqa: BLE001 - as bytearray.__eq__: not equal
        return None  # (a released memoryview, a closed mmap...)
    with view:
        if bytearray_words and view.c_contiguous:
            return needle
        if not isinstance(needle, memoryview) or view.ndim != 1:
            return None
        if view.format in ("B", "@B"):
            return needle if view.c_contiguous else view.tobytes()
        return _items_word(view)


def _search(contents, needle, fn, fname):
    is_str = _text_kind(contents, fname)
    if isinstance(needle, str) != is_str or (not is_str and not _is_buffer(needle)):
        kind = "str" if is_str else "a bytes-like object"
        ckind = "str" if is_str else "bytes-like"
        raise TypeError(f"{fname}(): the needle must be {kind} when the "
                        f"contents are {ckind}, not '{type(needle).__name__}'")
    count = ctypes.c_uint64()
    _warm()
    with _Text(contents) as c:
        word = needle if is_str else _needle_word(
            needle, isinstance(contents, bytearray))
        if word is None:
            return 0
        with _Text(word) as n:
            err = fn(c.ptr, c.len, n.ptr, n.len,
                     _TEXT_UTF8 if is_str else _TEXT_BYTES,
                     ctypes.byref(count))
    _check(err, fname)
    return count.value


def search(contents, needle, /):
    """contents.split().count(needle), in parallel with the GIL released.

    contents: str (Unicode whitespace) or bytes-like (ASCII whitespace);
    needle: of the same kind, else TypeError.  Words equal the needle as
    == says: for bytes-like contents the words are bytes (bytearray for a
    bytearray), so a bytes or bytearray needle matches by its bytes, a
    memoryview item by item (memoryview(array('b', [-1])) is not b"\\xff"),
    and other buffers (array.array, mmap) match only bytearray words.
    """
    return _search(contents, needle, _weft_search, "search")


def search_sequential(contents, needle, /):
    """Like search, on the calling thread only (without the GIL)."""
    return _search(contents, needle, _weft_search_sequential,
                   "search_sequential")


WcCounts = collections.namedtuple("WcCounts", "lines words bytes")
WcCounts.__doc__ = "wc(data) result: (lines, words, bytes), as LC_ALL=C wc."


def wc(data, /):
    """WcCounts(lines, words, bytes) of data, as ``LC_ALL=C wc`` counts.

    data: bytes-like, or str (counted as its UTF-8 encoding).
    """
    _text_kind(data, "wc")
    out = _WcCountsC()
    _warm()
    with _Text(data) as t:
        err = _weft_wc(t.ptr, t.len, ctypes.byref(out))
    _check(err, "wc")
    return WcCounts(out.lines, out.words, out.bytes)


_SIGNED = "bhilqn"
_UNSIGNED = "BHILQN?"
_WIDTH_SIGNED = {1: _I8, 2: _I16, 4: _I32, 8: _I64}
_WIDTH_UNSIGNED = {1: _U8, 2: _U16, 4: _U32, 8: _U64}
_NATIVE_ORDER = "@=<" if sys.byteorder == "little" else "@=>!"


def _dtype(view, fname):
    code = view.format
    if code and code[0] in _NATIVE_ORDER:
        code = code[1:]
    dtype = None
    if len(code) == 1:
        if code in _SIGNED:
            dtype = _WIDTH_SIGNED.get(view.itemsize)
        elif code in _UNSIGNED:
            dtype = _WIDTH_UNSIGNED.get(view.itemsize)
        elif code == "f" and view.itemsize == 4:
            dtype = _F32
        elif code == "d" and view.itemsize == 8:
            dtype = _F64
    if dtype is None:
        raise TypeError(f"{fname}(): unsupported buffer format "
                        f"'{view.format}' (want integers of 8 to 64 bits, "
                        "float32 or float64 in native byte order)")
    return dtype


def _typed_view(obj, writable, fname):
    if isinstance(obj, str) or not _is_buffer(obj):
        raise TypeError(f"{fname}() argument must support the buffer protocol "
                        f"(array.array, numpy array, ...), not "
                        f"'{type(obj).__name__}'")
    flags = _PyBUF_C_CONTIGUOUS | _PyBUF_FORMAT
    if writable:
        with memoryview(obj) as mv:
            if mv.readonly:
                raise TypeError(f"{fname}() needs a writable buffer, and "
                                f"'{type(obj).__name__}' is read-only")
        flags |= _PyBUF_WRITABLE
    return _View(obj, flags)


def par_sum(buffer, /):
    """Sum of a C-contiguous buffer of numbers, in parallel (see weft.par_sum:
    exact int for integers; float summed in a fixed order for floats)."""
    out = _SumResultC()
    _warm()
    with _typed_view(buffer, False, "par_sum") as v:
        dtype = _dtype(v, "par_sum")
        err = _weft_sum(v.ptr, v.len // v.itemsize, dtype, ctypes.byref(out))
    _check(err, "par_sum")
    if out.is_float:
        return out.f
    return (out.hi << 64) + out.lo


def par_sort(buffer, /):
    """Sort a writable one-dimensional buffer of numbers in place, in
    parallel (see weft.par_sort); returns None."""
    _warm()
    with _typed_view(buffer, True, "par_sort") as v:
        if v.ndim > 1:
            raise ValueError("par_sort() sorts one-dimensional buffers only")
        dtype = _dtype(v, "par_sort")
        err = _weft_sort_typed(v.ptr, v.len // v.itemsize, dtype)
    _check(err, "par_sort")


def num_threads():
    """Worker threads of libweft.so's default pool."""
    _warm()
    return _weft_pool_num_threads(_weft_default_pool())


# ---------------------------------------------------------------------------
# par_map


def _chunksize(chunksize):
    if chunksize is None:
        return None
    if not isinstance(chunksize, int):
        raise TypeError("chunksize must be an int or None, not "
                        f"{type(chunksize).__name__}")
    if chunksize < 1:
        raise ValueError("chunksize must be at least 1")
    return chunksize


def _native_address(fn, restype, fname):
    """The C address of a native callback, checking its ctypes signature
    when it has one."""
    if isinstance(fn, int) and not isinstance(fn, bool):
        if fn == 0:
            raise ValueError(f"{fname}(): NULL function address")
        return fn
    if isinstance(fn, ctypes._CFuncPtr):
        if fn.restype is not restype or list(fn.argtypes or ()) != [restype]:
            raise TypeError(f"{fname}(): the native callback must take and "
                            f"return {restype.__name__} (set its restype and "
                            f"argtypes)")
        return ctypes.cast(fn, _vp).value
    raise TypeError(f"{fname}(): a native callback must be a ctypes function "
                    f"pointer or an int address, not '{type(fn).__name__}'")


def _python_backed(fn):
    """Is fn a ctypes callback made from a Python callable (CFUNCTYPE(...)
    (f))?  ctypes keeps the thunk that enters Python in _objects."""
    objs = getattr(fn, "_objects", None)
    return isinstance(objs, dict) and any(
        type(o).__name__ == "CThunkObject" for o in objs.values())


# ctypes cannot pass an exception out of a callback: it reports it through
# sys.unraisablehook ("Exception ignored on calling ctypes callback
# function") and the callback returns 0.  While native par_map calls with
# Python-backed callbacks run, a hook catches those reports for them, so
# the caller gets the exception instead of garbage results.  A report is
# given to every such call running at that moment (which one's callback
# raised cannot be told apart).
_cb_lock = threading.Lock()
_cb_calls = []  # one list per running call: the exceptions caught for it
_cb_prev_hook = None


def _callback_hook(unraisable):
    if unraisable.err_msg.startswith("Exception ignored on calling ctypes "
                                     "callback function"):
        with _cb_lock:
            for caught in _cb_calls:
                caught.append(unraisable.exc_value)
            handled = bool(_cb_calls)
        if handled:
            return
    (_cb_prev_hook or sys.__unraisablehook__)(unraisable)


class _CatchCallbackErrors:
    def __enter__(self):
        global _cb_prev_hook
        self.caught = []
        with _cb_lock:
            if not _cb_calls:
                _cb_prev_hook = sys.unraisablehook
                sys.unraisablehook = _callback_hook
            _cb_calls.append(self.caught)
        return self.caught

    def __exit__(self, *exc):
        with _cb_lock:
            _cb_calls.remove(self.caught)
            if not _cb_calls and sys.unraisablehook is _callback_hook:
                sys.unraisablehook = _cb_prev_hook
        return False


def _par_map_native(fn, data, out):
    if _python_backed(fn):
        with _CatchCallbackErrors() as caught:
            result = _par_map_native_call(fn, data, out)
        if caught:
            raise caught[0]
        return result
    return _par_map_native_call(fn, data, out)


def _par_map_native_call(fn, data, out):
    _warm()
    with _typed_view(data, False, "par_map") as vin:
        dtype = _dtype(vin, "par_map")
        if dtype == _F64:
            typecode, ctype, kernel = "d", ctypes.c_double, _weft_map_f64
        elif dtype == _I64:
            typecode, ctype, kernel = "q", ctypes.c_int64, _weft_map_i64
        else:
            raise TypeError("par_map(): a native callback needs a float64 or "
                            "int64 input buffer, not format "
                            f"'{vin.format}'")
        address = _native_address(fn, ctype, "par_map")
        n = vin.len // vin.itemsize
        if out is None:
            out = array.array(typecode, bytes(n * 8))
        with _typed_view(out, True, "par_map") as vout:
            if _dtype(vout, "par_map") != dtype or vout.len != vin.len:
                raise ValueError("par_map(): out must have the input's type "
                                 f"and length ({n} x {typecode})")
            err = kernel(vin.ptr, vout.ptr, n, address)
    _check(err, "par_map")
    return out


class _MapState:
    __slots__ = ("fn", "items", "results", "size", "cancel", "error", "lock")

    def __init__(self, fn, items, size):
        self.fn = fn
        self.items = items
        self.results = [None] * len(items)
        self.size = size
        self.cancel = False
        self.error = None
        self.lock = threading.Lock()


def _body_function(state):
    """The Python side of the weft_parallel_for body over chunks [lo, hi)."""

    def body(lo, hi, _arg):
        # One Python call per piece of chunks; the items one by one.
        if state.cancel:
            return
        fn, items, results = state.fn, state.items, state.results
        end = min(hi * state.size, len(items))
        try:
            for i in range(lo * state.size, end):
                if state.cancel:
                    return
                results[i] = fn(items[i])
        except BaseException as exc:  # noqa: B902 - re-raised by the caller
            with state.lock:
                if state.error is None:
                    state.error = exc
            state.cancel = True

    return body


def par_map(fn, iterable, /, *, chunksize=None, out=None):
    """list(map(fn, iterable)) on libweft.so's workers.

    With a Python callable: the same answers and errors as weft.par_map
    (Ctrl-C stops the rest).  Once a call raises, chunks not yet started
    are skipped, and the exception re-raised (with its traceback) is the
    one raised first in time -- not necessarily that of the lowest index,
    as map() would raise: items run concurrently, so when several fail,
    which one is reported depends on timing, and items before it may never
    have run.

    With a native callback -- a ctypes function pointer taking and
    returning c_double or c_int64, or a raw C function address (then
    ``out`` must be given) -- ``iterable`` is a float64 or int64 buffer and
    the results go to ``out`` (a writable buffer of the same type and
    length, or a new array.array), which is returned; the loop runs in C,
    in parallel, without the GIL.  ``chunksize`` is checked as for a
    Python callable (an int >= 1, or None), but the C loop sizes its own
    chunks.  A ctypes callback made from a Python function works too (each
    call takes the GIL); if it raises, the exception is raised here once
    the loop is done.
    """
    # Checked first, for every kind of fn, as weft.par_map does.
    size = _chunksize(chunksize)
    native = out is not None or (isinstance(fn, ctypes._CFuncPtr)
                                 and not isinstance(iterable, str)
                                 and _is_buffer(iterable))
    if native:
        return _par_map_native(fn, iterable, out)
    if not callable(fn):
        raise TypeError(f"'{type(fn).__name__}' object is not callable")
    items = iterable if isinstance(iterable, tuple) else list(iterable)
    n = len(items)
    if n == 0:
        return []
    if size is None:
        # Fixed chunks, about 8 per thread; weft_parallel_for spreads runs
        # of them, so Python is entered a few times per thread.
        _warm()
        threads = _weft_pool_num_threads(_weft_default_pool()) or 1
        size = max(1, -(-n // (8 * threads)))
    size = min(size, n)
    state = _MapState(fn, items, size)
    body = _RANGE_FN(_body_function(state))
    chunks = -(-n // size)

    if threading.current_thread() is threading.main_thread():
        # The main thread gets Ctrl-C: wait on an Event (interruptible)
        # while a helper thread sits in the blocking C call.
        done = threading.Event()

        def run():
            try:
                _warm()
                _weft_parallel_for(0, chunks, 1, body, None)
            finally:
                done.set()

        # Not a daemon: interpreter exit waits for it, so no callback
        # enters Python while the interpreter finalizes.
        helper = threading.Thread(target=run, name="weft_ctypes-par_map")
        try:
            # start() waits too: Ctrl-C may land there, with the work begun.
            helper.start()
            while not done.wait(0.05):
                pass
        except BaseException:
            state.cancel = True  # the helper keeps `body` alive until done
            raise
        helper.join()
    else:
        _warm()
        _weft_parallel_for(0, chunks, 1, body, None)
    if state.error is not None:
        error = state.error
        state.error = None
        raise error
    return state.results
