#!/usr/bin/env python3
"""Score tenderscan's judgement against the labelled development set in tests/judging/.

Each case is written to a temporary folder as <id>.<format>; one `BIN scan DIR --format jsonl` run
judges them all; records are matched to cases by file name. Per check and per class the script prints
TP/FP/FN, precision and recall (mentions: per disposition, (entity, disposition) pairs counted as a
multiset) and, for exact-valued checks, accuracy. A field the binary does not emit counts as a wrong
answer, never as a crash.

    python3 scripts/judging_eval.py [--bin target/release/tenderscan] [--class X] [--show-failures] [--json]
    python3 scripts/judging_eval.py --check          # validate the case files only

Python 3.11+ standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CASES = ROOT / "tests" / "judging"

CLASSES = ["kind", "scope", "sourcing", "enumeration", "governing", "cjk", "models", "real"]
LANGS = ["en", "zh-Hant", "zh-Hans"]
FORMATS = ["txt", "md"]
PROCUREMENT_KINDS = ["solicitation", "contract", "tender-instructions", "statement-of-work",
                     "specification", "bill-of-quantities", "quotation"]
OTHER_KINDS = ["report", "manual", "product-page", "news", "regulation", "other"]
KINDS = PROCUREMENT_KINDS + OTHER_KINDS
# Every entity of patterns/entities.toml may be labelled.
ENTITIES = sorted(e["id"] for e in tomllib.load(open(Path(__file__).resolve().parent.parent / "patterns" / "entities.toml", "rb"))["entity"])
DISPOSITIONS = ["violation", "excluded", "review", "mentioned"]
VERDICTS = ["fail", "review", "pass", "unreadable"]
CASE_KEYS = {"id", "class", "lang", "source", "format", "text", "expect", "note"}
EXPECT_KEYS = {"procurement", "document_kind", "scopes", "sourcing", "missing_clause", "permissive",
               "mentions", "verdict"}
BOOL_CHECKS = ["procurement", "sourcing", "missing_clause", "permissive"]
CHECK_ORDER = (["procurement", "document_kind", "scopes", "sourcing", "missing_clause", "permissive"]
               + [f"mentions:{d}" for d in DISPOSITIONS] + ["mentions", "verdict"])


# ----------------------------------------------------------------------------------------------
# loading and validation


def load_cases(cases_dir: Path) -> tuple[list[dict], list[str]]:
    """All cases of every *.toml in cases_dir (sorted), and the list of validation errors."""
    cases: list[dict] = []
    errors: list[str] = []
    files = sorted(cases_dir.glob("*.toml"))
    if not files:
        errors.append(f"{cases_dir}: no *.toml case files")
    seen: dict[str, str] = {}
    for f in files:
        try:
            data = tomllib.loads(f.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            errors.append(f"{f.name}: invalid TOML: {e}")
            continue
        unknown_top = set(data) - {"case"}
        if unknown_top:
            errors.append(f"{f.name}: unknown top-level keys {sorted(unknown_top)}")
        for i, case in enumerate(data.get("case", [])):
            where = f"{f.name} case #{i + 1}"
            if not isinstance(case, dict):
                errors.append(f"{where}: not a table")
                continue
            cid = case.get("id")
            if isinstance(cid, str):
                where = f"{f.name} [{cid}]"
            errors.extend(validate_case(case, where))
            if isinstance(cid, str):
                if cid in seen:
                    errors.append(f"{where}: duplicate id (also in {seen[cid]})")
                else:
                    seen[cid] = f.name
            case["_file"] = f.name
            cases.append(case)
    return cases, errors


def validate_case(case: dict, where: str) -> list[str]:
    errs = []
    unknown = set(case) - CASE_KEYS
    if unknown:
        errs.append(f"{where}: unknown keys {sorted(unknown)}")
    for key in ("id", "class", "lang", "source", "format", "text"):
        if not isinstance(case.get(key), str) or not case.get(key):
            errs.append(f"{where}: `{key}` missing or not a non-empty string")
    cid = case.get("id")
    if isinstance(cid, str) and (not cid.replace("-", "").replace("_", "").isalnum()):
        errs.append(f"{where}: id must be letters, digits, '-' and '_' (it becomes a file name)")
    if case.get("class") not in CLASSES:
        errs.append(f"{where}: unknown class {case.get('class')!r} (one of {CLASSES})")
    if case.get("lang") not in LANGS:
        errs.append(f"{where}: unknown lang {case.get('lang')!r} (one of {LANGS})")
    if case.get("format") not in FORMATS:
        errs.append(f"{where}: unknown format {case.get('format')!r} (one of {FORMATS})")
    if case.get("class") == "real" and case.get("source") == "written":
        errs.append(f"{where}: a `real` case needs its source (URL or repo+path), not 'written'")
    exp = case.get("expect")
    if not isinstance(exp, dict):
        errs.append(f"{where}: [case.expect] missing")
        return errs
    unknown = set(exp) - EXPECT_KEYS
    if unknown:
        errs.append(f"{where}: unknown expect keys {sorted(unknown)}")
    if not exp:
        errs.append(f"{where}: [case.expect] states nothing")
    for key in BOOL_CHECKS:
        if key in exp and not isinstance(exp[key], bool):
            errs.append(f"{where}: expect.{key} must be true or false")
    if "document_kind" in exp:
        if exp["document_kind"] not in KINDS:
            errs.append(f"{where}: unknown document_kind {exp['document_kind']!r}")
        elif "procurement" in exp and (exp["document_kind"] in PROCUREMENT_KINDS) != exp["procurement"]:
            errs.append(f"{where}: document_kind {exp['document_kind']!r} contradicts procurement")
    if "scopes" in exp:
        s = exp["scopes"]
        if not isinstance(s, list) or not all(isinstance(x, str) and x and not x.startswith("scope.")
                                              for x in s):
            errs.append(f"{where}: expect.scopes must be a list of scope ids without 'scope.'")
    if "mentions" in exp:
        m = exp["mentions"]
        if not isinstance(m, list):
            errs.append(f"{where}: expect.mentions must be a list")
        else:
            for item in m:
                if (not isinstance(item, dict) or set(item) != {"entity", "disposition"}
                        or item.get("entity") not in ENTITIES
                        or item.get("disposition") not in DISPOSITIONS):
                    errs.append(f"{where}: bad mention {item!r} (entity in {ENTITIES}, "
                                f"disposition in {DISPOSITIONS})")
    if "verdict" in exp and exp["verdict"] not in VERDICTS:
        errs.append(f"{where}: unknown verdict {exp['verdict']!r}")
    # internal consistency of the labels
    if exp.get("missing_clause") is True and exp.get("sourcing") is True:
        errs.append(f"{where}: missing_clause and sourcing are both true")
    if exp.get("missing_clause") is True and exp.get("procurement") is False:
        errs.append(f"{where}: missing_clause on a non-procurement document")
    if exp.get("missing_clause") is True and exp.get("scopes") == []:
        errs.append(f"{where}: missing_clause with no scope")
    if "verdict" in exp and isinstance(exp.get("mentions"), list):
        disp = {m.get("disposition") for m in exp["mentions"] if isinstance(m, dict)}
        fail = ("violation" in disp or exp.get("missing_clause") is True
                or exp.get("permissive") is True)
        if fail and exp["verdict"] != "fail":
            errs.append(f"{where}: labels imply verdict fail, not {exp['verdict']!r}")
        if (not fail and exp.get("missing_clause") is False and exp.get("permissive") is False
                and exp["verdict"] == "fail" and "violation" not in disp):
            errs.append(f"{where}: verdict fail with no violation, missing-clause or permissive")
        if (not fail and "review" in disp and exp.get("missing_clause") is False
                and exp.get("permissive") is not True and exp["verdict"] != "review"):
            errs.append(f"{where}: review mention with no failing finding implies verdict review")
    return errs


# ----------------------------------------------------------------------------------------------
# running the binary


def run_scan(binary: str, cases: list[dict], keep: bool) -> tuple[dict[str, dict], str]:
    tmp = tempfile.mkdtemp(prefix="judging-eval-")
    for c in cases:
        text = c["text"]
        if text.startswith("\n"):
            text = text[1:]
        Path(tmp, f"{c['id']}.{c['format']}").write_text(text, encoding="utf-8")
    try:
        proc = subprocess.run([binary, "scan", tmp, "--format", "jsonl"], capture_output=True,
                              text=True, timeout=1800)
    except FileNotFoundError:
        sys.exit(f"judging_eval: binary not found: {binary} (use --bin)")
    if proc.returncode not in (0, 1):
        sys.exit(f"judging_eval: {binary} exited {proc.returncode}:\n{proc.stderr[-4000:]}")
    records: dict[str, dict] = {}
    for line in proc.stdout.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue
        name = os.path.basename(str(rec.get("path", "")))
        stem = name.rsplit(".", 1)[0] if "." in name else name
        records[stem] = rec
    if not keep:
        for f in Path(tmp).iterdir():
            f.unlink()
        os.rmdir(tmp)
    return records, tmp


def observed(rec: dict | None) -> dict:
    """What the binary said, in the shape of [case.expect]; None for a field it did not emit."""
    if rec is None:
        return {k: None for k in EXPECT_KEYS}
    facts = rec.get("facts") or {}
    findings = rec.get("findings") or []
    kind = rec.get("document_kind")
    kind = kind if isinstance(kind, str) else None
    scopes = facts.get("scopes")
    return {
        "document_kind": kind,
        "procurement": None if kind is None else kind in PROCUREMENT_KINDS,
        "scopes": None if scopes is None else sorted(
            {str(s).removeprefix("scope.") for s in scopes}),
        "sourcing": None if facts.get("sourcing_clauses") is None else bool(facts["sourcing_clauses"]),
        "missing_clause": any(f.get("kind") == "missing-clause" for f in findings),
        "permissive": any(f.get("kind") == "permissive-clause" for f in findings),
        "mentions": sorted((str(f.get("entity")), str(f.get("disposition")))
                           for f in findings if f.get("kind") == "mention"),
        "verdict": rec.get("verdict"),
    }


# ----------------------------------------------------------------------------------------------
# scoring


class Tally:
    def __init__(self) -> None:
        self.tp = self.fp = self.fn = 0
        self.n = self.correct = 0

    def add(self, other: "Tally") -> None:
        self.tp += other.tp; self.fp += other.fp; self.fn += other.fn
        self.n += other.n; self.correct += other.correct

    def row(self) -> dict:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else None
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else None
        a = self.correct / self.n if self.n else None
        return {"n": self.n, "tp": self.tp, "fp": self.fp, "fn": self.fn,
                "precision": p, "recall": r, "accuracy": a}


def score_case(exp: dict, got: dict) -> tuple[dict[str, Tally], list[str]]:
    """Per-check tallies for one case, and the names of the checks it failed."""
    t: dict[str, Tally] = {}
    failed: list[str] = []

    def tally(name: str) -> Tally:
        return t.setdefault(name, Tally())

    for key in BOOL_CHECKS:
        if key not in exp:
            continue
        e, g = exp[key], got.get(key)
        x = tally(key)
        x.n += 1
        if g == e:
            x.correct += 1
            if e:
                x.tp += 1
        else:
            failed.append(key)
            if e:
                x.fn += 1
            else:
                x.fp += 1
    for key in ("document_kind", "verdict"):
        if key not in exp:
            continue
        e, g = exp[key], got.get(key)
        x = tally(key)
        x.n += 1
        if g == e:
            x.correct += 1
            x.tp += 1
        else:
            failed.append(key)
            x.fn += 1
            if g is not None:
                x.fp += 1
    if "scopes" in exp:
        e, g = set(exp["scopes"]), got.get("scopes")
        x = tally("scopes")
        x.n += 1
        gs = set(g) if g is not None else set()
        x.tp += len(e & gs)
        x.fn += len(e - gs)
        x.fp += len(gs - e)
        if g is not None and gs == e:
            x.correct += 1
        else:
            failed.append("scopes")
    if "mentions" in exp:
        e = Counter((m["entity"], m["disposition"]) for m in exp["mentions"])
        g = Counter(tuple(m) for m in (got.get("mentions") or []))
        whole = tally("mentions")
        whole.n += 1
        for d in DISPOSITIONS:
            ed = Counter({k: v for k, v in e.items() if k[1] == d})
            gd = Counter({k: v for k, v in g.items() if k[1] == d})
            both = ed & gd
            x = tally(f"mentions:{d}")
            x.tp += sum(both.values())
            x.fp += sum((gd - both).values())
            x.fn += sum((ed - both).values())
            if ed or gd:
                x.n += 1
                if ed == gd:
                    x.correct += 1
        # dispositions the binary invented (not in DISPOSITIONS) are false positives of the whole
        whole.fp += sum(v for k, v in g.items() if k[1] not in DISPOSITIONS)
        both = e & g
        whole.tp += sum(both.values())
        whole.fp += sum((g - both).values())
        whole.fn += sum((e - both).values())
        if e == g:
            whole.correct += 1
        else:
            failed.append("mentions")
    return t, failed


def fmt(v: float | None) -> str:
    return "   -  " if v is None else f"{v:6.3f}"


def print_table(title: str, tallies: dict[str, Tally], ncases: int) -> None:
    print(f"\n== {title} ({ncases} cases)")
    print(f"{'check':<20}{'n':>5}{'TP':>6}{'FP':>6}{'FN':>6}  {'prec':>6}  {'recall':>6}  {'acc':>6}")
    for name in CHECK_ORDER:
        x = tallies.get(name)
        if x is None or (x.n == 0 and x.tp + x.fp + x.fn == 0):
            continue
        r = x.row()
        print(f"{name:<20}{r['n']:>5}{r['tp']:>6}{r['fp']:>6}{r['fn']:>6}  {fmt(r['precision'])}"
              f"  {fmt(r['recall'])}  {fmt(r['accuracy'])}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default="target/release/tenderscan", help="tenderscan binary")
    ap.add_argument("--cases", default=str(DEFAULT_CASES), help="folder of *.toml case files")
    ap.add_argument("--class", dest="klass", action="append", choices=CLASSES,
                    help="only cases of this class (repeatable)")
    ap.add_argument("--show-failures", action="store_true", help="print each failing case")
    ap.add_argument("--json", action="store_true", help="machine-readable output")
    ap.add_argument("--check", action="store_true", help="validate the case files and exit")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder of case files")
    args = ap.parse_args()

    cases, errors = load_cases(Path(args.cases))
    if errors:
        for e in errors:
            print(f"error: {e}", file=sys.stderr)
        sys.exit(1)
    if args.check:
        per = Counter(c["class"] for c in cases)
        lang = Counter(c["lang"] for c in cases)
        print(f"ok: {len(cases)} cases; " + ", ".join(f"{k} {per[k]}" for k in CLASSES)
              + "; " + ", ".join(f"{k} {lang[k]}" for k in LANGS))
        return
    if args.klass:
        cases = [c for c in cases if c["class"] in args.klass]

    records, tmp = run_scan(args.bin, cases, args.keep)
    overall: dict[str, Tally] = {}
    by_class: dict[str, dict[str, Tally]] = {}
    failures = []
    missing_fields = Counter()
    for c in cases:
        rec = records.get(c["id"])
        got = observed(rec)
        if rec is not None and "document_kind" not in rec:
            missing_fields["document_kind"] += 1
        t, failed = score_case(c["expect"], got)
        for name, x in t.items():
            overall.setdefault(name, Tally()).add(x)
            by_class.setdefault(c["class"], {}).setdefault(name, Tally()).add(x)
        if failed:
            failures.append({"id": c["id"], "class": c["class"], "lang": c["lang"], "failed": failed,
                             "expected": {k: c["expect"][k] for k in failed},
                             "got": {k: got.get(k) for k in failed},
                             "no_record": rec is None})

    ncls = Counter(c["class"] for c in cases)
    if args.json:
        out = {"cases": len(cases), "binary": args.bin,
               "overall": {k: v.row() for k, v in overall.items()},
               "by_class": {k: {n: x.row() for n, x in v.items()} for k, v in by_class.items()},
               "failures": failures}
        json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
        print()
        return

    print(f"judging_eval: {len(cases)} cases, binary {args.bin}")
    if missing_fields:
        print(f"note: {missing_fields['document_kind']} records have no document_kind (scored as wrong)")
    nrec = sum(1 for c in cases if c["id"] in records)
    if nrec != len(cases):
        print(f"note: {len(cases) - nrec} cases got no record (scored as wrong)")
    print_table("all classes", overall, len(cases))
    # one compact matrix: accuracy (exact checks) per class
    names = [n for n in CHECK_ORDER if n in overall]
    present = [k for k in CLASSES if k in by_class]
    print("\n== accuracy per check and class (n in brackets)")
    print(f"{'check':<20}" + "".join(f"{k:>13}" for k in present))
    for n in names:
        cells = []
        for k in present:
            x = by_class[k].get(n)
            if x is None or x.n == 0:
                cells.append(f"{'-':>13}")
            else:
                cells.append(f"{x.correct / x.n:>7.2f} ({x.n:>3})")
        print(f"{n:<20}" + "".join(cells))
    for k in present:
        print_table(f"class {k}", by_class[k], ncls[k])
    if args.show_failures:
        print(f"\n== failures ({len(failures)} cases)")
        for f in failures:
            print(f"\n{f['id']} [{f['class']}, {f['lang']}]" + (" (no record)" if f["no_record"] else ""))
            for k in f["failed"]:
                print(f"  {k}: expected {json.dumps(f['expected'][k], ensure_ascii=False)}"
                      f"  got {json.dumps(f['got'][k], ensure_ascii=False)}")
    if args.keep:
        print(f"\ncase files kept in {tmp}")


if __name__ == "__main__":
    main()
