"""Type stubs for weft_ctypes."""

from _ctypes import CFuncPtr
from typing import Any, Callable, Iterable, List, NamedTuple, Optional, TypeVar, Union, overload

from typing_extensions import Buffer

_T = TypeVar("_T")
_R = TypeVar("_R")
_Text = Union[str, Buffer]
_W = TypeVar("_W", bound=Buffer)

library_path: str

class WcCounts(NamedTuple):
    lines: int
    words: int
    bytes: int

def search(contents: _Text, needle: _Text, /) -> int: ...
def search_sequential(contents: _Text, needle: _Text, /) -> int: ...
def wc(data: _Text, /) -> WcCounts: ...
def par_sum(buffer: Buffer, /) -> Union[int, float]: ...
def par_sort(buffer: Buffer, /) -> None: ...
def num_threads() -> int: ...
@overload
def par_map(
    fn: Callable[[_T], _R], iterable: Iterable[_T], /, *, chunksize: Optional[int] = None
) -> List[_R]: ...
@overload
def par_map(
    fn: Union[CFuncPtr, int], iterable: Buffer, /, *, chunksize: Optional[int] = None,
    out: _W
) -> _W: ...
@overload
def par_map(
    fn: CFuncPtr, iterable: Buffer, /, *, chunksize: Optional[int] = None,
    out: None = None
) -> Any: ...
