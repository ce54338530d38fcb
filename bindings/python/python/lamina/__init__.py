"""Lamina: Foreman-style classification of a Puppet estate into ENC documents.

    >>> import lamina
    >>> estate = lamina.Estate.open("corpus/demo")
    >>> estate.enc("web01.demo.example.com")["classes"]["apache"]["listen_port"]
    8443

The engine is Rust (``lamina._native``); the exceptions are defined here, and the
extension builds them by importing them from this module.
"""

from __future__ import annotations

from typing import Any, List, Optional

__all__ = [
    "DataError",
    "Estate",
    "HostNotFound",
    "KeyNotFound",
    "LaminaError",
    "__version__",
]


class LaminaError(Exception):
    """Base class of every error Lamina raises."""


class HostNotFound(LaminaError, KeyError):
    """No host with that certname (or FQDN) in the estate. Also a ``KeyError``."""

    def __init__(self, certname: str) -> None:
        super().__init__(certname)
        self.certname = certname

    def __str__(self) -> str:
        return f"unknown host {self.certname!r}"


class KeyNotFound(LaminaError, KeyError):
    """A key that has no value. Also a ``KeyError``."""

    def __init__(self, key: str, message: Optional[str] = None) -> None:
        super().__init__(key)
        self.key = key
        self.message = message

    def __str__(self) -> str:
        return self.message or f"key not found: {self.key!r}"


class DataError(LaminaError, ValueError):
    """The estate is invalid, or a host's data cannot be resolved.

    ``file`` and ``line`` locate the first error (``None`` when unknown), ``key`` names its
    object (``host web01.example.com``, ``ntp::servers``, ...), and ``errors`` lists every
    message (a load reports all its errors at once).
    """

    def __init__(
        self,
        message: str,
        *,
        file: Optional[str] = None,
        line: Optional[int] = None,
        key: Optional[str] = None,
        errors: Optional[List[str]] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.key = key
        self.errors: List[str] = list(errors) if errors is not None else [message]

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> Any:
        kwargs = {"file": self.file, "line": self.line, "key": self.key, "errors": self.errors}
        return (_make_data_error, (self.message, kwargs))


def _make_data_error(message: str, kwargs: Any) -> DataError:
    return DataError(message, **kwargs)


from ._native import Estate, RenderIter, __version__  # noqa: E402
