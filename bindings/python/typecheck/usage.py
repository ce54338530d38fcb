"""A typed use of the public API, checked by `mypy --strict` against the stubs (.ci/python).
Runnable too: `python typecheck/usage.py [ESTATE]`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Optional

import lamina


def listen_port(estate: lamina.Estate, certname: str) -> Optional[int]:
    try:
        doc: dict[str, Any] = estate.enc(certname)
    except lamina.HostNotFound as e:
        missing: str = e.certname
        print(f"no such host: {missing}", file=sys.stderr)
        return None
    classes = doc["classes"]
    if not isinstance(classes, dict):
        return None
    apache = classes.get("apache") or {}
    port = apache.get("listen_port")
    return port if isinstance(port, int) else None


def failures(estate: lamina.Estate) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for certname, result in estate.render_all(parallel=True):
        if isinstance(result, lamina.LaminaError):
            out.append((certname, str(result)))
        else:
            params: dict[str, Any] = result["parameters"]
            assert isinstance(params, dict)
    return out


def open_or_report(path: str | Path) -> Optional[lamina.Estate]:
    try:
        return lamina.Estate.open(path)
    except lamina.DataError as e:
        where: Optional[str] = e.file
        line: Optional[int] = e.line
        key: Optional[str] = e.key
        every: list[str] = e.errors
        print(f"{where}:{line}: {key}: {len(every)} error(s)", file=sys.stderr)
        return None


def ntp_servers(estate: lamina.Estate, certname: str) -> list[str]:
    try:
        found = estate.lookup("ntp::servers", node=certname, facts={"os": {"family": "Debian"}}, merge="unique")
    except lamina.KeyNotFound as e:
        print(f"not found: {e.key}", file=sys.stderr)
        return []
    except lamina.LaminaError as e:
        print(f"lookup failed: {e}", file=sys.stderr)
        return []
    maybe: Optional[list[str]] = estate.lookup("ntp::servers", default=None)
    merged: Any = estate.lookup(
        "users",
        node=certname,
        merge="deep",
        knock_out_prefix="--",
        sort_merged_arrays=True,
        merge_hash_arrays=False,
        environment="staging",
        hiera_config=Path("/etc/puppetlabs/puppet/hiera.yaml"),
        default={},
    )
    assert isinstance(merged, dict)
    warnings: list[str] = estate.hiera_warnings(hiera_config="/etc/puppetlabs/puppet/hiera.yaml")
    del warnings
    return [str(s) for s in found] if isinstance(found, list) else (maybe or [])


def main() -> int:
    root = Path(__file__).resolve().parents[3]
    path = sys.argv[1] if len(sys.argv) > 1 else str(root / "corpus" / "demo")
    estate = open_or_report(path)
    if estate is None:
        return 2
    hosts: list[str] = estate.hosts()
    explained: dict[str, Any] = estate.explain(hosts[0], show_hidden=False)
    print(len(hosts), "hosts;", len(explained), "explained sections;", lamina.__version__)
    print("web01 listen_port:", listen_port(estate, "web01.demo.example.com"))
    print("failures:", failures(estate))
    print("ntp servers:", ntp_servers(estate, hosts[0]), estate.hiera_warnings())
    return 0


if __name__ == "__main__":
    sys.exit(main())
