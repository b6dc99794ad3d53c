"""Fault injection from Python: every allocation (and thread creation)
that weft makes for a call, failed in turn.

libweft.so has the hooks ``weft__debug_fail_alloc_after(n)`` and
``weft__debug_fail_thread_after(n)``: the call ``n`` from now fails, 0
disarms, and each returns the number of failures injected so far, or -1
when the library was built without WEFT_FAULT_INJECTION (the asan preset
builds with it).  They are reached through weft_ctypes' handle on the very
libweft.so that the ``weft`` extension uses too (weft/__init__.py loads
that file first).  Without them, every test here skips.

For N = 1, 2, ... until a call makes fewer than N allocations: arm the Nth,
call, and check that the call either raised MemoryError (and only when a
failure was injected, with the input untouched) or gave the right answer
(weft fell back to sequential work); then that a call without faults
works.  Thread-creation failures raise RuntimeError from weft.Pool.
"""

import array
import ctypes
import random
import subprocess

import pytest

import weft
import weft_ctypes
from conftest import run_python, scaled


def _hook(name):
    lib = getattr(weft_ctypes, "_lib", None)
    fn = getattr(lib, name, None) if lib is not None else None
    if fn is None:
        return None
    fn.restype = ctypes.c_longlong
    fn.argtypes = [ctypes.c_longlong]
    return fn


_fail_alloc = _hook("weft__debug_fail_alloc_after")
_fail_thread = _hook("weft__debug_fail_thread_after")
_AVAILABLE = (_fail_alloc is not None and _fail_thread is not None
              and _fail_alloc(0) >= 0)

pytestmark = pytest.mark.skipif(
    not _AVAILABLE,
    reason="libweft.so built without WEFT_FAULT_INJECTION (the asan preset "
           "has it)")

MAX_POINTS = 10000


def sweep(call, check, untouched=None, errors=(MemoryError,)):
    """Fail the Nth allocation of call() for N = 1.. until none fails.

    check(result) asserts a right answer; untouched() asserts that a call
    that raised left its input alone.  Returns (points, raised)."""
    points = raised = 0
    for n in range(1, MAX_POINTS):
        before = _fail_alloc(0)
        _fail_alloc(n)
        try:
            result = call()
        except errors:
            fired = _fail_alloc(0) - before  # also disarms
            assert fired == 1, f"N={n}: raised without an injected failure"
            if untouched is not None:
                untouched()
            raised += 1
        else:
            fired = _fail_alloc(0) - before
            check(result)
        if fired == 0:
            break
        points += 1
    else:
        pytest.fail(f"more than {MAX_POINTS} allocation failure points")
    # And without faults, the right answer.
    check(call())
    return points, raised


# ---------------------------------------------------------------------------
# Inputs

_N_SORT = 300_000  # over the radix sort's parallel threshold: more scratch
_rng = random.Random(6)
_SORT_IN = array.array("d", (_rng.uniform(-1e6, 1e6) for _ in range(_N_SORT)))
_SORTED = array.array("d", sorted(_SORT_IN))
_SUM_IN = array.array("q", (_rng.randrange(-10**12, 10**12)
                            for _ in range(scaled(200_000, 50_000))))
_SUM = sum(_SUM_IN)
_MAP_IN = list(range(scaled(2_000, 500)))
_MAP_OUT = [x * x + 1 for x in _MAP_IN]


def _square_plus_one(x):
    return x * x + 1


def _sort_case(par_sort):
    buf = array.array("d")

    def call():
        buf[:] = _SORT_IN
        return par_sort(buf)

    def check(result):
        assert result is None
        assert buf == _SORTED

    def untouched():
        assert buf == _SORT_IN

    return call, check, untouched


# ---------------------------------------------------------------------------
# The weft extension

def test_pool_creation_allocations():
    def check(pool):
        try:
            assert pool.par_sum(_SUM_IN) == _SUM
        finally:
            pool.close()

    points, raised = sweep(lambda: weft.Pool(threads=4), check)
    # The pool, its worker table, each of 4 workers and its deque.
    assert points >= 10 and raised == points


def test_par_sort():
    call, check, untouched = _sort_case(weft.par_sort)
    points, raised = sweep(call, check, untouched)
    assert raised >= 1  # the sort's scratch at least


def test_par_sum():
    def check(result):
        assert result == _SUM
    sweep(lambda: weft.par_sum(_SUM_IN), check)


