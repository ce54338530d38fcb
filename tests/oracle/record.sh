#!/usr/bin/env bash
# Records Puppet's answers for the curated Hiera cases: runs every corpus/hiera/cases/<topic>/queries.txt
# through the real Puppet (batch_lookup.rb, one process for all topics) and writes each topic's
# expected.json. Never edit expected.json by hand: change the data or the queries and run this again.
# Usage: tests/oracle/record.sh [TOPIC_DIR...]     (default: every topic)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
[ $# -eq 0 ] && set -- "$ROOT"/corpus/hiera/cases/*/
exec ruby "$HERE/batch_lookup.rb" --cases --write "${@%/}"
