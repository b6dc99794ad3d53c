"""Bad input to the Python entry points: what the weft extension and
weft_ctypes do with it.

Each test backs rows of the "CPython extension (weft)" and "ctypes module
(weft_ctypes)" tables of docs/reliability.md: the exception type and the
message fragment are asserted exactly, and so is "nothing lost" (the
data of a refused call unchanged, the answer of an accepted odd input
equal to Python's own, or to GNU wc).  Tests parametrized with ``mod``
run once per module with the same expectations: weft_ctypes must raise
the same exception types as the extension.  A known bug is a strict
xfail with the reason.
"""

import array
import ctypes
import os
import shutil
import subprocess
import sys
import traceback

import pytest

import weft
import weft_ctypes
from conftest import run_python, scaled

MODS = [pytest.param(weft, id="weft"), pytest.param(weft_ctypes, id="weft_ctypes")]

try:
    import numpy
except ImportError:  # optional
    numpy = None

needs_numpy = pytest.mark.skipif(numpy is None, reason="numpy is not installed")


class Boom(Exception):
    pass


def raises(exc_type, fragment, fn, *args, **kwargs):
    """fn(*args, **kwargs) raises exc_type (exactly, not a subclass) with
    fragment in its message; returns the exception."""
    with pytest.raises(BaseException) as info:
        fn(*args, **kwargs)
    assert type(info.value) is exc_type, (type(info.value), info.value)
    assert fragment in str(info.value), str(info.value)
    return info.value


def calls_of(log):
    def fn(x):
        log.append(x)
        return x
    return fn


# ---------------------------------------------------------------------------
# par_map


@pytest.mark.parametrize("mod", MODS)
@pytest.mark.parametrize("fn,name", [(5, "int"), (None, "NoneType"),
                                     ("abs", "str"), ([abs], "list")])
def test_par_map_not_callable(mod, fn, name):
    raises(TypeError, f"'{name}' object is not callable", mod.par_map, fn,
           [1, 2])


@pytest.mark.parametrize("mod", MODS)
@pytest.mark.parametrize("it,name", [(5, "int"), (None, "NoneType"),
                                     (1.5, "float")])
def test_par_map_not_iterable(mod, it, name):
    log = []
    raises(TypeError, f"'{name}' object is not iterable", mod.par_map,
           calls_of(log), it)
    assert log == []


@pytest.mark.parametrize("mod", MODS)
def test_par_map_fn_raises(mod):
    """The very exception object fn raised, with fn's frame in its
    traceback; the pool is usable afterwards."""
    raised = []

    def fn(x):
        if x == 37:
            exc = Boom("item 37")
            raised.append(exc)
            raise exc
        return x

    exc = raises(Boom, "item 37", mod.par_map, fn, range(100), chunksize=7)
    assert raised == [exc] and exc is raised[0]
    frames = traceback.extract_tb(exc.__traceback__)
    assert frames[-1].name == "fn" and "raise exc" in frames[-1].line
    assert mod.par_map(abs, range(-50, 0)) == list(range(50, 0, -1))


@pytest.mark.parametrize("mod", MODS)
@pytest.mark.parametrize("exc_type", [SystemExit, KeyboardInterrupt,
                                      GeneratorExit])
def test_par_map_fn_raises_base_exception(mod, exc_type):
    def fn(x):
        if x == 3:
            raise exc_type("stop at 3")
        return x

    raises(exc_type, "stop at 3", mod.par_map, fn, range(10))
    assert mod.par_map(abs, [-1, -2]) == [1, 2]


@pytest.mark.parametrize("mod", MODS)
def test_par_map_every_call_raises(mod):
    """One exception comes out (one of the items'), never a mix."""
    def fn(x):
        raise ValueError(x)

    exc = raises(ValueError, "", mod.par_map, fn, range(200), chunksize=1)
    assert exc.args[0] in range(200)
    assert mod.par_map(abs, [-3]) == [3]


