#!/usr/bin/env python3
"""The ENC cluster under faults (issue 14): its own PostgreSQL (initdb in a temporary directory,
on another port, so that it can be stopped), three `lamina serve` nodes and HAProxy on loopback,
load running throughout, and the numbers printed:

- one node killed with SIGKILL and restarted: no failed request through HAProxy;
- one node sent SIGTERM: its readiness fails first, requests drain, then it exits;
- the nodes' LISTEN connections terminated: every node converges on a new write within 5 s;
- PostgreSQL stopped for 30 s: every node keeps answering every host from memory, marked stale
  (header and metric); writes get 503;
- PostgreSQL back: the nodes catch up through the change feed, without a restart;
- every acknowledged write is in the store at the end (counted).

Run by .ci/run after the tests (HAProxy from apt). Usage:
    python3 tests/cluster/cluster.py --lamina target/debug/lamina [--outage 30]
Exit 0 when every criterion holds, 1 otherwise.
"""
import argparse
import glob
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HOSTS = []  # certnames of the demo estate
failures = []


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def request(port, method, path, body=None, timeout=5.0):
    """(status, headers dict lowercased, body text); status 0 on a transport failure."""
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        headers = {"Content-Type": "application/json"} if body is not None else {}
        c.request(method, path, body=body, headers=headers)
        r = c.getresponse()
        text = r.read().decode("utf-8", "replace")
        h = {k.lower(): v for k, v in r.getheaders()}
        c.close()
        return r.status, h, text
    except (OSError, http.client.HTTPException):
        return 0, {}, ""


def check(ok, what):
    print(("  ok    " if ok else "  FAIL  ") + what, flush=True)
    if not ok:
        failures.append(what)


class Postgres:
    def __init__(self, work):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not bins:
            sys.exit("cluster: PostgreSQL's initdb is required (apt-get install postgresql)")
        self.bin = os.path.dirname(bins[-1])
        self.dir = os.path.join(work, "pg")
        self.port = free_port()
        os.makedirs(self.dir)
        shutil.chown(work, "postgres")
        shutil.chown(self.dir, "postgres")
        self.run("initdb", "-D", self.dir, "-A", "trust", "-U", "postgres", "--no-sync")

    def run(self, tool, *args):
        cmd = ["runuser", "-u", "postgres", "--", os.path.join(self.bin, tool), *args]
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"cluster: {tool} failed: {out.stderr}")

    def start(self):
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run("pg_ctl", "-D", self.dir, "-o", opts, "-l", os.path.join(self.dir, "log"), "-w", "start")

    def stop(self):
        self.run("pg_ctl", "-D", self.dir, "-m", "fast", "-w", "stop")

    def url(self):
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def sql(self, q):
        out = subprocess.run(
            [os.path.join(self.bin, "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-qtAc", q],
            capture_output=True, text=True)
        return out.stdout


class Node:
    def __init__(self, lamina, store, front, work, i):
        self.lamina, self.store, self.front, self.i = lamina, store, front, i
        self.port = free_port()
        self.log = open(os.path.join(work, f"node{i}.log"), "w")
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            [self.lamina, "serve", "--store", self.store, "--listen", f"127.0.0.1:{self.port}", "--refresh", "1",
             "--drain-seconds", "2", "--server-name", f"127.0.0.1:{self.front}"],
            stdout=subprocess.DEVNULL, stderr=self.log)
        t = time.time()
        while time.time() - t < 20:
            if request(self.port, "GET", "/readyz")[0] == 200:
                return
            time.sleep(0.1)
        sys.exit(f"cluster: node {self.i} did not become ready")

    def signal(self, sig):
        self.proc.send_signal(sig)


