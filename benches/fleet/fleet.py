#!/usr/bin/env python3
# Fleet-emulation benchmark of `lamina serve` (not a test: no assertions, it prints figures):
# several ENC servers sharing one PostgreSQL store, driven the way a fleet of Puppet agents
# drives Foreman, on a generated estate, over loopback.
#
# Setup: generate the estate (`lamina corpus generate --hosts N --seed S`, cached under the work
# directory), create a fresh PostgreSQL database, `lamina import` the estate into it, start
# NODES servers `lamina serve --store URL --listen 127.0.0.1:0 --refresh 1`, wait for each
# `/readyz` to answer 200. Then, at the same time:
#   1. the fleet, open loop: RATE agent runs per second for DURATION seconds, each started at
#      its fixed time whatever the earlier ones are doing (latency counted from that time, so
#      queueing shows), round-robin over the nodes and over the estate's certnames (sorted). An
#      agent run is `PUT /v1/hosts/<certname>/facts` with the host's facts as JSON (one value
#      changed, `system_uptime.seconds`, so the facts really change), then, once the upload has
#      answered, `GET /node/<certname>?format=yml` on the same node. Per request: status codes,
#      p50/p99/max latency; a request without an answer within TIMEOUT counts as `timeout`.
#      With --min-revision, when the upload's reply carries a JSON `revision`, the ENC request
#      asks for it (`&min_revision=<rev>`, read-your-writes on servers that support it).
#   2. the visibility probe: every PROBE_EVERY seconds, `PUT /v1/hosts/<probe host>/parameters/
#      fleet_probe_<n>` with `{"value": "probe-<n>"}` through node 1 (a parameter per probe, so
#      that overlapping probes do not hide each other); once it has answered 200,
#      every node's `GET /v1/hosts/<probe host>/enc` (JSON) is polled every 10 ms until it shows
#      the new value: the time from sending the write until the value is visible, per node
#      ("not visible" when a node does not show it within 10 s of the write's reply, or the
#      write failed); "visible on all nodes" is the slowest node of each probe.
# and the servers' CPU time (utime + stime of /proc/<pid>/stat) before and after: CPU-seconds per
# node, in total, and per agent run (probe polling included).
#   3. warm ENC throughput (--no-throughput skips it): the fleet's servers are stopped, ONE
#      `lamina serve` on the same store is pinned to CPU 1 (`taskset -c 1`) and wrk to CPU 0
#      (`wrk -t1 -c32 -d10s`, a Lua script choosing a random certname per request) drives
#      `GET /node/<certname>?format=yml` after a 5 s warm-up; then the same against `enc-floor`
#      (benches/fleet/enc_floor.rs: a bare axum server answering every GET with one real ENC
#      YAML response of median size) pinned the same way. Both req/s and their ratio.
# Several rates (`--rate 5.6,50`) run one after the other against the same servers, one row each.
#
# Output: a markdown table (one row per rate), the throughput lines, and the command line that
# reproduces them; --json FILE writes the raw figures; --targets adds PASS/FAIL per target (the
# exit code stays 0). See benches/fleet/README.md for the columns.
#
# Usage: python3 benches/fleet/fleet.py [--hosts 10000] [--nodes 3] [--rate 5.6] [--duration 60]
# Flags (defaults): --lamina PATH ($CARGO_TARGET_DIR/release/lamina, else target/release/lamina),
#   --floor PATH (the same directory's enc-floor, built with `cargo build --release -p
#   lamina-benches --bin enc-floor` when absent), --hosts 10000, --seed 1, --nodes 3,
#   --rate 5.6 (runs/s, comma-separated for several rows), --duration 60 (s), --timeout 30 (s),
#   --refresh 1 (s, the servers' store polling), --probe-every 5 (s), --probe-poll 0.01 (s),
#   --probe-cap 10 (s), --min-revision (off),
#   --throughput/--no-throughput (on), --wrk-duration 10 (s), --wrk-connections 32,
#   --pg-admin postgres://postgres@127.0.0.1:5432, --db lamina_fleet, --work DIR
#   ($CARGO_TARGET_DIR/fleet-bench, else target/fleet-bench), --json FILE, --targets.
# Needs: Python 3.11 (standard library only), a release build of lamina, PostgreSQL on
#   127.0.0.1:5432 with trust authentication and psql, and for the throughput part taskset,
#   2 CPUs, wrk (installed with apt-get when missing) and cargo (only to build enc-floor).
# Bounded: RATE x DURATION agent runs, DURATION / PROBE_EVERY probes, loopback only; the servers
# are stopped and the database dropped at the end, also on Ctrl-C or an error.

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PROBE_PARAM = "fleet_probe"
TARGET_RATE = 50.0


def say(msg: str) -> None:
    print(f"== {msg}", file=sys.stderr, flush=True)


class Fail(Exception):
    """A setup step failed: the message says which and why."""


def target_dir() -> Path:
    t = os.environ.get("CARGO_TARGET_DIR")
    if not t:
        return ROOT / "target"
    p = Path(t)
    return p if p.is_absolute() else ROOT / p


# --------------------------------------------------------------------------------------------
# The generated estate: certnames, and each host's facts as JSON.
#
# The generator (hierarchy/generate) writes a regular subset of YAML: block mappings and block
# sequences indented by two spaces, flow mappings and sequences on one line, every string
# double-quoted, plain scalars only for integers, reals, booleans and plain keys. This reads that
# subset (and only it: anything else is an error, not a guess).
# --------------------------------------------------------------------------------------------

_INT = re.compile(r"-?(0|[1-9][0-9]*)$")
_REAL = re.compile(r"-?[0-9]+\.[0-9]+([eE][-+]?[0-9]+)?$")


def _plain(s: str, where: str):
    if _INT.match(s):
        return int(s)
    if _REAL.match(s):
        return float(s)
    if s in ("true", "false"):
        return s == "true"
    if s in ("null", "~"):
        return None
    if re.match(r"[a-z_][a-z0-9_]*$", s):  # a plain key
        return s
    raise Fail(f"{where}: unexpected plain scalar {s!r}")


