from typing import Optional

from ._native import Estate as Estate
from ._native import RenderIter as RenderIter
from ._native import __version__ as __version__

__all__ = [
    "DataError",
    "Estate",
    "HostNotFound",
    "KeyNotFound",
    "LaminaError",
    "__version__",
]

class LaminaError(Exception): ...

class HostNotFound(LaminaError, KeyError):
    certname: str
    def __init__(self, certname: str) -> None: ...

class KeyNotFound(LaminaError, KeyError):
    key: str
    message: Optional[str]
    def __init__(self, key: str, message: Optional[str] = None) -> None: ...

class DataError(LaminaError, ValueError):
    message: str
    file: Optional[str]
    line: Optional[int]
    key: Optional[str]
    errors: list[str]
    def __init__(
        self,
        message: str,
        *,
        file: Optional[str] = None,
        line: Optional[int] = None,
        key: Optional[str] = None,
        errors: Optional[list[str]] = None,
    ) -> None: ...
