#!/usr/bin/env python3
"""Run `tenderscan scan` as the map stage of an Apache Spark job.

usage: scan.py INPUT OUTPUT [--master local[2]] [--binary PATH] [--agencies CSV] [-- SCAN-ARGS...]

INPUT is a folder (walked like `tenderscan scan FOLDER`: recursively, sorted by name, contracts only) or a
file of paths, one per line (like `--files-from`), on storage every executor can read. OUTPUT is a folder
on such storage; it receives

  records.jsonl       the scan's own JSONL records (docs/output-contract.md), one per input, in input order
  documents.parquet   one row per document (declared schema DOCUMENT_SCHEMA)
  findings.parquet    one row per finding (FINDING_SCHEMA), the findings exploded
  summary.txt         the audit's summary, computed with Spark SQL (also as summary.json)

The map stage: the paths become an RDD; each partition's paths are fed to one
`tenderscan scan --files-from - --format jsonl` process (the binary is shipped to the executors with
SparkContext.addFile, or with spark-submit --files, and found with SparkFiles). tenderscan's process
isolation turns a document that crashes or hangs into an error record; if the tenderscan process itself
dies or stalls, the documents it had not reported are rescanned one by one and a document that kills
even its own process gets an error record here. A task fails (and Spark retries it) only for causes
outside the documents (no binary, an executor lost); its output is a pure function of its paths, and
Spark's output committer keeps exactly one attempt, so a retry produces no duplicate records.

Documents with the same content (blake2b of the bytes, size and extension) are read once: the first in
input order is scanned and the others get its record with their own path (--no-dedupe turns this off).

See spark/README.md for running it with spark-submit on YARN or Kubernetes and for the cost model.
"""
import argparse
import concurrent.futures
import csv
import datetime
import hashlib
import json
import os
import queue
import re
import shutil
import stat
import subprocess
import sys
import threading
import time
import uuid

# src/pipeline.rs: the extensions a folder walk takes as contracts (other files are sniffed).
CONTRACT_EXTENSIONS = {"pdf", "docx", "docm", "dotx", "txt", "md", "text", "markdown", "odt", "ott",
                       "fodt", "doc", "rtf"}
# src/pipeline.rs PACKAGE_EXTENSIONS: archives (tenderscan reads them member by member, in the task
# that gets the archive), spreadsheets and images (OCR).
PACKAGE_EXTENSIONS = {"zip", "7z", "rar", "xlsx", "xlsm", "xls", "ods", "csv", "tsv", "png", "jpg", "jpeg",
                      "tif", "tiff", "gif", "bmp", "webp"}


# ---------------------------------------------------------------------------------------------------
# Discovery on the driver: the same inputs, in the same order, as `tenderscan scan FOLDER`.


TEXT_EXTENSIONS = {"txt", "md", "text", "markdown", "csv", "tsv"}
# report/csv.rs: the byte-order mark and the first ten columns of the header row.
CSV_HEADER = "\ufeffpath,verdict,kind,entity,disposition,list,page,clause,text,excerpt".encode()
VERDICT_LINE = re.compile(r".*  (FAIL|REVIEW|PASS|UNREADABLE)  \(.*\)$")


def own_report(head):
    """report::own_report_format: whether these first bytes open a report tenderscan wrote."""
    if head.startswith(b"<!DOCTYPE html>") and b'<meta name="generator" content="tenderscan ' in head:
        return True
    if head.startswith((b"# tenderscan report\n", b'{\n  "documents": [',
                        b'{\n  "$schema": "https://docs.oasis-open.org/sarif/', CSV_HEADER)):
        return True
    first = head.split(b"\n", 1)[0]
    if head.startswith((b'{"path":"', b'{"path":null')) and b'","path_bytes":' in first:
        return True
    if len(head) > len(first):
        try:
            return VERDICT_LINE.fullmatch(first.decode("utf-8")) is not None
        except UnicodeDecodeError:
            return False
    return False


def _walked_file_kind(path, ext):
    """pipeline::walked_file_kind: "contract", "report" (tenderscan's own, skipped) or "other": by
    extension, else by the first 1024 bytes (a PDF, DOCX or ODT saved without its extension); files that
    may hold plain text have their first bytes read, so a report tenderscan wrote is not scanned."""
    contract_ext = ext in CONTRACT_EXTENSIONS or ext in PACKAGE_EXTENSIONS
    if contract_ext and ext not in TEXT_EXTENSIONS:
        return "contract"
    try:
        with open(path, "rb") as f:
            head = f.read(1024)
    except OSError:
        head = b""
    if own_report(head):
        return "report"
    if contract_ext or b"%PDF-" in head:
        return "contract"
    # extract::sniff: any zip (a document or a package), 7z, RAR, an image. A legacy CFB file is a
    # document only when it holds a workbook, which this does not look into (a .doc or .xls without its
    # extension is not walked here, though tenderscan walks the .xls).
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07",
                        b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"GIF87a", b"GIF89a")):
        return "contract"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "contract"
    return "other"