class _Flow:
    """A one-line flow value: `{a: 1, "b": "x"}`, `["a", "b"]`, `"text"`, `12`."""

    def __init__(self, text: str, where: str):
        self.s, self.i, self.where = text, 0, where

    def fail(self, what: str):
        raise Fail(f"{self.where}: {what} at column {self.i + 1} of {self.s!r}")

    def ws(self):
        while self.i < len(self.s) and self.s[self.i] == " ":
            self.i += 1

    def quoted(self) -> str:
        s, i, out = self.s, self.i + 1, []
        while i < len(s):
            c = s[i]
            if c == '"':
                self.i = i + 1
                return "".join(out)
            if c == "\\":
                e = s[i + 1]
                simple = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r", "0": "\0", "/": "/"}
                if e in simple:
                    out.append(simple[e])
                    i += 2
                elif e in "xuU":
                    n = {"x": 2, "u": 4, "U": 8}[e]
                    out.append(chr(int(s[i + 2 : i + 2 + n], 16)))
                    i += 2 + n
                else:
                    self.i = i
                    self.fail("unknown escape")
            else:
                out.append(c)
                i += 1
        self.fail("unterminated string")

    def scalar(self, stops: str):
        j = self.i
        while j < len(self.s) and self.s[j] not in stops:
            j += 1
        text = self.s[self.i : j].strip()
        self.i = j
        return _plain(text, self.where)

    def value(self, stops: str = ""):
        self.ws()
        if self.i >= len(self.s):
            self.fail("missing value")
        c = self.s[self.i]
        if c == '"':
            return self.quoted()
        if c == "{":
            self.i += 1
            out = {}
            self.ws()
            if self.s[self.i] == "}":
                self.i += 1
                return out
            while True:
                self.ws()
                k = self.quoted() if self.s[self.i] == '"' else self.scalar(":")
                if self.s[self.i] != ":":
                    self.fail("expected ':'")
                self.i += 1
                out[str(k)] = self.value(",}")
                self.ws()
                if self.s[self.i] == ",":
                    self.i += 1
                elif self.s[self.i] == "}":
                    self.i += 1
                    return out
                else:
                    self.fail("expected ',' or '}'")
        if c == "[":
            self.i += 1
            items = []
            self.ws()
            if self.s[self.i] == "]":
                self.i += 1
                return items
            while True:
                items.append(self.value(",]"))
                self.ws()
                if self.s[self.i] == ",":
                    self.i += 1
                elif self.s[self.i] == "]":
                    self.i += 1
                    return items
                else:
                    self.fail("expected ',' or ']'")
        return self.scalar(stops or "\n")

    def whole(self):
        v = self.value()
        self.ws()
        if self.i != len(self.s):
            self.fail("trailing text")
        return v


def _key_and_rest(text: str, where: str) -> tuple[str, str]:
    f = _Flow(text, where)
    k = f.quoted() if text.startswith('"') else f.scalar(":")
    if f.i >= len(text) or text[f.i] != ":":
        f.fail("expected 'key:'")
    return str(k), text[f.i + 1 :].strip()


def _block(lines: list[tuple[int, str]], i: int, ind: int, where: str):
    """The block collection whose entries start at column `ind` from line `i`: (value, next i)."""
    if lines[i][1].startswith("- "):
        items = []
        while i < len(lines) and lines[i][0] == ind and lines[i][1].startswith("- "):
            # The entry's content starts two columns further, on the same line.
            lines[i] = (ind + 2, lines[i][1][2:])
            v, i = _entry_block(lines, i, ind + 2, where)
            items.append(v)
        return items, i
    return _entry_block(lines, i, ind, where)


def _entry_block(lines, i, ind, where):
    col, text = lines[i]
    if col == ind and not _is_mapping_line(text):
        return _Flow(text, where).whole(), i + 1
    out = {}
    while i < len(lines) and lines[i][0] == ind:
        k, rest = _key_and_rest(lines[i][1], where)
        i += 1
        if rest:
            out[k] = _Flow(rest, where).whole()
        elif i < len(lines) and lines[i][0] > ind:
            out[k], i = _block(lines, i, lines[i][0], where)
        elif i < len(lines) and lines[i][0] == ind and lines[i][1].startswith("- "):
            out[k], i = _block(lines, i, ind, where)
        else:
            out[k] = None
    if i < len(lines) and lines[i][0] > ind:
        raise Fail(f"{where}: unexpected indentation: {lines[i][1]!r}")
    return out, i


def _is_mapping_line(text: str) -> bool:
    if text.startswith(("{", "[")):
        return False
    if text.startswith('"'):
        try:
            f = _Flow(text, "")
            f.quoted()
            return text[f.i : f.i + 1] == ":"
        except (Fail, IndexError):
            return False
    return re.match(r"[^\s:]+:( |$)", text) is not None


def parse_facts_block(text: str, where: str) -> dict:
    lines = []
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        stripped = raw.lstrip(" ")
        lines.append((len(raw) - len(stripped), stripped))
    if not lines:
        return {}
    v, i = _block(lines, 0, lines[0][0], where)
    if i != len(lines) or not isinstance(v, dict):
        raise Fail(f"{where}: the facts are not one mapping")
    return v


@dataclass
class Estate:
    dir: Path
    certnames: list[str]
    # certname -> (host file, byte offset, byte length) of the text under its `facts:` key.
    facts_at: dict[str, tuple[Path, int, int]]

    def facts(self, certname: str) -> dict:
        path, off, n = self.facts_at[certname]
        with open(path, "rb") as f:
            f.seek(off)
            text = f.read(n).decode()
        return parse_facts_block(text, f"{path.name} ({certname})")


_NAME = re.compile(rb'^  - name: "([^"\\]+)"\s*$')


def index_estate(d: Path) -> Estate:
    facts_at: dict[str, tuple[Path, int, int]] = {}
    files = sorted((d / "hosts").glob("*.yaml"))
    if not files:
        raise Fail(f"no host files under {d / 'hosts'}")
    for path in files:
        data = path.read_bytes()
        pos, name, start, top = 0, None, None, None
        for line in data.splitlines(keepends=True):
            end = pos + len(line)
            if start is not None and line.strip() and not line.startswith(b"      "):
                facts_at[name] = (path, start, pos - start)  # the facts end where the indentation does
                name, start = None, None
            if line[:1] not in (b" ", b"\n", b"#"):
                top = line.split(b":", 1)[0]
            if top == b"hosts":
                m = _NAME.match(line)
                if m:
                    name, start = m.group(1).decode(), None
                elif line.rstrip() == b"    facts:" and name is not None:
                    start = end
            pos = end
        if name is not None and start is not None:
            facts_at[name] = (path, start, pos - start)
    return Estate(d, sorted(facts_at), facts_at)


