"""weft.par_map against the builtin map: results, errors, nesting, pools."""

import gc
import operator
import sys
import threading
import time
import traceback

import pytest

import weft
from conftest import run_python, thread_count


def square(x):
    return x * x


class Point:
    def __init__(self, x):
        self.x = x

    def __eq__(self, other):
        return isinstance(other, Point) and other.x == self.x


def gen(n):
    for i in range(n):
        yield i * 3 - n


ITERABLES = {
    "empty list": [],
    "one item": [7],
    "list": list(range(1000)),
    "tuple": tuple(range(-50, 50)),
    "range": range(0, 100_000),
    "range with step": range(10, -1000, -7),
    "str": "hello, weft",
    "bytes": bytes(range(256)),
    "set": {3, 1, 4, 1, 5, 9, 2, 6},
    "dict": {"a": 1, "b": 2, "c": 3},
    "big list": list(range(100_000)),
}


@pytest.mark.parametrize("name", sorted(ITERABLES))
@pytest.mark.parametrize("chunksize", [None, 1, 2, 7, 1000, 10**9, 10**30])
def test_matches_map(name, chunksize):
    data = ITERABLES[name]
    if chunksize == 1 and len(data) > 5000:
        data = list(data)[:5000]  # one GIL round trip per item: keep short
    fn = repr if name in ("str", "dict") else abs
    assert weft.par_map(fn, data, chunksize=chunksize) == list(map(fn, data))


@pytest.mark.parametrize("n", [0, 1, 2, 3, 17, 1000])
def test_generators(n):
    assert weft.par_map(square, gen(n)) == list(map(square, gen(n)))
    assert weft.par_map(square, gen(n), chunksize=3) == [square(x) for x in gen(n)]


def test_callables_of_every_kind():
    data = list(range(100))
    assert weft.par_map(lambda x: x + 1, data) == [x + 1 for x in data]
    assert weft.par_map(str, data) == [str(x) for x in data]
    assert weft.par_map(Point, data) == [Point(x) for x in data]
    assert weft.par_map("{}!".format, data) == [f"{x}!" for x in data]
    assert weft.par_map(operator.neg, data) == [-x for x in data]
    assert weft.par_map(square, iter(data)) == [x * x for x in data]


def test_results_keep_identity_and_order():
    objs = [object() for _ in range(10_000)]
    assert all(a is b for a, b in zip(weft.par_map(lambda o: o, objs), objs))


def test_list_mutated_by_fn():
    # A list is read in place, item by item as map reads it: fn growing it
    # (which moves its array) is fine, and the items appended are not
    # mapped; removing items is fine while the length stays; shrinking it
    # below its length at the call is an error, not a crash.
    data = list(range(2000))

    def grow(x):
        data.extend(range(100))
        return x

    assert weft.par_map(grow, data, chunksize=5) == list(range(2000))
    assert len(data) == 2000 + 2000 * 100

    data = [object() for _ in range(1000)]
    index = {id(o): i for i, o in enumerate(data)}

    def replace(o):
        i = index[id(o)]
        data[i] = None  # the last reference to o is now the worker's
        return i

    assert weft.par_map(replace, data) == list(range(1000))

    data = list(range(1000))
    with pytest.raises(RuntimeError, match="changed size"):
        weft.par_map(lambda x: data.clear(), data, chunksize=10)


def test_fn_runs_on_workers_with_persistent_thread_states():
    main = threading.get_ident()
    local = threading.local()

    def where(_):
        # A thread-local set on a worker survives between calls: the worker
        # keeps one thread state for its whole life.
        local.calls = getattr(local, "calls", 0) + 1
        return threading.get_ident(), local.calls

    seen = {}
    for _ in range(20):
        for ident, calls in weft.par_map(where, range(200), chunksize=10):
            seen[ident] = max(seen.get(ident, 0), calls)
    assert main not in seen
    assert 1 <= len(seen) <= weft.num_threads()
    assert sum(seen.values()) == 20 * 200


def test_gil_releasing_calls_overlap():
    # Each call waits (GIL released) until two calls are in flight: this
    # completes only if two workers run fn at the same time.
    with weft.Pool(2) as pool:
        barrier = threading.Barrier(2, timeout=10)
        assert pool.par_map(lambda x: barrier.wait() * 0 + x, range(2), chunksize=1) == [0, 1]
        barrier = threading.Barrier(2, timeout=10)
        assert sorted(pool.par_map(lambda x: barrier.wait() >= 0, range(8))) == [True] * 8


