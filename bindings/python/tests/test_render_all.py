"""`Estate.render_all`: every host, in certname order, failures as exception instances."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

import lamina

MIXED = """\
environments: [production]
hosts:
  - {name: c.example.com, environment: production}
  - name: b.example.com
    environment: production
    parameters: {banner: "<%= @host.name %>"}
  - {name: a.example.com, environment: production, certname: z.example.com}
  - {name: d.example.com}
"""


def test_demo_count_order_and_equal_to_enc(demo: lamina.Estate) -> None:
    items = list(demo.render_all())
    assert [name for name, _ in items] == demo.hosts()
    assert len(items) == 12
    for name, doc in items:
        assert isinstance(doc, dict), f"{name}: {doc!r}"
        assert doc == demo.enc(name)


def test_sequential_equals_parallel(demo: lamina.Estate) -> None:
    assert list(demo.render_all(parallel=False)) == list(demo.render_all(parallel=True))


def test_iterator_protocol(demo: lamina.Estate) -> None:
    it = demo.render_all()
    assert iter(it) is it
    assert it.__length_hint__() == 12
    first = next(it)
    assert first[0] == demo.hosts()[0]
    assert it.__length_hint__() == 11
    assert len(list(it)) == 11
    with pytest.raises(StopIteration):
        next(it)


def test_failing_host_is_an_error_item(write_estate: Callable[..., Path]) -> None:
    estate = lamina.Estate.open(write_estate(MIXED))
    items = dict(estate.render_all())
    assert list(items) == ["b.example.com", "c.example.com", "d.example.com", "z.example.com"]
    err = items["b.example.com"]
    assert isinstance(err, lamina.DataError)
    assert isinstance(err, lamina.LaminaError)
    assert "banner" in str(err)
    with pytest.raises(lamina.LaminaError) as info:
        estate.enc("b.example.com")
    assert str(info.value) == str(err)
    for name in ("c.example.com", "d.example.com", "z.example.com"):
        assert items[name] == estate.enc(name)
    d = items["d.example.com"]
    assert isinstance(d, dict) and d["classes"] == []


def test_enc_by_fqdn_equals_certname(write_estate: Callable[..., Path]) -> None:
    estate = lamina.Estate.open(write_estate(MIXED))
    assert "a.example.com" in estate and "z.example.com" in estate
    assert "a.example.com" not in estate.hosts()
    assert estate.enc("a.example.com") == estate.enc("z.example.com")