def _walk(folder, out, synthetic, ancestors):
    """walkdir with follow_links and sort_by_file_name, as pipeline::walk: depth first, entries sorted by
    their bytes; a FIFO, socket or device is never opened (named like a contract, it is an input and
    tenderscan refuses it); a symbolic link loop is an error record (`synthetic`), as tenderscan's."""
    try:
        names = sorted(os.listdir(folder), key=os.fsencode)
    except OSError:
        out.append(folder)  # tenderscan reports a folder it cannot list as one error record
        return
    for name in names:
        path = os.path.join(folder, name)
        try:
            st = os.stat(path)
        except OSError:
            out.append(path)  # a broken symbolic link: tenderscan's error record, by path
            continue
        if stat.S_ISDIR(st.st_mode):
            ident = (st.st_dev, st.st_ino)
            loop = next((p for i, p in reversed(ancestors) if i == ident), None)
            if loop is not None:
                out.append(path)
                synthetic[path] = _error_record(path, "io", "symbolic link loop back to %s" % loop)
            else:
                _walk(path, out, synthetic, ancestors + [(ident, path)])
            continue
        ext = os.path.splitext(name)[1][1:].lower()
        if not stat.S_ISREG(st.st_mode):
            if ext in CONTRACT_EXTENSIONS or ext in PACKAGE_EXTENSIONS:
                out.append(path)
        elif _walked_file_kind(path, ext) == "contract":
            out.append(path)


def _walk_root(folder, out, synthetic):
    """walkdir's ancestors: the canonical folders above the root (a link back to one is a loop too),
    then the root as given."""
    ancestors = []
    real = os.path.realpath(folder)
    above = []
    while os.path.dirname(real) != real:
        real = os.path.dirname(real)
        above.append(real)
    for p in reversed(above):
        try:
            st = os.stat(p)
            ancestors.append(((st.st_dev, st.st_ino), p))
        except OSError:
            pass
    try:
        st = os.stat(folder)
        ancestors.append(((st.st_dev, st.st_ino), folder))
    except OSError:
        pass
    _walk(folder, out, synthetic, ancestors)


def discover(inp):
    """(input paths, the folder they were walked from or None, {path: record} for inputs that get a record
    without being read): a folder walked like tenderscan walks it, or a file of paths like --files-from
    (blank and whitespace-only lines skipped, a listed folder walked)."""
    synthetic = {}
    if os.path.isdir(inp):
        out = []
        _walk_root(inp, out, synthetic)
        return out, inp, synthetic
    with open(inp, "rb") as f:
        data = f.read()
    listed = []
    for line in data.split(b"\n"):
        if line.endswith(b"\r"):
            line = line[:-1]
        if line.strip(b" \t\n\r\x0c"):  # blank lines are skipped (u8::is_ascii_whitespace)
            listed.append(os.fsdecode(line))
    # Which listed paths are folders: one stat each, 32 at a time (on network storage a stat waits on
    # the server: 10^7 of them one by one would take hours).
    chunks = [listed[k:k + 4096] for k in range(0, len(listed), 4096)]
    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        folders = [d for c in pool.map(lambda c: [os.path.isdir(p) for p in c], chunks) for d in c]
    paths = []
    for p, is_dir in zip(listed, folders):
        if is_dir:
            _walk_root(p, paths, synthetic)
        else:
            paths.append(p)
    return paths, None, synthetic


def folder_of(path, root):
    """The first path component below the input folder (or of the path itself, for a list of paths)."""
    rel = os.path.relpath(path, root) if root is not None else path.lstrip("/")
    parts = [p for p in rel.split(os.sep) if p not in ("", ".")]
    return parts[0] if len(parts) > 1 else "."