def test_caller_releases_the_gil_while_waiting():
    # Another Python thread makes progress while the main thread waits in
    # par_map for calls that block.
    progress = []
    started = threading.Event()
    stop = threading.Event()

    def other():
        started.set()
        while not stop.is_set():
            progress.append(1)
            stop.wait(0.001)

    t = threading.Thread(target=other)
    t.start()
    started.wait()
    before = len(progress)
    weft.par_map(lambda _: threading.Event().wait(0.05), range(4), chunksize=1)
    during = len(progress) - before
    stop.set()
    t.join()
    assert during > 5


# ---------------------------------------------------------------------------
# Errors


def test_not_callable():
    with pytest.raises(TypeError, match="not callable"):
        weft.par_map(42, [1, 2])
    with pytest.raises(TypeError, match="not callable"):
        weft.par_map(None, [])


def test_not_iterable():
    with pytest.raises(TypeError, match="not iterable"):
        weft.par_map(abs, 42)
    with pytest.raises(TypeError):
        weft.par_map(abs, None)


@pytest.mark.parametrize("bad", [0, -1, -(10**30)])
def test_chunksize_too_small(bad):
    with pytest.raises(ValueError, match="chunksize"):
        weft.par_map(abs, [1, 2], chunksize=bad)


@pytest.mark.parametrize("bad", ["3", 2.5, [1]])
def test_chunksize_wrong_type(bad):
    with pytest.raises(TypeError, match="chunksize"):
        weft.par_map(abs, [1, 2], chunksize=bad)


def test_argument_errors():
    with pytest.raises(TypeError):
        weft.par_map(abs)
    with pytest.raises(TypeError):
        weft.par_map(abs, [1], 5)  # chunksize is keyword-only
    with pytest.raises(TypeError):
        weft.par_map(abs, [1], chunk=5)


@pytest.mark.parametrize("call", [
    lambda m: m.par_map(fn=abs, iterable=[1]),
    lambda m: m.par_map(abs, iterable=[1]),
    lambda m: m.par_map(abs, iterable=[1], chunksize=1),
], ids=["both", "iterable", "iterable and chunksize"])
def test_fn_and_iterable_are_positional_only(call):
    # As for map(): par_map(fn, iterable, /, *, chunksize=None).
    with pytest.raises(TypeError):
        call(weft)
    with weft.Pool(1) as pool:
        with pytest.raises(TypeError):
            call(pool)


class Custom(Exception):
    def __init__(self, value):
        super().__init__(f"bad item {value}")
        self.value = value


def raise_on_13(x):
    if x == 13:
        raise Custom(x)
    return x


def test_exception_type_value_and_traceback():
    with pytest.raises(Custom) as info:
        weft.par_map(raise_on_13, range(100))
    exc = info.value
    assert exc.value == 13 and str(exc) == "bad item 13"
    names = [frame.name for frame in traceback.extract_tb(exc.__traceback__)]
    assert "raise_on_13" in names  # the frame that raised, from the worker
    assert names[0] == "test_exception_type_value_and_traceback"


def test_base_exceptions_propagate():
    def leave(x):
        if x == 3:
            raise SystemExit(5)
        return x

    with pytest.raises(SystemExit) as info:
        weft.par_map(leave, range(10))
    assert info.value.code == 5


def test_error_from_the_iterable():
    def broken():
        yield 1
        raise Custom(-1)

    with pytest.raises(Custom):
        weft.par_map(abs, broken())


def test_first_exception_cancels_the_rest():
    calls = []

    def fail_first(x):
        calls.append(x)
        if x == 0:
            raise ValueError("first")
        return x

    n = 100_000
    with pytest.raises(ValueError, match="first"):
        weft.par_map(fail_first, range(n), chunksize=1)
    # Items already running when the error was recorded may finish; the
    # rest never start.
    assert len(calls) < n // 10
    settled = len(calls)
    threading.Event().wait(0.1)
    assert len(calls) == settled  # nothing runs after par_map returned


