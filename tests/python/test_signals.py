"""Ctrl-C during a long par_map: KeyboardInterrupt in the caller within a
second, and the remaining items never run.  Each scenario runs in its own
interpreter, which signals itself from a timer thread."""

import pytest

from conftest import run_python

SCENARIO = """
import os, signal, sys, threading, time
import {module} as weft

calls = 0
def slow(x):            # releases the GIL
    global calls
    time.sleep(0.005)
    calls += 1
    return x
def busy(x):            # holds the GIL
    global calls
    s = 0
    for i in range(20000):
        s += i
    calls += 1
    return s

fn = {fn}
sent = []
def interrupt():
    sent.append(time.monotonic())
    os.kill(os.getpid(), signal.SIGINT)
threading.Timer(0.3, interrupt).start()
try:
    weft.par_map(fn, range(1_000_000){extra})
    print("FINISHED")
    sys.exit(1)
except KeyboardInterrupt:
    latency = time.monotonic() - sent[0]
after_raise = calls
time.sleep(0.3)
after_wait = calls
print(latency, after_raise, after_wait)
# weft still works afterwards
assert weft.par_map(abs, range(-5, 5)) == [5, 4, 3, 2, 1, 0, 1, 2, 3, 4]
"""


@pytest.mark.parametrize("fn", ["slow", "busy"])
@pytest.mark.parametrize("module,extra", [
    ("weft", ""),
    ("weft", ", chunksize=1"),
    ("weft_ctypes", ""),
])
def test_keyboard_interrupt(module, extra, fn):
    proc = run_python(SCENARIO.format(module=module, fn=fn, extra=extra))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    latency, after_raise, after_wait = proc.stdout.split()
    assert float(latency) < 1.0
    # Items in flight when the signal came (at most one per worker) may
    # complete; nothing else starts.
    assert int(after_wait) - int(after_raise) <= 8
    assert int(after_wait) < 1_000_000 // 2


def test_interrupt_inside_a_pool_and_nested():
    proc = run_python("""
        import os, signal, threading, time, weft
        calls = 0
        def inner(x):
            global calls
            time.sleep(0.002)
            calls += 1
            return x
        def outer(x):
            return weft.par_map(inner, range(200))
        threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
        with weft.Pool(2) as pool:
            t = time.monotonic()
            try:
                pool.par_map(outer, range(10_000))
            except KeyboardInterrupt:
                print(time.monotonic() - t)
        before = calls
        time.sleep(0.3)
        print(calls - before)
    """)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    elapsed, late_calls = proc.stdout.split()
    assert float(elapsed) < 1.3
    assert int(late_calls) == 0  # the pool was closed: all work had ended


def test_custom_sigint_handler_does_not_interrupt():
    # A handler that does not raise lets par_map finish normally.
    proc = run_python("""
        import os, signal, threading, time, weft
        hits = []
        signal.signal(signal.SIGINT, lambda *a: hits.append(1))
        threading.Timer(0.1, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
        out = weft.par_map(lambda x: time.sleep(0.001) or x, range(600))
        print(out == list(range(600)), len(hits))
    """)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.split() == ["True", "1"]


def test_exit_with_work_in_flight():
    # The interpreter exits while a daemon thread is inside par_map: the
    # atexit hook cancels the work and joins the workers; no crash, no hang.
    proc = run_python("""
        import threading, time, weft
        def forever():
            weft.par_map(lambda x: time.sleep(0.01), range(10**6))
        threading.Thread(target=forever, daemon=True).start()
        time.sleep(0.2)
        print("bye")
    """)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == "bye"
