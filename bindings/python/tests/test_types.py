"""YAML 1.1 typing comes from the engine: the binding only maps shapes."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import lamina

ESTATE = """\
environments: [production]
parameters:
  quoted_no: "no"
  bare_no: no
  bare_yes: yes
  bare_on: on
  quoted_octal: "0755"
  bare_octal: 0755
  sexagesimal: 1:30
  quoted_sexagesimal: "1:30"
  quoted_date: "2001-01-01"
  tilde: ~
  real: 1.5
  big: 9007199254740993
  text: "héllo ✓"
  list: [1, "2", three, null]
  nested: {a: {b: [true, "true"]}}
puppetclasses:
  motd:
    parameters:
      banner: {override: true, default_value: "no"}
      mode: {override: true, default_value: "0755"}
hosts:
  - name: web01.example.com
    environment: production
    puppetclasses: [motd]
    parameters:
      - {name: typed_int, value: "0x1F", parameter_type: integer}
      - {name: typed_bool, value: "off", parameter_type: boolean}
      - {name: typed_hash, value: '{"a": [1, 2]}', parameter_type: json}
"""


def doc(write_estate: Callable[..., Path]) -> dict[str, Any]:
    return lamina.Estate.open(write_estate(ESTATE)).enc("web01.example.com")


def test_yaml_11_scalars(write_estate: Callable[..., Path]) -> None:
    p = doc(write_estate)["parameters"]
    expected: dict[str, Any] = {
        "quoted_no": "no",
        "bare_no": False,
        "bare_yes": True,
        "bare_on": True,
        "quoted_octal": "0755",
        "bare_octal": 0o755,
        # Psych reads `1:30` as base 60 from the hours: 1*3600 + 30*60 (as Puppet does).
        "sexagesimal": 5400,
        "quoted_sexagesimal": "1:30",
        "quoted_date": "2001-01-01",
        "tilde": None,
        "real": 1.5,
        "big": 9007199254740993,
        "text": "héllo ✓",
        "list": [1, "2", "three", None],
        "nested": {"a": {"b": [True, "true"]}},
    }
    for k, v in expected.items():
        assert p[k] == v, k
        assert type(p[k]) is type(v), f"{k}: {type(p[k]).__name__} != {type(v).__name__}"


def test_cast_parameter(write_estate: Callable[..., Path]) -> None:
    p = doc(write_estate)["parameters"]
    assert p["typed_int"] == 31 and type(p["typed_int"]) is int
    assert p["typed_bool"] is False
    assert p["typed_hash"] == {"a": [1, 2]}


def test_class_parameters_keep_strings(write_estate: Callable[..., Path]) -> None:
    motd = doc(write_estate)["classes"]["motd"]
    assert motd == {"banner": "no", "mode": "0755"}


def test_documents_are_plain_python(write_estate: Callable[..., Path]) -> None:
    d = doc(write_estate)
    assert type(d) is dict
    assert type(d["classes"]) is dict
    assert type(d["parameters"]["list"]) is list
    # A fresh object each call: mutating one does not affect the next.
    d["parameters"]["quoted_no"] = "changed"
    assert doc(write_estate)["parameters"]["quoted_no"] == "no"
