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
import csv
import hashlib
import json
import os
import queue
import shutil
import subprocess
import sys
import threading

# src/pipeline.rs: the extensions a folder walk takes as contracts (other files are sniffed).
CONTRACT_EXTENSIONS = {"pdf", "docx", "docm", "dotx", "txt", "md", "text", "markdown", "odt", "ott",
                       "fodt", "doc", "rtf"}


# ---------------------------------------------------------------------------------------------------
# Discovery on the driver: the same inputs, in the same order, as `tenderscan scan FOLDER`.


def _looks_like_contract(path):
    """pipeline::looks_like_contract: by extension, else a PDF, DOCX or ODT by its first 1024 bytes."""
    ext = os.path.splitext(os.path.basename(path))[1][1:].lower()
    if ext in CONTRACT_EXTENSIONS:
        return True
    try:
        with open(path, "rb") as f:
            head = f.read(1024)
    except OSError:
        return False
    if b"%PDF-" in head:
        return True
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return b"mimetypeapplication/vnd.oasis.opendocument.text" in head or b"word/" in head
    return False


def _walk(folder, out, seen):
    """walkdir with follow_links and sort_by_file_name: depth first, entries sorted by their bytes."""
    try:
        real = os.path.realpath(folder)
        if real in seen:  # a symbolic link loop; tenderscan reports it, we do not descend again
            return
        seen = seen | {real}
        names = sorted(os.listdir(folder), key=os.fsencode)
    except OSError:
        out.append(folder)  # tenderscan reports an unreadable folder as one error record
        return
    for name in names:
        path = os.path.join(folder, name)
        if os.path.isdir(path):
            _walk(path, out, seen)
        elif _looks_like_contract(path):
            out.append(path)


def discover(inp):
    """The input paths: a folder walked like tenderscan does, or a file of paths (one per line)."""
    if os.path.isdir(inp):
        out = []
        _walk(inp, out, frozenset())
        return out, inp
    with open(inp, "rb") as f:
        data = f.read()
    paths = []
    for line in data.split(b"\n"):
        if line.endswith(b"\r"):
            line = line[:-1]
        if line:
            paths.append(os.fsdecode(line))
    return paths, None


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


def content_key(index, path):
    """What makes two inputs the same document: their bytes, and the extension (sniffing falls back to
    it). Unreadable files and paths that are not valid UTF-8 get a key of their own."""
    try:
        path.encode("utf-8")
        h = hashlib.blake2b(digest_size=20)
        size = 0
        with open(path, "rb") as f:
            while True:
                b = f.read(1 << 20)
                if not b:
                    break
                size += len(b)
                h.update(b)
    except (OSError, UnicodeEncodeError):
        return "unique:%d" % index
    ext = os.path.splitext(os.path.basename(path))[1].lower()
    return "%s:%d:%s" % (h.hexdigest(), size, ext)


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


def scan_paths(binary, scan_args, paths, stall_seconds):
    """Records for `paths`, one per path, in order. Raises only when tenderscan cannot run at all."""
    batch = [p for p in paths if "\n" not in p]
    got = {}
    if batch:
        lines, rc, err, stalled = _run(binary, scan_args, batch, stall_seconds)
        for path, line in zip(batch, lines):
            if _record_path(json.loads(line)) != path:
                break
            got[path] = line
        if not lines and rc == 2 and not stalled and len(batch) > 0 and "no input could be read" not in err:
            raise RuntimeError("tenderscan failed (exit %d): %s" % (rc, err.strip()))
    out = []
    for path in paths:
        line = got.get(path)
        if line is None:
            # Not reported by the batch (its process died or stalled at or before this document, or
            # the path holds a newline): this document alone, in a process of its own.
            lines, rc, err, stalled = _run(binary, scan_args, [path], stall_seconds, positional=True)
            if len(lines) == 1 and _record_path(json.loads(lines[0])) == path:
                line = lines[0]
            elif stalled:
                line = _error_record(path, "timeout", "tenderscan reported nothing for %d s while reading "
                                     "this document; its process was stopped" % stall_seconds)
            else:
                line = _error_record(path, "crash", "tenderscan exited with status %d while reading this "
                                     "document: %s" % (rc, err.strip()[-500:]))
        out.append(line)
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