def load_agencies(csv_path):
    """A CSV with columns `path,agency`: a path or a folder prefix mapped to an agency."""
    out = {}
    with open(csv_path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            out[os.path.normpath(row["path"])] = row["agency"]
    return out


def agency_of(path, folder, agencies):
    if agencies:
        p = os.path.normpath(path)
        while True:
            if p in agencies:
                return agencies[p]
            parent = os.path.dirname(p)
            if parent == p or not parent:
                break
            p = parent
    return folder


# ---------------------------------------------------------------------------------------------------
# The map stage on the executors.


def file_identity(path):
    """What tells two inputs apart as files (tenderscan's pipeline::file_id): ("inode", dev, ino) for a
    file that can be looked at (symbolic links followed), else ("path", path as given). Device numbers
    are compared only on one host (see merge_same_files)."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return ("path", path), None
    return ("inode", st.st_dev, st.st_ino), st


def file_key(path):
    """The key that brings together inputs which may be one file: its inode, size and mtime (the same on
    every host of a shared mount, unlike the device number), or the path as given when it cannot be
    looked at."""
    _, st = file_identity(path)
    if st is None:
        return "path:" + path
    return "file:%d:%d:%d" % (st.st_ino, st.st_size, st.st_mtime_ns)


def merge_same_files(members):
    """Inputs of one file key, on one host: [(index, path)] -> [(index, (path, others))].

    As `tenderscan scan` does, an input that is the same file as an earlier one (the same path, or a
    symbolic or hard link) gets no record of its own: the earlier one's record says, in a warning, by
    which other paths it was reached (`others`)."""
    firsts, others, by_id = [], {}, {}
    for i, path in sorted(members):
        ident, _ = file_identity(path)
        if ident in by_id:
            others[by_id[ident]].append(path)
        else:
            by_id[ident] = i
            others[i] = []
            firsts.append((i, path))
    return [(i, (path, others[i])) for i, path in firsts]


def content_key(index, path, dedupe):
    """What makes two (different) files the same document: their bytes, and the extension (sniffing
    falls back to it): blake2b of the bytes, the size and the extension. Without dedupe, or for what is
    not a regular file that can be read (a FIFO or a device is never opened here: tenderscan refuses
    them without opening them too), or a path that is not UTF-8 (its record path is lossy), a key of
    its own."""
    own = "own:%d" % index
    _, st = file_identity(path)
    if not dedupe or st is None or not stat.S_ISREG(st.st_mode):
        return own
    try:
        path.encode("utf-8")
        h = hashlib.blake2b(digest_size=20)
        size = 0
        with open(path, "rb") as f:
            for b in iter(lambda: f.read(1 << 20), b""):
                size += len(b)
                h.update(b)
    except (OSError, UnicodeEncodeError):
        return own
    ext = os.path.splitext(os.path.basename(path))[1].lower()
    return "%s:%d:%s" % (h.hexdigest(), size, ext)


def pick_representative(members):
    """Inputs of one content key: [(index, (path, others))] -> [(index, (path, representative, others))]:
    the first is scanned, the others get its record with their own path."""
    members = sorted(members)
    rep = members[0][0]
    return [(i, (path, rep, others)) for i, (path, others) in members]


def _record_path(rec):
    if rec.get("path_bytes") is not None:
        return os.fsdecode(bytes(rec["path_bytes"]))
    return rec.get("path")


def _run(binary, scan_args, paths, stall_seconds, positional=False):
    """Run one tenderscan process over `paths`; return (lines, rc, stderr_tail, stalled)."""
    cmd = [binary, "scan", "--format", "jsonl", "--quiet", *scan_args]
    if positional:
        cmd += ["--", *paths]
    else:
        cmd += ["--files-from", "-"]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def feed():
        try:
            if not positional:
                p.stdin.write(b"".join(os.fsencode(x) + b"\n" for x in paths))
            p.stdin.close()
        except (BrokenPipeError, OSError):
            pass

    err = []

    def drain_err():
        tail = b""
        for chunk in iter(lambda: p.stderr.read(65536), b""):
            tail = (tail + chunk)[-4096:]
        err.append(tail.decode("utf-8", "replace"))

    lines = queue.Queue()

    def read_out():
        for line in p.stdout:
            lines.put(line)
        lines.put(None)

    threads = [threading.Thread(target=t, daemon=True) for t in (feed, drain_err, read_out)]
    for t in threads:
        t.start()
    out, stalled = [], False
    while True:
        try:
            line = lines.get(timeout=stall_seconds)
        except queue.Empty:
            stalled = True
            p.kill()
            break
        if line is None:
            break
        out.append(line.rstrip(b"\n").decode("utf-8"))
    rc = p.wait()
    for t in threads[1:]:
        t.join(timeout=10)
    for f in (p.stdout, p.stderr):
        try:
            f.close()
        except OSError:
            pass
    return out, rc, (err[0] if err else ""), stalled


def _error_record(path, error_class, message):
    """A record of the same shape as tenderscan's own error records (DocumentReport::error)."""
    try:
        path.encode("utf-8")
        path_bytes = None
    except UnicodeEncodeError:
        path_bytes = list(os.fsencode(path))
    rec = {"path": os.fsencode(path).decode("utf-8", "replace"), "path_bytes": path_bytes, "format": None,
           "status": "error", "error": message, "error_class": error_class, "pages": None,
           "pages_without_text": None, "verdict": "unreadable", "document_kind": None,
           "facts": {"procurement": [], "scopes": [], "sourcing_clauses": [], "scope_evidence": [],
                     "sourcing_evidence": [], "procurement_document": False, "document_kind_evidence": None},
           "findings": [], "warnings": [], "inventory": []}
    return json.dumps(rec, ensure_ascii=False, separators=(",", ":"))


def _member_of(rec_path, path):
    """A record of a document inside the input (an archive's member, issue 18: `a.zip!/b.xlsx`)."""
    return rec_path.startswith(path + "!")


def group_records(paths, lines):
    """Split one process's records among its inputs, in order: each input's own record and the
    records of its members (`INPUT!/...`; tenderscan writes an archive's members first, then the
    archive's own record). Returns ({path: [line, ...]}, complete), complete False when a record
    matched no input in its place (the rest are then not trusted)."""
    got, k, cur = {}, 0, None
    for line in lines:
        rp = _record_path(json.loads(line))
        if k < len(paths) and (rp == paths[k] or _member_of(rp, paths[k])):
            cur = paths[k]
            got[cur] = [line]
            k += 1
        elif cur is not None and (_member_of(rp, cur) or (rp == cur and _member_of(_record_path(json.loads(got[cur][0])), cur))):
            got[cur].append(line)
        else:
            return got, False
    return got, True


def scan_paths(binary, scan_args, paths, stall_seconds):
    """Records for `paths`: for each path, in order, the list of its records (one, or more for an
    archive read as its members). Raises only when tenderscan cannot run at all."""
    batch = [p for p in paths if "\n" not in p]
    got = {}
    if batch:
        lines, rc, err, stalled = _run(binary, scan_args, batch, stall_seconds)
        got, complete = group_records(batch, lines)
        if got and (stalled or rc not in (0, 1, 2) or not complete):
            # The process was killed, stalled or went astray: the last input it reported may be
            # missing members, so it is read again on its own with the ones it never reported.
            last = next(p for p in reversed(batch) if p in got)
            del got[last]
        if not lines and rc == 2 and not stalled and "no input could be read" not in err:
            raise RuntimeError("tenderscan failed (exit %d): %s" % (rc, err.strip()))
    out = []
    for path in paths:
        recs = got.get(path)
        if recs is None:
            # Not reported by the batch (its process died or stalled at or before this document, or
            # the path holds a newline): this document alone, in a process of its own.
            lines, rc, err, stalled = _run(binary, scan_args, [path], stall_seconds, positional=True)
            one, complete = group_records([path], lines)
            if complete and path in one and not stalled and rc in (0, 1, 2):
                recs = one[path]
            elif stalled:
                recs = [_error_record(path, "timeout", "tenderscan reported nothing for %d s while reading "
                                      "this document; its process was stopped" % stall_seconds)]
            else:
                recs = [_error_record(path, "crash", "tenderscan exited with status %d while reading this "
                                      "document: %s" % (rc, err.strip()[-500:]))]
        out.append(recs)
    return out


def _executable(binary):
    """The shipped binary (SparkFiles) if there is one by that name, else the path as given."""
    from pyspark import SparkFiles
    try:
        shipped = SparkFiles.get(os.path.basename(binary))
    except Exception:
        shipped = None
    path = shipped if shipped and os.path.exists(shipped) else binary
    if not os.access(path, os.X_OK):
        try:
            os.chmod(path, 0o755)
        except OSError:
            pass
    return path


def utc_date():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")


def make_scan_partition(binary, scan_args, stall_seconds, parts_dir, run_key, pinned_as_of, synthetic=None):
    """The map task: its inputs (index, (path, others)), sorted by index, scanned by one tenderscan
    process; yields ((index, k), (line, lists_as_of, path, others)) for each input's k-th record.

    The records of a finished task are kept in PARTS_DIR under a name made of the partition, its paths
    and the run (binary, arguments, list date): a retried task, a recomputed partition or a run
    resumed with --resume reads them there instead of scanning again. They are written to a temporary
    file and renamed, so a file that is there is complete."""
    def scan_partition(index, items):
        items = sorted(items)
        if not items:
            return iter(())
        paths = [p for _, (p, _) in items]
        h = hashlib.blake2b(digest_size=12)
        h.update(run_key.encode())
        for p in paths:
            h.update(b"\0" + os.fsencode(p))
        name = os.path.join(parts_dir, "part-%05d-%s.jsonl" % (index, h.hexdigest()))
        recs = None
        if os.path.exists(name):
            with open(name, encoding="utf-8") as f:
                head = json.loads(f.readline())
                body = [line.rstrip("\n").split("\t", 1) for line in f]
            recs = [[] for _ in paths]
            for k, line in body:
                recs[int(k)].append(line)
            as_of = head["lists_as_of"]
        else:
            start = utc_date()
            given = [p for p in paths if p not in synthetic] if synthetic else paths
            done = iter(scan_paths(_executable(binary), scan_args, given, stall_seconds) if given else [])
            recs = [[synthetic[p]] if synthetic and p in synthetic else next(done) for p in paths]
            end = utc_date()
            # Without --as-of, tenderscan judges with the lists as of the day it loads them (each
            # worker process at its start): a task that ran across midnight says so.
            as_of = pinned_as_of or (start if start == end else "%s..%s" % (start, end))
            tmp = "%s.tmp-%d-%s" % (name, os.getpid(), uuid.uuid4().hex)
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(json.dumps({"lists_as_of": as_of, "inputs": len(paths)}) + "\n")
                for k, rs in enumerate(recs):
                    for line in rs:
                        f.write("%d\t%s\n" % (k, line))
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, name)
        return iter([((i, k), (line, as_of, p, others))
                     for (i, (p, others)), rs in zip(items, recs) for k, line in enumerate(rs)])
    return scan_partition


