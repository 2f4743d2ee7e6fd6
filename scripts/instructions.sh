#!/usr/bin/env bash
# Instructions per document (callgrind counts instructions, not seconds: the figure does not depend on
# what else the machine is doing). Each FILE is scanned once and 7 times in one process; the difference
# divided by 6 is the cost of one more document, without start-up and first-use costs.
#
#   scripts/instructions.sh [--bin BIN] FILE...     (needs valgrind)
#
# With CALLGRIND_OUT=DIR, the 7-copy profiles are kept there for callgrind_annotate.
set -euo pipefail
bin=target/release/tenderscan
if [ "${1:-}" = --bin ]; then bin=$2; shift 2; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
count() { # list -> instructions
  valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" "$bin" scan --files-from "$1" --jobs 1 \
    --isolation thread --no-cache --format jsonl -q > /dev/null 2> "$tmp/err" || true
  grep -o 'refs: *[0-9,]*' "$tmp/err" | tr -d ', ' | cut -d: -f2
}
for f in "$@"; do
  p=$(realpath "$f")
  echo "$p" > "$tmp/one"
  for _ in 1 2 3 4 5 6 7; do echo "$p"; done > "$tmp/seven"
  one=$(count "$tmp/one")
  seven=$(count "$tmp/seven")
  if [ -n "${CALLGRIND_OUT:-}" ]; then mkdir -p "$CALLGRIND_OUT"; cp "$tmp/cg.out" "$CALLGRIND_OUT/$(basename "$f").cg"; fi
  python3 -c "import sys; o,s=int(sys.argv[1]),int(sys.argv[2]); print(f'{(s-o)/6/1e6:9.2f} M instructions/document  (1 copy: {o/1e6:.1f} M)  {sys.argv[3]}')" "$one" "$seven" "$f"
done
