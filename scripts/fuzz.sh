#!/usr/bin/env bash
# Run the cargo-fuzz targets (pdf, docx, patterns), seeded from the shared corpus and fixtures/.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 300 s each, all targets)
#
# cargo-fuzz needs nightly features; RUSTC_BOOTSTRAP=1 enables them on the stable toolchain.
# Crashing inputs land in fuzz/artifacts/TARGET/. Keep each one as a regression test: copy it to
# tests/data/fuzz-regressions/TARGET/ (tests/fuzz_regressions.rs runs every file there).
# FUZZ_STRICT=1 (the CI smoke run) makes the script fail when a run leaves a new crashing input.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-300}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(pdf docx patterns)
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz
export RUSTC_BOOTSTRAP=1
corpus=../shared/corpus
# A fresh clone has no fuzz/artifacts: create it, or find fails and pipefail stops the script.
mkdir -p fuzz/artifacts
before=$(find fuzz/artifacts -type f | wc -l)
for t in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$t"
  case $t in
    pdf) find "$corpus" fixtures -name '*.pdf' -size -2M -exec cp -n {} "fuzz/corpus/$t/" \; 2>/dev/null || true ;;
    docx) find "$corpus" fixtures \( -name '*.docx' -o -name '*.odt' \) -size -2M -exec cp -n {} "fuzz/corpus/$t/" \; 2>/dev/null || true ;;
    patterns) cp -n patterns/*.toml "fuzz/corpus/$t/" ;;
  esac
  cp -n tests/data/fuzz-regressions/"$t"/* "fuzz/corpus/$t/" 2>/dev/null || true
  echo "== fuzzing $t for ${secs}s"
  cargo fuzz run "$t" "fuzz/corpus/$t" -- -max_total_time="$secs" -rss_limit_mb=3072 -timeout=20 -max_len=4000000 \
    2>&1 | tee "fuzz/$t.log" | grep -E "^(#[0-9]+.*(DONE|pulse)|==[0-9]+==|SUMMARY|artifact_prefix|Test unit written)" || true
  grep -E "^Done [0-9]+ runs|stat::number_of_executed_units" "fuzz/$t.log" | tail -1 || true
done
ls -l fuzz/artifacts/*/ 2>/dev/null || echo "no crashing inputs"
after=$(find fuzz/artifacts -type f | wc -l)
if [ "${FUZZ_STRICT:-0}" = 1 ] && [ "$after" -gt "$before" ]; then
  echo "fuzzing found $((after - before)) new crashing input(s)" >&2
  exit 1
fi