@pytest.mark.parametrize("mod", MODS)
def test_par_map_iterable_raises(mod):
    """An iterable that raises: its exception, and fn is never called."""
    def items():
        yield 1
        yield 2
        raise Boom("from the iterable")

    log = []
    raises(Boom, "from the iterable", mod.par_map, calls_of(log), items())
    assert log == []


@pytest.mark.parametrize("mod", MODS)
def test_par_map_absurdly_large_iterable(mod):
    log = []
    # 2**62 items: refused before any allocation (a sanitizer's malloc
    # would abort on an attempt).
    raises(MemoryError, "", mod.par_map, calls_of(log), range(2**62))
    raises(OverflowError, "Python int too large to convert to C ssize_t",
           mod.par_map, calls_of(log), range(2**64))
    assert log == []


@pytest.mark.parametrize("mod", MODS)
def test_par_map_empty(mod):
    log = []
    for empty in ([], (), range(0), iter([]), "", {}):
        assert mod.par_map(calls_of(log), empty) == []
    assert log == []


@pytest.mark.parametrize("mod", MODS)
@pytest.mark.parametrize("bad", [0, -1, -10**30])
def test_par_map_chunksize_too_small(mod, bad):
    log = []
    raises(ValueError, "chunksize must be at least 1", mod.par_map,
           calls_of(log), [1, 2], chunksize=bad)
    assert log == []


@pytest.mark.parametrize("mod", MODS)
@pytest.mark.parametrize("huge", [10**30, 2**63, sys.maxsize])
def test_par_map_chunksize_huge(mod, huge):
    data = list(range(-500, 500))
    assert mod.par_map(abs, data, chunksize=huge) == list(map(abs, data))


@pytest.mark.parametrize("mod", MODS)
@pytest.mark.parametrize("bad,name", [(1.5, "float"), (2.0, "float"),
                                      ("2", "str"), ([1], "list")])
def test_par_map_chunksize_wrong_type(mod, bad, name):
    raises(TypeError, f"chunksize must be an int or None, not {name}",
           mod.par_map, abs, [1, 2], chunksize=bad)


@pytest.mark.parametrize("mod", MODS)
def test_par_map_chunksize_bool_is_an_int(mod):
    assert mod.par_map(abs, [-1, -2, -3], chunksize=True) == [1, 2, 3]


@pytest.mark.parametrize("mod", MODS)
def test_par_map_chunksize_positional(mod):
    raises(TypeError, "positional argument", mod.par_map, abs, [1], 2)


class IterOverridden(list):
    """A list whose iteration is not its storage."""

    def __iter__(self):
        return iter([10, -20])


@pytest.mark.parametrize("mod", MODS)
def test_par_map_list_subclass_with_own_iter(mod):
    data = IterOverridden([1, 2, 3])
    assert mod.par_map(abs, data) == list(map(abs, data)) == [10, 20]


# ---------------------------------------------------------------------------
# search, search_sequential

SEARCHES = ["search", "search_sequential"]


@pytest.mark.parametrize("mod", MODS)
@pytest.mark.parametrize("fname", SEARCHES)
@pytest.mark.parametrize("contents,needle,msg", [
    ("a b a", b"a", "the needle must be str when the contents are str, not "
     "'bytes'"),
    ("a b a", bytearray(b"a"), "the needle must be str when the contents are "
     "str, not 'bytearray'"),
    (b"a b a", "a", "the needle must be a bytes-like object when the contents "
     "are bytes-like, not 'str'"),
    (bytearray(b"a b"), "a", "the needle must be a bytes-like object when the "
     "contents are bytes-like, not 'str'"),
    ("a b", None, "the needle must be str when the contents are str, not "
     "'NoneType'"),
    (b"a b", 5, "the needle must be a bytes-like object when the contents are "
     "bytes-like, not 'int'"),
])
def test_search_needle_of_the_wrong_kind(mod, fname, contents, needle, msg):
    raises(TypeError, f"{fname}(): {msg}", getattr(mod, fname), contents,
           needle)


