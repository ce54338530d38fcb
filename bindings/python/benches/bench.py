#!/usr/bin/env python3
"""Lamina from Python against what a Python user does today.

    python bindings/python/benches/bench.py [--estate DIR] [--hosts 10000] [--repeat 3]

Without --estate, the estate is generated once with
`lamina corpus generate --hosts N --seed 1 --out target/bench-corpus-py-N` (the `lamina` binary
from --lamina, $LAMINA_BIN, target/release/lamina or PATH).

Measured (best of --repeat runs, wall clock):
  - Lamina: `Estate.open(DIR)` (read, parse, validate and compile every file, building only
    the facts matchers name), then `list(estate.render_all())` (every host's ENC document
    resolved on all cores and converted to Python dicts), and the two together; then
    `estate.lookup(key, node=HOST)` on that estate, whose first call for a host reads the host's
    file again for all its facts;
  - PyYAML: `yaml.load(f, Loader=CSafeLoader)` (libyaml; the pure-Python SafeLoader when
    PyYAML was built without it) on every estate file: loading the data only, without
    resolving anything.
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

import lamina

ROOT = Path(__file__).resolve().parents[3]


def find_lamina(explicit: str | None) -> str:
    for cand in (explicit, os.environ.get("LAMINA_BIN"), str(ROOT / "target/release/lamina")):
        if cand and Path(cand).is_file():
            return cand
    found = shutil.which("lamina")
    if found:
        return found
    sys.exit("bench: no lamina binary: build it (cargo build --release) or pass --lamina PATH")


def estate_files(root: Path) -> list[Path]:
    """The files Lamina reads: *.yaml/*.yml recursively, sorted, a top-level hiera/ skipped."""
    if root.is_file():
        return [root]
    out = []
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        if rel.parts[0] == "hiera":
            continue
        if p.is_file() and p.suffix in (".yaml", ".yml"):
            out.append(p)
    return out


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, list[float], Any]:
    """Best of `repeat` runs; the previous run's result is freed (and garbage collected) before
    each run, so that no run pays for another's objects."""
    times = []
    result = None
    for _ in range(repeat):
        result = None
        gc.collect()
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), times, result


LOOKUP_FILES = {
    "estate.yaml": "hosts:\n  - {name: web01.example.com}\n",
    "hiera/facts.yaml": "clientcert: web01.example.com\nfqdn: web01.example.com\nhostname: web01\n"
    "domain: example.com\nos: {family: Debian, release: {major: '12'}}\n",
    "hiera/hiera.yaml": "version: 5\ndefaults: {datadir: data, data_hash: yaml_data}\nhierarchy:\n"
    "  - {name: node, path: 'nodes/%{trusted.certname}.yaml'}\n"
    "  - {name: os, path: 'os/%{facts.os.family}.yaml'}\n"
    "  - {name: common, path: common.yaml}\n",
    "hiera/data/nodes/web01.example.com.yaml": "ntp::servers: [node.ntp]\nusers: {alice: {shell: /bin/zsh}}\n",
    "hiera/data/os/Debian.yaml": "packages: [apt-transport-https]\n",
    "hiera/data/common.yaml": "packages: [curl]\nusers: {alice: {uid: 1000}, bob: {uid: 1001}}\n"
    "greeting: 'hello %{facts.hostname} on %{facts.os.release.major}'\n"
    "lookup_options: {packages: {merge: unique}, users: {merge: deep}}\n",
}
LOOKUP_KEYS = ["ntp::servers", "packages", "users", "greeting"]


def bench_lookup(repeat: int) -> None:
    """`puppet lookup` (one process per key, as a script calls it) against `Estate.lookup`."""
    import json

    import yaml

    puppet = shutil.which("puppet")
    root = ROOT / "target" / "bench-lookup-py"
    for name, text in LOOKUP_FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    facts = yaml.safe_load(LOOKUP_FILES["hiera/facts.yaml"])
    estate = lamina.Estate.open(root)
    n = 1000

    def ours() -> list[Any]:
        out = []
        for _ in range(n):
            out = [estate.lookup(k, facts=facts) for k in LOOKUP_KEYS]
        return out

    t_ours, _, values = best(ours, repeat)
    per_ours = t_ours / (n * len(LOOKUP_KEYS))
    print()
    print(f"lookup  Estate.lookup(key, facts=...)        {per_ours * 1e6:7.1f} us per key ({len(LOOKUP_KEYS)} keys x {n})")
    if puppet is None:
        print("lookup  puppet lookup: puppet is not installed, not compared")
        return
    cmd = [puppet, "lookup", "--facts", str(root / "hiera/facts.yaml"), "--hiera_config", str(root / "hiera/hiera.yaml"), "--render-as", "json"]
    t = time.perf_counter()
    theirs = [json.loads(subprocess.run(cmd + [k], check=True, capture_output=True, text=True).stdout) for k in LOOKUP_KEYS]
    per_puppet = (time.perf_counter() - t) / len(LOOKUP_KEYS)
    same = theirs == values
    print(f"lookup  puppet {puppet_version(puppet)} lookup KEY (a process per key)  {per_puppet:7.3f} s per key")
    print(f"ratio   puppet lookup / Estate.lookup: {per_puppet / per_ours:,.0f}x; same values: {same}")


def puppet_version(puppet: str) -> str:
    return subprocess.run([puppet, "--version"], capture_output=True, text=True).stdout.strip()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--estate", help="an existing estate directory (default: generate one)")
    ap.add_argument("--hosts", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--lamina", help="the lamina binary used to generate the estate")
    ap.add_argument("--skip-pyyaml", action="store_true")
    ap.add_argument("--skip-lookup", action="store_true")
    args = ap.parse_args()

    if args.estate:
        estate_dir = Path(args.estate)
    else:
        estate_dir = ROOT / "target" / f"bench-corpus-py-{args.hosts}-{args.seed}"
        if not (estate_dir / ".complete").exists():
            exe = find_lamina(args.lamina)
            shutil.rmtree(estate_dir, ignore_errors=True)
            cmd = [exe, "corpus", "generate", "--hosts", str(args.hosts), "--seed", str(args.seed), "--out", str(estate_dir)]
            print("generating:", " ".join(cmd), flush=True)
            subprocess.run(cmd, check=True)
            (estate_dir / ".complete").touch()

    files = estate_files(estate_dir)
    size = sum(f.stat().st_size for f in files)
    print(f"estate: {estate_dir} ({len(files)} files, {size / 1e6:.1f} MB)")
    print(f"python {sys.version.split()[0]}, lamina {lamina.__version__}, {os.cpu_count()} CPUs")

    def lamina_open() -> lamina.Estate:
        return lamina.Estate.open(estate_dir)

    t_open, open_times, estate = best(lamina_open, args.repeat)
    n = len(estate)

    def render() -> list[tuple[str, Any]]:
        return list(estate.render_all())

    t_render, render_times, items = best(render, args.repeat)
    failed = sum(1 for _, d in items if isinstance(d, lamina.LaminaError))
    assert len(items) == n

    def render_seq() -> list[tuple[str, Any]]:
        return list(estate.render_all(parallel=False))

    del items
    t_seq, _, _ = best(render_seq, 1)

    # Node lookups: the estate has no Hiera data, so this times the scope (ENC parameters and
    # every fact of the host). The first host of a file reads that file; its neighbours do not.
    hosts = estate.hosts()
    t = time.perf_counter()
    estate.lookup("bench::nothing", node=hosts[0], default=None)
    t_node_cold = time.perf_counter() - t
    t = time.perf_counter()
    for h in hosts[1:101]:
        estate.lookup("bench::nothing", node=h, default=None)
    t_node_warm = (time.perf_counter() - t) / 100
    del estate

    def both() -> int:
        return len(list(lamina.Estate.open(estate_dir).render_all()))

    t_both, both_times, _ = best(both, args.repeat)

    fmt = lambda ts: ", ".join(f"{t:.3f}" for t in ts)  # noqa: E731
    print()
    print(f"lamina  Estate.open(DIR)                     {t_open:7.3f} s   (runs: {fmt(open_times)})")
    print(f"lamina  list(estate.render_all())            {t_render:7.3f} s   (runs: {fmt(render_times)}; {n} hosts, {failed} failed)")
    print(f"lamina  list(estate.render_all(parallel=False)) {t_seq:4.3f} s")
    print(f"lamina  Estate.open(DIR).render_all(), total {t_both:7.3f} s   (runs: {fmt(both_times)})")
    print(f"        per host (render only, parallel)     {t_render / n * 1e6:7.1f} us")
    print(f"lamina  estate.lookup(key, node=HOST): first host of a file {t_node_cold * 1e3:.1f} ms, "
          f"its neighbours {t_node_warm * 1e6:.0f} us each")

    if not args.skip_pyyaml:
        import yaml

        loader = getattr(yaml, "CSafeLoader", None)
        name = "yaml.CSafeLoader (libyaml)"
        if loader is None:
            loader, name = yaml.SafeLoader, "yaml.SafeLoader (pure Python: PyYAML built without libyaml)"

        def pyyaml_load() -> int:
            count = 0
            for f in files:
                with open(f, "rb") as fh:
                    if yaml.load(fh, Loader=loader) is not None:
                        count += 1
            return count

        t_yaml, yaml_times, _ = best(pyyaml_load, min(args.repeat, 2))
        print(f"pyyaml  {yaml.__version__} {name}: load every file  {t_yaml:7.3f} s   (runs: {fmt(yaml_times)})")
        print()
        print(f"ratio   PyYAML load only / Lamina open+render all: {t_yaml / t_both:5.1f}x")
        print(f"ratio   PyYAML load only / Lamina open only:       {t_yaml / t_open:5.1f}x")

    if not args.skip_lookup:
        bench_lookup(args.repeat)
    target_ok = t_both < 2.0
    print(f"target  open + render all {n} hosts < 2 s: {'met' if target_ok else 'NOT met'} ({t_both:.3f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
