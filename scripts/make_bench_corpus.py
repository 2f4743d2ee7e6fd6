#!/usr/bin/env python3
"""Build a reproducible benchmark corpus of N contracts for scripts/bench.sh.

usage: make_bench_corpus.py N OUTDIR [pdf|docx]

Mixed PDF and DOCX, English and Traditional Chinese, varied sizes: round-robin copies of the project's
fixtures (fixtures/contracts/*.pdf|docx) and the shared corpus's generated contracts
(../shared/corpus/generated/contract_*.pdf|docx, 10-20 pages; contract_en_big.docx, 195 pages).
Copies are byte-identical to their source, so run tenderscan with --no-cache when measuring.
The list of sources is sorted and fixed, so the same N always gives the same corpus.
"""
import pathlib, shutil, sys

root = pathlib.Path(__file__).resolve().parent.parent
n, out = int(sys.argv[1]), pathlib.Path(sys.argv[2])
only = sys.argv[3] if len(sys.argv) > 3 else None
sources = sorted(p for p in (root / "fixtures" / "contracts").iterdir()
                 if p.suffix in (".pdf", ".docx") and not p.name.startswith("scanned"))
gen = root.parent / "shared" / "corpus" / "generated"
if gen.is_dir():
    sources += sorted(p for p in gen.iterdir() if p.suffix in (".pdf", ".docx"))
if only:
    sources = [p for p in sources if p.suffix == "." + only]
if out.exists():
    shutil.rmtree(out)
out.mkdir(parents=True)
for i in range(n):
    src = sources[i % len(sources)]
    sub = out / f"{i // 500:03d}"
    sub.mkdir(exist_ok=True)
    dst = sub / f"{i:05d}-{src.name}"
    # Copies, not hard links: a hard link is the same file, which a scan reads once.
    shutil.copyfile(src, dst)
print(f"{n} documents from {len(sources)} sources in {out}")
