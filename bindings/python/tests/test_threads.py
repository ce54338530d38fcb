"""One Estate shared by many Python threads (the compiled estate is immutable; resolution runs
with the GIL released)."""

from __future__ import annotations

import gc
import threading
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import lamina

from conftest import DEMO


def test_eight_threads_call_enc_concurrently(demo: lamina.Estate) -> None:
    hosts = demo.hosts()
    expected = {h: demo.enc(h) for h in hosts}
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def work(i: int) -> int:
        barrier.wait()
        n = 0
        for round_ in range(50):
            for h in hosts[(i + round_) % len(hosts) :] + hosts[: (i + round_) % len(hosts)]:
                got = demo.enc(h)
                if got != expected[h]:
                    raise AssertionError(f"thread {i}: {h} differs")
                n += 1
        try:
            demo.enc("missing.example.com")
        except lamina.HostNotFound:
            n += 1
        return n

    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(work, i) for i in range(8)]
        for f in futures:
            exc = f.exception()
            if exc is not None:
                errors.append(exc)
    assert not errors, errors
    assert all(f.result() == 50 * len(hosts) + 1 for f in futures)


def test_threads_mix_open_render_and_explain() -> None:
    results: dict[int, Any] = {}

    def work(i: int) -> None:
        estate = lamina.Estate.open(DEMO)
        if i % 2:
            results[i] = dict(estate.render_all())
        else:
            results[i] = {h: estate.explain(h) for h in estate.hosts()}

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 8
    assert all(results[i] == results[1] for i in (3, 5, 7))
    assert all(results[i] == results[0] for i in (2, 4, 6))


def test_large_estates_are_freed_in_the_background(tmp_path: Path) -> None:
    # 1,000 hosts or more: the last reference is released on a thread of its own.
    hosts = "".join(f"  - {{name: h{i:04}.example.com, environment: production}}\n" for i in range(1200))
    path = tmp_path / "estate.yaml"
    path.write_text("environments: [production]\nhosts:\n" + hosts)
    for _ in range(3):
        estate = lamina.Estate.open(path)
        docs = dict(estate.render_all())
        assert len(docs) == 1200
        del estate
        gc.collect()
    first = docs["h0000.example.com"]
    assert isinstance(first, dict) and first["environment"] == "production"


def test_one_iterator_shared_by_threads(tmp_path: Path) -> None:
    # Threads drawing from one render_all() iterator take turns: each host comes out once,
    # every thread sees certname order, nobody fails on a busy iterator.
    hosts = "".join(f"  - {{name: h{i:04}.example.com, environment: production}}\n" for i in range(1500))
    path = tmp_path / "estate.yaml"
    path.write_text("environments: [production]\nhosts:\n" + hosts)
    estate = lamina.Estate.open(path)
    it = estate.render_all()
    seen: list[list[str]] = [[] for _ in range(6)]
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            for name, _doc in it:
                seen[i].append(name)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert all(s == sorted(s) for s in seen)
    assert sorted(n for s in seen for n in s) == estate.hosts()
