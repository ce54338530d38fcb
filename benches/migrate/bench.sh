#!/usr/bin/env bash
# Migration benchmark on the generated 10,000-host estate: `lamina diff` of a one-parameter
# change, `lamina export-hiera`, and `lamina migrate-check` against that export, beside what the
# same check costs through the real Puppet's `puppet lookup` (measured in the same run on one
# host of the estate, with the exported hiera.yaml and that host's facts and ENC parameters as
# its scope). Not a test; no assertions: it prints figures and ratios.
#   - Lamina: wall time and peak RSS of each command (/usr/bin/time), best of RUNS;
#   - Puppet, per process: `puppet lookup --node HOST KEY` (sandboxed, offline), median of 3;
#   - Puppet, warm: one Puppet process answering all of that host's keys again and again
#     (tests/oracle/batch_lookup.rb --bench 20, BENCH_RAW=1: bare Lookup.lookup calls);
#   - the check's lookup count times each Puppet cost: what the same check would cost.
# Usage: benches/migrate/bench.sh [RUNS=3]
# Env: LAMINA_BIN (skip the release build and use this binary), PUPPET (default puppet).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
RUNS=${1:-3}
PUPPET=${PUPPET:-puppet}
TGT=${CARGO_TARGET_DIR:-$ROOT/target}
case "$TGT" in /*) ;; *) TGT="$ROOT/$TGT";; esac
W="$TGT/migrate-bench"
mkdir -p "$W"

if [ -n "${LAMINA_BIN:-}" ]; then LAMINA=$LAMINA_BIN
else
  echo "== building lamina (release)" >&2
  (cd "$ROOT" && nice cargo build --release -q -p lamina-cli) || { echo "bench.sh: cargo build failed" >&2; exit 2; }
  LAMINA="$TGT/release/lamina"
fi

E="$W/estate"
[ -d "$E" ] || "$LAMINA" corpus generate --hosts 10000 --seed 1 --out "$E" >/dev/null 2>&1 || exit 2
rm -rf "$W/after" "$W/hiera"; cp -r "$E" "$W/after"
# One host group parameter: the `tier` of host group `Base` (line 8 of the generated file).
sed -i '8s/platinum/gold/' "$W/after/hostgroups.yaml"

# best WALL and its RSS of RUNS runs of a command (exit 0 or 1 are answers, not failures)
best() {
  local b="" rss=""
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" -o "$W/time" "$@" >/dev/null 2>"$W/stderr"
    local rc=$?
    [ $rc -le 1 ] || { echo "failed ($rc): $*" >&2; cat "$W/stderr" >&2; exit 2; }
    read -r t m < <(tail -1 "$W/time")
    if [ -z "$b" ] || awk "BEGIN{exit !($t < $b)}"; then b=$t; rss=$m; fi
  done
  echo "$b $rss"
}

echo "== lamina (10,000 hosts, $(nproc) cores, best of $RUNS)"
read -r DIFF DIFF_RSS < <(best "$LAMINA" diff --before "$E" --after "$W/after")
echo "diff, one host group parameter:      ${DIFF} s, $((DIFF_RSS / 1024)) MB"
rm -rf "$W/hiera"
/usr/bin/time -f "%e %M" -o "$W/time" "$LAMINA" export-hiera --estate "$E" --out "$W/hiera" >/dev/null 2>"$W/stderr" || { cat "$W/stderr"; exit 2; }
read -r EXPORT EXPORT_RSS < <(tail -1 "$W/time")
echo "export-hiera (one run):              ${EXPORT} s, $((EXPORT_RSS / 1024)) MB; $(tail -1 "$W/stderr")"
read -r CHECK CHECK_RSS < <(best "$LAMINA" migrate-check --estate "$E" --hiera-config "$W/hiera/hiera.yaml")
"$LAMINA" migrate-check --estate "$E" --hiera-config "$W/hiera/hiera.yaml" --format json > "$W/check.json"
LOOKUPS=$(python3 -c "import json,sys; s=json.load(open(sys.argv[1]))['summary']; print(s['compared'])" "$W/check.json")
MISMATCHES=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['summary']['mismatches'])" "$W/check.json")
echo "migrate-check against the export:    ${CHECK} s, $((CHECK_RSS / 1024)) MB; ${LOOKUPS} lookups, ${MISMATCHES} mismatches"

command -v "$PUPPET" >/dev/null && command -v ruby >/dev/null || { echo "(puppet and ruby not found: apt-get install -y puppet; no comparison)"; exit 0; }
NODE=host-000123.prod.example.com
HOSTFILE=$(grep -l "name: \"$NODE\"" "$E"/hosts/*.yaml | head -1)
[ -n "$HOSTFILE" ] || NODE=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['hosts'][0]['certname'])" <("$LAMINA" diff --before "$E" --after "$W/after" --format json))
"$LAMINA" enc "$NODE" --estate "$E" --format json > "$W/enc.json" || exit 2
python3 - "$E" "$NODE" "$W" <<'PY'
import glob, json, sys, yaml
estate, node, w = sys.argv[1:4]
enc = json.load(open(f"{w}/enc.json"))
for f in sorted(glob.glob(f"{estate}/hosts/*.yaml")):
    if node not in open(f).read():
        continue
    for h in yaml.safe_load(open(f))["hosts"]:
        if h["name"] == node:
            facts = dict(h.get("facts") or {})
            facts.update(enc["parameters"])
            facts["clientcert"] = node
            json.dump(facts, open(f"{w}/facts.json", "w"), default=str)
            keys = [f"{c}::{k}" for c, ps in (enc["classes"] or {}).items() for k in (ps or {})]
            open(f"{w}/queries.txt", "w").write("\n".join(keys) + "\n")
            sys.exit(0)
sys.exit(f"{node} not found")
PY
[ $? -eq 0 ] || exit 2
NKEYS=$(wc -l < "$W/queries.txt")
SB=$(mktemp -d -t lamina-migrate-bench.XXXXXX); trap 'rm -rf "$SB"' EXIT
mkdir -p "$SB/conf" "$SB/code/environments/production" "$SB/var" "$SB/log" "$SB/run"; : > "$SB/conf/puppet.conf"
times=()
for key in $(head -3 "$W/queries.txt"); do
  s=$(date +%s.%N)
  "$PUPPET" lookup --color false --confdir "$SB/conf" --codedir "$SB/code" --vardir "$SB/var" --logdir "$SB/log" --rundir "$SB/run" \
    --environmentpath "$SB/code/environments" --environment production --hiera_config "$W/hiera/hiera.yaml" \
    --facts "$W/facts.json" --node "$NODE" --render-as json "$key" >/dev/null 2>&1
  times+=("$(echo "$(date +%s.%N) - $s" | bc)")
done
PER_PROC=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)
WARM=$(BENCH_RAW=1 NODE="$NODE" ruby "$ROOT/tests/oracle/batch_lookup.rb" "$W/hiera" "$W/facts.json" "$W/queries.txt" --bench 20 2>&1 >/dev/null | grep -o '= [0-9.]* lookups/s' | tail -1 | tr -dc '0-9.')
echo "== puppet $("$PUPPET" --version) on $NODE ($NKEYS keys)"
echo "puppet lookup, one process per key:  ${PER_PROC} s per lookup (median of 3)"
echo "puppet, warm in one process:         ${WARM} lookups/s"
awk -v n="$LOOKUPS" -v p="$PER_PROC" -v r="$WARM" -v l="$CHECK" 'BEGIN {
  a = n * p; b = n / r;
  printf "the same %d lookups through puppet lookup processes: %.0f s (%.1f h) = %.0fx lamina migrate-check\n", n, a, a / 3600, a / l;
  printf "the same %d lookups in warm Puppet processes:        %.0f s = %.1fx lamina migrate-check (lookups only: no ENC, no comparison)\n", n, b, b / l;
}'
