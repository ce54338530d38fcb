#!/usr/bin/env bash
# Memory of one `lamina serve` node by estate size, for docs/OPERATIONS.md's sizing guide:
# for each size, a generated estate imported into SQLite, a node started on it (release build),
# its resident memory after loading, then after every host's ENC was asked for once (the
# response cache filled). Usage: bash benches/server/sizing.sh [SIZES...]  (default 2000 10000 30000)
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release -q -p lamina-cli
L=${CARGO_TARGET_DIR:-target}/release/lamina
W=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$W"' EXIT
sizes=${*:-2000 10000 30000}
printf '%8s %14s %16s %12s\n' hosts "RSS loaded" "RSS all cached" "load s"
for n in $sizes; do
  "$L" corpus generate --hosts "$n" --seed 1 --out "$W/e$n" 2>/dev/null
  "$L" import "$W/e$n" --store "sqlite://$W/s$n.db" 2>/dev/null
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  t0=$(date +%s.%N)
  "$L" serve --store "sqlite://$W/s$n.db" --listen "127.0.0.1:$port" >"$W/out$n" 2>/dev/null &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do sleep 0.1; done
  t1=$(date +%s.%N)
  loaded=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
  "$L" render --estate "$W/e$n" --format jsonl --out - 2>/dev/null | python3 -c 'import json,sys; [print(json.loads(l)["certname"]) for l in sys.stdin]' > "$W/names$n"
  python3 - "$port" "$W/names$n" <<'PY'
import concurrent.futures, http.client, sys
port = int(sys.argv[1])
names = open(sys.argv[2]).read().split()
def get(chunk):
    c = http.client.HTTPConnection("127.0.0.1", port)
    for h in chunk:
        c.request("GET", f"/node/{h}?format=yml"); r = c.getresponse(); r.read()
        assert r.status == 200, (h, r.status)
with concurrent.futures.ThreadPoolExecutor(4) as ex:
    list(ex.map(get, [names[i::4] for i in range(4)]))
PY
  cached=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
  kill $pid; wait $pid 2>/dev/null || true
  printf '%8s %11s MB %13s MB %12.1f\n' "$n" $((loaded / 1024)) $((cached / 1024)) "$(python3 -c "print($t1 - $t0)")"
done
