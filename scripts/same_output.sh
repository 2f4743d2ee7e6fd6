#!/usr/bin/env bash
# Check that a changed build gives exactly the output of a reference build (for speed work, which must
# change nothing a user sees).
#
#   scripts/same_output.sh OLD_BIN NEW_BIN
#
# Compares, byte for byte:
#   - `scan --format jsonl` (thread and process isolation) of fixtures/contracts, the shared corpus (../shared/corpus) and the 200-document
#     mixed bench corpus (target/bench/corpus-200, built by scripts/make_bench_corpus.py);
#   - `extract` of every PDF, DOCX and ODT file in the shared corpus and the fixtures.
# Prints the first differences and exits 1 when anything differs.
set -uo pipefail
cd "$(dirname "$0")/.."
old=$1 new=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -d target/bench/corpus-200 ] || python3 scripts/make_bench_corpus.py 200 target/bench/corpus-200 >/dev/null
status=0
for dir in fixtures/contracts ../shared/corpus target/bench/corpus-200; do
  [ -d "$dir" ] || continue
  for iso in thread process; do
    name=$(echo "$dir" | tr '/.' '__').$iso
    for b in old new; do
      bin=${!b}
      "$bin" scan "$dir" --format jsonl --jobs 2 --no-cache --isolation $iso -q > "$tmp/$name.$b" 2>/dev/null
    done
    n=$(wc -l < "$tmp/$name.old")
    if cmp -s "$tmp/$name.old" "$tmp/$name.new"; then
      echo "scan $dir ($iso isolation): $n documents, identical"
    else
      echo "scan $dir ($iso isolation): DIFFERS"
      diff <(tr ',' '\n' < "$tmp/$name.old") <(tr ',' '\n' < "$tmp/$name.new") | head -20
      status=1
    fi
  done
done
count=0 differ=0
while IFS= read -r -d '' f; do
  count=$((count + 1))
  a=$("$old" extract "$f" 2>&1 | sha256sum)
  b=$("$new" extract "$f" 2>&1 | sha256sum)
  if [ "$a" != "$b" ]; then
    differ=$((differ + 1))
    [ "$differ" -le 10 ] && echo "extract differs: $f"
  fi
done < <(find ../shared/corpus fixtures -type f \( -name '*.pdf' -o -name '*.docx' -o -name '*.odt' \) -print0 | sort -z)
echo "extract: $count files, $differ differ"
[ "$differ" -eq 0 ] || status=1
exit $status