def make_scan_partition(binary, scan_args, stall_seconds):
    def scan_partition(items):
        items = list(items)
        if not items:
            return iter(())
        exe = _executable(binary)
        lines = scan_paths(exe, scan_args, [p for _, p in items], stall_seconds)
        return iter([(i, line) for (i, _), line in zip(items, lines)])
    return scan_partition


def with_path(line, path):
    """A representative's record for a duplicate: the same bytes with the duplicate's path."""
    dec = json.JSONDecoder()
    if not line.startswith('{"path":'):
        rec = json.loads(line)
        rec["path"] = path
        return json.dumps(rec, ensure_ascii=False, separators=(",", ":"))
    _, end = dec.raw_decode(line, len('{"path":'))
    return '{"path":' + json.dumps(path, ensure_ascii=False) + line[end:]


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
        s("input_index", LongType()), s("path"), s("folder"), s("agency"),
        s("duplicate_of", LongType()), s("format"), s("status"), s("error"), s("error_class"),
        s("pages", LongType()), s("pages_without_text", LongType()), s("verdict"), s("document_kind"),
        s("procurement_document", BooleanType()), s("procurement", ArrayType(StringType())),
        s("scopes", ArrayType(StringType())), s("sourcing_clauses", ArrayType(StringType())),
        s("findings_count", LongType()), s("warnings", ArrayType(StringType())),
        s("inventory", ArrayType(inventory)),
    ])
    table = StructType([s("table", LongType()), s("row", LongType()), s("col", LongType())])
    findings = StructType([
        s("input_index", LongType()), s("finding_index", LongType()), s("path"), s("folder"), s("agency"),
        s("kind"), s("rule"), s("entity"), s("list"), s("lists", ArrayType(StringType())), s("disposition"),
        s("severity"), s("text"), s("excerpt"), s("excerpt_match", ArrayType(LongType())),
        s("page", LongType()), s("page_label"), s("paragraph", LongType()), s("clause"), s("table", table),
        s("cue"), s("message"), s("quantity", DoubleType()), s("unit_price", DoubleType()),
        s("amount", DoubleType()), s("currency"),
    ])
    return documents, findings


def _f(x):
    return None if x is None else float(x)


def _i(x):
    return None if x is None else int(x)


def document_row(i, line, meta):
    """meta: (folder, agency, duplicate_of: the index of the document whose record this copies)."""
    r = json.loads(line)
    facts = r.get("facts") or {}
    inv = [(v.get("entity"), _f(v.get("devices")), _f(v.get("amount")), v.get("currency"), _i(v.get("rows")))
           for v in r.get("inventory") or []]
    warnings = [w if isinstance(w, str) else json.dumps(w, ensure_ascii=False) for w in r.get("warnings") or []]
    folder, agency, dup = meta
    return (i, r.get("path"), folder, agency, dup, r.get("format"), r.get("status"), r.get("error"),
            r.get("error_class"), _i(r.get("pages")), _i(r.get("pages_without_text")), r.get("verdict"),
            r.get("document_kind"), facts.get("procurement_document"), facts.get("procurement") or [],
            facts.get("scopes") or [], facts.get("sourcing_clauses") or [], len(r.get("findings") or []),
            warnings, inv)


def finding_rows(i, line, meta):
    r = json.loads(line)
    folder, agency = meta[0], meta[1]
    for k, f in enumerate(r.get("findings") or []):
        t = f.get("table")
        table = None if t is None else (_i(t.get("table")), _i(t.get("row")), _i(t.get("col")))
        em = f.get("excerpt_match")
        yield (i, k, r.get("path"), folder, agency, f.get("kind"), f.get("rule"), f.get("entity"), f.get("list"),
               f.get("lists") or [], f.get("disposition"), f.get("severity"), f.get("text"), f.get("excerpt"),
               None if em is None else [int(x) for x in em], _i(f.get("page")), f.get("page_label"),
               _i(f.get("paragraph")), f.get("clause"), table, f.get("cue"), f.get("message"),
               _f(f.get("quantity")), _f(f.get("unit_price")), _f(f.get("amount")), f.get("currency"))


# ---------------------------------------------------------------------------------------------------
# The summary, with Spark SQL.