# --------------------------------------------------------------------------------------------
# A minimal HTTP/1.1 client with keep-alive connections, over asyncio streams.
# --------------------------------------------------------------------------------------------


class HttpError(Exception):
    pass


class Conn:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.r, self.w = reader, writer

    def close(self):
        try:
            self.w.close()
        except Exception:
            pass


class Client:
    """Keep-alive connections to one server (host:port), opened as needed, reused when idle."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.idle: list[Conn] = []
        self.opened = 0

    async def _conn(self) -> Conn:
        while self.idle:
            c = self.idle.pop()
            if not c.r.at_eof():
                return c
            c.close()
        r, w = await asyncio.open_connection(self.host, self.port)
        self.opened += 1
        return Conn(r, w)

    async def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> tuple[int, bytes]:
        c = await self._conn()
        try:
            status, data, keep = await self._exchange(c, method, path, body, headers or {})
        except BaseException:
            c.close()  # mid-exchange (error, timeout, cancel): the connection is unusable
            raise
        if keep:
            self.idle.append(c)
        else:
            c.close()
        return status, data

    async def _exchange(self, c: Conn, method, path, body, headers):
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        for k, v in headers.items():
            head.append(f"{k}: {v}")
        if body is not None:
            head.append(f"Content-Length: {len(body)}")
        c.w.write(("\r\n".join(head) + "\r\n\r\n").encode() + (body or b""))
        await c.w.drain()
        line = await c.r.readline()
        if not line:
            raise HttpError("connection closed before the reply")
        parts = line.split(None, 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
            raise HttpError(f"bad status line {line[:80]!r}")
        status = int(parts[1])
        length, chunked, keep = None, False, parts[0] == b"HTTP/1.1"
        while True:
            h = await c.r.readline()
            if h in (b"\r\n", b"\n", b""):
                break
            k, _, v = h.decode("latin-1").partition(":")
            k, v = k.strip().lower(), v.strip()
            if k == "content-length":
                length = int(v)
            elif k == "transfer-encoding" and "chunked" in v.lower():
                chunked = True
            elif k == "connection":
                keep = v.lower() != "close"
        if chunked:
            data = bytearray()
            while True:
                size = int((await c.r.readline()).split(b";")[0], 16)
                if size == 0:
                    while (await c.r.readline()) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                data += await c.r.readexactly(size)
                await c.r.readexactly(2)
            data = bytes(data)
        elif length is not None:
            data = await c.r.readexactly(length)
        else:
            data, keep = await c.r.read(), False
        return status, data, keep

    def close(self):
        for c in self.idle:
            c.close()
        self.idle.clear()


async def timed(client: Client, timeout: float, method, path, body=None, headers=None):
    """(status label, reply body or None): the label is the status code, `timeout` or `error: ...`."""
    try:
        status, data = await asyncio.wait_for(client.request(method, path, body, headers), timeout)
        return str(status), data
    except (asyncio.TimeoutError, TimeoutError):
        return "timeout", None
    except (OSError, HttpError, asyncio.IncompleteReadError, ValueError) as e:
        return f"error: {type(e).__name__}", None


# --------------------------------------------------------------------------------------------
# Processes: the servers, PostgreSQL, wrk.
# --------------------------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    proc: subprocess.Popen
    host: str
    port: int
    log: Path
    cpu_last: float = 0.0

    def exit_status(self) -> str | None:
        """How it ended, if it did: `exit code N` or `signal NAME`."""
        rc = self.proc.poll()
        if rc is None:
            return None
        return f"signal {signal.Signals(-rc).name}" if rc < 0 else f"exit code {rc}"

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def cpu_seconds(self) -> float:
        """utime + stime of the process so far (/proc/<pid>/stat, fields 14 and 15); once it
        has exited, the last figure read."""
        try:
            stat = Path(f"/proc/{self.proc.pid}/stat").read_text()
        except OSError:
            return self.cpu_last
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] == "Z":  # exited, not yet reaped: its times are gone
            return self.cpu_last
        self.cpu_last = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return self.cpu_last


RUNNING: list[Server] = []


def start_server(name: str, argv: list[str], work: Path, pin: str | None = None) -> Server:
    log = work / f"{name}.log"
    cmd = (["taskset", "-c", pin] if pin is not None else []) + argv
    errf = open(log, "wb")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errf, stdin=subprocess.DEVNULL)
    errf.close()
    srv = Server(name, proc, "", 0, log)
    RUNNING.append(srv)
    # `listening on http://ADDR` comes once the estate is loaded and the port accepts.
    line = proc.stdout.readline().decode()
    m = re.search(r"listening on http://([0-9.]+):([0-9]+)", line)
    if not m:
        proc.wait(timeout=5) if proc.poll() is None else None
        tail = log.read_text(errors="replace")[-2000:]
        raise Fail(f"{name} did not start ({' '.join(cmd)}):\n{line}{tail}")
    srv.host, srv.port = m.group(1), int(m.group(2))
    return srv


def stop_server(srv: Server) -> None:
    if srv.proc.poll() is None:
        srv.proc.terminate()
        try:
            srv.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            srv.proc.kill()
            srv.proc.wait()
    if srv.proc.stdout:
        srv.proc.stdout.close()
    if srv in RUNNING:
        RUNNING.remove(srv)


async def wait_ready(srv: Server, limit: float = 300.0) -> None:
    c = Client(srv.host, srv.port)
    t0 = time.monotonic()
    try:
        while time.monotonic() - t0 < limit:
            if srv.proc.poll() is not None:
                raise Fail(f"{srv.name} exited; its log: {srv.log}")
            st, _ = await timed(c, 5, "GET", "/readyz")
            if st == "200":
                return
            await asyncio.sleep(0.2)
    finally:
        c.close()
    raise Fail(f"{srv.name}: /readyz did not answer 200 within {limit:.0f} s")


def run(cmd: list[str], what: str, **kw) -> subprocess.CompletedProcess:
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        raise Fail(f"{what} failed ({shlex.join(cmd)}):\n{p.stderr.strip() or p.stdout.strip()}")
    return p


def psql(admin: str, *sql: str) -> None:
    cmd = ["psql", f"{admin}/postgres", "-q", "-v", "ON_ERROR_STOP=1"]
    for s in sql:
        cmd += ["-c", s]
    run(cmd, "psql")


# --------------------------------------------------------------------------------------------
# Figures.
# --------------------------------------------------------------------------------------------


def pct(xs: list[float], p: float) -> float | None:
    """Nearest-rank percentile."""
    if not xs:
        return None
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, math.ceil(p / 100 * len(s)) - 1))]


def ms(x: float | None) -> str:
    if x is None:
        return "–"
    v = x * 1000
    if v < 10:
        return f"{v:.2f}"
    if v < 100:
        return f"{v:.1f}"
    return f"{v:,.0f}"


def triple(xs: list[float]) -> str:
    if not xs:
        return "–"
    return f"{ms(pct(xs, 50))} / {ms(pct(xs, 99))} / {ms(max(xs))} ms"


def failure(status: str, data: bytes | None) -> str:
    """What a failed request said: its status and the `error` of a JSON reply (else the text)."""
    if status == "200":
        return ""
    text = (data or b"").decode(errors="replace").strip()
    try:
        text = str(json.loads(text).get("error", text))
    except (ValueError, AttributeError):
        pass
    return f"{status} {text[:200]}".strip()


def counts(c: dict[str, int]) -> str:
    return ", ".join(f"{k}: {v:,}" for k, v in sorted(c.items(), key=lambda kv: (not kv[0].isdigit(), kv[0])))


@dataclass
class Row:
    rate: float
    duration: float
    nodes: int
    hosts: int
    runs: int = 0
    facts_status: dict[str, int] = field(default_factory=dict)
    enc_status: dict[str, int] = field(default_factory=dict)
    facts_lat: list[float] = field(default_factory=list)  # from the run's scheduled start
    enc_lat: list[float] = field(default_factory=list)  # from sending the ENC request
    run_lat: list[float] = field(default_factory=list)  # whole run, from the scheduled start
    revisions_seen: int = 0
    client_lag_max: float = 0.0  # how late the client started a run (its own overload)
    probes: list[dict] = field(default_factory=list)
    probe_polls: int = 0
    cpu: dict[str, float] = field(default_factory=dict)
    wall: float = 0.0
    exited: dict[str, str] = field(default_factory=dict)  # servers that exited during the row
    failures: dict[str, int] = field(default_factory=dict)  # failed requests by status and message

    def visible_all(self) -> list[float]:
        return [p["all"] for p in self.probes if p["all"] is not None]

    def not_visible(self) -> int:
        return sum(1 for p in self.probes if p["all"] is None)

    def cpu_total(self) -> float:
        return sum(self.cpu.values())

    def cpu_ms_per_run(self) -> float | None:
        return 1000 * self.cpu_total() / self.runs if self.runs and not self.exited else None

    def ok(self) -> bool:
        ok = set(self.facts_status) <= {"200"} and set(self.enc_status) <= {"200"}
        return self.runs > 0 and ok and not self.exited


# --------------------------------------------------------------------------------------------
# The fleet and the probe.
# --------------------------------------------------------------------------------------------


@dataclass
class FactsBody:
    """A host's facts as JSON, split where `system_uptime.seconds` goes."""

    head: bytes
    tail: bytes
    base: int

    def render(self, bump: int) -> bytes:
        return self.head + str(self.base + bump).encode() + self.tail


