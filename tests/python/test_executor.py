"""weft.Executor as a concurrent.futures.Executor (and for asyncio)."""

import asyncio
import concurrent.futures as cf
import gc
import threading
import time
import traceback

import pytest

import weft
from conftest import run_python, thread_count


def test_is_an_executor():
    with weft.Executor(2) as ex:
        assert isinstance(ex, cf.Executor)
        assert "max_workers=2" in repr(ex)


def test_submit_result():
    with weft.Executor() as ex:
        future = ex.submit(pow, 2, 10)
        assert isinstance(future, cf.Future)
        assert future.result(timeout=10) == 1024
        assert ex.submit(lambda *a, **k: (a, k), 1, x=2).result(10) == ((1,), {"x": 2})
        assert ex.submit(threading.get_ident).result(10) != threading.get_ident()


def failing(x):
    raise KeyError(x)


def test_submit_exception_keeps_type_and_traceback():
    with weft.Executor(2) as ex:
        future = ex.submit(failing, "k")
        exc = future.exception(timeout=10)
        assert isinstance(exc, KeyError) and exc.args == ("k",)
        with pytest.raises(KeyError):
            future.result()
        names = [f.name for f in traceback.extract_tb(exc.__traceback__)]
        assert "failing" in names


def test_submit_not_callable():
    with weft.Executor(1) as ex:
        with pytest.raises(TypeError):
            ex.submit(3)


@pytest.mark.parametrize("chunksize", [1, 3, 100, 10**6])
def test_map(chunksize):
    with weft.Executor(2) as ex:
        assert list(ex.map(pow, range(50), [2] * 50, chunksize=chunksize)) == \
            [x * x for x in range(50)]
        assert list(ex.map(abs, [], chunksize=chunksize)) == []
        it = ex.map(failing, range(5), chunksize=chunksize)
        with pytest.raises(KeyError):
            list(it)


def test_map_bad_chunksize():
    with weft.Executor(1) as ex:
        with pytest.raises(ValueError):
            ex.map(abs, [1], chunksize=0)


def test_map_timeout():
    with weft.Executor(1) as ex:
        it = ex.map(time.sleep, [0.5, 0.5], timeout=0.05)
        with pytest.raises(cf.TimeoutError):
            list(it)


def test_calls_run_in_parallel():
    barrier = threading.Barrier(2, timeout=10)
    with weft.Executor(max_workers=2) as ex:
        futures = [ex.submit(barrier.wait) for _ in range(2)]
        assert sorted(f.result(10) for f in futures) == [0, 1]


def test_bad_max_workers():
    with pytest.raises(ValueError):
        weft.Executor(0)
    with pytest.raises(ValueError):
        weft.Executor(-2)
    with pytest.raises(TypeError):
        weft.Executor("2")


def test_shutdown_waits_and_refuses_new_work():
    ex = weft.Executor(2)
    done = []
    for i in range(10):
        ex.submit(lambda i=i: (time.sleep(0.01), done.append(i)))
    ex.shutdown(wait=True)
    assert sorted(done) == list(range(10))
    with pytest.raises(RuntimeError):
        ex.submit(abs, 1)
    ex.shutdown()  # again: nothing happens


def test_shutdown_without_waiting():
    ex = weft.Executor(1)
    gate = threading.Event()
    futures = [ex.submit(gate.wait, 10) for _ in range(3)]
    ex.shutdown(wait=False)
    gate.set()
    assert [f.result(timeout=10) for f in futures] == [True] * 3


def test_shutdown_cancel_futures():
    ex = weft.Executor(1)
    gate = threading.Event()
    started = threading.Event()

    def first():
        started.set()
        return gate.wait(10)

    running = ex.submit(first)
    started.wait(10)
    queued = [ex.submit(abs, -i) for i in range(20)]
    threading.Timer(0.1, gate.set).start()
    ex.shutdown(wait=True, cancel_futures=True)
    assert running.result() is True
    assert all(f.cancelled() for f in queued)


def test_cancel_pending_future():
    with weft.Executor(1) as ex:
        gate = threading.Event()
        blocker = ex.submit(gate.wait, 10)
        pending = ex.submit(abs, -1)
        assert pending.cancel()
        gate.set()
        assert blocker.result(10) is True
        assert pending.cancelled()


