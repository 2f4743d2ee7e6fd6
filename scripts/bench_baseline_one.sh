#!/usr/bin/env bash
# The pipeline a reviewer runs today, for one file: text out of the document, then grep for the
# vendor keywords (what ripgrep-all does on its uncached path).
#   bench_baseline_one.sh KEYWORDS FILE
kw=$1 f=$2
case "$f" in
  *.pdf) pdftotext -q "$f" - ;;
  *.docx) if command -v pandoc >/dev/null; then pandoc -t plain "$f" 2>/dev/null; else unzip -p "$f" word/document.xml; fi ;;
  *) cat "$f" ;;
esac | rg -i -F -c -f "$kw" - || true
