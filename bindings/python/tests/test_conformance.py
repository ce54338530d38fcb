"""The Foreman conformance cases of corpus/conformance/ (format: its README.md), run through
the Python API: each case's `estate:` block is written, as written, to a file of its own and
opened with `Estate.open`; `expect:` is compared with what the binding returns."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

import lamina

from conftest import CONFORMANCE

CASES = sorted(CONFORMANCE.glob("*.yaml"))


def estate_text(case_text: str) -> str:
    """The top-level `estate:` block, verbatim (dedented), so that the estate is read by
    Lamina's own YAML 1.1 reader rather than round-tripped through another one."""
    lines = case_text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.rstrip() == "estate:")
    block = []
    for line in lines[start + 1 :]:
        if line and not line[0].isspace() and not line.startswith("#"):
            break
        block.append(line)
    return textwrap.dedent("\n".join(block)) + "\n"


def test_there_are_cases() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=[p.stem for p in CASES])
def test_conformance_case(case: Path, tmp_path: Path) -> None:
    text = case.read_text()
    expect: dict[str, Any] = yaml.safe_load(text)["expect"]
    estate_file = tmp_path / "estate.yaml"
    estate_file.write_text(estate_text(text))

    if "load_error" in expect:
        with pytest.raises(lamina.DataError) as info:
            lamina.Estate.open(estate_file)
        message = "\n".join(info.value.errors)
        assert expect["load_error"].lower() in message.lower(), message
        assert info.value.file == str(estate_file)
        return

    estate = lamina.Estate.open(estate_file)
    for name, exp in expect["hosts"].items():
        check_host(estate, name, exp)


def check_host(estate: lamina.Estate, name: str, exp: dict[str, Any]) -> None:
    if "error" in exp:
        with pytest.raises(lamina.LaminaError) as info:
            estate.enc(name)
        assert exp["error"].lower() in str(info.value).lower()
        return
    doc = estate.enc(name)
    params = doc.get("parameters", {})
    for k, v in (exp.get("parameters") or {}).items():
        assert k in params, f"parameter {k} absent"
        assert params[k] == v and type(params[k]) is type(v), f"parameter {k}: {params[k]!r} != {v!r}"
    for k in exp.get("absent_parameters") or []:
        assert k not in params, f"parameter {k} should be absent"
    classes = doc.get("classes")
    for cls, want in (exp.get("classes") or {}).items():
        assert isinstance(classes, dict) and cls in classes, f"class {cls} absent: {classes!r}"
        if want is None:
            assert classes[cls] is None, f"class {cls}: expected no parameters"
        else:
            for k, wv in want.items():
                assert classes[cls] is not None and k in classes[cls], f"{cls}::{k} absent"
                assert classes[cls][k] == wv, f"{cls}::{k}: {classes[cls][k]!r} != {wv!r}"
    for cls in exp.get("absent_classes") or []:
        assert not (isinstance(classes, dict) and cls in classes), f"class {cls} should be absent"
    for cls, keys in (exp.get("absent_class_parameters") or {}).items():
        got = classes.get(cls) if isinstance(classes, dict) else None
        for k in keys:
            assert not (isinstance(got, dict) and k in got), f"{cls}::{k} should be absent"
    if "environment" in exp:
        assert doc.get("environment") == exp["environment"]
    if exp.get("classes_empty"):
        assert classes == []