def with_path(line, rep_path, path):
    """A representative's record for a copy: the same bytes with the copy's path (for a member of an
    archive, `REP!/x` becomes `PATH!/x`)."""
    rec_path = json.loads(line).get("path")
    new = path + rec_path[len(rep_path):] if rec_path != rep_path and _member_of(rec_path, rep_path) else path
    if not line.startswith('{"path":'):
        rec = json.loads(line)
        rec["path"] = new
        return json.dumps(rec, ensure_ascii=False, separators=(",", ":"))
    _, end = json.JSONDecoder().raw_decode(line, len('{"path":'))
    return '{"path":' + json.dumps(new, ensure_ascii=False) + line[end:]


def duplicate_warning(others):
    """pipeline::duplicate_warning, for an input reached by other paths too."""
    return "the same file was also given as %s; it is read and counted once" % ", ".join(others)


def with_warning(line, others):
    """The record with tenderscan's same-file warning appended to its warnings, the rest of its bytes
    untouched (serde_json and json.dumps escape a string alike)."""
    if not others:
        return line
    warning = json.dumps(duplicate_warning(others), ensure_ascii=False)
    k = line.rfind('],"inventory":[')  # `warnings` is followed by `inventory`, the last field
    if k > 0 and line.endswith("]}") and json.loads(line[k + len('],"inventory":'):-1]) is not None:
        return line[:k] + ("" if line[k - 1] == "[" else ",") + warning + line[k:]
    rec = json.loads(line)
    rec.setdefault("warnings", []).append(duplicate_warning(others))
    return json.dumps(rec, ensure_ascii=False, separators=(",", ":"))