@pytest.mark.parametrize("mod", MODS)
@pytest.mark.parametrize("fname", SEARCHES)
@pytest.mark.parametrize("contents,name", [(5, "int"), (None, "NoneType"),
                                           ([b"a"], "list"), (1.5, "float")])
def test_search_contents_of_the_wrong_type(mod, fname, contents, name):
    raises(TypeError, f"{fname}() argument must be str or a bytes-like "
           f"object, not '{name}'", getattr(mod, fname), contents, "a")


@pytest.mark.parametrize("mod", MODS)
@pytest.mark.parametrize("fname", SEARCHES)
def test_search_wrong_number_of_arguments(mod, fname):
    fn = getattr(mod, fname)
    with pytest.raises(TypeError):
        fn("a b")
    with pytest.raises(TypeError):
        fn("a b", "a", "a")


@pytest.mark.parametrize("mod", MODS)
@pytest.mark.parametrize("fname", SEARCHES)
@pytest.mark.parametrize("contents,needle", [
    ("a \ud800 b \ud800", "\ud800"),
    ("\udfff\ud800 \ud800\udfff x", "\ud800\udfff"),
    ("\udcff a\udcff a \udcff", "a"),
    ("\ud800\u3000\ud800 \ud800", "\ud800"),
    ("x \ud800", "x"),
])
def test_search_lone_surrogates(mod, fname, contents, needle):
    """A str with lone surrogates (not valid UTF-8): the same count as
    str.split().count."""
    assert getattr(mod, fname)(contents, needle) == \
        contents.split().count(needle)


@pytest.mark.parametrize("mod", MODS)
@pytest.mark.parametrize("fname", SEARCHES)
@pytest.mark.parametrize("contents,needle", [
    (b"\xff a \xff \xc3 \xe2\x80 \xff\xfe", b"\xff"),
    (b"\xe2\x80 \xe2\x80\x80 \xe2\x80", b"\xe2\x80"),
    (b"a\0b a\0b a \0", b"a\0b"),
    (b"a\0b a\0b a \0", b"\0"),
    (b"\0\0\0", b"\0\0\0"),
])
def test_search_invalid_utf8_and_nul_bytes(mod, fname, contents, needle):
    assert getattr(mod, fname)(contents, needle) == \
        contents.split().count(needle)
    text = contents.decode("utf-8", "surrogateescape")
    if "\0" in text:  # NUL in a str is a word character too
        assert getattr(mod, fname)(text, needle.decode()) == \
            text.split().count(needle.decode())


@pytest.mark.parametrize("mod", MODS)
@pytest.mark.parametrize("fname", SEARCHES)
@pytest.mark.parametrize("contents,needle", [
    ("a b", ""), ("", ""), ("", "a"), ("a b a", "a b"), ("a\u3000b", "a\u3000b"),
    ("ab", "abc"), (b"a b", b""), (b"", b""), (b"a b a", b"a b"),
])
def test_search_degenerate_needles(mod, fname, contents, needle):
    assert getattr(mod, fname)(contents, needle) == 0 == \
        contents.split().count(needle)


@pytest.mark.parametrize("mod", MODS)
@pytest.mark.parametrize("fname", SEARCHES)
def test_search_non_contiguous_buffer(mod, fname):
    raises(BufferError, "not C-contiguous", getattr(mod, fname),
           memoryview(b"a b a b")[::2], b"a")


@pytest.mark.parametrize("mod", MODS)
def test_search_huge_word(mod):
    """One word of 16 MiB, no whitespace at all, then a short one."""
    n = scaled(16 << 20, 1 << 20)
    data = b"q" * n + b" tail"
    assert mod.search(data, b"tail") == 1
    assert mod.search(data, b"q" * n) == 1
    assert mod.search(data, b"q" * (n - 1)) == 0
    assert mod.search_sequential(data.decode(), "tail") == 1


# ---------------------------------------------------------------------------
# wc


@pytest.mark.parametrize("mod", MODS)
@pytest.mark.parametrize("data,name", [(5, "int"), (None, "NoneType"),
                                       ([1, 2], "list"), (1.5, "float")])
