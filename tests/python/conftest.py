"""Shared helpers of weft's Python tests.

ctest runs them with PYTHONPATH pointing at the staged package tree
(<build>/python: weft/ with the extension, weft_ctypes/ with libweft.so);
they also run against an installed package (pip install ./bindings/python).
"""

import os
import subprocess
import sys
import textwrap


# Under the sanitizer presets ctest sets WEFT_TEST_SCALE (< 1): the big
# inputs shrink, the cases stay the same.
SCALE = float(os.environ.get("WEFT_TEST_SCALE") or 1)


def scaled(n, minimum):
    """n, scaled by WEFT_TEST_SCALE, but never below minimum."""
    return max(minimum, int(n * SCALE))


def run_python(code, timeout=60, env=None):
    """Run code in a fresh interpreter (same sys.path); return the
    completed process.  For scenarios that signal, fork or exit."""
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    if env:
        full_env.update(env)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)],
                          capture_output=True, text=True, timeout=timeout,
                          env=full_env)


def thread_count():
    """Native threads of this process (weft's workers are not Python
    threads, so threading.active_count() does not see them)."""
    return len(os.listdir("/proc/self/task"))
