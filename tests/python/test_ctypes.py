"""weft_ctypes: the same answers and errors as the extension, native
callbacks, and how it finds libweft.so."""

import array
import ctypes
import ctypes.util
import math
import mmap
import os
import random
import shutil
import tempfile
import traceback

import pytest

import weft
import weft_ctypes
from conftest import run_python

try:
    import numba
except ImportError:  # optional
    numba = None

libm = ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6")
libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")


def c_function(lib, name, restype, *argtypes):
    fn = getattr(lib, name)
    fn.restype = restype
    fn.argtypes = list(argtypes)
    return fn


cos = c_function(libm, "cos", ctypes.c_double, ctypes.c_double)
llabs = c_function(libc, "llabs", ctypes.c_int64, ctypes.c_int64)


# ---------------------------------------------------------------------------
# Loading


def test_library_found_next_to_the_module_or_given():
    path = weft_ctypes.library_path
    if os.environ.get("WEFT_LIBRARY"):
        assert path == os.environ["WEFT_LIBRARY"]
    else:
        here = os.path.dirname(weft_ctypes.__file__)
        assert path == os.path.join(here, "libweft.so")
    assert weft_ctypes.num_threads() >= 1


def test_weft_library_variable(tmp_path):
    copy = tmp_path / "libweft-copy.so"
    shutil.copy(weft_ctypes.library_path, copy)
    proc = run_python("import weft_ctypes; print(weft_ctypes.library_path)",
                      env={"WEFT_LIBRARY": str(copy)})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(copy)
    proc = run_python("import weft_ctypes", env={"WEFT_LIBRARY": str(tmp_path / "nope.so")})
    assert proc.returncode != 0 and "OSError" in proc.stderr


