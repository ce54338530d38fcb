#!/usr/bin/env bash
# Hiera lookup benchmark: Lamina vs the real Puppet 7 on the same generated data. Not a test; no
# assertions, it prints figures and ratios.
#   1. per invocation: one `lamina lookup` process vs one `puppet lookup` process (sandboxed, offline),
#      for a first-found key, a deep-merged hash and a unique-merged array (hyperfine when installed,
#      else timed loops; medians);
#   2. in-process throughput: Puppet's warm rate (tests/oracle/batch_lookup.rb --bench, BENCH_RAW=1:
#      bare Lookup.lookup calls on a warm scope) vs Lamina's (`cargo bench -p lamina-benches --bench
#      hiera` when that bench exists; its criterion "thrpt" lines are used for the ratio, and the
#      fixture path is passed in LAMINA_HIERA_BENCH_FIXTURE).
# The fixture (gen_fixture.rb: 5 levels x 200 keys + 100 merge keys) is generated under
# $CARGO_TARGET_DIR/hiera-bench/ (default target/).
# Usage: benches/hiera/bench.sh [LAMINA_RUNS=50] [PUPPET_RUNS=5]
# Env: LAMINA_BIN (skip the release build and use this binary), PUPPET (default puppet), BENCH_N (default 20).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
LRUNS=${1:-50}
PRUNS=${2:-5}
BENCH_N=${BENCH_N:-20}
PUPPET=${PUPPET:-puppet}
TGT=${CARGO_TARGET_DIR:-$ROOT/target}
case "$TGT" in /*) ;; *) TGT="$ROOT/$TGT";; esac
FIX="$TGT/hiera-bench/fixture"
NODE=n1.example.com

command -v "$PUPPET" >/dev/null && command -v ruby >/dev/null || { echo "bench.sh: puppet and ruby are needed (apt-get install -y puppet)" >&2; exit 2; }
rm -rf "$FIX"; mkdir -p "$FIX"; ruby "$HERE/gen_fixture.rb" "$FIX" || exit 2

if [ -n "${LAMINA_BIN:-}" ]; then LAMINA=$LAMINA_BIN
else
  echo "== building lamina (release)" >&2
  (cd "$ROOT" && nice cargo build --release -q -p lamina-cli) || { echo "bench.sh: cargo build failed" >&2; exit 2; }
  LAMINA="$TGT/release/lamina"
fi

SB=$(mktemp -d -t lamina-hiera-bench.XXXXXX); trap 'rm -rf "$SB"' EXIT
mkdir -p "$SB/conf" "$SB/code/environments/production" "$SB/var" "$SB/log" "$SB/run"; : > "$SB/conf/puppet.conf"
puppet_cmd() {
  echo "$PUPPET lookup --color false --confdir $SB/conf --codedir $SB/code --vardir $SB/var --logdir $SB/log --rundir $SB/run --environmentpath $SB/code/environments --environment production --hiera_config $FIX/hiera.yaml --facts $FIX/facts.yaml --node $NODE --render-as json $*"
}
lamina_cmd() {
  echo "$LAMINA lookup $* --node $NODE --facts $FIX/facts.yaml --hiera-config $FIX/hiera.yaml --render-as json"
}
# median wall time in seconds of RUNS executions of a command line (no shell)
med_time() {
  local runs=$1; shift
  if command -v hyperfine >/dev/null; then
    rm -f "$SB/hf.json"
    hyperfine -N -i --runs "$runs" --warmup 1 --export-json "$SB/hf.json" "$*" >/dev/null 2>&1 || { echo nan; return; }
    ruby -rjson -e 'r = JSON.parse(File.read(ARGV[0]))["results"][0]; printf("%.6f\n", r["median"])' "$SB/hf.json"
  else
    ruby -e '
      runs = ARGV.shift.to_i; ts = []
      runs.times { t = Process.clock_gettime(Process::CLOCK_MONOTONIC); system(*ARGV, out: File::NULL, err: File::NULL); ts << Process.clock_gettime(Process::CLOCK_MONOTONIC) - t }
      ts.sort!; printf("%.6f\n", ts[ts.size / 2])' "$runs" $*
  fi
}

echo "== check: both give the same answers on the fixture"
for q in "mod0::key0" "merge::h1 --merge deep" "merge::a1 --merge unique"; do
  a=$($(puppet_cmd $q) 2>/dev/null); b=$($(lamina_cmd $q) 2>/dev/null)
  if [ "$a" = "$b" ]; then echo "  same   $q"; else echo "  DIFFER $q: puppet=$a lamina=$b"; fi
done

echo "== per invocation (median; lamina n=$LRUNS, puppet n=$PRUNS; $(command -v hyperfine >/dev/null && echo hyperfine || echo 'timed loop'))"
printf '  %-28s %12s %12s %10s\n' query lamina puppet ratio
for q in "mod0::key0" "merge::h1 --merge deep" "merge::a1 --merge unique"; do
  l=$(med_time "$LRUNS" $(lamina_cmd $q))
  p=$(med_time "$PRUNS" $(puppet_cmd $q))
  ruby -e 'l = (Float(ARGV[1]) rescue nil); p = (Float(ARGV[2]) rescue nil)
    f = ->(x) { x && x.finite? ? format("%.2fms", x * 1e3) : "failed" }
    printf("  %-28s %12s %12s %10s\n", ARGV[0], f[l], f[p], l && p && l.finite? && p.finite? && l > 0 ? format("%.0fx", p / l) : "n/a")' "$q" "$l" "$p"
done

echo "== in-process throughput"
declare -A PRATE
for set in first merge mixed; do
  line=$(cd "$FIX" && NODE=$NODE BENCH_RAW=1 ruby "$ROOT/tests/oracle/batch_lookup.rb" . facts.yaml "queries_$set.txt" --bench "$BENCH_N" 2>&1 >/dev/null | tail -1)
  PRATE[$set]=$(echo "$line" | sed -n 's/.*= \([0-9.]*\) lookups\/s.*/\1/p')
  echo "  puppet warm ($set): $line"
