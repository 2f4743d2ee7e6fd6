#!/usr/bin/env bash
# spark/scan.py against a plain tenderscan scan, in one run on the same corpus and cores.
#
#   spark/bench.sh [N]      N documents (default 2000) from scripts/make_bench_corpus.py
#
# Each command runs once (wall time, /usr/bin/time-free: bash's `date +%s.%N` around it), so run it on an
# otherwise idle machine or say that it was not. Every document is read (--no-cache; --no-dedupe for the
# Spark runs, since the bench corpus is made of byte-identical copies), both with process isolation.
# A last Spark run keeps the content dedupe on, to show what it saves on this corpus of copies.
# Spark's fixed overhead is the wall time of a run over one document minus tenderscan's over it.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-2000}
bin=${TENDERSCAN_BIN:-${CARGO_TARGET_DIR:-target}/release/tenderscan}
py=${PYTHON:-python3}
corpus=target/bench/corpus-$N
out=target/bench/spark-$N
python3 scripts/make_bench_corpus.py "$N" "$corpus"
mkdir -p "$out"
one=$(find "$corpus" -type f | sort | sed -n 1p)
printf '%s\n' "$one" > "$out/one.txt"
echo "corpus: $(find "$corpus" -type f | wc -l) documents, $(du -sLm "$corpus" | cut -f1) MB; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"

run() {  # run NAME DOCS COMMAND...
  local name=$1 docs=$2; shift 2
  local t0 t1
  t0=$(date +%s.%N)
  "$@" > "$out/log-${name// /_}.txt" 2>&1 || true
  t1=$(date +%s.%N)
  python3 -c "import sys; t=float(sys.argv[2])-float(sys.argv[1]); n=int(sys.argv[3]); print(f'{sys.argv[4]:44s} {t:8.1f} s  {n/t:7.1f} docs/s')" "$t0" "$t1" "$docs" "$name"
}
spark() {  # spark MASTER INPUT OUTPUT [OPTIONS]
  local master=$1 input=$2 output=$3; shift 3
  "$py" spark/scan.py "$input" "$output" --overwrite --master "$master" --binary "$bin" "$@" -- --no-cache
}

run "tenderscan --jobs 1" "$N" sh -c "$bin scan $corpus --format jsonl --jobs 1 --no-cache -q > $out/plain.jsonl"
run "tenderscan --jobs 2" "$N" sh -c "$bin scan $corpus --format jsonl --jobs 2 --no-cache -q > $out/plain.jsonl"
run "spark local[1] (no dedupe)" "$N" spark "local[1]" "$corpus" "$out/local1" --no-dedupe
run "spark local[2] (no dedupe)" "$N" spark "local[2]" "$corpus" "$out/local2" --no-dedupe
run "spark local[2] (dedupe)" "$N" spark "local[2]" "$corpus" "$out/local2-dedupe"
run "tenderscan, 1 document" 1 sh -c "$bin scan $one --format jsonl --jobs 1 --no-cache -q > /dev/null"
run "spark local[2], 1 document" 1 spark "local[2]" "$out/one.txt" "$out/one"
for d in local1 local2 local2-dedupe; do
  if cmp -s "$out/plain.jsonl" "$out/$d/records.jsonl"; then echo "$d: records.jsonl identical to the plain scan"
  else echo "$d: records.jsonl DIFFERS from the plain scan"; fi
done