class Load:
    """Readers through HAProxy and one writer: failures counted per phase."""

    def __init__(self, front, readers=4):
        self.front = front
        self.stop = False
        self.lock = threading.Lock()
        self.phase = "start"
        self.reads = {}
        self.failed = {}
        self.stale = {}
        self.acked = []
        self.write_errors = 0
        self.threads = [threading.Thread(target=self.reader, daemon=True) for _ in range(readers)]
        self.threads.append(threading.Thread(target=self.writer, daemon=True))
        for t in self.threads:
            t.start()

    def reader(self):
        while not self.stop:
            host = random.choice(HOSTS)
            status, h, _ = request(self.front, "GET", f"/node/{host}?format=yml")
            with self.lock:
                p = self.phase
                self.reads[p] = self.reads.get(p, 0) + 1
                if status != 200:
                    self.failed[p] = self.failed.get(p, 0) + 1
                if h.get("x-lamina-stale") == "true":
                    self.stale[p] = self.stale.get(p, 0) + 1
            time.sleep(0.01)

    def writer(self):
        n = 0
        while not self.stop:
            n += 1
            status, _, _ = request(self.front, "PUT", f"/v1/parameters/cluster_seq_{n}", json.dumps({"value": n}))
            with self.lock:
                if status == 200:
                    self.acked.append(n)
                else:
                    self.write_errors += 1
            time.sleep(0.2)

    def set(self, phase):
        with self.lock:
            self.phase = phase

    def count(self, phase):
        with self.lock:
            return self.reads.get(phase, 0), self.failed.get(phase, 0), self.stale.get(phase, 0)


