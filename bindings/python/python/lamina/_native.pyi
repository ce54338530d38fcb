import os
from collections.abc import Iterator
from typing import Any, Optional, Union, final

from . import LaminaError

__all__ = ["Estate", "RenderIter", "__version__"]

__version__: str

@final
class Estate:
    """A compiled, immutable estate; safe to share between threads."""

    @staticmethod
    def open(path_or_store_url: Union[str, os.PathLike[str]]) -> Estate:
        """Load an estate from a file, a directory, or a ``sqlite://``/``postgres://`` store."""
    def hosts(self) -> list[str]:
        """Every certname, sorted."""
    def enc(self, certname: str) -> dict[str, Any]:
        """The host's ENC document (``parameters``, ``classes``, ``environment``)."""
    def explain(self, certname: str, show_hidden: bool = False) -> dict[str, Any]:
        """Where each of the host's values came from."""
    def render_all(self, parallel: bool = True) -> RenderIter:
        """Iterate ``(certname, document or exception)``, hosts resolved ahead on all cores."""
    def lookup(
        self,
        key: str,
        node: Optional[str] = None,
        facts: Optional[dict[str, Any]] = None,
        merge: Union[str, dict[str, Any], None] = None,
        *,
        environment: str = "production",
        hiera_config: Union[str, os.PathLike[str], None] = None,
        knock_out_prefix: Optional[str] = None,
        sort_merged_arrays: bool = False,
        merge_hash_arrays: bool = False,
        strict: str = "error",
        default: Any = ...,
    ) -> Any:
        """A Hiera 5 lookup (``puppet lookup``); ``KeyNotFound`` unless ``default`` is given.

        ``strict`` is Puppet's setting: ``"error"`` (Puppet 8's default) refuses an undefined
        variable in data and a YAML data file that is not a hash; ``"warning"`` (Puppet 7's)
        warns."""
    def hiera_warnings(self, hiera_config: Union[str, os.PathLike[str], None] = None) -> list[str]:
        """Warnings of a Hiera configuration (by default the estate's)."""
    def __len__(self) -> int: ...
    def __contains__(self, certname: str, /) -> bool: ...

@final
class RenderIter(Iterator[tuple[str, Union[dict[str, Any], LaminaError]]]):
    def __iter__(self) -> RenderIter: ...
    def __next__(self) -> tuple[str, Union[dict[str, Any], LaminaError]]: ...
    def __length_hint__(self) -> int: ...
