#!/usr/bin/env bash
# Determinism under load: scan the whole shared corpus N times (default 20) with two jobs, JSONL, no
# cache, and check that every run's output is byte-identical (same sha256).
#
#   scripts/determinism.sh [RUNS] [ISOLATION]     (defaults: 20, process)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
iso=${2:-process}
bin=target/release/tenderscan
[ -x "$bin" ] || cargo build --release
out=target/determinism
rm -rf "$out"
mkdir -p "$out"
start=$(date +%s)
for i in $(seq 1 "$runs"); do
  set +e
  "$bin" scan ../shared/corpus --jobs 2 --format jsonl --no-cache -q --isolation "$iso" >"$out/run$i.jsonl" 2>"$out/run$i.err"
  code=$?
  set -e
  echo "$code" >"$out/run$i.code"
  printf 'run %2d: exit %s, %s records, sha256 %s\n' "$i" "$code" "$(wc -l <"$out/run$i.jsonl")" "$(sha256sum "$out/run$i.jsonl" | cut -c1-16)"
done
distinct=$(sha256sum "$out"/run*.jsonl | awk '{print $1}' | sort -u | wc -l)
codes=$(sort -u "$out"/run*.code | wc -l)
echo "$runs runs in $(( $(date +%s) - start )) s: $distinct distinct output(s), $codes distinct exit code(s)"
if [ "$distinct" -ne 1 ] || [ "$codes" -ne 1 ]; then
  first=$(ls "$out"/run*.jsonl | head -1)
  for f in "$out"/run*.jsonl; do
    cmp -s "$first" "$f" || { echo "differs: $f"; diff <(python3 -m json.tool --json-lines <"$first" 2>/dev/null || cat "$first") <(python3 -m json.tool --json-lines <"$f" 2>/dev/null || cat "$f") | head -20; break; }
  done
  exit 1
fi
echo "byte-identical"