def haproxy_config(front, nodes, path):
    """docs/ops/haproxy.cfg, the configuration operators get, with this run's addresses."""
    with open(os.path.join(ROOT, "docs/ops/haproxy.cfg")) as f:
        template = f.read()
    servers = "\n".join(
        f"    server node{n.i} 127.0.0.1:{n.port} check inter 300ms fall 1 rise 1" for n in nodes)
    with open(path, "w") as f:
        f.write(template.replace("{FRONT}", f"127.0.0.1:{front}").replace("{SERVERS}", servers))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lamina", default=os.path.join(ROOT, "target/debug/lamina"))
    ap.add_argument("--outage", type=float, default=30.0, help="seconds PostgreSQL stays stopped")
    args = ap.parse_args()
    lamina = os.path.abspath(args.lamina)
    if shutil.which("haproxy") is None:
        sys.exit("cluster: haproxy is required (apt-get install haproxy)")
    work = tempfile.mkdtemp(prefix="lamina-cluster-")
    procs = []
    pg = Postgres(work)
    try:
        pg.start()
        out = subprocess.run([lamina, "import", os.path.join(ROOT, "corpus/demo"), "--store", pg.url()],
                             capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"cluster: import failed: {out.stderr}")
        front = free_port()
        nodes = [Node(lamina, pg.url(), front, work, i) for i in range(3)]
        for n in nodes:
            n.start()
        rendered = subprocess.run([lamina, "render", "--store", pg.url(), "--format", "jsonl", "--out", "-"],
                                  capture_output=True, text=True).stdout
        HOSTS.extend(json.loads(line)["certname"] for line in rendered.splitlines() if line.strip())
        cfg = os.path.join(work, "haproxy.cfg")
        haproxy_config(front, nodes, cfg)
        checked = subprocess.run(["haproxy", "-c", "-f", cfg], capture_output=True, text=True)
        if checked.returncode != 0:
            sys.exit(f"cluster: the HAProxy configuration is invalid: {checked.stdout}{checked.stderr}")
        hap = subprocess.Popen(["haproxy", "-f", cfg, "-db"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(hap)
        time.sleep(1.0)
        load = Load(front)
        time.sleep(2)

        print("cluster: 3 nodes behind HAProxy, PostgreSQL on port", pg.port, flush=True)
        # 1. SIGKILL one node, restart it.
        load.set("sigkill")
        nodes[1].signal(signal.SIGKILL)
        nodes[1].proc.wait()
        time.sleep(2)
        nodes[1].start()
        time.sleep(2)
        reads, failed, _ = load.count("sigkill")
        print(f"  SIGKILL + restart: {reads} reads through HAProxy, {failed} failed", flush=True)
        check(failed == 0 and reads > 0, "no failed request while a node is killed and restarted")

        # 2. SIGTERM: readiness fails first, in-flight requests drain, then exit.
        load.set("sigterm")
        t0 = time.time()
        nodes[2].signal(signal.SIGTERM)
        not_ready = None
        while time.time() - t0 < 2:
            if request(nodes[2].port, "GET", "/readyz", timeout=1)[0] == 503:
                not_ready = time.time() - t0
                break
            time.sleep(0.02)
        served = request(nodes[2].port, "GET", f"/node/{HOSTS[0]}?format=yml", timeout=2)[0]
        code = nodes[2].proc.wait(timeout=15)
        exited = time.time() - t0
        nodes[2].start()
        time.sleep(1.5)
        reads, failed, _ = load.count("sigterm")
        print(f"  SIGTERM: not ready after {not_ready if not_ready is None else round(not_ready, 2)}s, "
              f"answered while draining: {served}, exited {code} after {exited:.1f}s; "
              f"{reads} reads through HAProxy, {failed} failed", flush=True)
        check(not_ready is not None and served == 200 and code == 0 and exited >= 2, "SIGTERM: not ready first, drains, exits 0")
        check(failed == 0, "no failed request while a node drains and restarts")

        # 3. The LISTEN connections terminated: a new write reaches every node within 5 s.
        load.set("listen")
        pg.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%'")
        time.sleep(0.2)
        status, _, _ = request(nodes[0].port, "PUT", "/v1/parameters/after_listen", json.dumps({"value": "seen"}))
        t0 = time.time()
        seen = set()
        while time.time() - t0 < 10 and len(seen) < 3:
            for n in nodes:
                if "after_listen: seen" in request(n.port, "GET", f"/node/{HOSTS[0]}?format=yml")[2]:
                    seen.add(n.i)
            time.sleep(0.05)
        took = time.time() - t0
        print(f"  LISTEN terminated: write {status}, on all 3 nodes after {took:.2f}s", flush=True)
        check(status == 200 and len(seen) == 3 and took <= 5, "every node converges within 5 s after its LISTEN is terminated")

        # 4. PostgreSQL stopped: answers from memory, marked stale; writes refused.
        load.set("outage")
        acked_before = len(load.acked)
        pg.stop()
        time.sleep(min(3.0, args.outage))
        ups = []
        for n in nodes:
            _, _, metrics = request(n.port, "GET", "/metrics")
            ups.append("lamina_store_up 0" in metrics)
        every_host = all(request(nodes[i % 3].port, "GET", f"/node/{h}?format=yml")[0] == 200 for i, h in enumerate(HOSTS))
        time.sleep(max(0.0, args.outage - 3.0))
        reads, failed, stale = load.count("outage")
        with load.lock:
            write_errors = load.write_errors
            acked_during = len(load.acked) - acked_before
        print(f"  PostgreSQL stopped {args.outage:.0f}s: {reads} reads, {failed} failed, {stale} marked stale; "
              f"every host answered: {every_host}; lamina_store_up 0 on {sum(ups)} nodes; writes acknowledged meanwhile: {acked_during}",
              flush=True)
        check(failed == 0 and every_host, "every host answered from memory while PostgreSQL is down")
        check(stale > 0 and all(ups), "answers marked stale (header and metric)")
        check(acked_during <= 1, "writes refused while PostgreSQL is down")

        # 5. PostgreSQL back: caught up through the feed, without a restart.
        load.set("back")
        pg.start()
        t0 = time.time()
        status = 0
        while time.time() - t0 < 20:
            status, _, _ = request(front, "PUT", "/v1/parameters/after_outage", json.dumps({"value": "back"}))
            if status == 200:
                break
            time.sleep(0.2)
        seen = set()
        while time.time() - t0 < 30 and len(seen) < 3:
            for n in nodes:
                s, h, body = request(n.port, "GET", f"/node/{HOSTS[0]}?format=yml")
                if "after_outage: back" in body and h.get("x-lamina-stale") is None:
                    seen.add(n.i)
            time.sleep(0.1)
        took = time.time() - t0
        print(f"  PostgreSQL back: write {status}, all nodes current and not stale after {took:.1f}s", flush=True)
        check(status == 200 and len(seen) == 3, "nodes catch up after the outage without a restart")
        time.sleep(1)

        # 6. Every acknowledged write is in the store.
        load.stop = True
        for t in load.threads:
            t.join(timeout=10)
        params = pg.sql("SELECT name FROM parameters WHERE name LIKE 'cluster_seq_%'").split()
        present = {int(p.rsplit("_", 1)[1]) for p in params}
        lost = [n for n in load.acked if n not in present]
        print(f"  writes: {len(load.acked)} acknowledged, {load.write_errors} refused or failed, {len(lost)} lost", flush=True)
        check(not lost and load.acked, "no acknowledged write is lost")
    finally:
        for p in procs:
            p.kill()
        for n in locals().get("nodes", []):
            if n.proc and n.proc.poll() is None:
                n.proc.kill()
        try:
            pg.stop()
        except SystemExit:
            pass
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"cluster: {len(failures)} criteria failed", flush=True)
        sys.exit(1)
    print("cluster: ok", flush=True)


if __name__ == "__main__":
    main()