SENTINEL = 987_654_321_987_654_321


def facts_body(facts: dict) -> FactsBody:
    up = facts.get("system_uptime")
    if isinstance(up, dict) and isinstance(up.get("seconds"), int):
        base = up["seconds"]
        up["seconds"] = SENTINEL
    else:
        base = int(facts.get("uptime_seconds") or 0)
        facts["uptime_seconds"] = SENTINEL
    text = json.dumps(facts, separators=(",", ":")).encode()
    head, _, tail = text.partition(str(SENTINEL).encode())
    return FactsBody(head, tail, base)


async def fleet(
    row: Row, servers: list[Server], certs: list[str], bodies: dict[str, FactsBody], args, offset: int
) -> None:
    loop = asyncio.get_running_loop()
    clients = [Client(s.host, s.port) for s in servers]
    total = int(round(row.rate * row.duration))
    tasks = []
    t0 = loop.time() + 0.05

    async def agent(k: int, due: float):
        node = k % len(servers)
        cert = certs[(offset + k) % len(certs)]
        body = bodies[cert].render(offset + k + 1)
        st, data = await timed(
            clients[node],
            args.timeout,
            "PUT",
            f"/v1/hosts/{cert}/facts",
            body,
            {"Content-Type": "application/json"},
        )
        t1 = loop.time()
        row.facts_status[st] = row.facts_status.get(st, 0) + 1
        if st != "200":
            why = "facts upload: " + failure(st, data)
            row.failures[why] = row.failures.get(why, 0) + 1
        row.facts_lat.append(t1 - due)
        path = f"/node/{cert}?format=yml"
        if args.min_revision and data:
            try:
                rev = json.loads(data).get("revision")
            except (ValueError, AttributeError):
                rev = None
            if isinstance(rev, int):
                path += f"&min_revision={rev}"
                row.revisions_seen += 1
        st2, data2 = await timed(clients[node], args.timeout, "GET", path)
        t2 = loop.time()
        row.enc_status[st2] = row.enc_status.get(st2, 0) + 1
        if st2 != "200":
            why = "ENC: " + failure(st2, data2)
            row.failures[why] = row.failures.get(why, 0) + 1
        row.enc_lat.append(t2 - t1)
        row.run_lat.append(t2 - due)

    for k in range(total):
        due = t0 + k / row.rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        row.client_lag_max = max(row.client_lag_max, loop.time() - due)
        tasks.append(asyncio.create_task(agent(k, due)))
    await asyncio.gather(*tasks)
    row.runs = total
    for c in clients:
        c.close()


