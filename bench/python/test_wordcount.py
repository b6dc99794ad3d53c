"""The PyO3 guide's word-count table, with weft: count the occurrences of
a word in a 32 MiB text, from pure Python, from weft's parallel and
sequential kernels, and from the usual Python ways of using more cores
(processes over line chunks, threads over line chunks)."""

import multiprocessing
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


@pytest.mark.benchmark(group=GROUP)
def test_weft_search_sequential_two_threads(benchmark, text):
    """search_sequential releases the GIL: two Python threads, each
    searching the whole text, run at once."""
    contents, needle, count = text

    def twice():
        out = [None, None]

        def work(i):
            out[i] = weft.search_sequential(contents, needle)

        ts = [threading.Thread(target=work, args=(i,)) for i in range(2)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        return out

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
