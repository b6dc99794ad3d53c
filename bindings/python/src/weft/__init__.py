"""weft: multi-core Python on a work-stealing fork-join runtime.

The functions here run on weft's worker threads (a pool of its own, one
thread per CPU, or ``WEFT_NUM_THREADS``) and release the GIL while native
work runs, so both weft's workers and the caller's other Python threads
use every core:

* ``par_map(fn, iterable, /, *, chunksize=None)``: ``list(map(fn,
  iterable))`` in parallel chunks; pays off when ``fn`` releases the GIL
  (hashlib, zlib, numpy, I/O, weft's own kernels).  If calls raise, the
  exception re-raised is the first raised in time, not necessarily the
  lowest index's.
* ``search(contents, needle, /)`` / ``search_sequential``:
  ``contents.split().count(needle)`` for ``str`` or bytes-like contents.
* ``wc(data)``, ``par_sum(buffer)``, ``par_sort(buffer)``: kernels over
  bytes and typed buffers (array.array, numpy).
* ``Executor(max_workers=None)``: a ``concurrent.futures.Executor``.
* ``Pool(threads=N)``: a pool of one's own, with the same methods.

See docs/python.md in the weft repository for the details and figures.
"""

import atexit as _atexit
import ctypes as _ctypes
import os as _os


def _load_runtime() -> None:
    # The extension links libweft.so.0; load the copy shipped beside
    # weft_ctypes first, so that the loader resolves the extension to that
    # very file and weft and weft_ctypes share one runtime.  (A build tree
    # lays the same files out; elsewhere the system's libweft is used.)
    here = _os.path.dirname(_os.path.abspath(__file__))
    path = _os.path.join(_os.path.dirname(here), "weft_ctypes", "libweft.so")
    if _os.path.exists(path):
        _ctypes.CDLL(path)


_load_runtime()

from . import _native  # noqa: E402
from ._executor import Executor  # noqa: E402
from ._native import (  # noqa: E402
    MAX_THREADS,
    Pool,
    WcCounts,
    __version__,
    num_threads,
    par_map,
    par_sort,
    par_sum,
    search,
    search_sequential,
    wc,
)

__all__ = [
    "Executor",
    "MAX_THREADS",
    "Pool",
    "WcCounts",
    "__version__",
    "num_threads",
    "par_map",
    "par_sort",
    "par_sum",
    "search",
    "search_sequential",
    "wc",
]

# Every pool must be gone before the interpreter finalizes: a worker that
# touched the GIL then would be terminated by CPython in the middle of
# weft's code.  atexit runs after non-daemon threads are joined and before
# finalization.
_atexit.register(_native._shutdown)
