"""Shared fixtures: the repository's corpus and small estates written to temporary files."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path
from typing import Callable

import pytest

import lamina

REPO = Path(__file__).resolve().parents[3]
DEMO = REPO / "corpus" / "demo"
CONFORMANCE = REPO / "corpus" / "conformance"


@pytest.fixture(scope="session")
def demo() -> lamina.Estate:
    return lamina.Estate.open(DEMO)


@pytest.fixture
def write_estate(tmp_path: Path) -> Callable[..., Path]:
    """Write YAML text (dedented) to a file; returns its path."""

    def write(text: str, name: str = "estate.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
        return path

    return write


def find_lamina_bin() -> Path | None:
    """The `lamina` command (for tests that need `lamina import`): $LAMINA_BIN, else a build in
    target/."""
    explicit = os.environ.get("LAMINA_BIN")
    if explicit:
        return Path(explicit)
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    built = [p for p in (target / "debug" / "lamina", target / "release" / "lamina") if p.is_file()]
    return max(built, key=lambda p: p.stat().st_mtime, default=None)


@pytest.fixture(scope="session")
def lamina_bin() -> Path:
    found = find_lamina_bin()
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("the lamina binary is not built (set LAMINA_BIN or run cargo build -p lamina-cli)")
        pytest.skip("the lamina binary is not built")
    return found
