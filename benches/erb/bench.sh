#!/usr/bin/env bash
# ERB in parameters: what rendering templates costs `lamina render` on a generated 10,000-host
# estate, with and without four ERB parameters every host receives (benches/erb/erb.yaml:
# @host attributes, a conditional, host_param references, an array of templates).
# Prints the median resolve+emit time of 5 runs each, side by side.
# Usage: bash benches/erb/bench.sh   (builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release -q -p lamina-cli
L=${CARGO_TARGET_DIR:-target}/release/lamina
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
"$L" corpus generate --hosts 10000 --seed 1 --out "$W/plain" 2>/dev/null
cp -r "$W/plain" "$W/erb"
cp benches/erb/erb.yaml "$W/erb/zz_erb.yaml"
median() {
  for _ in 1 2 3 4 5; do
    "$L" render --estate "$1" --out - 2>&1 >/dev/null | sed -n 's/.*resolve+emit \([0-9.]*\)s.*/\1/p'
  done | sort -n | sed -n 3p
}
p=$(median "$W/plain")
e=$(median "$W/erb")
echo "resolve+emit, 10,000 hosts: without ERB ${p}s, with 4 ERB parameters per host ${e}s"
python3 -c "print(f'cost per host and template: {($e - $p) / 10000 / 4 * 1e6:.2f} us (all cores)')"
