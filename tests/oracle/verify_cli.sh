#!/usr/bin/env bash
# Proves that batch_lookup.rb's recorded "stdout" is byte-for-byte what the real `puppet lookup
# --render-as json` CLI prints (and that not-found/error answers are exit 1 with an empty stdout):
# runs each recorded query of the curated topics as its own `puppet lookup` process (~2 s each).
# Usage: tests/oracle/verify_cli.sh [TOPIC_DIR...]   (default: every topic; slow: minutes)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
[ $# -eq 0 ] && set -- "$ROOT"/corpus/hiera/cases/*/
SB=$(mktemp -d -t lamina-verify-cli.XXXXXX); trap 'rm -rf "$SB"' EXIT
mkdir -p "$SB/conf" "$SB/code/environments/production" "$SB/var" "$SB/log" "$SB/run"; : > "$SB/conf/puppet.conf"
ok=0; bad=0
for CASE in "$@"; do
  CASE=$(cd "$CASE" && pwd)
  n=$(ruby -rjson -e 'puts JSON.parse(File.read(ARGV[0])).size' "$CASE/expected.json")
  for i in $(seq 0 $((n - 1))); do
    line=$(ruby -rjson -e 'puts JSON.parse(File.read(ARGV[0]))[ARGV[1].to_i]["query"]' "$CASE/expected.json" "$i")
    eval "set -- $line"
    facts="$CASE/facts.yaml"; hiera="$CASE/hiera.yaml"
    while [ $# -gt 0 ]; do
      case "$1" in @facts=*) facts="$CASE/${1#@facts=}"; shift;; @hiera=*) hiera="$CASE/${1#@hiera=}"; shift;; *) break;; esac
    done
    puppet lookup --color false --confdir "$SB/conf" --codedir "$SB/code" --vardir "$SB/var" --logdir "$SB/log" \
      --rundir "$SB/run" --environmentpath "$SB/code/environments" --environment production \
      --hiera_config "$hiera" --facts "$facts" --node testnode.example.com --render-as json "$@" >"$SB/out" 2>/dev/null
    rc=$?
    if ruby -rjson -e '
      r = JSON.parse(File.read(ARGV[0]))[ARGV[1].to_i]; out = File.binread(ARGV[2]); rc = ARGV[3].to_i
      ok = r["status"] == "found" ? (rc == 0 && out == r["stdout"].b) : (rc == 1 && out.empty?)
      exit(ok ? 0 : 1)' "$CASE/expected.json" "$i" "$SB/out" "$rc"; then
      ok=$((ok + 1))
    else
      bad=$((bad + 1)); echo "MISMATCH $(basename "$CASE"): $line (exit $rc, stdout: $(head -c 200 "$SB/out"))"
    fi
  done
done
echo "verify_cli: $ok identical, $bad different"
[ $bad -eq 0 ]
