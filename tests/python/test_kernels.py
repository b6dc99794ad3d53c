"""weft.wc, weft.par_sum and weft.par_sort over bytes and typed buffers."""

import array
import math
import random
import re
import shutil
import subprocess
import threading

import pytest

import weft
from conftest import scaled

try:
    import numpy
except ImportError:  # optional: the numpy tests skip without it
    numpy = None
needs_numpy = pytest.mark.skipif(numpy is None, reason="numpy is not installed")

INT_CODES = "bBhHiIlLqQ"
FLOAT_CODES = "fd"


def wc_reference(data):
    """LC_ALL=C wc (GNU coreutils 9): lines are b'\\n' bytes; a word is a run
    of printable ASCII between C-locale spaces, and the other bytes (control
    characters, bytes >= 0x80) neither start nor end a word."""
    words = re.sub(rb"[^\x21-\x7e \t\n\v\f\r]", b"", data).split()
    return (data.count(b"\n"), len(words), len(data))


# ---------------------------------------------------------------------------
# wc


@pytest.mark.parametrize("data", [
    b"", b"\n", b"word", b"two words\n", b"  leading and trailing  ",
    b"a\r\nb\r\n", b"no final newline", b"\x00\x01 \xff\xfe\n\n\n",
    b"tab\tvt\x0bff\x0ccr\r", "ünïcode wörds\u3000x\n".encode(),
])
def test_wc_small(data):
    assert tuple(weft.wc(data)) == wc_reference(data)


@pytest.mark.parametrize("seed", range(4))
def test_wc_random(seed):
    rng = random.Random(seed)
    data = bytes(rng.choice(b"ab \n\t\r\x0b\x0c\x00\x85\xa0")
                 for _ in range(scaled(300_000, 30_000)))
    counts = weft.wc(data)
    assert (counts.lines, counts.words, counts.bytes) == wc_reference(data)
    assert weft.wc(bytearray(data)) == counts
    assert weft.wc(memoryview(data)) == counts


def test_wc_str_counts_utf8():
    text = "héllo wörld\n日本 語\n"
    assert tuple(weft.wc(text)) == wc_reference(text.encode())


@pytest.mark.skipif(shutil.which("wc") is None, reason="no wc command")
def test_wc_matches_the_wc_command():
    rng = random.Random(3)
    data = bytes(rng.choice(b"xy \n\t\xc3\xa9") for _ in range(100_000))
    out = subprocess.run(["wc"], input=data, capture_output=True, check=True,
                         env={"LC_ALL": "C"}).stdout.split()
    assert tuple(weft.wc(data)) == tuple(int(x) for x in out)


def test_wc_result_type():
    r = weft.wc(b"a b\n")
    assert isinstance(r, weft.WcCounts) and isinstance(r, tuple)
    assert r == (1, 2, 4) and r.lines == 1 and r.words == 2 and r.bytes == 4


def test_wc_errors():
    with pytest.raises(TypeError):
        weft.wc(42)
    with pytest.raises(TypeError):
        weft.wc([b"a"])


# ---------------------------------------------------------------------------
# par_sum


def limits(code):
    size = array.array(code).itemsize * 8
    if code.isupper():
        return 0, 2**size - 1
    return -(2 ** (size - 1)), 2 ** (size - 1) - 1


@pytest.mark.parametrize("code", INT_CODES)
def test_par_sum_integers_exact(code):
    rng = random.Random(code)
    lo, hi = limits(code)
    for n in (0, 1, 7, 1000, scaled(200_000, 20_000)):
        a = array.array(code, (rng.randint(lo, hi) for _ in range(n)))
        assert weft.par_sum(a) == sum(a)
        assert type(weft.par_sum(a)) is int
    # Extremes: overflowing 64 bits must still be exact.
    for v in (lo, hi):
        a = array.array(code, [v] * 100_000)
        assert weft.par_sum(a) == v * 100_000


@pytest.mark.parametrize("code", FLOAT_CODES)
def test_par_sum_floats(code):
    rng = random.Random(5)
    for n in (0, 1, 1000, scaled(300_000, 30_000)):
        a = array.array(code, (rng.uniform(-1e6, 1e6) for _ in range(n)))
        got = weft.par_sum(a)
        assert type(got) is float
        assert math.isclose(got, math.fsum(a), rel_tol=1e-9, abs_tol=1e-6)
        # Deterministic: the same bits on every run.
        assert all(weft.par_sum(a) == got for _ in range(5))
        with weft.Pool(1) as one, weft.Pool(3) as three:
            assert one.par_sum(a) == got == three.par_sum(a)


def test_par_sum_other_buffers():
    assert weft.par_sum(b"\x01\x02\xff") == 258
    assert weft.par_sum(bytearray(range(256))) == sum(range(256))
    assert weft.par_sum(memoryview(array.array("i", [5, -6]))) == -1
    assert weft.par_sum(memoryview(b"\x01\x00\x00\x00\x02\x00\x00\x00").cast("i")) == 3
    two_d = memoryview(array.array("q", range(12))).cast("B").cast("q", (3, 4))
    assert weft.par_sum(two_d) == sum(range(12))  # all elements


def test_par_sum_errors():
    with pytest.raises(TypeError):
        weft.par_sum([1, 2, 3])
    with pytest.raises(TypeError):
        weft.par_sum("123")
    with pytest.raises(TypeError, match="format"):
        weft.par_sum(array.array("u", "abc"))
    with pytest.raises(TypeError, match="format"):
        weft.par_sum(memoryview(b"\x00" * 8).cast("c"))
    with pytest.raises(BufferError):
        weft.par_sum(memoryview(array.array("i", range(10)))[::2])


