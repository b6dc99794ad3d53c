"""Nothing leaks: reference counts, live objects and traced memory stay flat
over many calls, on success and on every error path.

(sys.gettotalrefcount exists only in debug builds of CPython; these
checks work on release builds: per-object refcounts, gc object counts,
and tracemalloc, which also traces the extension's PyMem_Raw state.)"""

import array
import gc
import sys
import threading
import time
import tracemalloc
import weakref

import pytest

import weft
from conftest import run_python, thread_count


class Sentinel:
    pass


def identity(x):
    return x


def fail_on_sentinel(x):
    if isinstance(x, Sentinel):
        raise ValueError("sentinel")
    return x


def workload(sentinel):
    items = [sentinel] * 50 + list(range(50))
    weft.par_map(identity, items)
    weft.par_map(identity, tuple(items), chunksize=3)
    weft.par_map(identity, iter(items))
    weft.par_map(identity, range(100))
    weft.par_map(lambda x: weft.par_map(identity, [x, sentinel]), range(4))
    for bad in (lambda: weft.par_map(fail_on_sentinel, items),
                lambda: weft.par_map(fail_on_sentinel, items, chunksize=1),
                lambda: weft.par_map(identity, items, chunksize=0),
                lambda: weft.par_map(5, items),
                lambda: weft.par_map(identity, 5)):
        try:
            bad()
        except (ValueError, TypeError):
            pass
    data = bytearray(b"alpha beta alpha\n" * 10)
    weft.search(data, b"alpha")
    weft.search(memoryview(data), bytearray(b"beta"))
    # needles compared as == does (kernels.c: needle_word)
    weft.search(bytes(data), memoryview(array.array("h", list(b"beta"))))
    weft.search(data, memoryview(b"bbeettaa")[::2])
    weft.search(bytes(data), memoryview(b"beta").cast("c"))
    weft.search(bytes(data), array.array("b", b"beta"))
    weft.search(data, array.array("b", b"beta"))
    weft.search("alpha beta \u3000alpha", "alpha")
    weft.search_sequential("x\ud800 y", "x\ud800")
    weft.wc(data)
    weft.par_sum(array.array("q", range(100)))
    weft.par_sort(array.array("d", [3.0, 1.0, 2.0]))
    try:
        weft.search(data, "alpha")
    except TypeError:
        pass
    data.extend(b"!")  # every buffer export was released


def test_refcounts_are_flat():
    sentinel = Sentinel()
    workload(sentinel)  # warm caches (thread states, pools)
    gc.collect()
    before = sys.getrefcount(sentinel), sys.getrefcount(identity), sys.getrefcount(None)
    for _ in range(30):
        workload(sentinel)
    gc.collect()
    after = sys.getrefcount(sentinel), sys.getrefcount(identity), sys.getrefcount(None)
    assert after[:2] == before[:2]
    assert abs(after[2] - before[2]) < 50  # None is shared with the interpreter


def test_objects_and_memory_are_flat():
    sentinel = Sentinel()
    for _ in range(5):
        workload(sentinel)
    gc.collect()
    objects_before = len(gc.get_objects())
    tracemalloc.start()
    try:
        for _ in range(5):
            workload(sentinel)
        gc.collect()
        first, _ = tracemalloc.get_traced_memory()
        for _ in range(60):
            workload(sentinel)
        gc.collect()
        second, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    objects_after = len(gc.get_objects())
    assert objects_after - objects_before < 100
    # 60 rounds of ~25 calls: a leak of even one small object per call
    # would exceed this.
    assert second - first < 64 * 1024, (first, second)


def test_results_are_owned_by_the_caller():
    sentinel = Sentinel()
    base = sys.getrefcount(sentinel)
    out = weft.par_map(identity, [sentinel] * 1000)
    assert sys.getrefcount(sentinel) == base + 1000
    del out
    assert sys.getrefcount(sentinel) == base


def test_pools_and_executors_are_freed():
    import weakref
    for _ in range(3):
        with weft.Pool(2) as p:
            p.par_map(abs, range(10))
        ex = weft.Executor(2)
        ex.submit(abs, 1).result()
        ex.shutdown()
    gc.collect()
    before = len(gc.get_objects())
    refs = []
    for _ in range(20):
        p = weft.Pool(2)
        refs.append(weakref.ref(p))
        p.par_map(abs, range(10))
        p.close()
        ex = weft.Executor(2)
        ex.submit(abs, 1).result()
        ex.shutdown()
    del p, ex
    gc.collect()
    assert all(r() is None for r in refs)
    assert len(gc.get_objects()) - before < 100


def drop_with_work_in_flight():
    # No close() or shutdown(): the helper threads that destroy dropped
    # pools free everything once the work is done.
    ex = weft.Executor(2)
    future = ex.submit(time.sleep, 0.01)
    pool = weft.Pool(2)
    done = threading.Event()
    pool._spawn(lambda: (time.sleep(0.01), done.set()))
    refs = [weakref.ref(ex), weakref.ref(pool)]
    del ex, pool
    assert future.result(timeout=10) is None
    assert done.wait(10)
    return refs


def settle_threads(baseline, timeout=10):
    deadline = time.monotonic() + timeout
    while thread_count() > baseline and time.monotonic() < deadline:
        time.sleep(0.01)
    return thread_count()


def test_dropped_pools_and_executors_free_everything():
    weft.num_threads()
    baseline = thread_count()
    for _ in range(3):
        drop_with_work_in_flight()
    gc.collect()
    assert settle_threads(baseline) <= baseline
    before = len(gc.get_objects())
    tracemalloc.start()
    try:
        first, _ = tracemalloc.get_traced_memory()
        refs = [r for _ in range(20) for r in drop_with_work_in_flight()]
        gc.collect()
        assert settle_threads(baseline) <= baseline
        second, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert all(r() is None for r in refs)
    assert len(gc.get_objects()) - before < 200
    assert second - first < 64 * 1024, (first, second)


@pytest.mark.skipif(not hasattr(sys, "getrefcount"), reason="needs sys.getrefcount")
def test_interrupted_calls_release_everything():
    # KeyboardInterrupt leaves the work to finish in the background; once
    # it has, nothing it held remains referenced.
    proc = run_python("""
        import gc, os, signal, sys, threading, time, weft
        class Fn:
            def __call__(self, x):
                time.sleep(0.002)
                return x
        fn = Fn()
        items = [object() for _ in range(5000)]
        base = sys.getrefcount(fn), sys.getrefcount(items[0])
        for _ in range(5):
            threading.Timer(0.05, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
            try:
                weft.par_map(fn, items, chunksize=1)
            except KeyboardInterrupt:
                pass
        time.sleep(0.2)   # in-flight items finish, the last runner cleans up
        gc.collect()
        print(sys.getrefcount(fn) == base[0], sys.getrefcount(items[0]) == base[1])
    """)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.split() == ["True", "True"]
