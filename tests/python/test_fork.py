"""weft across fork(): a child gets fresh pools of its own."""

import multiprocessing
import os

import pytest

import weft
from conftest import run_python

pytestmark = pytest.mark.skipif(
    os.environ.get("WEFT_TEST_TSAN") == "1",
    reason="ThreadSanitizer cannot start threads in the child of a "
           "multi-threaded fork (the C test_fork skips too)")


def child_work(x):
    # Runs in a forked child whose parent had already started weft's pools.
    squares = weft.par_map(lambda y: y * y, range(x * 100))
    with weft.Pool(2) as pool:
        doubled = pool.par_map(lambda y: 2 * y, range(x))
    found = weft.search("a b a", "a")
    with weft.Executor(2) as ex:  # a subtask from a task: the relay thread
        nested = ex.submit(lambda: ex.submit(abs, -x).result(timeout=10)).result(timeout=10)
    return sum(squares), doubled, found + nested - x, os.getpid()


def test_multiprocessing_fork_context():
    assert weft.par_map(abs, range(-100, 100)) == [abs(x) for x in range(-100, 100)]
    with weft.Executor(2) as ex:  # the parent's relay thread is running
        assert ex.submit(lambda: ex.submit(abs, -1).result(timeout=10)).result(10) == 1
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(2) as procs:
        results = procs.map(child_work, range(1, 9))
    for x, (total, doubled, found, pid) in zip(range(1, 9), results):
        assert total == sum(y * y for y in range(x * 100))
        assert doubled == [2 * y for y in range(x)]
        assert found == 2
        assert pid != os.getpid()
    # The parent's pools still work.
    assert weft.par_map(abs, [-3]) == [3]


def test_user_pool_inherited_by_child():
    # A Pool made in the parent is re-created in the child on first use.
    proc = run_python("""
        import os, weft
        pool = weft.Pool(2)
        assert pool.par_map(abs, [-1, -2]) == [1, 2]
        weft.par_map(abs, [1])
        pid = os.fork()
        if pid == 0:
            ok = (pool.par_map(abs, range(-1000, 0)) == list(range(1000, 0, -1))
                  and pool.num_threads() == 2
                  and weft.par_map(str, range(3)) == ["0", "1", "2"])
            pool.close()
            os._exit(0 if ok else 3)
        _, status = os.waitpid(pid, 0)
        print(os.waitstatus_to_exitcode(status))
        assert pool.par_map(abs, [-7]) == [7]
        pool.close()
    """)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == "0"


def test_fork_while_par_map_runs_in_another_thread():
    proc = run_python("""
        import os, threading, time, weft
        stop = threading.Event()
        def churn():
            while not stop.is_set():
                weft.par_map(lambda x: time.sleep(0.0005) or x, range(200))
        t = threading.Thread(target=churn)
        t.start()
        time.sleep(0.1)
        codes = []
        for _ in range(5):
            pid = os.fork()
            if pid == 0:
                ok = weft.par_map(abs, range(-500, 0)) == list(range(500, 0, -1))
                os._exit(0 if ok else 3)
            codes.append(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
        stop.set()
        t.join()
        print(codes)
    """)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == "[0, 0, 0, 0, 0]"


def test_fork_with_both_bindings_loaded():
    # weft and weft_ctypes share one runtime (one libweft in the process):
    # two copies would deadlock in fork (both would run liburcu's fork
    # handler).
    proc = run_python("""
        import multiprocessing, weft, weft_ctypes
        assert weft.par_map(abs, [-1]) == weft_ctypes.par_map(abs, [-1]) == [1]
        maps = {line.split()[-1] for line in open("/proc/self/maps") if "libweft" in line}
        print(len(maps))
        with multiprocessing.get_context("fork").Pool(2) as procs:
            print(procs.map(abs, range(-3, 0)))
    """, timeout=30)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.split("\n")[:2] == ["1", "[3, 2, 1]"]


def test_fork_while_a_dropped_pool_finishes_its_work():
    # A pool dropped with work in flight is destroyed by a helper thread
    # once that work is done, and interpreter exit waits for such helpers.
    # A child forked meanwhile has neither the helper nor the pool's
    # threads: its own exit must not wait for them.
    proc = run_python("""
        import gc, os, sys, time, weft
        ex = weft.Executor(1)
        f = ex.submit(time.sleep, 1.0)
        del ex
        gc.collect()
        pid = os.fork()
        if pid == 0:
            ok = weft.par_map(abs, [-1, -2]) == [1, 2]
            sys.exit(0 if ok else 3)  # a normal exit: atexit runs
        _, status = os.waitpid(pid, 0)
        print(os.waitstatus_to_exitcode(status), f.result(timeout=10))
    """, timeout=30)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.split() == ["0", "None"]
