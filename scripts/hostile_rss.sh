#!/usr/bin/env bash
# Peak resident memory of `tenderscan scan` on decompression bombs and large files, in both isolation
# modes. Exits non-zero when any run exceeds the ceiling or does not produce exactly one JSONL record.
#
#   scripts/hostile_rss.sh [CEILING_MB]        (default 512)
#
# Inputs: ../shared/corpus/pdf-broken/mozilla_pdf.js__bomb_giant.pdf, ../shared/corpus/pdf-large/*, and
# two DOCX zip bombs generated here into target/hostile/: `bomb_1g.docx` (word/document.xml is 1 GiB:
# a paragraph, then a run of zeros inside one w:t, deflated to ~1 MB) and `bomb_xml.docx` (1 GiB of
# repeated `<w:p><w:r><w:t>Huawei</w:t></w:r></w:p>`, which the reader must parse, not just inflate).
# With process isolation the peak of the parent and of its worker children is reported
# (`/usr/bin/time` counts the largest of the process and its waited-for children).
set -euo pipefail
cd "$(dirname "$0")/.."
ceiling_mb=${1:-512}
corpus=../shared/corpus
bin=target/release/tenderscan
[ -x "$bin" ] || cargo build --release
out=target/hostile
mkdir -p "$out"

python3 - "$out" <<'PY'
import sys, zipfile, zlib, os
out = sys.argv[1]
W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main'
def bomb(path, head, filler, total, tail):
    if os.path.exists(path):
        return
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        with z.open('word/document.xml', 'w', force_zip64=True) as f:
            f.write(head)
            n = 0
            chunk = filler * max(1, (1 << 20) // len(filler))
            while n < total:
                f.write(chunk)
                n += len(chunk)
            f.write(tail)
head = f'<w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>Supply 40 Hikvision cameras.</w:t></w:r></w:p><w:p><w:r><w:t>'.encode()
bomb(f'{out}/bomb_1g.docx', head, b'0', 1 << 30, b'</w:t></w:r></w:p></w:body></w:document>')
head2 = f'<w:document xmlns:w="{W}"><w:body>'.encode()
bomb(f'{out}/bomb_xml.docx', head2, b'<w:p><w:r><w:t>Huawei</w:t></w:r></w:p>', 1 << 30, b'</w:body></w:document>')
PY

files=("$corpus/pdf-broken/mozilla_pdf.js__bomb_giant.pdf" "$out/bomb_1g.docx" "$out/bomb_xml.docx" "$corpus"/pdf-large/*)
fail=0
printf '%-48s %-8s %10s %8s  %s\n' file isolation peak_MB secs "status/error_class"
for f in "${files[@]}"; do
  for iso in thread process; do
    log=$(mktemp)
    set +e
    /usr/bin/time -v "$bin" scan "$f" --format jsonl --isolation "$iso" --no-cache -q >"$out/last.jsonl" 2>"$log"
    set -e
    kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
    secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log")
    mb=$((kb / 1024))
    lines=$(wc -l <"$out/last.jsonl")
    what=$(python3 -c 'import json,sys; d=json.loads(open(sys.argv[1]).readline()); print(d["status"], d.get("error_class") or "", len(d.get("warnings") or []), "warnings")' "$out/last.jsonl" 2>/dev/null || echo "no record")
    flag=""
    if [ "$mb" -gt "$ceiling_mb" ] || [ "$lines" -ne 1 ]; then flag="  <-- FAIL"; fail=1; fi
    printf '%-48s %-8s %10s %8s  %s%s\n' "$(basename "$f")" "$iso" "$mb" "$secs" "$what" "$flag"
    rm -f "$log"
  done
done
if [ $fail -ne 0 ]; then
  echo "peak RSS above ${ceiling_mb} MB (or a lost record) on at least one input" >&2
  exit 1
fi
echo "all runs under ${ceiling_mb} MB"
