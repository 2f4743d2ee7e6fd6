#!/usr/bin/env bash
# Throughput and memory, side by side in one run (see README "Benchmarks").
#
#   scripts/bench.sh [N] [pdf|docx]   N documents (default 200), optionally of one kind only;
#                                     needs hyperfine, pdftotext, rg (pandoc for DOCX)
#
# Compares on the same corpus and cores:
#   (a) tenderscan scan --format jsonl, --jobs 1 and --jobs 2 (no cache; thread and process isolation)
#   (b) pdftotext (pandoc for DOCX) per file piped to `rg -f keywords`, 2 files at a time; and rga when
#       installed (cargo install ripgrep_all), from an empty cache
#   (c) the floor: read every file and inflate every stream/part, nothing else (examples/floor.rs)
# then peak RSS (/usr/bin/time -v) for tenderscan at N and 10*N documents.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200}
KIND=${2:-}
RUNS=${RUNS:-3}
cargo build --release --bin tenderscan --example floor >/dev/null 2>&1
bin=target/release/tenderscan
floor=target/release/examples/floor
corpus=target/bench/corpus-$N$KIND
python3 scripts/make_bench_corpus.py "$N" "$corpus" $KIND
kw=target/bench/keywords.txt
python3 - "$kw" <<'PY'
import sys, tomllib
ents = tomllib.load(open("patterns/entities.toml", "rb"))["entity"]
words = sorted({w for e in ents for k in ("aliases", "brands", "case-sensitive") for w in e.get(k, [])})
open(sys.argv[1], "w").write("\n".join(words) + "\n")
PY
list=target/bench/files-$N$KIND.txt
find "$corpus" -type f | sort > "$list"
pages=$(grep -c . "$list")
mb=$(du -sLm "$corpus" | cut -f1)
echo "corpus: $pages documents, ${mb} MB, $(nproc) cores"

cmds=(
  -n "tenderscan --jobs 1" "$bin scan $corpus --format jsonl --jobs 1 --no-cache --isolation thread -q > /dev/null || true"
  -n "tenderscan --jobs 2" "$bin scan $corpus --format jsonl --jobs 2 --no-cache --isolation thread -q > /dev/null || true"
  -n "tenderscan --jobs 2 (worker processes)" "$bin scan $corpus --format jsonl --jobs 2 --no-cache -q > /dev/null || true"
  -n "pdftotext|rg (2 at a time)" "xargs -a $list -P2 -n1 scripts/bench_baseline_one.sh $kw > /dev/null"
)
if command -v rga >/dev/null 2>&1; then
  # rga 0.10.10's --rga-no-cache fails every file ("No cache?", phiresky/ripgrep-all#337): give each
  # run a new, empty cache folder instead, which is rga's first-run (uncached) path.
  cmds+=(-n "rga (cold cache, 2 threads)" "sh -c 'd=\$(mktemp -d); rga --rga-cache-path=\$d -j2 -i -F -c -f $kw $corpus > /dev/null; rm -rf \$d' || true")
fi
cmds+=(
  -n "floor (inflate only, 1 process)" "$floor \$(cat $list) > /dev/null"
  -n "floor (inflate only, 2 processes)" "xargs -a $list -P2 -n $(( (pages + 1) / 2 )) $floor > /dev/null"
)
mkdir -p target/bench
hyperfine --warmup 1 --runs "$RUNS" --export-json target/bench/hyperfine-$N$KIND.json --export-markdown target/bench/hyperfine-$N$KIND.md "${cmds[@]}"
python3 - target/bench/hyperfine-$N$KIND.json <<'PY'
import json, sys
r = {x["command"]: x["mean"] for x in json.load(open(sys.argv[1]))["results"]}
ts = r["tenderscan --jobs 2"]
for name, t in r.items():
    print(f"{name:40s} {t:8.3f} s   {t/ts:6.2f}x tenderscan --jobs 2")
base = r.get("pdftotext|rg (2 at a time)")
if base:
    print(f"speed-up over pdftotext|rg: {base/ts:.2f}x (target >= 3)")
rga = r.get("rga (cold cache, 2 threads)")
if rga:
    print(f"speed-up over rga (cold cache): {rga/ts:.2f}x")
fl = r.get("floor (inflate only, 2 processes)")
if fl:
    print(f"tenderscan --jobs 2 / floor (2 processes): {ts/fl:.2f}x (target <= 2)")
PY

echo "== peak RSS"
for n in "$N" $((N * 10)); do
  c=target/bench/corpus-$n$KIND
  [ -d "$c" ] || python3 scripts/make_bench_corpus.py "$n" "$c" $KIND >/dev/null
  for iso in thread process; do
    rss=$( { /usr/bin/time -v "$bin" scan "$c" --format jsonl --jobs 2 --no-cache --isolation $iso -q > /dev/null || true; } 2>&1 | awk -F': ' '/Maximum resident set size/ {print $2}')
    echo "$n documents, $iso isolation: peak RSS ${rss} KB"
  done
done
