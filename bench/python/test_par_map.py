"""weft.par_map: what one item costs (a trivial function over many items,
against the builtin map, ThreadPoolExecutor.map and
multiprocessing.Pool.map; and issue 4's own case, abs over
range(100_000), against map and multiprocessing.pool.ThreadPool(N).map with
its default chunking), and a function that releases the GIL
(hashlib.sha256 over 64 KiB blocks) where par_map should use every core."""

import hashlib
import multiprocessing
import multiprocessing.pool
import os
from concurrent.futures import ThreadPoolExecutor

import pytest
import weft

ITEMS = 100_000
BLOCKS = 256
BLOCK = 64 * 1024


def inc(x):
    return x + 1


def sha(block):
    return hashlib.sha256(block).digest()


@pytest.fixture(scope="module")
def items(quick):
    return list(range(ITEMS // 10 if quick else ITEMS))


@pytest.fixture(scope="module")
def blocks(quick):
    n = BLOCKS // 4 if quick else BLOCKS
    data = os.urandom(n * BLOCK)
    return [data[i * BLOCK:(i + 1) * BLOCK] for i in range(n)]


@pytest.fixture(scope="module")
def mp_pool(threads):
    with multiprocessing.get_context("fork").Pool(threads) as pool:
        yield pool


@pytest.fixture(scope="module")
def thread_executor(threads):
    with ThreadPoolExecutor(threads) as ex:
        yield ex


OVERHEAD = "par_map per-item overhead: x + 1 over ints"


def per_item(benchmark, n):
    benchmark.extra_info["items"] = n


@pytest.mark.benchmark(group=OVERHEAD)
def test_overhead_builtin_map(benchmark, items):
    per_item(benchmark, len(items))
    want = [x + 1 for x in items]
    assert benchmark(lambda: list(map(inc, items))) == want


@pytest.mark.benchmark(group=OVERHEAD)
def test_overhead_weft_par_map(benchmark, items):
    per_item(benchmark, len(items))
    want = [x + 1 for x in items]
    assert benchmark(weft.par_map, inc, items) == want


@pytest.mark.benchmark(group=OVERHEAD)
def test_overhead_thread_pool_executor_map(benchmark, items, thread_executor):
    per_item(benchmark, len(items))
    want = [x + 1 for x in items]
    assert benchmark(lambda: list(thread_executor.map(inc, items))) == want


@pytest.mark.benchmark(group=OVERHEAD)
def test_overhead_multiprocessing_pool_map(benchmark, items, mp_pool):
    per_item(benchmark, len(items))
    want = [x + 1 for x in items]
    assert benchmark(mp_pool.map, inc, items) == want


ABS = "abs over range(100_000): issue 4's per-item case"


@pytest.fixture(scope="module")
def abs_range(quick):
    return range(ITEMS // 10 if quick else ITEMS)


@pytest.fixture(scope="module")
def thread_pool(threads):
    with multiprocessing.pool.ThreadPool(threads) as pool:
        yield pool


@pytest.mark.benchmark(group=ABS)
def test_abs_builtin_map(benchmark, abs_range):
    per_item(benchmark, len(abs_range))
    assert benchmark(lambda: list(map(abs, abs_range))) == list(abs_range)


@pytest.mark.benchmark(group=ABS)
def test_abs_weft_par_map(benchmark, abs_range):
    per_item(benchmark, len(abs_range))
    assert benchmark(weft.par_map, abs, abs_range) == list(abs_range)


@pytest.mark.benchmark(group=ABS)
def test_abs_thread_pool_map(benchmark, abs_range, thread_pool):
    per_item(benchmark, len(abs_range))
    assert benchmark(thread_pool.map, abs, abs_range) == list(abs_range)


SHA = "sha256 of 64 KiB blocks: the GIL released"


@pytest.mark.benchmark(group=SHA)
def test_sha256_builtin_map(benchmark, blocks):
    per_item(benchmark, len(blocks))
    want = [sha(b) for b in blocks]
    assert benchmark(lambda: list(map(sha, blocks))) == want


@pytest.mark.benchmark(group=SHA)
def test_sha256_weft_par_map(benchmark, blocks):
    per_item(benchmark, len(blocks))
    want = [sha(b) for b in blocks]
    assert benchmark(weft.par_map, sha, blocks) == want


@pytest.mark.benchmark(group=SHA)
def test_sha256_thread_pool_executor_map(benchmark, blocks, thread_executor):
    per_item(benchmark, len(blocks))
    want = [sha(b) for b in blocks]
    assert benchmark(lambda: list(thread_executor.map(sha, blocks))) == want