def test_weft_num_threads_is_honoured():
    proc = run_python("import weft_ctypes; print(weft_ctypes.num_threads())",
                      env={"WEFT_NUM_THREADS": "3"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "3"


# ---------------------------------------------------------------------------
# par_map with Python functions


@pytest.mark.parametrize("chunksize", [None, 1, 3, 1000, 10**12])
@pytest.mark.parametrize("data", [[], [5], list(range(-500, 500)), range(20_000),
                                  (i * 7 % 11 for i in range(300)), "text"])
def test_par_map_matches(data, chunksize):
    data = list(data)
    fn = repr if data and isinstance(data[0], str) else abs
    want = list(map(fn, data))
    assert weft_ctypes.par_map(fn, data, chunksize=chunksize) == want
    assert weft.par_map(fn, data, chunksize=chunksize) == want


def raise_on_3(x):
    if x == 3:
        raise LookupError(f"item {x}")
    return x


@pytest.mark.parametrize("call", [
    lambda m: m.par_map(5, [1]),
    lambda m: m.par_map(abs, 5),
    lambda m: m.par_map(abs, [1], chunksize=0),
    lambda m: m.par_map(abs, [1], chunksize="2"),
    lambda m: m.par_map(raise_on_3, range(10)),
    lambda m: m.par_map(raise_on_3, range(10), chunksize=1),
    lambda m: m.par_map(5, [1], chunksize=0),  # chunksize is checked first
    lambda m: m.par_map(fn=abs, iterable=[1]),
])
def test_same_errors(call):
    with pytest.raises(Exception) as ext:
        call(weft)
    with pytest.raises(Exception) as pure:
        call(weft_ctypes)
    assert type(ext.value) is type(pure.value)
    assert str(ext.value) == str(pure.value) or type(ext.value) is TypeError


@pytest.mark.parametrize("call", [
    lambda m: m.par_map(fn=abs, iterable=[1]),
    lambda m: m.par_map(abs, iterable=[1]),
    lambda m: m.par_map(abs, iterable=[1], chunksize=2),
    lambda m: m.search(contents=b"a b", needle=b"a"),
    lambda m: m.search(b"a b", needle=b"a"),
    lambda m: m.search_sequential(contents="a b", needle="a"),
    lambda m: m.search_sequential("a b", needle="a"),
    lambda m: m.wc(data=b"a"),
    lambda m: m.par_sum(buffer=array.array("q", [1])),
    lambda m: m.par_sort(buffer=array.array("q", [1])),
])
def test_positional_only_in_both(call):
    # The same conventions as the builtins (map(fn, iterable, /)): these
    # arguments cannot be given by keyword, in either binding.
    with pytest.raises(TypeError):
        call(weft)
    with pytest.raises(TypeError):
        call(weft_ctypes)


@pytest.mark.parametrize("module", [weft, weft_ctypes], ids=lambda m: m.__name__)
def test_only_failing_item_is_the_one_raised(module):
    # The documented rule (the first exception raised in time is
    # re-raised) made deterministic: a single item fails.
    for chunksize in (None, 1, 7):
        with pytest.raises(LookupError, match="item 3$"):
            module.par_map(raise_on_3, range(500), chunksize=chunksize)
    assert "first in time" in module.par_map.__doc__


def test_exception_traceback():
    with pytest.raises(LookupError) as info:
        weft_ctypes.par_map(raise_on_3, range(100))
    names = [f.name for f in traceback.extract_tb(info.value.__traceback__)]
    assert "raise_on_3" in names


def test_nested():
    got = weft_ctypes.par_map(lambda x: weft_ctypes.par_map(abs, range(-x, 0)), range(30))
    assert got == [list(range(x, 0, -1)) for x in range(30)]


def test_nested_across_bindings():
    # One runtime: weft_ctypes inside weft.par_map runs its chunks on the
    # weft pool's workers (their thread states serve the ctypes callbacks),
    # and weft inside weft_ctypes runs on the weft pool from a C worker.
    want = [list(range(x, 0, -1)) for x in range(40)]
    assert weft.par_map(lambda x: weft_ctypes.par_map(abs, range(-x, 0)), range(40)) == want
    assert weft_ctypes.par_map(lambda x: weft.par_map(abs, range(-x, 0)), range(40)) == want
    assert weft_ctypes.par_map(lambda x: weft.search(b"a " * x, b"a"), range(40)) == \
        list(range(40))


def test_calls_python_once_per_chunk_not_per_item(monkeypatch):
    # Count the entries from C into Python (each costs a thread state).
    entries = []
    make = weft_ctypes._body_function

    def counting(state):
        body = make(state)

        def counted(lo, hi, arg):
            entries.append(hi - lo)
            return body(lo, hi, arg)

        return counted

    monkeypatch.setattr(weft_ctypes, "_body_function", counting)
    assert weft_ctypes.par_map(abs, range(-100_000, 0)) == list(range(100_000, 0, -1))
    assert 1 <= len(entries) <= 16 * weft_ctypes.num_threads()
    entries.clear()
    weft_ctypes.par_map(abs, range(10_000), chunksize=100)
    assert sum(entries) == 100 and len(entries) < 100


# ---------------------------------------------------------------------------
# par_map with native callbacks


def test_native_ctypes_pointer_f64():
    data = array.array("d", [x / 10 for x in range(10_000)])
    out = weft_ctypes.par_map(cos, data)
    assert isinstance(out, array.array) and out.typecode == "d"
    assert out.tolist() == [math.cos(x) for x in data]


def test_native_i64_with_out_buffer():
    data = array.array("q", range(-5000, 5000))
    out = array.array("q", bytes(8 * len(data)))
    assert weft_ctypes.par_map(llabs, data, out=out) is out
    assert out.tolist() == [abs(x) for x in data]


def test_native_raw_address():
    address = ctypes.cast(cos, ctypes.c_void_p).value
    data = array.array("d", [0.0, 1.0, 2.0])
    out = array.array("d", [0.0] * 3)
    weft_ctypes.par_map(address, data, out=out)
    assert out.tolist() == [math.cos(x) for x in data]


def test_native_python_cfunctype():
    # A CFUNCTYPE around a Python function works (each call takes the GIL).
    square = ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_double)(lambda x: x * x)
    data = array.array("d", range(200))
    assert weft_ctypes.par_map(square, data).tolist() == [x * x for x in data]


def test_native_errors():
    data = array.array("d", [1.0, 2.0])
    with pytest.raises(TypeError, match="c_double"):
        weft_ctypes.par_map(llabs, data)  # int64 callback, float64 data
    with pytest.raises(TypeError, match="float64 or int64"):
        weft_ctypes.par_map(cos, array.array("f", [1.0]))
    with pytest.raises(ValueError, match="length"):
        weft_ctypes.par_map(cos, data, out=array.array("d", [0.0]))
    with pytest.raises(TypeError, match="writable"):
        weft_ctypes.par_map(cos, data, out=bytes(16))
    with pytest.raises(TypeError, match="native callback"):
        weft_ctypes.par_map("cos", data, out=array.array("d", [0.0, 0.0]))
    untyped = libm.sin  # restype defaults to int: refused
    with pytest.raises(TypeError, match="restype"):
        weft_ctypes.par_map(untyped, data)
    # An int without out= is not a callback: not callable, as in weft.
    with pytest.raises(TypeError, match="not callable"):
        weft_ctypes.par_map(ctypes.cast(cos, ctypes.c_void_p).value, [1.0])


@pytest.mark.parametrize("bad,error", [
    (0, ValueError), (-1, ValueError), (-(10**30), ValueError),
    ("2", TypeError), (2.5, TypeError), ([1], TypeError),
])
def test_native_callback_checks_chunksize(bad, error):
    # chunksize is checked as on the Python path and by weft.par_map, even
    # though the C loop chooses its own chunks.
    data = array.array("d", [1.0, 2.0])
    with pytest.raises(error) as native:
        weft_ctypes.par_map(cos, data, chunksize=bad)
    with pytest.raises(error):
        weft_ctypes.par_map(cos, data, chunksize=bad, out=array.array("d", [0.0, 0.0]))
    with pytest.raises(error):
        weft_ctypes.par_map(ctypes.cast(cos, ctypes.c_void_p).value, data,
                            chunksize=bad, out=array.array("d", [0.0, 0.0]))
    with pytest.raises(error) as python:
        weft_ctypes.par_map(abs, [1.0, 2.0], chunksize=bad)
    with pytest.raises(error) as ext:
        weft.par_map(abs, [1.0, 2.0], chunksize=bad)
    assert str(native.value) == str(python.value) == str(ext.value)


@pytest.mark.parametrize("chunksize", [None, 1, 3, 10**12])
def test_native_callback_valid_chunksize(chunksize):
    data = array.array("d", [x / 7 for x in range(100)])
    assert weft_ctypes.par_map(cos, data, chunksize=chunksize).tolist() == \
        [math.cos(x) for x in data]


@pytest.mark.skipif(numba is None, reason="numba is not installed")
def test_numba_cfunc():
    @numba.cfunc("float64(float64)")
    def twice(x):
        return 2.0 * x

    data = array.array("d", range(1000))
    out = array.array("d", bytes(8000))
    weft_ctypes.par_map(twice.address, data, out=out)
    assert out.tolist() == [2.0 * x for x in data]
    assert weft_ctypes.par_map(twice.ctypes, data).tolist() == out.tolist()


# ---------------------------------------------------------------------------
# Kernels: the same answers and errors as the extension


@pytest.mark.parametrize("seed", range(4))
def test_search_parity(seed):
    rng = random.Random(seed)
    words = ["a", "bb", "ü", "\u3000", " ", "\n", "\x85", "\ud800", "x\x1cy"]
    text = "".join(rng.choice(words) for _ in range(30_000))
    for needle in ["a", "bb", "ü", "x", "\ud800", ""]:
        want = text.split().count(needle)
        assert weft_ctypes.search(text, needle) == want == weft.search(text, needle)
        assert weft_ctypes.search_sequential(text, needle) == want
    data = text.encode("utf-8", "surrogatepass")
    for needle in [b"a", b"bb", "ü".encode()]:
        want = data.split().count(needle)
        for contents in (data, bytearray(data), memoryview(data)):
            assert weft_ctypes.search(contents, needle) == want
            assert weft_ctypes.search_sequential(contents, bytearray(needle)) == want


def test_search_mmap():
    with tempfile.TemporaryFile() as f:
        f.write(b"x y x\n" * 1000)
        f.flush()
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
            assert weft_ctypes.search(m, b"x") == 2000 == weft.search(m, b"x")


@pytest.mark.parametrize("call", [
    lambda m: m.search(b"a", "a"),
    lambda m: m.search("a", b"a"),
    lambda m: m.search(5, "a"),
    lambda m: m.search_sequential(b"a", 5),
    lambda m: m.wc(5),
    lambda m: m.par_sum([1, 2]),
    lambda m: m.par_sum(array.array("u", "x")),
    lambda m: m.par_sort(b"ro"),
    lambda m: m.par_sort(memoryview(bytearray(4)).cast("B", (2, 2))),
])
def test_kernel_errors_match(call):
    with pytest.raises(Exception) as ext:
        call(weft)
    with pytest.raises(Exception) as pure:
        call(weft_ctypes)
    assert type(ext.value) is type(pure.value)
    assert str(ext.value) == str(pure.value)


def test_wc_sum_sort_parity():
    rng = random.Random(9)
    data = bytes(rng.choice(b"ab \n\t\x00\xe9") for _ in range(100_000))
    assert weft_ctypes.wc(data) == tuple(weft.wc(data))
    assert weft_ctypes.wc(data.decode("latin-1")) == tuple(weft.wc(data.decode("latin-1")))
    for code in "bBhHiIlLqQfd":
        if code in "fd":
            a = array.array(code, (rng.uniform(-1e3, 1e3) for _ in range(50_000)))
        else:
            size = array.array(code).itemsize * 8
            if code.isupper():
                lo, hi = 0, 2**size - 1
            else:
                lo, hi = -(2 ** (size - 1)), 2 ** (size - 1) - 1
            a = array.array(code, (rng.randint(lo, hi) for _ in range(50_000)))
        assert weft_ctypes.par_sum(a) == weft.par_sum(a)
        b = array.array(code, a)
        weft_ctypes.par_sort(a)
        weft.par_sort(b)
        assert a == b
