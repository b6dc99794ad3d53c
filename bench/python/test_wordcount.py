"""The PyO3 guide's word-count table, with weft: count the occurrences of
a word in a 32 MiB text, from pure Python, from weft's parallel and
sequential kernels, and from the usual Python ways of using more cores
(processes over line chunks, threads over line chunks)."""

import multiprocessing
import statistics
import time
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest
import weft


def search_py(contents, needle):
    """Pure Python: the whitespace-separated words equal to needle."""
    total = 0
    for line in contents.splitlines():
        for word in line.split():
            if word == needle:
                total += 1
    return total


def _search_chunk(args):
    return search_py(*args)


def line_chunks(contents, n):
    """n pieces of whole lines (cut after a newline)."""
    pieces, start, size = [], 0, len(contents) // n + 1
    while start < len(contents):
        end = contents.find("\n", start + size)
        end = len(contents) if end < 0 else end + 1
        pieces.append(contents[start:end])
        start = end
    return pieces


@pytest.fixture(scope="module")
def chunks(text, threads):
    contents, needle, _ = text
    return [(c, needle) for c in line_chunks(contents, 4 * threads)]


@pytest.fixture(scope="module")
def mp_pool(threads):
    with multiprocessing.get_context("fork").Pool(threads) as pool:
        yield pool


@pytest.fixture(scope="module")
def process_executor(threads):
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(threads, mp_context=ctx) as ex:
        yield ex


@pytest.fixture(scope="module")
def thread_executor(threads):
    with ThreadPoolExecutor(threads) as ex:
        yield ex


GROUP = "word count (the PyO3 guide's table)"


@pytest.mark.benchmark(group=GROUP)
def test_python_sequential(benchmark, text):
    contents, needle, count = text
    assert benchmark(search_py, contents, needle) == count


@pytest.mark.benchmark(group=GROUP)
def test_weft_search_parallel(benchmark, text):
    contents, needle, count = text
    assert benchmark(weft.search, contents, needle) == count


@pytest.mark.benchmark(group=GROUP)
def test_weft_search_sequential(benchmark, text):
    contents, needle, count = text
    assert benchmark(weft.search_sequential, contents, needle) == count


# Calls each thread makes per measurement in the two-thread test.  One call
# takes a few milliseconds; with one call per fresh thread the figure was
# mostly where the scheduler first put the threads (a thread woken by a
# GIL hand-off starts on the waker's core and is moved a tick later).
CALLS_PER_THREAD = 8


@pytest.mark.benchmark(group=GROUP)
def test_weft_search_sequential_two_threads(benchmark, text):
    """search_sequential releases the GIL: two Python threads, each
    searching the whole text CALLS_PER_THREAD times, run at once (the
    time is for all 2 x CALLS_PER_THREAD searches).  The throughput
    against one thread doing CALLS_PER_THREAD searches is also measured
    here, the two timed in alternating rounds (extra_info), since the
    machine's speed drifts between tests run minutes apart."""
    contents, needle, count = text
    benchmark.extra_info["calls_per_thread"] = CALLS_PER_THREAD

    def once():
        for _ in range(CALLS_PER_THREAD):
            r = weft.search_sequential(contents, needle)
        return r

    def twice():
        out = [None, None]

        def work(i):
            out[i] = once()

        ts = [threading.Thread(target=work, args=(i,)) for i in range(2)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        return out

    one, two = [], []
    for _ in range(7):
        t = time.perf_counter()
        assert once() == count
        one.append(time.perf_counter() - t)
        t = time.perf_counter()
        assert twice() == [count, count]
        two.append(time.perf_counter() - t)
    benchmark.extra_info["one_thread_s"] = statistics.median(one)
    benchmark.extra_info["two_threads_s"] = statistics.median(two)
    assert benchmark(twice) == [count, count]


@pytest.mark.benchmark(group=GROUP)
def test_multiprocessing_pool(benchmark, text, chunks, mp_pool):
    count = text[2]
    assert benchmark(lambda: sum(mp_pool.map(_search_chunk, chunks))) == count


@pytest.mark.benchmark(group=GROUP)
def test_process_pool_executor(benchmark, text, chunks, process_executor):
    count = text[2]
    assert benchmark(
        lambda: sum(process_executor.map(_search_chunk, chunks))) == count


@pytest.mark.benchmark(group=GROUP)
def test_thread_pool_executor(benchmark, text, chunks, thread_executor):
    count = text[2]
    assert benchmark(
        lambda: sum(thread_executor.map(_search_chunk, chunks))) == count
