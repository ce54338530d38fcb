#!/usr/bin/env bash
# Write latency of `lamina serve` on a generated 10,000-host estate in a SQLite store (not a test:
# it prints figures): each kind of write through the API, ROUNDS times, timed by curl from request
# to reply (`%{time_total}`), after one warm-up write that is not counted (the first write after
# start also pays for the writer's first store round trips). Every write must answer 200; any
# other status stops the script with the reply.
#
# Usage: benches/server/writes.sh
# Env: LAMINA_BIN (the release lamina [$CARGO_TARGET_DIR or target]/release/lamina; built when
#      missing), HOSTS (10000), SEED (1), ROUNDS (5), WORK (a temporary directory; the generated
#      estate is kept in $WORK/estate-$HOSTS-$SEED and reused when present).
# Needs: curl, python3 (for the summary).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
HOSTS=${HOSTS:-10000}
SEED=${SEED:-1}
ROUNDS=${ROUNDS:-5}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
LAMINA=${LAMINA_BIN:-$TARGET/release/lamina}
if [ ! -x "$LAMINA" ]; then
  (cd "$ROOT" && cargo build --release -p lamina-cli)
fi
WORK=${WORK:-$(mktemp -d)}
mkdir -p "$WORK"
EST="$WORK/estate-$HOSTS-$SEED"
if [ ! -d "$EST" ]; then
  "$LAMINA" corpus generate --hosts "$HOSTS" --seed "$SEED" --out "$EST" >/dev/null
fi
DB="$WORK/writes.db"
rm -f "$DB" "$DB-wal" "$DB-shm"
"$LAMINA" import "$EST" --store "sqlite://$DB" >/dev/null

LOG="$WORK/serve.log"
"$LAMINA" serve --store "sqlite://$DB" --listen 127.0.0.1:0 --refresh 1 >"$LOG" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
URL=""
for _ in $(seq 1 300); do
  URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$LOG" | head -1 || true)
  if [ -n "$URL" ] && curl -fsS "$URL/readyz" >/dev/null 2>&1; then break; fi
  sleep 0.1
done
[ -n "$URL" ] || { echo "the server did not start:"; cat "$LOG"; exit 1; }

# The objects written: a host and its certname, a root and a leaf host group, a smart class
# parameter with override values.
HOST=$(python3 - "$EST" <<'EOF'
import re, sys, pathlib
for f in sorted(pathlib.Path(sys.argv[1], "hosts").glob("*.yaml")):
    m = re.search(r'^  - name: "?([^"\n]+)"?$', f.read_text(), re.M)
    if m:
        print(m.group(1)); break
EOF
)
RESULTS="$WORK/writes.tsv"
: >"$RESULTS"
# write LABEL METHOD PATH [BODY]: one write, timed; fails on a status other than 200.
write() {
  local label=$1 method=$2 path=$3 body=${4:-}
  local out="$WORK/reply" status time
  if [ -n "$body" ]; then
    read -r status time < <(curl -sS -o "$out" -w '%{http_code} %{time_total}\n' -X "$method" \
      -H 'Content-Type: application/json' --data-binary "$body" "$URL$path")
  else
    read -r status time < <(curl -sS -o "$out" -w '%{http_code} %{time_total}\n' -X "$method" "$URL$path")
  fi
  if [ "$status" != 200 ]; then
    echo "$label: $method $path answered $status:"; cat "$out"; echo; exit 1
  fi
  printf '%s\t%s\n' "$label" "$time" >>"$RESULTS"
}
enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }

write warmup PUT "/v1/parameters/bench_warmup" '{"value": "w"}'
: >"$RESULTS"
for i in $(seq 1 "$ROUNDS"); do
  write "PUT /v1/hosts/<host>/facts" PUT "/v1/hosts/$HOST/facts" "{\"uptime_seconds\": $i, \"virtual\": \"kvm\"}"
  write "PUT /v1/hosts/<host>/parameters/<name>" PUT "/v1/hosts/$HOST/parameters/bench_$i" "{\"value\": \"v$i\"}"
  write "PUT /v1/hostgroups/Base/parameters/<name> (a root group)" PUT "/v1/hostgroups/Base/parameters/bench_$i" "{\"value\": \"v$i\"}"
  write "PUT /v1/parameters/<name> (global)" PUT "/v1/parameters/bench_$i" "{\"value\": \"v$i\"}"
  write "PUT /v1/puppetclasses/ceph/smart_class_parameters/service_name/override_values/fqdn=<host>" PUT \
    "/v1/puppetclasses/ceph/smart_class_parameters/service_name/override_values/$(enc "fqdn=$HOST")" "{\"value\": \"svc$i\"}"
  write "DELETE .../override_values/fqdn=<host>" DELETE \
    "/v1/puppetclasses/ceph/smart_class_parameters/service_name/override_values/$(enc "fqdn=$HOST")"
  write "PUT /v1/puppetclasses/ceph/smart_class_parameters/bench<n> (a new key)" PUT \
    "/v1/puppetclasses/ceph/smart_class_parameters/bench$i" \
    "{\"parameter_type\": \"string\", \"default_value\": \"b$i\", \"override\": true}"
  write "DELETE /v1/puppetclasses/ceph/smart_class_parameters/bench<n>" DELETE \
    "/v1/puppetclasses/ceph/smart_class_parameters/bench$i"
  write "PUT /v1/hostgroups/Base%2Fbench<n> (a new host group)" PUT "/v1/hostgroups/$(enc "Base/bench$i")" \
    "{\"title\": \"Base/bench$i\", \"puppetclasses\": [\"tomcat\"]}"
  write "DELETE /v1/hostgroups/Base%2Fbench<n> (an empty host group)" DELETE "/v1/hostgroups/$(enc "Base/bench$i")"
done

python3 - "$RESULTS" "$HOSTS" "$ROUNDS" <<'EOF'
import sys
rows, order = {}, []
for line in open(sys.argv[1]):
    label, t = line.rstrip("\n").split("\t")
    if label not in rows:
        order.append(label)
    rows.setdefault(label, []).append(float(t) * 1000)
print(f"writes on the {int(sys.argv[2]):,}-host estate (SQLite), {sys.argv[3]} of each, ms from request to reply:")
print("| write | min | median | max |")
print("| --- | --- | --- | --- |")
for label in order:
    v = sorted(rows[label])
    print(f"| `{label}` | {v[0]:.1f} | {v[len(v) // 2]:.1f} | {v[-1]:.1f} |")
EOF