def test_wc_wrong_type(mod, data, name):
    raises(TypeError, f"wc() argument must be str or a bytes-like object, "
           f"not '{name}'", mod.wc, data)


def gnu_wc(data):
    r = subprocess.run(["wc"], input=data, capture_output=True,
                       env=dict(os.environ, LC_ALL="C"), check=True)
    return tuple(int(x) for x in r.stdout.split())


@pytest.mark.skipif(shutil.which("wc") is None, reason="no wc command")
@pytest.mark.parametrize("mod", MODS)
def test_wc_odd_bytes_as_gnu_wc(mod):
    """Invalid UTF-8, NUL and other control bytes, an empty input and a
    line of 8 MiB with no newline: the counts of LC_ALL=C wc."""
    inputs = [
        b"",
        b"a\0b \xff\n\0\n\x7f \xc3\xa9t\x01 \x80",
        bytes(range(256)) * 3,
        b"\xff\xfe\xfd\n" * 100,
        b"ab " * (scaled(8 << 20, 1 << 20) // 3),
    ]
    for data in inputs:
        assert tuple(mod.wc(data)) == gnu_wc(data)
        assert tuple(mod.wc(bytearray(data))) == gnu_wc(data)


@pytest.mark.parametrize("mod", MODS)
def test_wc_lone_surrogates(mod):
    """A str is counted as its UTF-8 encoding; lone surrogates as
    surrogatepass encodes them (bytes that are no word characters)."""
    s = "a \ud800 b\udfff\n\ud800"
    assert tuple(mod.wc(s)) == tuple(mod.wc(s.encode("utf-8", "surrogatepass")))
    assert tuple(mod.wc(s)) == (1, 2, len(s.encode("utf-8", "surrogatepass")))


@pytest.mark.parametrize("mod", MODS)
def test_wc_non_contiguous_buffer(mod):
    raises(BufferError, "not C-contiguous", mod.wc, memoryview(b"a b\n")[::2])


# ---------------------------------------------------------------------------
# par_sum, par_sort

NOT_BUFFERS = [(5, "int"), ("abc", "str"), ([1, 2], "list"), (None, "NoneType"),
               ((1, 2), "tuple")]


@pytest.mark.parametrize("mod", MODS)
@pytest.mark.parametrize("fname", ["par_sum", "par_sort"])
@pytest.mark.parametrize("obj,name", NOT_BUFFERS)
def test_not_a_buffer(mod, fname, obj, name):
    raises(TypeError, f"{fname}() argument must support the buffer protocol "
           f"(array.array, numpy array, ...), not '{name}'",
           getattr(mod, fname), obj)


def unsupported_buffers():
    out = [(array.array("u", "ab"), array.array("u", "ab").typecode),
           (memoryview(bytearray(b"ab")).cast("c"), "c"),
           (memoryview(bytearray(16)).cast("P"), "P")]
    if numpy is not None:
        for dt in (">i8" if sys.byteorder == "little" else "<i8", "f2", "c16",
                   "g", "O"):
            a = numpy.zeros(3, dtype=dt)
            out.append((a, memoryview(a).format))
    return out


@pytest.mark.parametrize("mod", MODS)
@pytest.mark.parametrize("fname", ["par_sum", "par_sort"])
def test_unsupported_format(mod, fname):
    for buf, fmt in unsupported_buffers():
        before = bytes(memoryview(buf).cast("B")) if fmt != "O" else None
        if fmt == "u":
            fmt = memoryview(buf).format  # 'u' or 'w', by Python version
        raises(TypeError, f"{fname}(): unsupported buffer format '{fmt}' (want "
               "integers of 8 to 64 bits, float32 or float64 in native byte "
               "order)", getattr(mod, fname), buf)
        if before is not None:
            assert bytes(memoryview(buf).cast("B")) == before


@pytest.mark.parametrize("mod", MODS)
@pytest.mark.parametrize("fname", ["par_sum", "par_sort"])
def test_non_contiguous_buffer(mod, fname):
    buf = bytearray(b"\x05\x04\x03\x02\x01\x00")
    raises(BufferError, "not C-contiguous", getattr(mod, fname),
           memoryview(buf)[::2])
    assert buf == b"\x05\x04\x03\x02\x01\x00"


@needs_numpy
@pytest.mark.parametrize("mod", MODS)
@pytest.mark.parametrize("fname", ["par_sum", "par_sort"])
def test_non_contiguous_numpy(mod, fname):
    a = numpy.arange(10)[::-1]
    raises(ValueError, "ndarray is not C-contiguous", getattr(mod, fname),
           a[::2])
    assert a.tolist() == list(range(9, -1, -1))


@pytest.mark.parametrize("mod", MODS)
def test_par_sum_empty(mod):
    r = mod.par_sum(array.array("q"))
    assert r == 0 and type(r) is int
    r = mod.par_sum(array.array("d"))
    assert r == 0.0 and type(r) is float
    assert mod.par_sum(b"") == 0


@pytest.mark.parametrize("mod", MODS)
def test_par_sort_read_only(mod):
    data = bytes([3, 1, 2])
    raises(TypeError, "par_sort() needs a writable buffer, and 'bytes' is "
           "read-only", mod.par_sort, data)
    buf = bytearray([3, 1, 2])
    raises(TypeError, "par_sort() needs a writable buffer, and 'memoryview' "
           "is read-only", mod.par_sort, memoryview(buf).toreadonly())
    assert data == bytes([3, 1, 2]) and buf == bytearray([3, 1, 2])


@needs_numpy
@pytest.mark.parametrize("mod", MODS)
def test_par_sort_read_only_numpy(mod):
    a = numpy.array([3, 1, 2])
    a.flags.writeable = False
    # The extension names the type by tp_name ('numpy.ndarray'),
    # weft_ctypes by __name__ ('ndarray').
    raises(TypeError, "ndarray' is read-only", mod.par_sort, a)
    assert a.tolist() == [3, 1, 2]


@pytest.mark.parametrize("mod", MODS)
def test_par_sort_multi_dimensional(mod):
    buf = bytearray([4, 3, 2, 1])
    raises(ValueError, "par_sort() sorts one-dimensional buffers only",
           mod.par_sort, memoryview(buf).cast("B", (2, 2)))
    assert buf == bytearray([4, 3, 2, 1])


@pytest.mark.parametrize("mod", MODS)
def test_par_sort_empty_and_single(mod):
    for buf in (array.array("d"), bytearray(), array.array("q", [5])):
        before = buf.tobytes() if hasattr(buf, "tobytes") else bytes(buf)
        assert mod.par_sort(buf) is None
        assert (buf.tobytes() if hasattr(buf, "tobytes") else bytes(buf)) == \
            before


# ---------------------------------------------------------------------------
# The same exception types (and messages) from both modules

PARITY = [
    ("par_map non-callable", lambda m: m.par_map(5, [1])),
    ("par_map non-iterable", lambda m: m.par_map(abs, 5)),
    ("par_map chunksize 0", lambda m: m.par_map(abs, [1], chunksize=0)),
    ("par_map chunksize float", lambda m: m.par_map(abs, [1], chunksize=1.0)),
    ("par_map fn raises", lambda m: m.par_map(lambda x: 1 // x, [1, 0])),
    ("par_map huge range", lambda m: m.par_map(abs, range(2**62))),
    ("search str/bytes", lambda m: m.search("a", b"a")),
    ("search bytes/str", lambda m: m.search(b"a", "a")),
    ("search int", lambda m: m.search(5, "a")),
    ("search_sequential int", lambda m: m.search_sequential(5, "a")),
    ("search non-contiguous", lambda m: m.search(memoryview(b"a b a")[::2], b"a")),
    ("wc int", lambda m: m.wc(5)),
    ("wc non-contiguous", lambda m: m.wc(memoryview(b"a b a")[::2])),
    ("par_sum list", lambda m: m.par_sum([1])),
    ("par_sum str", lambda m: m.par_sum("ab")),
    ("par_sum format c", lambda m: m.par_sum(memoryview(b"ab").cast("c"))),
    ("par_sort bytes", lambda m: m.par_sort(b"ba")),
    ("par_sort 2-D", lambda m: m.par_sort(memoryview(bytearray(4)).cast("B", (2, 2)))),
    ("par_sort format c", lambda m: m.par_sort(memoryview(bytearray(2)).cast("c"))),
]


@pytest.mark.parametrize("call", [c for _, c in PARITY],
                         ids=[n for n, _ in PARITY])
def test_ctypes_raises_what_the_extension_raises(call):
    with pytest.raises(BaseException) as ext:
        call(weft)
    with pytest.raises(BaseException) as pure:
        call(weft_ctypes)
    assert type(ext.value) is type(pure.value)
    assert str(ext.value) == str(pure.value)


# ---------------------------------------------------------------------------
# Pool and Executor (the extension only)


@pytest.mark.parametrize("bad", [0, -1, -10**30])
def test_pool_threads_too_small(bad):
    raises(ValueError, "threads must be at least 1", weft.Pool, bad)
    raises(ValueError, "threads must be at least 1", weft.Pool, threads=bad)


@pytest.mark.parametrize("bad", [weft.MAX_THREADS + 1, 10**6, 10**30])
def test_pool_threads_too_large(bad):
    raises(ValueError, f"threads must be at most {weft.MAX_THREADS}",
           weft.Pool, bad)


@pytest.mark.parametrize("bad,name", [(2.0, "float"), ("2", "str"),
                                      ([2], "list")])
def test_pool_threads_wrong_type(bad, name):
    raises(TypeError, f"threads must be an int or None, not {name}", weft.Pool,
           bad)


def test_pool_threads_bool_is_an_int():
    with weft.Pool(True) as p:
        assert p.num_threads() == 1


def test_pool_methods_refuse_bad_input_as_the_module_does():
    with weft.Pool(2) as p:
        for call in [c for _, c in PARITY]:
            with pytest.raises(BaseException) as mod_err:
                call(weft)
            with pytest.raises(BaseException) as pool_err:
                call(p)
            assert type(mod_err.value) is type(pool_err.value)
            assert str(mod_err.value) == str(pool_err.value)
        assert p.par_map(abs, [-1]) == [1]  # still usable


CLOSED_CALLS = {
    "par_map": lambda p: p.par_map(abs, [1]),
    "search": lambda p: p.search("a", "a"),
    "search_sequential": lambda p: p.search_sequential("a", "a"),
    "wc": lambda p: p.wc(b"a"),
    "par_sum": lambda p: p.par_sum(b"a"),
    "par_sort": lambda p: p.par_sort(bytearray(b"a")),
    "num_threads": lambda p: p.num_threads(),
}


@pytest.mark.parametrize("method", list(CLOSED_CALLS))
def test_closed_pool(method):
    p = weft.Pool(1)
    p.close()
    raises(RuntimeError, "the weft.Pool is closed", CLOSED_CALLS[method], p)
    p.close()  # idempotent
    assert p.closed


@pytest.mark.parametrize("bad", [0, -1])
def test_executor_max_workers_too_small(bad):
    raises(ValueError, "max_workers must be greater than 0", weft.Executor, bad)


@pytest.mark.parametrize("bad", ["2", 2.0])
def test_executor_max_workers_wrong_type(bad):
    raises(TypeError, "max_workers must be an int or None", weft.Executor, bad)


def test_executor_bad_calls():
    with weft.Executor(2) as ex:
        raises(TypeError, "'int' object is not callable", ex.submit, 5)
        raises(ValueError, "chunksize must be >= 1.", ex.map, abs, [1],
               chunksize=0)
        raises(TypeError, "chunksize must be an int", ex.map, abs, [1],
               chunksize=1.5)
        raised = []

        def fn():
            exc = Boom("in a future")
            raised.append(exc)
            raise exc

        fut = ex.submit(fn)
        assert fut.exception(timeout=30) is raised[0]
        with pytest.raises(Boom) as info:
            fut.result()
        assert traceback.extract_tb(info.value.__traceback__)[-1].name == "fn"
        assert ex.submit(abs, -4).result(timeout=30) == 4
    raises(RuntimeError, "cannot schedule new futures after shutdown",
           ex.submit, abs, 1)


# ---------------------------------------------------------------------------
# WEFT_NUM_THREADS, and weft_ctypes' library


@pytest.mark.parametrize("mod", ["weft", "weft_ctypes"])
@pytest.mark.parametrize("value", ["bogus", "0", "-1", "99999", "3x"])
def test_bad_weft_num_threads(mod, value):
    """Ignored with one warning: the default pool has a thread per CPU."""
    r = run_python(f"""
        import os, {mod}
        assert {mod}.num_threads() == len(os.sched_getaffinity(0)), \\
            {mod}.num_threads()
        assert {mod}.par_map(abs, [-1, -2]) == [1, 2]
        assert {mod}.num_threads() == len(os.sched_getaffinity(0))
        print("ok")
        """, env={"WEFT_NUM_THREADS": value})
    assert r.returncode == 0, r.stderr
    assert r.stdout == "ok\n"
    assert r.stderr == (f'weft: ignoring WEFT_NUM_THREADS="{value}" (want a '
                        f'number from 1 to {weft.MAX_THREADS})\n')


@pytest.mark.parametrize("path,fragment", [
    ("/nonexistent/libweft.so", "cannot open shared object file: No such file "
     "or directory"),
    ("/", "Is a directory"),
    (__file__, "invalid ELF header"),
])
def test_ctypes_weft_library_unusable(path, fragment):
    r = run_python("""
        try:
            import weft_ctypes
        except OSError as exc:
            print(type(exc).__name__, exc)
        else:
            print("imported")
        """, env={"WEFT_LIBRARY": path})
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("OSError " + path + ": "), r.stdout
    assert fragment in r.stdout


# ---------------------------------------------------------------------------
# weft_ctypes' native callbacks

F64 = ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_double)
I32 = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int)


def test_ctypes_native_callback_errors():
    twice = F64(lambda x: 2 * x)
    data = array.array("d", [1.0, 2.0])
    out = array.array("d", [7.0, 7.0])
    raises(ValueError, "par_map(): NULL function address", weft_ctypes.par_map,
           0, data, out=out)
    raises(TypeError, "par_map(): a native callback must be a ctypes function "
           "pointer or an int address, not 'str'", weft_ctypes.par_map, "f",
           data, out=out)
    raises(TypeError, "par_map(): a native callback must be a ctypes function "
           "pointer or an int address, not 'bool'", weft_ctypes.par_map, True,
           data, out=out)
    raises(TypeError, "par_map(): the native callback must take and return "
           "c_double", weft_ctypes.par_map, I32(abs), data)
    raises(TypeError, "par_map(): a native callback needs a float64 or int64 "
           "input buffer, not format 'i'", weft_ctypes.par_map, twice,
           array.array("i", [1, 2]))
    raises(ValueError, "par_map(): out must have the input's type and length "
           "(2 x d)", weft_ctypes.par_map, twice, data,
           out=array.array("d", [0.0]))
    raises(ValueError, "par_map(): out must have the input's type and length",
           weft_ctypes.par_map, twice, data, out=array.array("q", [0, 0]))
    raises(TypeError, "par_map() needs a writable buffer, and 'bytes' is "
           "read-only", weft_ctypes.par_map, twice, data, out=bytes(16))
    assert out.tolist() == [7.0, 7.0]
    assert weft_ctypes.par_map(twice, data).tolist() == [2.0, 4.0]


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_ctypes_native_callback_raises():
    def fn(x):
        raise Boom("in a native callback")

    data = array.array("d", [1.0, 2.0])
    raises(Boom, "in a native callback", weft_ctypes.par_map, F64(fn), data)