done
if [ -f "$ROOT/benches/benches/hiera.rs" ]; then
  echo "  lamina: cargo bench -p lamina-benches --bench hiera (LAMINA_HIERA_BENCH_FIXTURE=$FIX)"
  (cd "$ROOT" && LAMINA_HIERA_BENCH_FIXTURE="$FIX" nice cargo bench -q -p lamina-benches --bench hiera 2>/dev/null) | tee "$SB/criterion.txt" | grep -E '^[^ ].*|time:|thrpt:' | sed 's/^/    /'
  # criterion: "<name>\n time: [..]\n thrpt: [lo mid hi]" -> elements/s of the mid estimate
  ruby -e '
    name = nil; rates = {}
    File.readlines(ARGV[0]).each do |l|
      name = l.split.first if l =~ /\A\S/ && l !~ /\A(Benchmarking|Gnuplot|Found|Warning)/
      if name && l =~ /thrpt:\s*\[\S+ \S+ (\S+) (\S+)/
        mult = { "elem/s" => 1, "Kelem/s" => 1e3, "Melem/s" => 1e6, "Gelem/s" => 1e9 }[$2] || 1
        rates[name] = $1.to_f * mult
      end
    end
    puppet = { "first" => ARGV[1].to_f, "merge" => ARGV[2].to_f, "mixed" => ARGV[3].to_f }
    rates.each do |n, r|
      set = puppet.keys.find { |k| n.include?(k) }
      ratio = set && puppet[set] > 0 ? format("%.0fx puppet (%s)", r / puppet[set], set) : "no matching puppet set (name it first|merge|mixed)"
      printf("  lamina %-40s %12.0f lookups/s  %s\n", n, r, ratio)
    end
    puts "  (no criterion throughput lines: set Throughput::Elements in the hiera bench to get ratios)" if rates.empty?
  ' "$SB/criterion.txt" "${PRATE[first]:-0}" "${PRATE[merge]:-0}" "${PRATE[mixed]:-0}"
else
  echo "  lamina: no in-process bench yet (benches/benches/hiera.rs); CLI figures only"
fi
