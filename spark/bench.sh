#!/usr/bin/env bash
# spark/scan.py against a plain tenderscan scan, in one run on the same corpus and cores.
#
#   spark/bench.sh [N]      N documents (default 2000) from scripts/make_bench_corpus.py
#
# Wall times from bash's `date +%s.%N` around each command. The plain scans take about a second, so each
# runs RUNS times (default 5) and the median is given; each Spark run takes tens of seconds and runs
# SPARK_RUNS times (default 1). The load average is printed before each command: run it on an otherwise
# idle machine or say that it was not. Every document is read (--no-cache; --no-dedupe for the Spark
# runs, since the bench corpus is made of byte-identical copies), both with process isolation. A last
# Spark run keeps the content dedupe on, to show what it saves on this corpus of copies. Spark's fixed
# overhead is the wall time of a run over one document minus tenderscan's over it; summary.json's
# "Seconds" splits each Spark run into its stages (start, scan, records, parquet, summary).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-2000}
RUNS=${RUNS:-5}
SPARK_RUNS=${SPARK_RUNS:-1}
bin=${TENDERSCAN_BIN:-${CARGO_TARGET_DIR:-target}/release/tenderscan}
py=${PYTHON:-python3}
corpus=target/bench/corpus-$N
out=target/bench/spark-$N
python3 scripts/make_bench_corpus.py "$N" "$corpus"
mkdir -p "$out"
one=$(find "$corpus" -type f | sort | sed -n 1p)
printf '%s\n' "$one" > "$out/one.txt"
echo "corpus: $(find "$corpus" -type f | wc -l) documents, $(du -sLm "$corpus" | cut -f1) MB; $(nproc) cores; $("$bin" --version); $("$py" -c 'import pyspark; print("pyspark", pyspark.__version__)'); $(java -version 2>&1 | head -1)"

run() {  # run NAME DOCS TIMES COMMAND...
  local name=$1 docs=$2 times=$3; shift 3
  local t0 t1 ts=() load
  load=$(cut -d' ' -f1 /proc/loadavg)
  for _ in $(seq "$times"); do
    t0=$(date +%s.%N)
    "$@" > "$out/log-${name//[ \/\[\]]/_}.txt" 2>&1 || true
    t1=$(date +%s.%N)
    ts+=("$(python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$t0" "$t1")")
  done
  python3 - "$name" "$docs" "$load" "${ts[@]}" <<'PY'
import statistics, sys
name, docs, load, ts = sys.argv[1], int(sys.argv[2]), sys.argv[3], [float(x) for x in sys.argv[4:]]
t = statistics.median(ts)
spread = "" if len(ts) == 1 else f"  (runs {min(ts):.2f}-{max(ts):.2f} s)"
print(f"{name:34s} {t:8.2f} s  {docs / t:8.1f} docs/s  load {load}{spread}")
PY
}
spark() {  # spark MASTER INPUT OUTPUT [OPTIONS]
  local master=$1 input=$2 output=$3; shift 3
  "$py" spark/scan.py "$input" "$output" --overwrite --master "$master" --binary "$bin" "$@" -- --no-cache
}
stages() {  # stages OUTPUT: the Spark run's stage times
  python3 -c "import json, sys; s = json.load(open(sys.argv[1] + '/summary.json'))['Seconds']; print('    stages: ' + ', '.join(f'{k} {v:.1f} s' for k, v in s.items()))" "$1"
}

run "tenderscan --jobs 1" "$N" "$RUNS" sh -c "$bin scan $corpus --format jsonl --jobs 1 --no-cache -q > $out/plain1.jsonl"
run "tenderscan --jobs 2" "$N" "$RUNS" sh -c "$bin scan $corpus --format jsonl --jobs 2 --no-cache -q > $out/plain.jsonl"
run "spark local[1] (no dedupe)" "$N" "$SPARK_RUNS" spark "local[1]" "$corpus" "$out/local1" --no-dedupe
stages "$out/local1"
run "spark local[2] (no dedupe)" "$N" "$SPARK_RUNS" spark "local[2]" "$corpus" "$out/local2" --no-dedupe
stages "$out/local2"
run "spark local[2] (dedupe)" "$N" "$SPARK_RUNS" spark "local[2]" "$corpus" "$out/local2-dedupe"
stages "$out/local2-dedupe"
run "tenderscan, 1 document" 1 "$RUNS" sh -c "$bin scan $one --format jsonl --jobs 1 --no-cache -q > /dev/null"
run "spark local[2], 1 document" 1 "$SPARK_RUNS" spark "local[2]" "$out/one.txt" "$out/one"
stages "$out/one"
for d in local1 local2 local2-dedupe; do
  if cmp -s "$out/plain.jsonl" "$out/$d/records.jsonl"; then echo "$d: records.jsonl identical to the plain scan"
  else echo "$d: records.jsonl DIFFERS from the plain scan"; fi
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