def index_partitioner(n, parts):
    """Partition p holds the inputs of indices [p*n/parts, (p+1)*n/parts): a pure function of the input
    list, so a retried or resumed task gets the same paths (no sampling, unlike sortByKey)."""
    def part_of(key):
        i = key[0] if isinstance(key, tuple) else key
        return min(parts - 1, i * parts // max(1, n))
    return part_of


# ---------------------------------------------------------------------------------------------------
# Declared schemas and the rows of the two tables.


def schemas():
    from pyspark.sql.types import (ArrayType, BooleanType, DoubleType, LongType, StringType, StructField,
                                   StructType)

    def s(name, t=StringType()):
        return StructField(name, t, True)

    inventory = StructType([s("entity"), s("devices", DoubleType()), s("amount", DoubleType()), s("currency"),
                            s("rows", LongType())])
    documents = StructType([
        s("input_index", LongType()), s("input_record", LongType()), s("path"), s("folder"), s("agency"),
        s("duplicate_of", LongType()), s("lists_as_of"), s("format"), s("status"), s("error"),
        s("error_class"), s("pages", LongType()), s("pages_without_text", LongType()), s("verdict"),
        s("document_kind"), s("procurement_document", BooleanType()), s("procurement", ArrayType(StringType())),
        s("scopes", ArrayType(StringType())), s("sourcing_clauses", ArrayType(StringType())),
        s("findings_count", LongType()), s("warnings", ArrayType(StringType())),
        s("inventory", ArrayType(inventory)),
    ])
    table = StructType([s("table", LongType()), s("row", LongType()), s("col", LongType())])
    findings = StructType([
        s("input_index", LongType()), s("input_record", LongType()), s("finding_index", LongType()), s("path"),
        s("folder"), s("agency"), s("kind"), s("rule"), s("entity"), s("list"), s("lists", ArrayType(StringType())),
        s("disposition"), s("severity"), s("text"), s("excerpt"), s("excerpt_match", ArrayType(LongType())),
        s("page", LongType()), s("page_label"), s("paragraph", LongType()), s("clause"), s("table", table),
        s("sheet"), s("cue"), s("message"), s("quantity", DoubleType()), s("unit_price", DoubleType()),
        s("amount", DoubleType()), s("currency"),
    ])
    return documents, findings


def _f(x):
    return None if x is None else float(x)


def _i(x):
    return None if x is None else int(x)


def document_row(key, line, meta):
    """key: (input index, record of that input); meta: (folder, agency, duplicate_of: the index of the
    input whose record this copies, lists_as_of)."""
    r = json.loads(line)
    facts = r.get("facts") or {}
    inv = [(v.get("entity"), _f(v.get("devices")), _f(v.get("amount")), v.get("currency"), _i(v.get("rows")))
           for v in r.get("inventory") or []]
    warnings = [w if isinstance(w, str) else json.dumps(w, ensure_ascii=False) for w in r.get("warnings") or []]
    folder, agency, dup, as_of = meta
    return (key[0], key[1], r.get("path"), folder, agency, dup, as_of, r.get("format"), r.get("status"),
            r.get("error"), r.get("error_class"), _i(r.get("pages")), _i(r.get("pages_without_text")),
            r.get("verdict"), r.get("document_kind"), facts.get("procurement_document"),
            facts.get("procurement") or [], facts.get("scopes") or [], facts.get("sourcing_clauses") or [],
            len(r.get("findings") or []), warnings, inv)


def finding_rows(key, line, meta):
    r = json.loads(line)
    folder, agency = meta[0], meta[1]
    for k, f in enumerate(r.get("findings") or []):
        t = f.get("table")
        table = None if t is None else (_i(t.get("table")), _i(t.get("row")), _i(t.get("col")))
        em = f.get("excerpt_match")
        yield (key[0], key[1], k, r.get("path"), folder, agency, f.get("kind"), f.get("rule"), f.get("entity"),
               f.get("list"), f.get("lists") or [], f.get("disposition"), f.get("severity"), f.get("text"),
               f.get("excerpt"), None if em is None else [int(x) for x in em], _i(f.get("page")),
               f.get("page_label"), _i(f.get("paragraph")), f.get("clause"), table, f.get("sheet"), f.get("cue"),
               f.get("message"), _f(f.get("quantity")), _f(f.get("unit_price")), _f(f.get("amount")),
               f.get("currency"))


# ---------------------------------------------------------------------------------------------------
# The summary, with Spark SQL.

SUMMARY_QUERIES = [
    ("Documents per verdict", """
        SELECT verdict, count(*) AS documents FROM documents GROUP BY verdict ORDER BY verdict"""),
    ("Mentions per entity and list (mention findings by disposition; a finding counts once per list)", """
        SELECT entity, list_id AS list,
               count_if(disposition = 'violation') AS violation, count_if(disposition = 'review') AS review,
               count_if(disposition = 'excluded') AS excluded, count_if(disposition = 'mentioned') AS mentioned,
               count(*) AS mentions, count(DISTINCT input_index, input_record) AS documents
        FROM findings LATERAL VIEW explode(lists) l AS list_id
        WHERE kind = 'mention' GROUP BY entity, list_id ORDER BY entity, list_id"""),
    ("Contracts missing a sourcing clause per agency (or first folder)", """
        SELECT d.agency, count(*) AS documents, count_if(d.procurement_document) AS procurement,
               count(m.input_index) AS missing_clause
        FROM documents d
        LEFT JOIN (SELECT DISTINCT input_index, input_record FROM findings WHERE kind = 'missing-clause') m
          ON d.input_index = m.input_index AND d.input_record = m.input_record
        GROUP BY d.agency ORDER BY d.agency"""),
    ("Replacement inventory totals", """
        SELECT inv.entity, inv.currency, sum(inv.devices) AS devices, sum(inv.amount) AS amount,
               sum(inv.rows) AS rows
        FROM documents LATERAL VIEW explode(inventory) i AS inv
        GROUP BY inv.entity, inv.currency ORDER BY inv.entity, inv.currency"""),
    ("Unreadable documents per error class", """
        SELECT status, error_class, count(*) AS documents FROM documents WHERE status <> 'ok'
        GROUP BY status, error_class ORDER BY status, error_class"""),
    ("Lists judged as of (the date each document's lists were resolved for)", """
        SELECT lists_as_of, count(*) AS documents FROM documents GROUP BY lists_as_of ORDER BY lists_as_of"""),
    ("Reading", """
        SELECT count(*) AS documents, count_if(duplicate_of IS NULL) AS read,
               count_if(duplicate_of IS NOT NULL) AS duplicates_not_read,
               count_if(status = 'error') AS errors
        FROM documents"""),
]


def _table(rows, columns):
    cells = [[("" if v is None else (("%.2f" % v) if isinstance(v, float) else str(v))) for v in r] for r in rows]
    widths = [max([len(c)] + [len(r[k]) for r in cells]) for k, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in cells]
    return "\n".join(lines)


def summarize(spark, run):
    """The summary's text and data: the run (`run`, a dict of what was scanned, how and with what), then
    each query's table."""
    text = ["# tenderscan on Spark\n\n" + "\n".join("%-22s %s" % (k + ":", v) for k, v in run.items()) + "\n"]
    data = {"Run": run}
    for title, sql in SUMMARY_QUERIES:
        df = spark.sql(sql)
        rows = [tuple(r) for r in df.collect()]
        data[title.split(" (")[0]] = [dict(zip(df.columns, r)) for r in rows]
        text.append("## %s\n\n%s\n" % (title, _table(rows, df.columns)))
    return "\n".join(text), data


# ---------------------------------------------------------------------------------------------------


def parse_args(argv):
    scan_args = []
    if "--" in argv:
        k = argv.index("--")
        argv, scan_args = argv[:k], argv[k + 1:]
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="Arguments after -- are passed to `tenderscan scan` (e.g. -- --no-cache "
                                        "--list tw-ey-2019).")
    ap.add_argument("input", help="a folder, or a file of paths (one per line)")
    ap.add_argument("output", help="the output folder (created; must not exist unless --overwrite or --resume)")
    ap.add_argument("--master", default=None,
                    help="Spark master, e.g. local[2] (default: spark-submit's, else local[*]); "
                         "local[N,F] allows F attempts per task")
    ap.add_argument("--binary", default=None,
                    help="the tenderscan binary (default: `tenderscan` on PATH, else target/release/tenderscan); "
                         "shipped to the executors unless spark-submit --files already ships a file of its name")
    ap.add_argument("--agencies", default=None, help="CSV with columns path,agency (a path or folder prefix)")
    ap.add_argument("--docs-per-task", type=int, default=2000,
                    help="documents per Spark task, i.e. per tenderscan process (default 2000)")
    ap.add_argument("--partitions", type=int, default=None, help="number of scan tasks (overrides --docs-per-task)")
    ap.add_argument("--jobs", type=int, default=1,
                    help="tenderscan --jobs per task (default 1: Spark runs one task per core)")
    ap.add_argument("--stall-seconds", type=int, default=None,
                    help="kill a tenderscan process that reports nothing for this long (default: "
                         "2 x --timeout-per-doc + 60, i.e. 300)")
    ap.add_argument("--as-of", default=None, metavar="YYYY-MM-DD",
                    help="judge with the lists as they stood on this date (default: the driver's date in UTC "
                         "when the run starts), passed to every task as tenderscan's --as-of; a binary without "
                         "--as-of judges as of the day each task runs, and documents.parquet says which")
    ap.add_argument("--no-dedupe", action="store_true", help="read every input, even byte-identical ones")
    ap.add_argument("--overwrite", action="store_true", help="replace OUTPUT if it exists")
    ap.add_argument("--resume", action="store_true",
                    help="OUTPUT holds an unfinished run of the same inputs and arguments: keep the records of "
                         "the tasks it finished (OUTPUT/_scan_parts) and scan only the rest")
    ap.add_argument("--keep-parts", action="store_true",
                    help="keep OUTPUT/_scan_parts (each task's records) after a successful run")
    a = ap.parse_args(argv)
    a.scan_args = scan_args
    if a.as_of is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", a.as_of):
        ap.error("--as-of takes a date YYYY-MM-DD")
    return a


