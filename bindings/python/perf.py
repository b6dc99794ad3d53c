"""Quick, provisional measurements of the Python bindings (docs/python.md).

    PYTHONPATH=build/release/python python3 bindings/python/perf.py [overhead|sha|search|all]

Each figure is the median of several runs (minimum in brackets); the
benchmark suite (bench/python, scripts/bench.sh) is the reference.
"""

import hashlib
import os
import random
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.pool import ThreadPool

import weft
import weft_ctypes


def timed(fn, rounds=15):
    fn()  # warm up
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), min(times)


def show(label, t, base=None):
    med, best = t
    extra = f"  {base[0] / med:5.2f}x" if base else ""
    print(f"  {label:44s} {med * 1e3:9.2f} ms  [{best * 1e3:8.2f}]{extra}")


def overhead():
    print("per-item overhead: abs over 100,000 ints (2 workers)")
    r = range(100_000)
    items = list(r)
    base = timed(lambda: list(map(abs, r)))
    show("list(map(abs, range))", base)
    show("weft.par_map(abs, range)", timed(lambda: weft.par_map(abs, r)), base)
    base_l = timed(lambda: list(map(abs, items)))
    show("list(map(abs, list))", base_l)
    show("weft.par_map(abs, list)", timed(lambda: weft.par_map(abs, items)), base_l)
    with ThreadPool(2) as tp:
        show("ThreadPool(2).map(abs, list)", timed(lambda: tp.map(abs, items)), base_l)
    show("weft_ctypes.par_map(abs, list)",
         timed(lambda: weft_ctypes.par_map(abs, items)), base_l)
    with ThreadPoolExecutor(2) as ex:
        small = items[:10_000]
        t = timed(lambda: list(ex.map(abs, small)), rounds=3)
        show("ThreadPoolExecutor(2).map, 10,000 items", t)


def sha():
    blocks = [os.urandom(64 * 1024) for _ in range(256)]

    def digest(block):
        return hashlib.sha256(block).digest()

    print("GIL-releasing fn: hashlib.sha256 over 256 blocks of 64 KiB")
    base = timed(lambda: list(map(digest, blocks)))
    show("list(map(sha256, blocks))", base)
    show("weft.par_map(sha256, blocks)", timed(lambda: weft.par_map(digest, blocks)), base)
    show("weft.par_map(..., chunksize=1)",
         timed(lambda: weft.par_map(digest, blocks, chunksize=1)), base)
    with ThreadPool(2) as tp:
        show("ThreadPool(2).map(sha256, blocks)", timed(lambda: tp.map(digest, blocks)), base)


def make_text(mib=32, seed=1):
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(2000)] + ["needle"]
    weights = [1.0] * 2000 + [13.0]
    words = rng.choices(vocab, weights, k=mib * 1024 * 1024 // 6)
    lines = [" ".join(words[i:i + 12]) for i in range(0, len(words), 12)]
    return "\n".join(lines) + "\n"


def search():
    text = make_text()
    data = text.encode()
    needle = "needle"
    want = text.split().count(needle)
    print(f"word search: {len(data) / 2**20:.0f} MiB, needle found {want:,} times")

    def reference():
        return sum(line.split().count(needle) for line in text.splitlines())

    assert reference() == want == weft.search(text, needle) == weft.search(data, b"needle")
    base = timed(reference, rounds=3)
    show("pure Python (split per line)", base)
    show("weft.search(str)", timed(lambda: weft.search(text, needle)), base)
    show("weft.search(bytes)", timed(lambda: weft.search(data, b"needle")), base)
    show("weft.search_sequential(str)",
         timed(lambda: weft.search_sequential(text, needle)), base)
    show("weft_ctypes.search(str)", timed(lambda: weft_ctypes.search(text, needle)), base)

    # Throughput of search_sequential: one Python thread doing 2k searches,
    # against two threads doing k each (threads started beforehand).
    k = 10

    def searches(count):
        for _ in range(count):
            weft.search_sequential(data, b"needle")

    with ThreadPoolExecutor(2) as ex:
        list(ex.map(lambda _: None, range(4)))  # start both threads
        one = timed(lambda: searches(2 * k), rounds=5)
        two = timed(lambda: list(ex.map(searches, [k, k])), rounds=5)
    show(f"search_sequential x{2 * k}, one thread", one)
    show(f"search_sequential x{k} in each of two threads", two, one)


def main():
    which = sys.argv[1] if len(sys.argv) > 1 else "all"
    print(f"Python {sys.version.split()[0]}, weft.num_threads() = {weft.num_threads()}, "
          f"{os.cpu_count()} CPUs")
    for name, fn in (("overhead", overhead), ("sha", sha), ("search", search)):
        if which in (name, "all"):
            fn()


if __name__ == "__main__":
    main()
