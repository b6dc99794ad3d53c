"""weft.Executor: concurrent.futures on a weft pool."""

import concurrent.futures as _cf
import itertools
import threading

from . import _native


class Executor(_cf.Executor):
    """A ``concurrent.futures.Executor`` whose calls run on a weft pool.

    ``Executor(max_workers=None)`` makes a pool of its own with
    ``max_workers`` threads (None: ``weft.num_threads()``), each with its
    own Python thread state.  Code written for ``ThreadPoolExecutor`` or
    ``ProcessPoolExecutor`` switches by changing one line, and asyncio code
    can ``await loop.run_in_executor(executor, fn, *args)``.

    ``submit`` returns a standard ``concurrent.futures.Future``; ``map``
    accepts ``chunksize`` (items per submitted task, as for
    ``ProcessPoolExecutor``); ``shutdown(wait=True, *, cancel_futures=False)``
    and the context manager behave as for ``ThreadPoolExecutor``, and so
    does dropping the last reference without shutdown: that does not wait,
    the calls already submitted still run and their futures resolve, and
    interpreter exit waits for them.  As with threads, a call only runs in
    parallel with others while it releases the GIL.
    """

    def __init__(self, max_workers=None):
        if max_workers is not None:
            if not isinstance(max_workers, int):
                raise TypeError("max_workers must be an int or None")
            if max_workers < 1:
                raise ValueError("max_workers must be greater than 0")
        self._pool = _native.Pool(max_workers)
        self._max_workers = self._pool.num_threads()
        self._lock = threading.Lock()
        self._shutdown = False
        # Futures not yet started, for shutdown(cancel_futures=True).
        self._pending = set()

    def submit(self, fn, /, *args, **kwargs):
        if not callable(fn):
            raise TypeError(f"'{type(fn).__name__}' object is not callable")
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot schedule new futures after shutdown")
            future = _cf.Future()
            pending = self._pending
            pending.add(future)

            def work():
                pending.discard(future)
                if not future.set_running_or_notify_cancel():
                    return
                try:
                    result = fn(*args, **kwargs)
                except BaseException as exc:
                    future.set_exception(exc)
                else:
                    future.set_result(result)

            try:
                self._pool._spawn(work)
            except BaseException:
                pending.discard(future)
                raise
        return future

    submit.__doc__ = _cf.Executor.submit.__doc__

    def map(self, fn, *iterables, timeout=None, chunksize=1):
        """Like ``map(fn, *iterables)``, with the calls on the pool.

        The iterables are collected at once; results are yielded in order
        (``timeout`` as for ``concurrent.futures.Executor.map``).  With
        ``chunksize`` > 1 each task runs that many calls, which saves the
        per-task overhead on short functions.
        """
        if not isinstance(chunksize, int) or isinstance(chunksize, bool):
            raise TypeError("chunksize must be an int")
        if chunksize < 1:
            raise ValueError("chunksize must be >= 1.")
        if chunksize == 1:
            return super().map(fn, *iterables, timeout=timeout)
        chunks = _chunked(zip(*iterables), chunksize)
        results = super().map(_run_chunk, itertools.repeat(fn), chunks,
                              timeout=timeout)
        return _flatten(results)

    def shutdown(self, wait=True, *, cancel_futures=False):
        with self._lock:
            self._shutdown = True
            if cancel_futures:
                for future in list(self._pending):
                    future.cancel()
        if wait:
            self._pool.close()
        else:
            # Pending calls still run; a plain (non-daemon) thread closes
            # the pool once they are done, and interpreter exit waits for
            # it as it would for ThreadPoolExecutor's workers.
            threading.Thread(target=self._pool.close,
                             name="weft-executor-shutdown").start()

    shutdown.__doc__ = _cf.Executor.shutdown.__doc__

    def __repr__(self):
        state = "shutdown" if self._shutdown else "running"
        return f"<weft.Executor max_workers={self._max_workers} {state}>"


def _chunked(iterator, size):
    iterator = iter(iterator)
    while True:
        chunk = tuple(itertools.islice(iterator, size))
        if not chunk:
            return
        yield chunk


def _run_chunk(fn, chunk):
    return [fn(*args) for args in chunk]


def _flatten(results):
    for chunk in results:
        yield from chunk