def default_binary():
    found = shutil.which("tenderscan")
    if found:
        return found
    here = os.path.dirname(os.path.abspath(__file__))
    for d in (os.environ.get("CARGO_TARGET_DIR"), os.path.join(here, "..", "target")):
        if d and os.path.exists(os.path.join(d, "release", "tenderscan")):
            return os.path.abspath(os.path.join(d, "release", "tenderscan"))
    return "tenderscan"  # shipped with spark-submit --files tenderscan, or an error once Spark is up


def _option(scan_args, name):
    """The value of `--name V` or `--name=V` among tenderscan's arguments, else None."""
    for k, a in enumerate(scan_args):
        if a == name and k + 1 < len(scan_args):
            return scan_args[k + 1]
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
    return None


def probe(binary):
    """(version, whether `scan` takes --as-of) of the binary, run on the driver (None, False when it
    does not run here, e.g. built for the executors' platform only)."""
    try:
        v = subprocess.run([binary, "--version"], capture_output=True, timeout=60)
        h = subprocess.run([binary, "scan", "--help"], capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None, False
    return v.stdout.decode("utf-8", "replace").strip() or None, b"--as-of" in h.stdout


def lists_date(takes_as_of, scan_args, as_of, today):
    """(tenderscan's arguments, the date every task judges with the lists as of, or None when each task
    judges as of the day it runs). A binary that takes --as-of gets the same date in every task: the
    one asked for, else the driver's today, so a run that crosses midnight, a retried task and a
    resumed run judge alike."""
    given = _option(scan_args, "--as-of")
    if takes_as_of:
        if given is not None:
            return scan_args, given
        date = as_of or today
        return scan_args + ["--as-of", date], date
    if given is not None or (as_of and as_of != today):
        raise ValueError("this tenderscan has no --as-of: it judges with the lists as of the day it runs")
    return scan_args, None


def file_digest(path):
    h = hashlib.blake2b(digest_size=16)
    try:
        with open(path, "rb") as f:
            for b in iter(lambda: f.read(1 << 20), b""):
                h.update(b)
    except OSError:
        h.update(os.fsencode(path))
    return h.hexdigest()


def prepare_output(out, a, parts_dir):
    if os.path.exists(out):
        if a.resume:
            for name in os.listdir(out):
                if name != os.path.basename(parts_dir):
                    p = os.path.join(out, name)
                    shutil.rmtree(p) if os.path.isdir(p) and not os.path.islink(p) else os.remove(p)
        elif a.overwrite:
            shutil.rmtree(out)
        else:
            sys.exit("scan.py: %s exists (use --overwrite, or --resume to finish an unfinished run)" % out)
    os.makedirs(parts_dir, exist_ok=True)


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    from pyspark import StorageLevel
    from pyspark.sql import SparkSession

    t0 = time.monotonic()
    times = {}
    binary = a.binary or default_binary()
    timeout = _option(a.scan_args, "--timeout-per-doc")
    stall = a.stall_seconds or int(2 * float(timeout or 120) + 60)
    scan_args = ["--jobs", str(a.jobs), *a.scan_args]
    out = os.path.abspath(a.output)
    parts_dir = os.path.join(out, "_scan_parts")
    prepare_output(out, a, parts_dir)

    paths, root, synthetic = discover(a.input)
    if not paths:
        sys.exit("scan.py: no contract found in %s" % a.input)
    agencies = load_agencies(a.agencies) if a.agencies else {}
    n = len(paths)

    builder = SparkSession.builder.appName("tenderscan")
    if a.master:
        builder = builder.master(a.master)
    spark = builder.getOrCreate()
    sc = spark.sparkContext
    if not sc.getConf().contains("spark.sql.shuffle.partitions"):
        # The summary's aggregations are small: one shuffle partition per core, not Spark's 200.
        spark.conf.set("spark.sql.shuffle.partitions", str(max(1, sc.defaultParallelism)))
    times["start"] = time.monotonic()
    sc.setLogLevel("WARN")
    shipped = os.path.basename(binary) in [os.path.basename(f) for f in sc.getConf().get("spark.files", "").split(",")]
    if os.path.exists(binary) and not shipped:
        sc.addFile(os.path.abspath(binary))
    if not shipped and not os.path.exists(binary) and not shutil.which(binary):
        sys.exit("scan.py: no tenderscan binary %s; pass --binary, ship it with spark-submit --files, or build it "
                 "(cargo build --release)" % binary)
    name_or_path = os.path.basename(binary) if (shipped or os.path.exists(binary)) else binary
    # The binary as the driver can run it: the path given, on PATH, or the copy spark-submit --files made.
    local_bin = binary if os.path.exists(binary) else shutil.which(binary)
    if local_bin is None:
        from pyspark import SparkFiles
        local_bin = SparkFiles.get(os.path.basename(binary))
    version, takes_as_of = probe(local_bin)
    try:
        scan_args, as_of = lists_date(takes_as_of, scan_args, a.as_of, utc_date())
    except ValueError as e:
        sys.exit("scan.py: %s: %s" % (binary, e))
    # What a task's records depend on besides its paths: a resumed run reuses them only if it matches.
    run_key = json.dumps([file_digest(local_bin), scan_args, a.no_dedupe])

    parts = a.partitions or max(sc.defaultParallelism, -(-n // max(1, a.docs_per_task)))
    parts = max(1, min(parts, n))
    part_of = index_partitioner(n, parts)
    disk = StorageLevel.MEMORY_AND_DISK
    dedupe = not a.no_dedupe

    # assign: (i, (path, representative index, other paths of the same file)), one per input that gets
    # a record of its own (an input that is the same file as an earlier one gets none, as in tenderscan).
    kept = sc.parallelize(list(enumerate(paths)), parts) \
        .map(lambda t: (file_key(t[1]), t)).groupByKey().flatMap(lambda kv: merge_same_files(list(kv[1])))
    if dedupe:
        assign = kept.map(lambda t: (content_key(t[0], t[1][0], dedupe), t)).groupByKey() \
            .flatMap(lambda kv: pick_representative(list(kv[1])))
    else:
        assign = kept.map(lambda t: (t[0], (t[1][0], t[0], t[1][1])))
    assign = assign.persist(disk)

    scan = make_scan_partition(name_or_path, scan_args, stall, parts_dir, run_key, as_of, synthetic)
    # Each task: the representatives of one index range, in order (index_partitioner).
    scanned = assign.filter(lambda t: t[1][1] == t[0]).map(lambda t: (t[0], (t[1][0], t[1][2]))) \
        .partitionBy(parts, part_of).mapPartitionsWithIndex(scan).persist(disk)
    scanned.count()  # the map stage itself (persisted: the later stages read it from there)
    times["scan"] = time.monotonic()
    # (i, k) -> (line, lists_as_of, duplicate_of)
    own = scanned.map(lambda kv: (kv[0], (with_warning(kv[1][0], kv[1][3] if kv[0][1] == 0 else []),
                                          kv[1][1], None)))
    copies = assign.filter(lambda t: t[1][1] != t[0]).map(lambda t: (t[1][1], (t[0], t[1][0], t[1][2])))
    rep_ids = set(copies.keys().distinct().collect())
    if rep_ids:
        brep = sc.broadcast(rep_ids)
        reps = scanned.filter(lambda kv: kv[0][0] in brep.value) \
            .map(lambda kv: (kv[0][0], (kv[0][1], kv[1][0], kv[1][1], kv[1][2])))
        copied = copies.join(reps).map(lambda kv: (
            (kv[1][0][0], kv[1][1][0]),
            (with_warning(with_path(kv[1][1][1], kv[1][1][3], kv[1][0][1]), kv[1][0][2] if kv[1][1][0] == 0 else []),
             kv[1][1][2], kv[0])))
        records = own.union(copied).partitionBy(parts, part_of).mapPartitions(lambda it: iter(sorted(it)))
    else:
        records = own  # already in index ranges, sorted within each
    records = records.persist(disk)

    # records.jsonl: Spark's committed part files (partitions are index ranges, sorted), concatenated.
    text_dir = os.path.join(out, "_records")
    records.map(lambda t: t[1][0]).saveAsTextFile("file://" + text_dir)
    # part-00000 ... part-99999, part-100000 ...: in the order of their number, not of their name.
    names = sorted((f for f in os.listdir(text_dir) if re.fullmatch(r"part-\d+", f)), key=lambda f: int(f[5:]))
    lines = 0
    with open(os.path.join(out, "records.jsonl"), "wb") as dst:
        for name in names:
            with open(os.path.join(text_dir, name), "rb") as src:
                for chunk in iter(lambda: src.read(1 << 20), b""):
                    lines += chunk.count(b"\n")
                    dst.write(chunk)
    n_records = records.count()
    if lines != n_records:  # e.g. a cluster that compresses text output by default (part-00000.gz)
        sys.exit("scan.py: records.jsonl has %d lines for %d records; Spark wrote %s"
                 % (lines, n_records, sorted(os.listdir(text_dir))[:5]))
    shutil.rmtree(text_dir)
    times["records"] = time.monotonic()

    bagencies = sc.broadcast(agencies)

    def meta(line, v):
        path = _record_path(json.loads(line))
        folder = folder_of(path, root)
        return folder, agency_of(path, folder, bagencies.value), v[2], v[1]

    doc_schema, finding_schema = schemas()
    documents = spark.createDataFrame(records.map(lambda t: document_row(t[0], t[1][0], meta(t[1][0], t[1]))),
                                      doc_schema)
    findings = spark.createDataFrame(records.flatMap(lambda t: finding_rows(t[0], t[1][0], meta(t[1][0], t[1]))),
                                     finding_schema)
    documents.write.parquet("file://" + os.path.join(out, "documents.parquet"))
    findings.write.parquet("file://" + os.path.join(out, "findings.parquet"))
    times["parquet"] = time.monotonic()
    spark.read.parquet("file://" + os.path.join(out, "documents.parquet")).createOrReplaceTempView("documents")
    spark.read.parquet("file://" + os.path.join(out, "findings.parquet")).createOrReplaceTempView("findings")
    kept = assign.count()
    run = {"input": a.input, "inputs": n, "same file merged": n - kept, "tasks": parts,
           "tenderscan": version or "(did not run on the driver)", "binary": binary,
           "scan arguments": " ".join(scan_args),
           "lists as of": as_of or "the day each task ran (this tenderscan has no --as-of)",
           "master": sc.master}
    text, data = summarize(spark, run)
    times["summary"] = time.monotonic()
    # Where the wall time went (summary.json only: the text stays the same from run to run).
    prev, data["Seconds"] = t0, {}
    for k, v in times.items():
        data["Seconds"][k] = round(v - prev, 2)
        prev = v
    with open(os.path.join(out, "summary.txt"), "w", encoding="utf-8") as f:
        f.write(text)
    with open(os.path.join(out, "summary.json"), "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1)
    print(text)
    spark.stop()
    if not a.keep_parts:
        shutil.rmtree(parts_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
