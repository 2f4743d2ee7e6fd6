#!/usr/bin/env bash
# Differential check of the ODT reader against the DOCX reader: LibreOffice converts every DOCX of the
# shared corpus to ODT, tenderscan extracts both, and the words of each pair are compared (as multisets).
#
#   bash scripts/odt_vs_docx.sh [DOCX...]        # default: ../shared/corpus/{docx,generated}/*.docx
#
# Differences to expect: fields LibreOffice recomputes (page numbers, dates), and what LibreOffice
# itself drops or changes while converting (a footer of poi__MultipleBodyBug, Symbol-font characters).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
if [ $# -eq 0 ]; then set -- ../shared/corpus/docx/*.docx ../shared/corpus/generated/*.docx; fi
soffice "-env:UserInstallation=file://$tmp/profile" --headless --convert-to odt --outdir "$tmp" "$@" >/dev/null 2>&1
python3 - "$tmp" "$@" <<'PY'
import collections, os, subprocess, sys
tmp, docs = sys.argv[1], sys.argv[2:]
same = 0
for docx in docs:
    stem = os.path.splitext(os.path.basename(docx))[0]
    odt = os.path.join(tmp, stem + ".odt")
    if not os.path.exists(odt):
        print(f"{stem}: LibreOffice did not convert it"); continue
    run = lambda p: subprocess.run(["target/release/tenderscan", "extract", p], capture_output=True, text=True)
    a, b = run(docx), run(odt)
    if b.returncode != 0:
        print(f"{stem}: ODT ERROR {b.stderr.strip()}"); continue
    if a.returncode != 0:
        print(f"{stem}: (DOCX unreadable: {a.stderr.strip()[:80]})"); continue
    ta, tb = collections.Counter(a.stdout.split()), collections.Counter(b.stdout.split())
    if ta == tb:
        same += 1; continue
    miss, extra = ta - tb, tb - ta
    print(f"{stem}: {sum(ta.values())} words; only in DOCX {dict(list(miss.items())[:5])}; only in ODT {dict(list(extra.items())[:5])}")
print(f"{same} of {len(docs)} documents: identical words")
PY