SUMMARY_QUERIES = [
    ("Documents per verdict", """
        SELECT verdict, count(*) AS documents FROM documents GROUP BY verdict ORDER BY verdict"""),
    ("Mentions per entity and list (mention findings by disposition; a finding counts once per list)", """
        SELECT entity, list_id AS list,
               count_if(disposition = 'violation') AS violation, count_if(disposition = 'review') AS review,
               count_if(disposition = 'excluded') AS excluded, count_if(disposition = 'mentioned') AS mentioned,
               count(*) AS mentions, count(DISTINCT input_index) AS documents
        FROM findings LATERAL VIEW explode(lists) l AS list_id
        WHERE kind = 'mention' GROUP BY entity, list_id ORDER BY entity, list_id"""),
    ("Contracts missing a sourcing clause per agency (or first folder)", """
        SELECT d.agency, count(*) AS documents, count_if(d.procurement_document) AS procurement,
               count(m.input_index) AS missing_clause
        FROM documents d
        LEFT JOIN (SELECT DISTINCT input_index FROM findings WHERE kind = 'missing-clause') m
          ON d.input_index = m.input_index
        GROUP BY d.agency ORDER BY d.agency"""),
    ("Replacement inventory totals", """
        SELECT inv.entity, inv.currency, sum(inv.devices) AS devices, sum(inv.amount) AS amount,
               sum(inv.rows) AS rows
        FROM documents LATERAL VIEW explode(inventory) i AS inv
        GROUP BY inv.entity, inv.currency ORDER BY inv.entity, inv.currency"""),
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


def summarize(spark):
    text, data = [], {}
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
    ap.add_argument("output", help="the output folder (created; must not exist unless --overwrite)")
    ap.add_argument("--master", default=None,
                    help="Spark master, e.g. local[2] (default: spark-submit's, else local[*]); "
                         "local[N,F] allows F attempts per task")
    ap.add_argument("--binary", default=None,
                    help="the tenderscan binary (default: `tenderscan` on PATH, else target/release/tenderscan); "
                         "shipped to the executors unless spark-submit --files already ships a file of its name")
    ap.add_argument("--agencies", default=None, help="CSV with columns path,agency (a path or folder prefix)")
    ap.add_argument("--docs-per-task", type=int, default=500,
                    help="documents per Spark task, i.e. per tenderscan process (default 500)")
    ap.add_argument("--partitions", type=int, default=None, help="number of scan tasks (overrides --docs-per-task)")
    ap.add_argument("--jobs", type=int, default=1,
                    help="tenderscan --jobs per task (default 1: Spark runs one task per core)")
    ap.add_argument("--stall-seconds", type=int, default=None,
                    help="kill a tenderscan process that reports nothing for this long (default: "
                         "2 x --timeout-per-doc + 60, i.e. 300)")
    ap.add_argument("--no-dedupe", action="store_true", help="read every input, even byte-identical ones")
    ap.add_argument("--overwrite", action="store_true", help="replace OUTPUT if it exists")
    a = ap.parse_args(argv)
    a.scan_args = scan_args
    return a


def default_binary():
    found = shutil.which("tenderscan")
    if found:
        return found
    here = os.path.dirname(os.path.abspath(__file__))
    for d in (os.environ.get("CARGO_TARGET_DIR"), os.path.join(here, "..", "target")):
        if d and os.path.exists(os.path.join(d, "release", "tenderscan")):
            return os.path.abspath(os.path.join(d, "release", "tenderscan"))
    sys.exit("scan.py: no tenderscan binary; pass --binary (or build it: cargo build --release)")


def _timeout_per_doc(scan_args):
    for k, a in enumerate(scan_args):
        if a == "--timeout-per-doc" and k + 1 < len(scan_args):
            return int(scan_args[k + 1])
        if a.startswith("--timeout-per-doc="):
            return int(a.split("=", 1)[1])
    return 120


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    from pyspark.sql import SparkSession

    binary = a.binary or default_binary()
    stall = a.stall_seconds or 2 * _timeout_per_doc(a.scan_args) + 60
    scan_args = ["--jobs", str(a.jobs), *a.scan_args]
    out = os.path.abspath(a.output)
    if os.path.exists(out):
        if not a.overwrite:
            sys.exit("scan.py: %s exists (use --overwrite)" % out)
        shutil.rmtree(out)
    os.makedirs(out)

    paths, root = discover(a.input)
    agencies = load_agencies(a.agencies) if a.agencies else {}
    n = len(paths)

    builder = SparkSession.builder.appName("tenderscan")
    if a.master:
        builder = builder.master(a.master)
    spark = builder.getOrCreate()
    sc = spark.sparkContext
    sc.setLogLevel("WARN")
    shipped = os.path.basename(binary) in [os.path.basename(f) for f in sc.getConf().get("spark.files", "").split(",")]
    if os.path.exists(binary) and not shipped:
        sc.addFile(os.path.abspath(binary))
    name_or_path = os.path.basename(binary) if (shipped or os.path.exists(binary)) else binary

    parts = a.partitions or max(sc.defaultParallelism, -(-n // max(1, a.docs_per_task)))
    parts = max(1, min(parts, n))
    indexed = sc.parallelize(list(enumerate(paths)), parts)

    # Same content, read once: the first index per content key is scanned, the others copy its record.
    # assign: (i, (path, representative index, content key))
    if a.no_dedupe:
        assign = indexed.map(lambda t: (t[0], (t[1], t[0], None)))
    else:
        keyed = indexed.map(lambda t: (content_key(t[0], t[1]), (t[0], t[1])))
        firsts = keyed.mapValues(lambda v: v[0]).reduceByKey(min)
        assign = keyed.join(firsts).map(lambda kv: (kv[1][0][0], (kv[1][0][1], kv[1][1], kv[0])))
    assign = assign.cache()

    scan = make_scan_partition(name_or_path, scan_args, stall)
    # Sorted by index into `parts` ranges: each task's paths, and so its output, are a pure function of
    # the input list; the partitions, in order, are the input order.
    scanned = assign.filter(lambda t: t[1][1] == t[0]).map(lambda t: (t[0], t[1][0])) \
        .sortByKey(numPartitions=parts).mapPartitions(scan) \
        .map(lambda t: (t[0], (t[1], None))).cache()  # (i, (line, duplicate_of))
    dups = assign.filter(lambda t: t[1][1] != t[0]).map(lambda t: (t[1][1], (t[0], t[1][0]))).cache()
    n_dups = dups.count()
    if n_dups:
        rep_ids = sc.broadcast(set(dups.keys().distinct().collect()))
        reps = scanned.filter(lambda t: t[0] in rep_ids.value)
        copied = dups.join(reps).map(lambda kv: (kv[1][0][0], (with_path(kv[1][1][0], kv[1][0][1]), kv[0])))
        records = scanned.union(copied).sortByKey(numPartitions=parts)
    else:
        records = scanned
    records = records.cache()

    # records.jsonl: Spark's committed part files (partitions are index ranges, sorted), concatenated.
    parts_dir = os.path.join(out, "_records")
    records.map(lambda t: t[1][0]).saveAsTextFile("file://" + parts_dir)
    with open(os.path.join(out, "records.jsonl"), "wb") as dst:
        for name in sorted(f for f in os.listdir(parts_dir) if f.startswith("part-")):
            with open(os.path.join(parts_dir, name), "rb") as src:
                shutil.copyfileobj(src, dst)
    shutil.rmtree(parts_dir)

    bagencies = sc.broadcast(agencies)

    def meta(i, line, dup):
        path = _record_path(json.loads(line))
        folder = folder_of(path, root)
        return folder, agency_of(path, folder, bagencies.value), dup

    doc_schema, finding_schema = schemas()
    documents = spark.createDataFrame(
        records.map(lambda t: document_row(t[0], t[1][0], meta(t[0], t[1][0], t[1][1]))), doc_schema)
    findings = spark.createDataFrame(
        records.flatMap(lambda t: finding_rows(t[0], t[1][0], meta(t[0], t[1][0], t[1][1]))), finding_schema)
    documents.write.parquet("file://" + os.path.join(out, "documents.parquet"))
    findings.write.parquet("file://" + os.path.join(out, "findings.parquet"))
    spark.read.parquet("file://" + os.path.join(out, "documents.parquet")).createOrReplaceTempView("documents")
    spark.read.parquet("file://" + os.path.join(out, "findings.parquet")).createOrReplaceTempView("findings")
    text, data = summarize(spark)
    with open(os.path.join(out, "summary.txt"), "w", encoding="utf-8") as f:
        f.write(text)
    with open(os.path.join(out, "summary.json"), "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1)
    print(text)
    spark.stop()


if __name__ == "__main__":
    main()
