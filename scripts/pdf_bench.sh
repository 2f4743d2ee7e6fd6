#!/usr/bin/env bash
# PDF speed and memory figures (single-threaded unless stated), all in one run:
#
#   1. per-page cost of a 5-page and a 500-page contract (qpdf concatenates
#      generated/contract_en.pdf 25 times), 1 and 2 rayon threads (hyperfine);
#   2. `tenderscan extract` vs `pdftotext` over the same corpus PDFs: pages/s and MB/s;
#   3. peak RSS of `tenderscan extract` on every file in pdf-large/ and on the decompression bomb.
#
#   scripts/pdf_bench.sh [RUNS]          (default 5 runs per hyperfine measurement)
#
# Needs hyperfine, qpdf, pdftotext (poppler-utils), pdfinfo and GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
corpus=../shared/corpus
bin=target/release/tenderscan
cargo build --release --quiet
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== 1. per-page cost: 5 vs 500 pages"
src=$corpus/generated/contract_en.pdf
qpdf --empty --pages "$src" 1-5 -- "$tmp/p5.pdf"
mapfile -t copies < <(for _ in $(seq 25); do echo "$src"; done)
qpdf --empty --pages "${copies[@]}" -- "$tmp/p500.pdf"
for t in 1 2; do
  hyperfine -N -w 1 -r "$runs" --export-json "$tmp/h$t.json" \
    -n "p5 threads=$t" "env RAYON_NUM_THREADS=$t $bin extract $tmp/p5.pdf" \
    -n "p500 threads=$t" "env RAYON_NUM_THREADS=$t $bin extract $tmp/p500.pdf" >/dev/null
done
python3 - "$tmp" <<'EOF'
import json, sys
tmp = sys.argv[1]
res = {}
for t in (1, 2):
    for r in json.load(open(f"{tmp}/h{t}.json"))["results"]:
        res[r["command"]] = r["median"]
for t in (1, 2):
    p5, p500 = res[f"p5 threads={t}"] / 5 * 1000, res[f"p500 threads={t}"] / 500 * 1000
    print(f"threads={t}: 5 pages {p5:.2f} ms/page, 500 pages {p500:.2f} ms/page, ratio 500/5 {p500 / p5:.2f}")
print(f"500 pages: 2 threads vs 1: {res['p500 threads=1'] / res['p500 threads=2']:.2f}x faster")
EOF

echo "== 2. tenderscan extract vs pdftotext (one process per file, single thread)"
files=()
for f in "$corpus"/pdf-contracts/*.pdf "$corpus"/pdf-word/*.pdf "$corpus"/generated/*.pdf "$corpus"/pdf-large/*.pdf; do
  pdftotext -q "$f" /dev/null 2>/dev/null && files+=("$f")
done
pages=0
bytes=0
for f in "${files[@]}"; do
  pages=$((pages + $(pdfinfo "$f" 2>/dev/null | awk '/^Pages:/ {print $2}')))
  bytes=$((bytes + $(stat -c %s "$f")))
done
time_all() { # command prefix; prints seconds for one pass over all files (best of 3)
  local best=
  for _ in 1 2 3; do
    local s e
    s=$(date +%s.%N)
    for f in "${files[@]}"; do "$@" "$f" >/dev/null 2>&1 || true; done
    e=$(date +%s.%N)
    local d
    d=$(echo "$e - $s" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$d < $best" | bc -l)" = 1 ]; then best=$d; fi
  done
  echo "$best"
}
ptt() { pdftotext -q "$1" -; }
ours=$(RAYON_NUM_THREADS=1 time_all "$bin" extract)
poppler=$(time_all ptt)
mb=$(echo "$bytes / 1048576" | bc -l)
printf '%d files, %d pages, %.1f MB\n' "${#files[@]}" "$pages" "$mb"
printf 'tenderscan extract: %.2f s  %.0f pages/s  %.2f MB/s\n' "$ours" "$(echo "$pages / $ours" | bc -l)" "$(echo "$mb / $ours" | bc -l)"
printf 'pdftotext:          %.2f s  %.0f pages/s  %.2f MB/s\n' "$poppler" "$(echo "$pages / $poppler" | bc -l)" "$(echo "$mb / $poppler" | bc -l)"

echo "== 3. peak RSS (tenderscan extract, default threads)"
for f in "$corpus"/pdf-large/*.pdf "$corpus"/pdf-broken/mozilla_pdf.js__bomb_giant.pdf; do
  /usr/bin/time -v "$bin" extract "$f" 2>"$tmp/time.txt" >/dev/null || true
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tmp/time.txt")
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$tmp/time.txt")
  printf '%-60s peak RSS %6d KiB  wall %s\n' "$(basename "$f")" "$rss" "$wall"
done