def test_as_completed_and_wait():
    with weft.Executor(2) as ex:
        futures = [ex.submit(time.sleep, 0.01 * (i % 3)) for i in range(12)]
        assert len(list(cf.as_completed(futures, timeout=10))) == 12
        done, not_done = cf.wait(futures, timeout=10)
        assert len(done) == 12 and not not_done


def test_asyncio_run_in_executor():
    async def main(ex):
        loop = asyncio.get_running_loop()
        results = await asyncio.gather(
            *(loop.run_in_executor(ex, pow, i, 2) for i in range(20)))
        with pytest.raises(KeyError):
            await loop.run_in_executor(ex, failing, 1)
        return results

    with weft.Executor(2) as ex:
        assert asyncio.run(main(ex)) == [i * i for i in range(20)]


def test_submit_from_a_task():
    with weft.Executor(2) as ex:
        def parent():
            return [ex.submit(pow, i, 2) for i in range(5)]

        children = ex.submit(parent).result(10)
        assert [f.result(10) for f in children] == [0, 1, 4, 9, 16]


def test_task_waits_for_a_task_it_submitted():
    # The other worker is busy when the subtask is submitted and idle soon
    # after: it must find the subtask (which a plain spawn on the
    # submitting worker would have hidden in that worker's deque), or the
    # parent task waits forever.
    with weft.Executor(2) as ex:
        gate = threading.Event()

        def busy():
            return gate.wait(10)

        def parent():
            child = ex.submit(pow, 3, 2)
            gate.set()
            return child.result(timeout=10)

        other = ex.submit(busy)
        time.sleep(0.1)
        assert ex.submit(parent).result(timeout=20) == 9
        assert other.result(timeout=10) is True


def test_par_map_inside_executor_calls():
    with weft.Executor(2) as ex:
        futures = [ex.submit(weft.par_map, abs, range(-i, 0)) for i in range(10)]
        assert [f.result(10) for f in futures] == \
            [list(range(i, 0, -1)) for i in range(10)]


# ---------------------------------------------------------------------------
# Dropping an executor without shutdown


def test_dropping_an_executor_does_not_wait_for_its_work():
    # As with ThreadPoolExecutor: `del ex` returns at once, the work
    # already submitted still runs and its futures resolve.
    ex = weft.Executor(2)
    f = ex.submit(time.sleep, 1.0)
    queued = [ex.submit(pow, i, 2) for i in range(5)]
    t = time.monotonic()
    del ex
    gc.collect()
    assert time.monotonic() - t < 0.5
    assert not f.done()
    assert f.result(timeout=10) is None
    assert [q.result(timeout=10) for q in queued] == [0, 1, 4, 9, 16]


def test_dropped_executors_release_their_threads():
    weft.num_threads()
    before = thread_count()
    futures = []
    for _ in range(10):
        ex = weft.Executor(2)
        futures.append(ex.submit(time.sleep, 0.05))
        del ex
    gc.collect()
    assert [f.result(timeout=10) for f in futures] == [None] * 10
    # (before may count helpers of earlier tests that are still joining.)
    deadline = time.monotonic() + 10
    while thread_count() > before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert thread_count() <= before


def test_dropping_an_executor_from_its_own_task():
    # The last reference dies on one of the executor's workers, inside the
    # task itself: the work left (a subtask) still runs.
    box = [weft.Executor(2)]
    gate = threading.Event()
    child = []

    def parent():
        child.append(box[0].submit(gate.wait, 10))
        box.clear()
        return "dropped"

    first = box[0].submit(parent)
    assert first.result(timeout=10) == "dropped"
    gc.collect()
    gate.set()
    assert child[0].result(timeout=10) is True


def test_interpreter_exit_waits_for_dropped_executors():
    # The work of an executor dropped without shutdown runs to the end
    # before the interpreter finalizes (as ThreadPoolExecutor's does), and
    # exit is clean.
    proc = run_python("""
        import gc, time, weft
        ex = weft.Executor(1)
        futures = [ex.submit(time.sleep, 0.3) for _ in range(2)]
        futures[-1].add_done_callback(lambda f: print("work done", flush=True))
        pool = weft.Pool(1)
        pool._spawn(lambda: (time.sleep(0.5), print("pool work done", flush=True)))
        del ex, pool
        gc.collect()
        print("dropped", flush=True)
    """)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.split("\n")
    assert lines[0] == "dropped"
    assert sorted(lines[1:3]) == ["pool work done", "work done"]
    assert proc.stderr == ""
