#!/usr/bin/env bash
# Load benchmark of `lamina serve` (not a test: no assertions, it prints figures): the
# Foreman-compatible ENC endpoint `GET /node/<certname>?format=yml` on a generated 10,000-host
# estate, served from SQLite and from PostgreSQL, driven by a real HTTP load tool on loopback.
#
# For each store: start `lamina serve --store URL` (release build), warm up, then
#   1. a fixed-rate run: RATE requests/s offered for DURATION (oha -q, with latency correction so
#      that a stall is charged to the requests it delays), over random certnames;
#   2. a max-throughput run: no rate limit, same URLs, MAX_DURATION.
# and print requests/s, p50/p99/p99.9 latency and the status codes of each run.
#
# Random certnames matter (a single URL would hit the same rows and caches every time): a list of
# URL_COUNT URLs drawn at random (with replacement) from the estate's hosts is given to oha with
# --urls-from-file (wrk: a Lua script picks a path per request).
#
# The load tool runs on the same machine. With PIN=1 (default) the server is pinned to CPU 0 and
# the load tool to CPU 1 (taskset), so they do not steal each other's core; PostgreSQL's backends
# are not pinned and run wherever the scheduler puts them. PIN=0 lets everything share every core.
#
# Usage: benches/server/load.sh
# Env: RATE (2000), DURATION (30s), MAX_DURATION (20s), CONNS (50 connections), HOSTS (10000),
#      SEED (1), URL_COUNT (100000), STORES ("sqlite postgres"), PIN (1), LAMINA_BIN (skip the
#      release build), PG_ADMIN (postgres://postgres@127.0.0.1:5432), CARGO_TARGET_DIR.
# Needs: cargo (to build lamina and install oha), psql for PostgreSQL, python3 to read oha's JSON.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
RATE=${RATE:-2000}
DURATION=${DURATION:-30s}
MAX_DURATION=${MAX_DURATION:-20s}
CONNS=${CONNS:-50}
HOSTS=${HOSTS:-10000}
SEED=${SEED:-1}
URL_COUNT=${URL_COUNT:-100000}
STORES=${STORES:-sqlite postgres}
PIN=${PIN:-1}
PG_ADMIN=${PG_ADMIN:-postgres://postgres@127.0.0.1:5432}
PG_DB=lamina_bench
TGT=${CARGO_TARGET_DIR:-$ROOT/target}
case "$TGT" in /*) ;; *) TGT="$ROOT/$TGT" ;; esac
WORK="$TGT/server-bench"
mkdir -p "$WORK"

say() { echo "== $*" >&2; }
die() { echo "load.sh: $*" >&2; exit 2; }

# --- the load tool: oha (fixed rate + latency correction), else wrk (max throughput only) ------
OHA=""
for cand in "$(command -v oha || true)" "${CARGO_HOME:-$HOME/.cargo}/bin/oha"; do
  if [ -n "$cand" ] && [ -x "$cand" ]; then OHA=$cand; break; fi
done
if [ -z "$OHA" ]; then
  say "installing oha (cargo install oha --locked)"
  if CARGO_TARGET_DIR="$TGT/oha-build" nice cargo install oha --locked >&2; then
    OHA="${CARGO_HOME:-$HOME/.cargo}/bin/oha"
  fi
fi
WRK=""
if [ -z "$OHA" ]; then
  WRK=$(command -v wrk || true)
  if [ -z "$WRK" ]; then
    say "oha could not be installed; installing wrk (apt-get)"
    { apt-get update && apt-get install -y wrk; } >&2 || die "neither oha nor wrk could be installed"
    WRK=$(command -v wrk)
  fi
  say "wrk cannot offer a fixed rate: only the max-throughput runs are made"
fi
command -v python3 >/dev/null || die "python3 is needed to read the load tool's output"

# --- lamina (release) ----------------------------------------------------------------------
if [ -n "${LAMINA_BIN:-}" ]; then LAMINA=$LAMINA_BIN
else
  say "building lamina (release)"
  (cd "$ROOT" && nice cargo build --release -q -p lamina-cli) || die "cargo build failed"
  LAMINA="$TGT/release/lamina"
fi

# --- the estate and its certnames ----------------------------------------------------------
ESTATE="$WORK/estate-$HOSTS-$SEED"
if [ ! -f "$ESTATE/.complete" ]; then
  say "generating a $HOSTS-host estate (seed $SEED) in $ESTATE"
  rm -rf "$ESTATE"
  "$LAMINA" corpus generate --hosts "$HOSTS" --seed "$SEED" --out "$ESTATE" >&2
  touch "$ESTATE/.complete"
fi
CERTS="$WORK/certnames-$HOSTS-$SEED.txt"
# The generator names hosts host-NNNNNN.<domain> and sets no separate certname.
grep -rhoE '^ *- name: "?host-[0-9]{6}\.[A-Za-z0-9.-]+' "$ESTATE" | sed -E 's/.*name: "?//' | sort -u > "$CERTS"
NCERTS=$(wc -l < "$CERTS")
[ "$NCERTS" -eq "$HOSTS" ] || die "found $NCERTS certnames in $ESTATE, expected $HOSTS"

# --- stores ----------------------------------------------------------------------------------
SQLITE_DB="$WORK/lamina-$HOSTS-$SEED.db"
PG_URL="$PG_ADMIN/$PG_DB"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  if [[ " $STORES " == *" postgres "* ]] && command -v psql >/dev/null; then
    psql "$PG_ADMIN/postgres" -q -c "DROP DATABASE IF EXISTS $PG_DB" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

store_url() {
  case "$1" in
    sqlite)
      if [ ! -f "$SQLITE_DB.complete" ]; then
        say "importing into SQLite ($SQLITE_DB)"
        rm -f "$SQLITE_DB" "$SQLITE_DB.complete"
        /usr/bin/time -f "   import: %e s wall, %M KB peak RSS" "$LAMINA" import "$ESTATE" --store "sqlite://$SQLITE_DB" >&2
        touch "$SQLITE_DB.complete"
      fi
      echo "sqlite://$SQLITE_DB"
      ;;
    postgres)
      command -v psql >/dev/null || die "psql is needed for the PostgreSQL store (apt-get install -y postgresql-client)"
      say "importing into PostgreSQL ($PG_URL, dropped at exit)"
      psql "$PG_ADMIN/postgres" -q -c "DROP DATABASE IF EXISTS $PG_DB" >&2
      psql "$PG_ADMIN/postgres" -q -c "CREATE DATABASE $PG_DB" >&2
      /usr/bin/time -f "   import: %e s wall, %M KB peak RSS" "$LAMINA" import "$ESTATE" --store "$PG_URL" >&2
      echo "$PG_URL"
      ;;
    *) die "unknown store $1 (sqlite or postgres)" ;;
  esac
}

pin_server=(); pin_load=()
if [ "$PIN" = 1 ] && command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  pin_server=(taskset -c 0); pin_load=(taskset -c 1)
fi

start_server() { # STORE URL -> sets SERVER_PID and BASE; the server's log: $WORK/serve-STORE.log
  local out="$WORK/serve.out" log="$WORK/serve-$1.log"
  : > "$out"
  # Without the request log (a line per request at info), as BENCHMARKS.md's figures were
  # measured; LAMINA_LOG=info includes its cost.
  LAMINA_LOG="${LAMINA_LOG:-warn}" "${pin_server[@]}" "$LAMINA" serve --store "$2" --listen 127.0.0.1:0 > "$out" 2> "$log" &
  SERVER_PID=$!
  for _ in $(seq 1 600); do
    BASE=$(sed -n 's/^listening on //p' "$out" | head -n 1)
    [ -n "$BASE" ] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$log" >&2; die "lamina serve exited"; }
    sleep 0.1
  done
  die "lamina serve did not print its address within 60 s"
}

stop_server() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

# oha's JSON report -> one line: requests/s, p50/p99/p99.9 (ms), status codes, errors.
summarise() {
  python3 - "$1" "$2" <<'EOF'
import json, sys
label, path = sys.argv[1], sys.argv[2]
r = json.load(open(path))
s, p = r["summary"], r["latencyPercentiles"]
ms = lambda k: "%.2f" % (1000 * (p.get(k) or 0.0))
codes = ", ".join(f"{k}: {v}" for k, v in sorted(r.get("statusCodeDistribution", {}).items()))
# Requests still in flight when -z ends are counted as "aborted due to deadline": not failures.
errs = dict(r.get("errorDistribution", {}))
cut = errs.pop("aborted due to deadline", 0)
extra = (f"   errors: {errs}" if errs else "") + (f"   ({cut} cut at the deadline)" if cut else "")
print(f"{label:<26} {s['requestsPerSec']:>7.0f} req/s   p50 {ms('p50'):>6} ms   p99 {ms('p99'):>6} ms   "
      f"p99.9 {ms('p99.9'):>6} ms   [{codes}]{extra}")
EOF
}

oha_run() { # LABEL URLFILE EXTRA-ARGS...
  local label=$1 urls=$2; shift 2
  local json="$WORK/oha-${label//[^A-Za-z0-9]/_}.json"
  "${pin_load[@]}" "$OHA" --no-tui --output-format json -c "$CONNS" --urls-from-file "$urls" "$@" > "$json"
  summarise "$label" "$json"
}

wrk_run() { # LABEL DURATION: wrk picks a random path of paths.txt per request (a Lua script)
  local lua="$WORK/random-path.lua"
  cat > "$lua" <<EOF
local paths = {}
for line in io.lines("$WORK/paths.txt") do paths[#paths + 1] = line end
request = function() return wrk.format("GET", paths[math.random(#paths)]) end
EOF
  echo "$1 (wrk, $CONNS connections):"
  "${pin_load[@]}" "$WRK" -t 1 -c "$CONNS" -d "$2" --latency -s "$lua" "$BASE/" | sed -n '/Latency Distribution/,/Transfer/p'
}

echo "machine: $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)), $(free -g | awk '/^Mem:/ {print $2}') GiB;" \
  "load tool: ${OHA:+oha $("$OHA" --version | awk '{print $2}')}${WRK:+wrk};" \
  "pinning: $([ ${#pin_server[@]} -gt 0 ] && echo 'server CPU 0, load tool CPU 1' || echo none)"
echo "estate: $HOSTS hosts (seed $SEED); $CONNS connections; fixed rate $RATE req/s for $DURATION; max throughput for $MAX_DURATION"

for store in $STORES; do
  url=$(store_url "$store")
  start_server "$store" "$url"
  say "$store: lamina serve at $BASE"
  paths="$WORK/paths.txt"; urlfile="$WORK/urls.txt"
  shuf -r -n "$URL_COUNT" --random-source=<(yes) "$CERTS" | sed 's|^|/node/|; s|$|?format=yml|' > "$paths"
  sed "s|^|$BASE|" "$paths" > "$urlfile"
  # A sanity check before timing: one document, as the ENC prints it.
  code=$(curl -s -o /dev/null -w '%{http_code}' "$(head -n 1 "$urlfile")" 2>/dev/null || echo "?")
  [ "$code" = 200 ] || say "warning: the first URL answered $code"
  if [ -n "$OHA" ]; then
    say "$store: warm-up (20,000 requests)"
    "${pin_load[@]}" "$OHA" --no-tui -c "$CONNS" -n 20000 --urls-from-file "$urlfile" > /dev/null
    oha_run "$store fixed ${RATE}/s" "$urlfile" -q "$RATE" -z "$DURATION" --latency-correction
    oha_run "$store max throughput" "$urlfile" -z "$MAX_DURATION"
  else
    wrk_run "$store warm-up" 10s > /dev/null
    wrk_run "$store max throughput" "$MAX_DURATION"
  fi
  echo "   server: $(ps -o rss= -p "$SERVER_PID" | awk '{printf "%.0f MB RSS", $1/1024}') after the runs"
  stop_server
done
