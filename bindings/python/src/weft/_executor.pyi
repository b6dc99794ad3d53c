"""Type stubs for weft.Executor."""

import concurrent.futures
from typing import Any, Callable, Iterable, Iterator, Optional, TypeVar

from typing_extensions import ParamSpec

_T = TypeVar("_T")
_P = ParamSpec("_P")

class Executor(concurrent.futures.Executor):
    """A concurrent.futures.Executor whose calls run on a weft pool."""

    def __init__(self, max_workers: Optional[int] = None) -> None: ...
    def submit(
        self, fn: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> concurrent.futures.Future[_T]: ...
    def map(
        self,
        fn: Callable[..., _T],
        *iterables: Iterable[Any],
        timeout: Optional[float] = None,
        chunksize: int = 1,
    ) -> Iterator[_T]: ...
    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None: ...