def test_reraises_the_first_exception_in_time_not_the_lowest_index():
    # Item 0 raises only after item 1 has raised (and had time to be
    # recorded): map() would raise item 0's ValueError, par_map raises item
    # 1's KeyError, as documented.  Pool(2) with chunksize=1: each item has
    # a runner of its own, on a worker of its own.
    raised = threading.Event()

    def fn(x):
        if x == 1:
            raised.set()
            raise KeyError("item 1, first in time")
        if not raised.wait(10):
            raise AssertionError("item 1 never ran alongside item 0")
        time.sleep(0.2)
        raise ValueError("item 0, lower index, later")

    raised.set()
    with pytest.raises(ValueError):
        list(map(fn, range(2)))  # the lowest index
    raised.clear()
    with weft.Pool(2) as pool:
        with pytest.raises(KeyError, match="first in time"):
            pool.par_map(fn, range(2), chunksize=1)
    assert "first in time" in weft.par_map.__doc__


def test_one_error_among_many_per_call():
    for _ in range(50):
        with pytest.raises(ZeroDivisionError):
            weft.par_map(lambda x: 1 // (x % 97), range(1, 1000))


# ---------------------------------------------------------------------------
# Nesting


def test_nested():
    def inner(x):
        return sum(weft.par_map(square, range(x)))

    assert weft.par_map(inner, range(60)) == [sum(i * i for i in range(x)) for x in range(60)]


def test_nested_three_levels():
    def level2(x):
        return weft.par_map(lambda y: x * y, range(5), chunksize=1)

    def level1(x):
        return weft.par_map(level2, range(x), chunksize=1)

    want = [[[x * y for y in range(5)] for x in range(n)] for n in range(12)]
    assert weft.par_map(level1, range(12), chunksize=1) == want


def test_nested_across_pools():
    with weft.Pool(2) as a, weft.Pool(3) as b:
        def in_b(x):
            return sum(a.par_map(square, range(x)))

        def in_a(x):
            return sum(b.par_map(in_b, range(x)))

        want = [sum(sum(i * i for i in range(y)) for y in range(x)) for x in range(20)]
        assert a.par_map(in_a, range(20)) == want
        assert weft.par_map(lambda x: b.par_map(abs, [x, -x]), range(10)) == \
            [[x, x] for x in range(10)]


def test_nested_error_propagates():
    def inner(x):
        return weft.par_map(raise_on_13, range(x))

    with pytest.raises(Custom):
        weft.par_map(inner, range(30))


def test_many_python_threads_at_once():
    results = {}

    def caller(k):
        results[k] = weft.par_map(lambda x: x + k, range(10_000))

    threads = [threading.Thread(target=caller, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in range(8):
        assert results[k] == [x + k for x in range(10_000)]


# ---------------------------------------------------------------------------
# Pools


def test_num_threads():
    n = weft.num_threads()
    assert isinstance(n, int) and n >= 1
    assert weft._native._default_pool().num_threads() == n


def test_weft_num_threads_is_honoured():
    proc = run_python("import weft; print(weft.num_threads(), weft.Pool().num_threads())",
                      env={"WEFT_NUM_THREADS": "3"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["3", "3"]


@pytest.mark.parametrize("threads", [1, 2, 5])
def test_pool(threads):
    with weft.Pool(threads) as pool:
        assert pool.num_threads() == threads
        assert pool.par_map(square, range(1000)) == [x * x for x in range(1000)]
        assert pool.par_map(square, range(100), chunksize=1) == [x * x for x in range(100)]
        assert repr(pool) == f"<weft.Pool threads={threads}>"
        assert not pool.closed
    assert pool.closed
    assert repr(pool) == "<weft.Pool closed>"


def test_pool_threads_keyword():
    with weft.Pool(threads=2) as pool:
        assert pool.num_threads() == 2


@pytest.mark.parametrize("bad", [0, -3, weft.MAX_THREADS + 1, 10**40])
def test_pool_bad_thread_count(bad):
    with pytest.raises(ValueError, match="threads"):
        weft.Pool(bad)


@pytest.mark.parametrize("bad", ["2", 2.0])
def test_pool_thread_count_type(bad):
    with pytest.raises(TypeError):
        weft.Pool(bad)


def test_closed_pool_refuses_work():
    pool = weft.Pool(2)
    pool.close()
    pool.close()  # idempotent
    with pytest.raises(RuntimeError, match="closed"):
        pool.par_map(abs, [1])
    with pytest.raises(RuntimeError, match="closed"):
        pool.num_threads()
    with pytest.raises(RuntimeError):
        with pool:
            pass


def test_close_waits_for_spawned_work():
    pool = weft.Pool(2)
    done = []
    for i in range(20):
        pool._spawn(lambda i=i: (threading.Event().wait(0.005), done.append(i)))
    pool.close()
    assert sorted(done) == list(range(20))


def test_close_from_own_worker_is_refused():
    with weft.Pool(2) as pool:
        errors = pool.par_map(lambda _: _try(pool.close), range(2), chunksize=1)
    assert all(isinstance(e, RuntimeError) for e in errors)


def _try(fn):
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - returned to the test
        return exc
    return None


def test_pool_dropped_on_its_own_worker():
    # The last reference dies on one of the pool's workers: destroying it
    # there would wait for itself, so it is handed to a helper thread.
    box = [weft.Pool(2)]
    pool = box[0]
    finished = threading.Event()

    def drop():
        box.clear()
        finished.set()

    pool._spawn(drop)
    del pool
    assert finished.wait(10)
    # The helper joins the workers soon after.
    for _ in range(500):
        gc.collect()
        if thread_count() <= _baseline_threads + 2:
            break
        threading.Event().wait(0.01)
    assert weft.par_map(abs, [-1]) == [1]


_baseline_threads = thread_count()


def test_pools_release_their_threads():
    weft.num_threads()  # the default pool exists
    before = thread_count()
    for _ in range(20):
        with weft.Pool(3) as pool:
            pool.par_map(abs, range(100))
    assert thread_count() == before
    pools = [weft.Pool(2) for _ in range(5)]
    assert thread_count() == before + 10
    del pools
    gc.collect()
    # Dropped pools are destroyed by helper threads, which do not wait for
    # the caller: their workers are gone soon after, not at once.
    assert wait_for_threads(before) <= before


def wait_for_threads(count, timeout=10):
    deadline = time.monotonic() + timeout
    while thread_count() > count and time.monotonic() < deadline:
        time.sleep(0.01)
    return thread_count()


def test_dropping_a_pool_does_not_wait_for_its_work():
    # Pool has no public submit: _spawn (what Executor.submit uses) is its
    # only way to leave work running once the caller holds no reference.
    weft.num_threads()
    before = thread_count()
    pool = weft.Pool(2)
    done = threading.Event()
    results = []

    def slow():
        time.sleep(1.0)
        results.append(weft.par_map(abs, [-1, -2]))
        done.set()

    pool._spawn(slow)
    start = time.monotonic()
    del pool
    gc.collect()
    assert time.monotonic() - start < 0.5
    assert not done.is_set()
    assert done.wait(10)
    assert results == [[1, 2]]
    assert wait_for_threads(before) <= before


def test_dropping_a_pool_after_an_interrupted_par_map():
    # par_map interrupted by Ctrl-C leaves its running items to finish in
    # the background; dropping the pool then returns at once, and those
    # items still complete.
    proc = run_python("""
        import gc, os, signal, threading, time, weft
        finished = []
        def slow(x):
            time.sleep(0.5)
            finished.append(x)
        pool = weft.Pool(2)
        threading.Timer(0.1, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
        try:
            pool.par_map(slow, range(2), chunksize=1)
        except KeyboardInterrupt:
            pass
        start = time.monotonic()
        del pool
        gc.collect()
        took = time.monotonic() - start
        time.sleep(1.5)
        print(took < 0.3, sorted(finished))
    """)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.split("\n")[0] == "True [0, 1]"


def test_spawn_errors_are_reported_not_raised():
    with weft.Pool(1) as pool:
        with pytest.raises(TypeError):
            pool._spawn(5)
        seen = []
        old = sys.unraisablehook
        sys.unraisablehook = lambda u: seen.append(u.exc_type)
        try:
            pool._spawn(lambda: 1 / 0)
            pool.close()
        finally:
            sys.unraisablehook = old
        assert seen == [ZeroDivisionError]
