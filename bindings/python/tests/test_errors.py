"""Errors: defined in Python, raised by the extension with their attributes."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Callable

import pytest

import lamina


def test_unknown_host_is_host_not_found_and_key_error(demo: lamina.Estate) -> None:
    with pytest.raises(lamina.HostNotFound) as info:
        demo.enc("nope.example.com")
    e = info.value
    assert isinstance(e, KeyError)
    assert isinstance(e, lamina.LaminaError)
    assert e.certname == "nope.example.com"
    assert "nope.example.com" in str(e)
    with pytest.raises(KeyError):
        demo.explain("nope.example.com")


def test_exception_hierarchy() -> None:
    assert issubclass(lamina.LaminaError, Exception)
    assert issubclass(lamina.HostNotFound, lamina.LaminaError)
    assert issubclass(lamina.HostNotFound, KeyError)
    assert issubclass(lamina.KeyNotFound, lamina.LaminaError)
    assert issubclass(lamina.KeyNotFound, KeyError)
    assert issubclass(lamina.DataError, lamina.LaminaError)
    assert issubclass(lamina.DataError, ValueError)
    for cls in (lamina.LaminaError, lamina.HostNotFound, lamina.KeyNotFound, lamina.DataError):
        assert cls.__module__ == "lamina"


def test_invalid_estate_reports_every_error(write_estate: Callable[..., Path], tmp_path: Path) -> None:
    write_estate(
        """\
        parameters:
          - {name: "bad name", value: 1}
        """,
        "a.yaml",
    )
    write_estate(
        """\
        environments: [production]

        hosts:
          - {name: web01.example.com, hostgroup: Missing}
        """,
        "b.yaml",
    )
    with pytest.raises(lamina.DataError) as info:
        lamina.Estate.open(tmp_path)
    e = info.value
    assert isinstance(e, ValueError)
    assert len(e.errors) >= 2, e.errors
    assert any("bad name" in m for m in e.errors)
    assert any("Missing" in m for m in e.errors)
    assert e.file is not None and e.file.endswith(".yaml")
    assert isinstance(e.line, int) and e.line >= 1
    assert e.key
    assert all(m in str(e) for m in e.errors)
    by_file = {m.split(":")[0] for m in e.errors}
    assert len(by_file) == 2, "errors of both files"


def test_data_error_location(write_estate: Callable[..., Path]) -> None:
    path = write_estate(
        """\
        environments: [production]
        hosts:
          - name: web01.example.com
            parameters:
              - {name: port, value: "eighty", parameter_type: integer}
        """
    )
    with pytest.raises(lamina.DataError) as info:
        lamina.Estate.open(path)
    e = info.value
    assert e.file == str(path)
    assert e.line == 5
    assert e.key is not None and "port" in e.key
    assert e.errors == [str(e)]


def test_yaml_syntax_error(write_estate: Callable[..., Path]) -> None:
    path = write_estate("hosts: [\n  {name: a\n")
    with pytest.raises(lamina.DataError) as info:
        lamina.Estate.open(path)
    assert info.value.file == str(path)


def test_missing_path_is_a_lamina_error(tmp_path: Path) -> None:
    with pytest.raises(lamina.LaminaError):
        lamina.Estate.open(tmp_path / "does-not-exist")


def test_erb_parameter_renders_and_a_failing_one_names_the_parameter(write_estate: Callable[..., Path]) -> None:
    path = write_estate(
        """\
        environments: [production]
        hosts:
          - name: erb.example.com
            environment: production
            parameters: {motd_text: "<%= @host.environment %>"}
          - name: ok.example.com
            environment: production
            parameters: {motd_text: "<%= @host.name.upcase %>"}
        """
    )
    estate = lamina.Estate.open(path)
    assert estate.enc("ok.example.com")["parameters"]["motd_text"] == "OK.EXAMPLE.COM"
    with pytest.raises(lamina.LaminaError) as info:
        estate.enc("erb.example.com")
    assert "motd_text" in str(info.value)
    assert "Host::Managed::Jail" in str(info.value)
    assert "ERB line 1 column 11" in str(info.value)
    assert not isinstance(info.value, KeyError)


def test_data_error_pickles() -> None:
    e = lamina.DataError("boom", file="f.yaml", line=3, key="host a", errors=["boom", "bang"])
    back = pickle.loads(pickle.dumps(e))
    assert (back.file, back.line, back.key, back.errors, str(back)) == ("f.yaml", 3, "host a", ["boom", "bang"], "boom")


def test_store_url_errors_are_lamina_errors(tmp_path: Path) -> None:
    # A store URL goes to the store reader: an unreachable store is an error, not a path.
    with pytest.raises(lamina.LaminaError):
        lamina.Estate.open(f"sqlite://{tmp_path}/no/such/dir/estate.db")