async def probes(row: Row, servers: list[Server], cert: str, args, first: int) -> None:
    loop = asyncio.get_running_loop()
    writer = Client(servers[0].host, servers[0].port)
    readers = [Client(s.host, s.port) for s in servers]
    cap = args.probe_cap
    n_probes = max(1, int(row.duration // args.probe_every))
    t0 = loop.time() + args.probe_every / 2

    async def poll(node: int, name: str, value: str, sent: float, replied: float) -> float | None:
        """Seconds from sending the write until `node` shows it; None if not within `cap` of the reply."""
        while True:
            st, data = await timed(
                readers[node],
                args.timeout,
                "GET",
                f"/v1/hosts/{cert}/enc",
                headers={"Accept": "application/json"},
            )
            row.probe_polls += 1
            now = loop.time()
            if st == "200" and data:
                try:
                    if json.loads(data).get("parameters", {}).get(name) == value:
                        return now - sent if now - replied <= cap else None
                except ValueError:
                    pass
            if now - replied >= cap:
                return None
            await asyncio.sleep(args.probe_poll)

    async def one(n: int):
        # A parameter of its own per probe: when writes take longer than the probe interval,
        # a later probe's value must not hide this one's.
        name, value = f"{PROBE_PARAM}_{n}", f"probe-{n}"
        body = json.dumps({"value": value}).encode()
        sent = loop.time()
        st, data = await timed(
            writer,
            args.timeout,
            "PUT",
            f"/v1/hosts/{cert}/parameters/{name}",
            body,
            {"Content-Type": "application/json"},
        )
        replied = loop.time()
        # Polling starts at the reply: node 1 publishes a write before answering it, and the
        # others cannot have it before it is committed.
        if st == "200":
            seen = list(await asyncio.gather(*(poll(i, name, value, sent, replied) for i in range(len(servers)))))
        else:
            seen = [None] * len(servers)
        everywhere = None if any(s is None for s in seen) else max(seen)
        if st != "200":
            why = "probe write: " + failure(st, data)
            row.failures[why] = row.failures.get(why, 0) + 1
        row.probes.append(
            {
                "n": n,
                "write_status": st,
                "write": replied - sent,
                "nodes": seen,
                "all": everywhere,
                "all_after_reply": None if everywhere is None else everywhere - (replied - sent),
                "reply": failure(st, data),
            }
        )

    tasks = []
    for i in range(n_probes):
        due = t0 + i * args.probe_every
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(first + i)))
    await asyncio.gather(*tasks)
    writer.close()
    for c in readers:
        c.close()


# --------------------------------------------------------------------------------------------
# Warm ENC throughput: wrk against one pinned lamina, then against the bare axum floor.
# --------------------------------------------------------------------------------------------


def find_wrk() -> str:
    w = shutil.which("wrk")
    if w:
        return w
    say("wrk is missing: apt-get update && apt-get install -y wrk")
    subprocess.run(["apt-get", "update"], check=False, stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=False, stdout=subprocess.DEVNULL)
    w = shutil.which("wrk")
    if not w:
        raise Fail("wrk is needed for the throughput part (apt-get install -y wrk), or pass --no-throughput")
    return w


def wrk(wrk_bin: str, srv: Server, lua: Path, seconds: float, conns: int) -> dict:
    cmd = ["taskset", "-c", "0", wrk_bin, "-t1", f"-c{conns}", f"-d{seconds:g}s", "--latency", "-s", str(lua)]
    cmd.append(srv.base + "/")
    out = run(cmd, "wrk").stdout
    m = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    if not m:
        raise Fail(f"cannot read wrk's output:\n{out}")
    res: dict = {"rps": float(m.group(1)), "non_2xx": 0, "socket_errors": ""}
    unit = {"us": 1e-6, "ms": 1e-3, "s": 1.0}
    for q in ("50", "99"):
        mq = re.search(rf"^\s+{q}%\s+([0-9.]+)(us|ms|s)\s*$", out, re.M)
        res[f"p{q}"] = float(mq.group(1)) * unit[mq.group(2)] if mq else None
    mn = re.search(r"Non-2xx or 3xx responses:\s+([0-9]+)", out)
    if mn:
        res["non_2xx"] = int(mn.group(1))
    se = re.search(r"Socket errors:(.*)", out)
    if se:
        res["socket_errors"] = se.group(1).strip()
    return res


