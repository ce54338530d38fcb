"""`Estate.render_all`: every host, in certname order, failures as exception instances."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

import pytest

import lamina

MIXED = """\
environments: [production]
hosts:
  - {name: c.example.com, environment: production}
  - name: b.example.com
    environment: production
    parameters: {banner: "<%= @host.environment %>"}
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


def many_hosts(n: int) -> str:
    """An estate of `n` hosts (more than one chunk of the resolving thread), one failing."""
    lines = [
        "environments: [production]",
        "puppetclasses:",
        "  ntp:",
        "    parameters:",
        "      servers:",
        "        parameter_type: array",
        "        default_value: [pool.ntp.org]",
        "        override: true",
        "        override_value_order: [os::family]",
        "        override_values: [{match: 'os::family=Debian', value: [debian.ntp]}]",
        "hosts:",
    ]
    for i in range(n):
        family = "Debian" if i % 3 else "RedHat"
        extra = ', parameters: {motd: "<%= 1.nope %>"}' if i == n // 2 else ""
        lines.append(
            f"  - {{name: h{i:04}.example.com, environment: production, puppetclasses: [ntp],"
            f" facts: {{os: {{family: {family}}}, uptime: {i}}}{extra}}}"
        )
    return "\n".join(lines) + "\n"


def comparable(items: Sequence[tuple[str, object]]) -> list[tuple[str, object]]:
    """Exceptions compare by identity: compare their class and text instead."""
    return [(n, (type(d).__name__, str(d)) if isinstance(d, Exception) else d) for n, d in items]


def test_many_hosts_streamed_in_order(write_estate: Callable[..., Path]) -> None:
    n = 1000
    estate = lamina.Estate.open(write_estate(many_hosts(n)))
    items = list(estate.render_all())
    assert [name for name, _ in items] == estate.hosts() == [f"h{i:04}.example.com" for i in range(n)]
    assert comparable(items) == comparable(list(estate.render_all(parallel=False)))
    failed = [name for name, doc in items if isinstance(doc, lamina.LaminaError)]
    assert failed == [f"h{n // 2:04}.example.com"]
    for name, doc in items[1 :: n // 10]:
        assert doc == estate.enc(name)
    assert items[1][1]["classes"]["ntp"]["servers"] == ["debian.ntp"]  # type: ignore[index]
    assert items[0][1]["classes"] == {"ntp": {"servers": ["pool.ntp.org"]}}  # type: ignore[index]


def test_abandoned_and_outliving_iterators(write_estate: Callable[..., Path]) -> None:
    estate = lamina.Estate.open(write_estate(many_hosts(700)))
    want = comparable(list(estate.render_all(parallel=False)))
    # Iterators dropped part-way stop their resolving thread; the next ones are unaffected.
    for _ in range(20):
        it = estate.render_all()
        assert comparable([next(it)]) == want[:1]
        del it
    it = estate.render_all()
    assert it.__length_hint__() == 700
    head = [next(it) for _ in range(300)]
    assert it.__length_hint__() == 400
    # The iterator keeps the estate alive.
    del estate
    assert comparable(head + list(it)) == want
    assert it.__length_hint__() == 0