# ---------------------------------------------------------------------------
# par_sort


@pytest.mark.parametrize("code", INT_CODES + FLOAT_CODES)
def test_par_sort_matches_sorted(code):
    rng = random.Random(code)
    if code in FLOAT_CODES:
        def make():
            return rng.uniform(-1e9, 1e9)
    else:
        lo, hi = limits(code)

        def make():
            return rng.randint(lo, hi)
    for n in (0, 1, 2, 100, scaled(100_000, 10_000)):
        a = array.array(code, (make() for _ in range(n)))
        want = sorted(a)
        assert weft.par_sort(a) is None
        assert a.tolist() == want


def test_par_sort_float_total_order():
    nan = float("nan")
    a = array.array("d", [3.0, nan, -0.0, float("inf"), 0.0, -1.0, -float("inf"), nan])
    weft.par_sort(a)
    head = a.tolist()[:6]
    assert head == [-float("inf"), -1.0, -0.0, 0.0, 3.0, float("inf")]
    assert math.copysign(1, head[2]) == -1 and math.copysign(1, head[3]) == 1
    assert all(math.isnan(x) for x in a.tolist()[6:])


def test_par_sort_bytearray_and_memoryview():
    b = bytearray(b"weft sorts bytes")
    weft.par_sort(b)
    assert b == bytearray(sorted(b"weft sorts bytes"))
    a = array.array("i", [5, 3, 9, 1])
    weft.par_sort(memoryview(a))
    assert a.tolist() == [1, 3, 5, 9]


def test_par_sort_errors():
    with pytest.raises(TypeError, match="writable"):
        weft.par_sort(b"read-only")
    with pytest.raises(TypeError):
        weft.par_sort([3, 2, 1])
    with pytest.raises(ValueError, match="one-dimensional"):
        weft.par_sort(memoryview(bytearray(12)).cast("B", (3, 4)))
    with pytest.raises(TypeError, match="format"):
        weft.par_sort(array.array("u", "cba"))


# ---------------------------------------------------------------------------
# numpy


@needs_numpy
@pytest.mark.parametrize("dtype", ["int8", "uint16", "int32", "uint32", "int64",
                                   "uint64", "float32", "float64"])
def test_numpy(dtype):
    rng = numpy.random.default_rng(1)
    if dtype.startswith("float"):
        a = rng.standard_normal(100_000).astype(dtype)
        assert math.isclose(weft.par_sum(a), math.fsum(a.astype("float64")),
                            rel_tol=1e-9, abs_tol=1e-6)
    else:
        info = numpy.iinfo(dtype)
        a = rng.integers(info.min, info.max, size=100_000, dtype=dtype, endpoint=True)
        assert weft.par_sum(a) == sum(int(x) for x in a)
    want = numpy.sort(a)
    weft.par_sort(a)
    assert numpy.array_equal(a, want)


@needs_numpy
def test_numpy_errors():
    a = numpy.arange(10, dtype="int64")
    with pytest.raises((BufferError, ValueError)):  # numpy says ValueError
        weft.par_sum(a[::2])  # not contiguous
    a.flags.writeable = False
    with pytest.raises(TypeError, match="writable"):
        weft.par_sort(a)
    with pytest.raises(TypeError, match="format"):
        weft.par_sum(numpy.zeros(4, dtype="float16"))
    with pytest.raises(TypeError, match="format"):
        weft.par_sum(numpy.zeros(4, dtype=">i4"))


# ---------------------------------------------------------------------------
# Every entry point from a thread that has never called weft before


def in_fresh_thread(call):
    out = []
    t = threading.Thread(target=lambda: out.append(call()))
    t.start()
    t.join()
    assert len(out) == 1, "the call raised in its thread"
    return out[0]


def test_entry_points_from_fresh_threads():
    # libweft's TLS is first touched here by each thread (see weftpy.h:
    # glibc < 2.40 loses vector registers on that first access).
    import weft_ctypes
    data = b"a b a\n"
    for _ in range(3):
        assert in_fresh_thread(lambda: weft.search(data, b"a")) == 2
        assert in_fresh_thread(lambda: weft.search_sequential("a b a", "a")) == 2
        assert in_fresh_thread(lambda: tuple(weft.wc(data))) == (1, 3, 6)
        assert in_fresh_thread(lambda: weft.par_sum(array.array("q", [1, 2]))) == 3
        a = array.array("i", [3, 1, 2])
        in_fresh_thread(lambda: weft.par_sort(a))
        assert a.tolist() == [1, 2, 3]
        assert in_fresh_thread(lambda: weft.par_map(abs, [-1, -2])) == [1, 2]
        assert in_fresh_thread(lambda: weft.Pool(2).search(data, b"b")) == 1
        assert in_fresh_thread(lambda: weft_ctypes.search(data, b"a")) == 2
        assert in_fresh_thread(lambda: weft_ctypes.search_sequential(data, b"a")) == 2
        assert in_fresh_thread(lambda: weft_ctypes.wc(data)) == (1, 3, 6)
        assert in_fresh_thread(lambda: weft_ctypes.par_sum(array.array("q", [1, 2]))) == 3
        assert in_fresh_thread(lambda: weft_ctypes.par_map(abs, [-1, -2])) == [1, 2]
        assert in_fresh_thread(weft_ctypes.num_threads) >= 1
