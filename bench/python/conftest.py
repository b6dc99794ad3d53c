"""Fixtures of the Python benchmark (run by bench/run.py, which generates
the text with the C programs' generator and passes it in the environment:
WEFT_BENCH_TEXT (a file), WEFT_BENCH_NEEDLE, WEFT_BENCH_COUNT)."""

import os

import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "bench: a weft benchmark")


@pytest.fixture(scope="session")
def text():
    path = os.environ.get("WEFT_BENCH_TEXT")
    if not path:
        pytest.skip("WEFT_BENCH_TEXT is not set: run scripts/bench.sh")
    with open(path, encoding="ascii") as f:
        contents = f.read()
    return (contents, os.environ["WEFT_BENCH_NEEDLE"],
            int(os.environ["WEFT_BENCH_COUNT"]))


@pytest.fixture(scope="session")
def threads():
    return len(os.sched_getaffinity(0))


@pytest.fixture(scope="session")
def quick():
    return os.environ.get("WEFT_BENCH_QUICK") == "1"