async def sample_body(srv: Server, certs: list[str]) -> bytes:
    """One real ENC YAML response, of median size among a sample of hosts."""
    c = Client(srv.host, srv.port)
    step = max(1, len(certs) // 51)
    docs = []
    for cert in certs[::step][:51]:
        st, data = await timed(c, 30, "GET", f"/node/{cert}?format=yml")
        if st == "200" and data:
            docs.append(data)
    c.close()
    if not docs:
        raise Fail("no host answered /node with 200: no body for the floor")
    docs.sort(key=len)
    return docs[len(docs) // 2]


def floor_binary(args, tgt: Path) -> Path:
    if args.floor:
        p = Path(args.floor)
        if not p.is_file():
            raise Fail(f"--floor {p}: no such file")
        return p
    p = tgt / "release" / "enc-floor"
    if not p.is_file():
        say("building enc-floor: cargo build --release -p lamina-benches --bin enc-floor")
        env = dict(os.environ, CARGO_TARGET_DIR=str(tgt))
        r = subprocess.run(
            ["cargo", "build", "--release", "-q", "-p", "lamina-benches", "--bin", "enc-floor"], cwd=ROOT, env=env
        )
        if r.returncode != 0 or not p.is_file():
            raise Fail("cargo build of enc-floor failed")
    return p


async def throughput(args, lamina: Path, store: str, work: Path, certs: list[str], tgt: Path) -> dict:
    if (os.cpu_count() or 1) < 2 or not shutil.which("taskset"):
        raise Fail("the throughput part needs taskset and 2 CPUs (or pass --no-throughput)")
    wrk_bin = find_wrk()
    floor = floor_binary(args, tgt)
    paths = work / "paths.txt"
    paths.write_text("".join(f"/node/{c}?format=yml\n" for c in certs))
    lua = work / "random-path.lua"
    lua.write_text(
        f"local paths = {{}}\nfor line in io.lines({json.dumps(str(paths))}) do paths[#paths + 1] = line end\n"
        "request = function() return wrk.format(\"GET\", paths[math.random(#paths)]) end\n"
    )
    out: dict = {}
    say("throughput: one lamina serve pinned to CPU 1, wrk to CPU 0")
    srv = start_server(
        "throughput-lamina",
        [str(lamina), "serve", "--store", store, "--listen", "127.0.0.1:0", "--refresh", str(args.refresh)],
        work,
        pin="1",
    )
    try:
        await wait_ready(srv)
        body = await sample_body(srv, certs)
        wrk(wrk_bin, srv, lua, 5, args.wrk_connections)
        out["lamina"] = wrk(wrk_bin, srv, lua, args.wrk_duration, args.wrk_connections)
        if srv.exit_status():
            raise Fail(f"{srv.name} exited during the throughput run ({srv.exit_status()}; its log: {srv.log})")
    finally:
        stop_server(srv)
    body_file = work / "floor-body.yml"
    body_file.write_bytes(body)
    out["body_bytes"] = len(body)
    say(f"throughput: enc-floor ({len(body):,} bytes for every GET) pinned to CPU 1")
    floor_argv = [str(floor), "--listen", "127.0.0.1:0", "--body", str(body_file)]
    srv = start_server("throughput-floor", floor_argv, work, pin="1")
    try:
        wrk(wrk_bin, srv, lua, 5, args.wrk_connections)
        out["floor"] = wrk(wrk_bin, srv, lua, args.wrk_duration, args.wrk_connections)
        if srv.exit_status():
            raise Fail(f"{srv.name} exited during the throughput run ({srv.exit_status()}; its log: {srv.log})")
    finally:
        stop_server(srv)
    out["ratio"] = out["lamina"]["rps"] / out["floor"]["rps"] if out["floor"]["rps"] else None
    return out


# --------------------------------------------------------------------------------------------
# Report.
# --------------------------------------------------------------------------------------------


def table(rows: list[Row], cap: float) -> str:
    head = (
        "| setup, offered load | facts uploads (status counts) | facts p50 / p99 / max | ENC p50 / p99 / max "
        "| write visible on all nodes p50 / p99 / max | server CPU (s, ms/run) |"
    )
    lines = [head, "| --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        setup = f"{r.nodes} nodes, PostgreSQL, {r.hosts:,} hosts; "
        setup += f"{r.rate:g} runs/s for {r.duration:g} s ({r.runs:,} runs)"
        if r.exited:
            setup += " — NOT VALID: " + ", ".join(f"{n} exited ({st})" for n, st in r.exited.items())
        enc = triple(r.enc_lat)
        if set(r.enc_status) != {"200"}:
            enc += f" [{counts(r.enc_status)}]"
        vis = triple(r.visible_all())
        extra = []
        failed = sum(1 for p in r.probes if p["write_status"] != "200")
        late = r.not_visible() - failed
        if failed:
            extra.append(f"{failed} of {len(r.probes)} writes failed")
        if late:
            extra.append(f"{late} of {len(r.probes)} not visible on every node within {cap:g} s of the reply")
        ws = {}
        for p in r.probes:
            ws[p["write_status"]] = ws.get(p["write_status"], 0) + 1
        wl = [p["write"] for p in r.probes if p["write_status"] == "200"]
        extra.append(f"write [{counts(ws)}] {triple(wl)}")
        vis += " (" + "; ".join(extra) + ")"
        per_node = " + ".join(f"{v:.1f}" for v in r.cpu.values())
        cpr = r.cpu_ms_per_run()
        cpu = f"{r.cpu_total():.1f} s ({per_node}), {cpr:.1f} ms/run" if cpr is not None else "–"
        lines.append(f"| {setup} | {counts(r.facts_status)} | {triple(r.facts_lat)} | {enc} | {vis} | {cpu} |")
    return "\n".join(lines)


def targets(rows: list[Row], tp: dict | None) -> list[tuple[str, bool | None, str]]:
    out: list[tuple[str, bool | None, str]] = []
    for r in rows:
        tag = f"[{r.rate:g} runs/s] "
        errs = sum(v for k, v in r.facts_status.items() if k != "200") + sum(
            v for k, v in r.enc_status.items() if k != "200"
        )
        out.append(
            (
                tag + f"{TARGET_RATE:g} agent runs/s with zero errors",
                r.rate >= TARGET_RATE and r.ok(),
                f"offered {r.rate:g} runs/s, {errs:,} errors",
            )
        )
        f99, e99 = pct(r.facts_lat, 99), pct(r.enc_lat, 99)
        out.append((tag + "facts upload p99 < 50 ms", f99 is not None and f99 < 0.050, f"{ms(f99)} ms"))
        out.append((tag + "ENC p99 < 10 ms", e99 is not None and e99 < 0.010, f"{ms(e99)} ms"))
        vis = r.visible_all()
        v99 = pct(vis, 99)
        vmax = max(vis) if vis else None
        complete = r.not_visible() == 0 and bool(r.probes)
        out.append(
            (
                tag + "write visible on every node p99 < 250 ms",
                complete and v99 is not None and v99 < 0.250,
                f"{ms(v99)} ms" + (f", {r.not_visible()} not visible" if r.not_visible() else ""),
            )
        )
        out.append(
            (
                tag + "write visible on every node max < 1 s",
                complete and vmax is not None and vmax < 1.0,
                f"{ms(vmax)} ms",
            )
        )
        cpr = r.cpu_ms_per_run()
        out.append(
            (
                tag + "server CPU < 2 ms per agent run",
                cpr is not None and cpr < 2.0,
                "–" if cpr is None else f"{cpr:.1f} ms",
            )
        )
    if tp:
        ratio = tp.get("ratio")
        got = f"{100 * ratio:.0f} %" if ratio else "–"
        out.append(("warm ENC throughput >= 50 % of the floor", ratio is not None and ratio >= 0.5, got))
    else:
        out.append(("warm ENC throughput >= 50 % of the floor", None, "not measured (--no-throughput)"))
    return out


def shown_command(argv: list[str]) -> str:
    """The command line, with paths under the repository relative to its root."""
    out = ["python3", "benches/fleet/fleet.py"]
    path_flags = {"--lamina", "--floor", "--work", "--json"}
    i = 0
    while i < len(argv):
        a = argv[i]
        val = None
        if "=" in a and a.split("=", 1)[0] in path_flags:
            a, val = a.split("=", 1)
        elif a in path_flags and i + 1 < len(argv):
            val = argv[i + 1]
            i += 1
        if val is not None:
            p = Path(val).resolve()
            try:
                val = str(p.relative_to(ROOT))
            except ValueError:
                pass
            out += [a, val]
        else:
            out.append(a)
        i += 1
    return shlex.join(out)


# --------------------------------------------------------------------------------------------
# Main.
# --------------------------------------------------------------------------------------------


def parse_args(argv: list[str]):
    ap = argparse.ArgumentParser(
        prog="benches/fleet/fleet.py",
        description="Fleet-emulation benchmark of lamina serve (see the header of this file).",
    )
    ap.add_argument("--lamina", help="the release lamina binary [$CARGO_TARGET_DIR or target/]release/lamina")
    ap.add_argument("--floor", help="the enc-floor binary [built next to lamina's default when absent]")
    ap.add_argument("--hosts", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--nodes", type=int, default=3)
    ap.add_argument("--rate", default="5.6", help="agent runs per second; several, comma-separated, one row each")
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of fleet load per rate")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds per request before it counts as timeout")
    ap.add_argument("--refresh", type=float, default=1.0, help="the servers' --refresh (store polling, s)")
    ap.add_argument("--probe-every", type=float, default=5.0, help="seconds between visibility probes")
    ap.add_argument("--probe-poll", type=float, default=0.01, help="seconds between polls of a node")
    ap.add_argument("--probe-cap", type=float, default=10.0, help="seconds after which a probe is not visible")
    ap.add_argument("--min-revision", action="store_true", help="ENC requests ask for the upload's revision")
    ap.add_argument("--throughput", action=argparse.BooleanOptionalAction, default=True)
    ap.add_argument("--wrk-duration", type=float, default=10.0)
    ap.add_argument("--wrk-connections", type=int, default=32)
    ap.add_argument("--pg-admin", default="postgres://postgres@127.0.0.1:5432")
    ap.add_argument("--db", default="lamina_fleet")
    ap.add_argument("--work", help="work directory [$CARGO_TARGET_DIR or target/]fleet-bench")
    ap.add_argument("--json", help="write the raw figures to this file")
    ap.add_argument("--targets", action="store_true", help="compare the figures with the targets (PASS/FAIL)")
    a = ap.parse_args(argv)
    try:
        a.rates = [float(x) for x in a.rate.split(",") if x.strip()]
    except ValueError:
        ap.error(f"--rate {a.rate!r}: numbers, comma-separated")
    if not a.rates or any(r <= 0 for r in a.rates):
        ap.error("--rate must be positive")
    if a.nodes < 1 or a.hosts < 1 or a.duration <= 0 or a.probe_every <= 0:
        ap.error("--nodes, --hosts, --duration and --probe-every must be positive")
    if not re.match(r"[a-z_][a-z0-9_]*$", a.db):
        ap.error("--db: a plain database name")
    return a


async def main_async(args, argv: list[str]) -> None:
    tgt = target_dir()
    lamina = Path(args.lamina) if args.lamina else tgt / "release" / "lamina"
    if not lamina.is_file():
        raise Fail(f"no lamina binary at {lamina} (cargo build --release -p lamina-cli, or --lamina PATH)")
    lamina = lamina.resolve()
    work = Path(args.work) if args.work else tgt / "fleet-bench"
    work.mkdir(parents=True, exist_ok=True)
    if not shutil.which("psql"):
        raise Fail("psql is needed (apt-get install -y postgresql-client)")

    estate_dir = work / f"estate-{args.hosts}-{args.seed}"
    if not (estate_dir / ".complete").is_file():
        say(f"generating a {args.hosts:,}-host estate (seed {args.seed}) in {estate_dir}")
        shutil.rmtree(estate_dir, ignore_errors=True)
        run(
            [str(lamina), "corpus", "generate", "--hosts", str(args.hosts), "--seed", str(args.seed)]
            + ["--out", str(estate_dir)],
            "lamina corpus generate",
        )
        (estate_dir / ".complete").write_text("")
    t = time.monotonic()
    estate = index_estate(estate_dir)
    if len(estate.certnames) != args.hosts:
        raise Fail(f"found {len(estate.certnames)} hosts with facts in {estate_dir}, expected {args.hosts}")
    certs = estate.certnames
    total_runs = sum(int(round(r * args.duration)) for r in args.rates)
    needed = certs[: min(len(certs), total_runs)]
    bodies = {c: facts_body(estate.facts(c)) for c in needed}
    say(f"{len(certs):,} certnames; facts of {len(bodies):,} hosts as JSON in {time.monotonic() - t:.1f} s")

    store = f"{args.pg_admin}/{args.db}"
    say(f"creating the database {args.db} and importing the estate")
    psql(args.pg_admin, f"DROP DATABASE IF EXISTS {args.db}", f"CREATE DATABASE {args.db}")
    t = time.monotonic()
    run([str(lamina), "import", str(estate_dir), "--store", store], "lamina import")
    import_s = time.monotonic() - t
    say(f"imported in {import_s:.1f} s")

    say(f"starting {args.nodes} servers")
    servers = []
    for i in range(args.nodes):
        servers.append(
            start_server(
                f"node{i + 1}",
                [str(lamina), "serve", "--store", store, "--listen", "127.0.0.1:0", "--refresh", str(args.refresh)],
                work,
            )
        )
    await asyncio.gather(*(wait_ready(s) for s in servers))
    say("ready: " + ", ".join(f"{s.name} {s.base}" for s in servers))

    # The probe host: the last certname that renders (the fleet starts from the first ones).
    c = Client(servers[0].host, servers[0].port)
    probe_cert = None
    for cand in reversed(certs[-50:]):
        st, _ = await timed(c, 30, "GET", f"/v1/hosts/{cand}/enc", headers={"Accept": "application/json"})
        if st == "200":
            probe_cert = cand
            break
    c.close()
    if probe_cert is None:
        raise Fail("none of the last 50 hosts renders: no probe host")

    rows: list[Row] = []
    offset, probe_n = 0, 1
    for rate in args.rates:
        row = Row(rate, args.duration, args.nodes, args.hosts)
        say(f"fleet: {rate:g} runs/s for {args.duration:g} s over {args.nodes} nodes; probe host {probe_cert}")
        before = {s.name: s.cpu_seconds() for s in servers}
        t = time.monotonic()
        await asyncio.gather(
            fleet(row, servers, certs, bodies, args, offset), probes(row, servers, probe_cert, args, probe_n)
        )
        row.wall = time.monotonic() - t
        row.cpu = {s.name: s.cpu_seconds() - before[s.name] for s in servers}
        row.exited = {s.name: st for s in servers if (st := s.exit_status())}
        for name, st in row.exited.items():
            say(f"WARNING: {name} exited during the run ({st}; its log: {work / (name + '.log')}): the row is invalid")
        offset += row.runs
        probe_n += len(row.probes)
        rows.append(row)
        say(
            f"done in {row.wall:.1f} s: facts [{counts(row.facts_status)}], ENC [{counts(row.enc_status)}], "
            f"{row.probe_polls:,} probe polls, client lag max {ms(row.client_lag_max)} ms"
        )
    for s in list(servers):
        stop_server(s)

    tp = None
    if args.throughput:
        tp = await throughput(args, lamina, store, work, certs, tgt)

    load = os.getloadavg()
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu_model = next((ln.split(":", 1)[1].strip() for ln in cpuinfo if ln.startswith("model name")), "?")
    loads = " / ".join(f"{x:.1f}" for x in load)
    print(f"machine: {os.cpu_count()} CPUs ({cpu_model}); load average at the end {loads}")
    print(
        f"lamina: {lamina}; store: PostgreSQL ({args.db}), imported in {import_s:.1f} s; "
        f"servers: --refresh {args.refresh:g}; "
        f"probe host {probe_cert}, a write every {args.probe_every:g} s through node1, polled every "
        f"{1000 * args.probe_poll:g} ms on every node; min_revision {'on' if args.min_revision else 'off'}"
    )
    print()
    print(table(rows, args.probe_cap))
    print()
    for r in rows:
        after = [p["all_after_reply"] for p in r.probes if p["all_after_reply"] is not None]
        print(f"{r.rate:g} runs/s: write visible on all nodes counted from the write's reply: {triple(after)}")
        for why, n in sorted(r.failures.items(), key=lambda kv: -kv[1]):
            print(f"{r.rate:g} runs/s: {n:,} × {why}")
        print(
            f"{r.rate:g} runs/s: whole agent run (upload + ENC) {triple(r.run_lat)}; client started runs at most "
            f"{ms(r.client_lag_max)} ms late; {r.probe_polls:,} probe polls (in the server CPU); "
            f"ENC requests with min_revision: {r.revisions_seen:,}"
        )
    if tp:
        lm, fl = tp["lamina"], tp["floor"]

        def line(x: dict) -> str:
            bad = (f", {x['non_2xx']:,} non-2xx" if x["non_2xx"] else "") + (
                f", socket errors: {x['socket_errors']}" if x["socket_errors"] else ""
            )
            return f"{x['rps']:,.0f} req/s (p50 {ms(x['p50'])} ms, p99 {ms(x['p99'])} ms{bad})"

        print(
            f"warm ENC throughput, one server pinned to CPU 1, wrk -t1 -c{args.wrk_connections} "
            f"-d{args.wrk_duration:g}s on CPU 0, random certnames:"
        )
        print(f"  lamina serve  GET /node/<certname>?format=yml: {line(lm)}")
        print(f"  enc-floor     the same {tp['body_bytes']:,}-byte document for every GET: {line(fl)}")
        print(f"  ratio lamina / floor: {100 * tp['ratio']:.0f} %" if tp["ratio"] else "  ratio: –")
    if args.targets:
        print()
        print("targets:")
        for name, ok, got in targets(rows, tp):
            verdict = "PASS" if ok else ("FAIL" if ok is False else "n/a ")
            print(f"  {verdict}  {name}: {got}")
    print()
    print("command: " + shown_command(argv))

    if args.json:
        raw = {
            "command": shown_command(argv),
            "lamina": str(lamina),
            "hosts": args.hosts,
            "seed": args.seed,
            "nodes": args.nodes,
            "import_seconds": import_s,
            "probe_host": probe_cert,
            "rows": [
                {
                    "rate": r.rate,
                    "duration": r.duration,
                    "runs": r.runs,
                    "wall_seconds": r.wall,
                    "facts_status": r.facts_status,
                    "enc_status": r.enc_status,
                    "facts_latency_s": r.facts_lat,
                    "enc_latency_s": r.enc_lat,
                    "run_latency_s": r.run_lat,
                    "client_lag_max_s": r.client_lag_max,
                    "probes": r.probes,
                    "probe_polls": r.probe_polls,
                    "cpu_seconds": r.cpu,
                    "cpu_ms_per_run": r.cpu_ms_per_run(),
                    "revisions_seen": r.revisions_seen,
                    "servers_exited": r.exited,
                    "failures": r.failures,
                }
                for r in rows
            ],
            "throughput": tp,
            "targets": [{"target": n, "pass": ok, "got": g} for n, ok, g in targets(rows, tp)],
        }
        Path(args.json).write_text(json.dumps(raw, indent=1) + "\n")


def main() -> int:
    argv = sys.argv[1:]
    args = parse_args(argv)

    def on_term(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    # Ctrl-C stops the run and cleans up, even when started where SIGINT was ignored (`cmd &`).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        asyncio.run(main_async(args, argv))
        return 0
    except Fail as e:
        print(f"fleet.py: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("fleet.py: interrupted", file=sys.stderr)
        return 130
    finally:
        for s in list(RUNNING):
            stop_server(s)
        if shutil.which("psql"):
            subprocess.run(
                ["psql", f"{args.pg_admin}/postgres", "-q", "-c", f"DROP DATABASE IF EXISTS {args.db}"],
                capture_output=True,
            )


if __name__ == "__main__":
    sys.exit(main())