def test_par_map():
    def check(result):
        assert result == _MAP_OUT
    sweep(lambda: weft.par_map(_square_plus_one, _MAP_IN), check)
    sweep(lambda: weft.par_map(_square_plus_one, _MAP_IN, chunksize=1), check)


def test_pool_methods():
    with weft.Pool(threads=3) as pool:
        call, check, untouched = _sort_case(pool.par_sort)
        sweep(call, check, untouched)

        def check_map(result):
            assert result == _MAP_OUT
        sweep(lambda: pool.par_map(_square_plus_one, _MAP_IN), check_map)


# ---------------------------------------------------------------------------
# weft_ctypes: libweft's own default pool; when it cannot be created the
# kernels run on the calling thread (no error).

def test_ctypes_par_sort():
    call, check, untouched = _sort_case(weft_ctypes.par_sort)
    points, raised = sweep(call, check, untouched)
    assert raised >= 1


def test_ctypes_par_sum():
    def check(result):
        assert result == _SUM
    sweep(lambda: weft_ctypes.par_sum(_SUM_IN), check)


def test_ctypes_par_map():
    def check(result):
        assert result == _MAP_OUT
    sweep(lambda: weft_ctypes.par_map(_square_plus_one, _MAP_IN), check)

    square = ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_double)(
        lambda x: x * x)
    data = array.array("d", (float(i) for i in range(1000)))
    want = array.array("d", (float(i * i) for i in range(1000)))

    def check_native(result):
        assert result == want
    sweep(lambda: weft_ctypes.par_map(square, data), check_native)


# ---------------------------------------------------------------------------
# Thread creation, in fresh interpreters (the first use of each default
# pool is part of the sweep, and a hang cannot stall this process).

_PRELUDE = """
    import array, ctypes, sys
    import weft, weft_ctypes
    fail_thread = weft_ctypes._lib.weft__debug_fail_thread_after
    fail_thread.restype = ctypes.c_longlong
    fail_thread.argtypes = [ctypes.c_longlong]
    data = array.array("q", range(100_000))
    want = sum(data)

    def sweep(call, check, errors):
        points = 0
        for n in range(1, 1000):
            before = fail_thread(0)
            fail_thread(n)
            try:
                result = call()
            except errors as exc:
                fired = fail_thread(0) - before
                assert fired == 1, (n, exc)
                print("N=%d: %s: %s" % (n, type(exc).__name__, exc),
                      flush=True)
            else:
                fired = fail_thread(0) - before
                check(result)
                print("N=%d: ok (fired %d)" % (n, fired), flush=True)
            if not fired:
                return points
            points += 1
        raise AssertionError("no end to the thread failure points")
"""


def _run_sweep(body, timeout):
    proc = run_python(_PRELUDE + body, timeout=timeout)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_pool_creation_threads():
    # weft.Pool(threads=4) for every thread creation failing in turn: a
    # RuntimeError, no thread left behind, and then a pool that works.
    # (A hang here is a deadlock: weft_pool_create's failure path joins
    # the workers it started, which wait for the GIL in their start
    # handler -- if the caller still holds it.)
    body = """
    import os
    threads0 = len(os.listdir("/proc/self/task"))

    def make():
        return weft.Pool(threads=4)

    def check(pool):
        assert pool.par_sum(data) == want
        pool.close()

    n = sweep(make, check, RuntimeError)
    assert n == 4, n
    assert len(os.listdir("/proc/self/task")) == threads0
    print("points", n)
    """
    try:
        out = _run_sweep(body, timeout=30)
    except subprocess.TimeoutExpired as exc:
        so_far = exc.stdout or ""
        if isinstance(so_far, bytes):
            so_far = so_far.decode(errors="replace")
        pytest.fail("weft.Pool(threads=4) hung when a thread creation "
                    "failed (a deadlock, see above); output so far:\n"
                    + so_far)
    assert "points 4" in out, out


def test_ctypes_default_pool_threads():
    # libweft's default pool, created by weft_ctypes' first call: when a
    # thread cannot be created the kernel runs on the calling thread.
    body = """
    def check(result):
        assert result == want, result

    n = sweep(lambda: weft_ctypes.par_sum(data), check, ())
    assert n >= 1, n
    assert weft_ctypes.num_threads() >= 1
    print("points", n)
    """
    out = _run_sweep(body, timeout=60)
    assert "points" in out, out
