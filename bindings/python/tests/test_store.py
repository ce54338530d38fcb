"""`Estate.open` with a store URL: an estate imported into SQLite (by `lamina import`) renders
exactly as the files it came from."""

from __future__ import annotations

import subprocess
from pathlib import Path

import lamina

from conftest import DEMO


def test_sqlite_store_renders_like_the_files(lamina_bin: Path, tmp_path: Path, demo: lamina.Estate) -> None:
    url = f"sqlite://{tmp_path / 'estate.db'}"
    subprocess.run([str(lamina_bin), "import", str(DEMO), "--store", url], check=True, capture_output=True)
    stored = lamina.Estate.open(url)
    assert stored.hosts() == demo.hosts()
    assert dict(stored.render_all()) == dict(demo.render_all())
    assert "estate.db" in repr(stored)


def test_store_url_password_not_shown_in_repr() -> None:
    try:
        lamina.Estate.open("postgres://user:secret@127.0.0.1:1/nope")
    except lamina.LaminaError as e:
        assert "secret" not in str(e)
        assert all("secret" not in m for m in getattr(e, "errors", []))
