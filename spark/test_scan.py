#!/usr/bin/env python3
"""spark/scan.py in Spark local mode against a plain `tenderscan scan` of the same files.

usage: python3 spark/test_scan.py [-v]      (run by .ci/run; needs java and pyspark)

Every test runs spark/scan.py as a user would (a separate process, master local[2]) and compares its
records.jsonl with the records of a plain `tenderscan scan` of the same inputs: parsed JSON, record for
record, in input order (the records hold no timings; tenderscan's output is deterministic). The binary is
TENDERSCAN_BIN, else target/release/tenderscan (under CARGO_TARGET_DIR if set).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CORPUS = os.path.join(ROOT, "..", "shared", "corpus")


def binary():
    if os.environ.get("TENDERSCAN_BIN"):
        return os.path.abspath(os.environ["TENDERSCAN_BIN"])
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    return os.path.abspath(os.path.join(target, "release", "tenderscan"))


def plain_scan(args, stdin=None):
    p = subprocess.run([binary(), "scan", "--quiet", *args], input=stdin, capture_output=True, cwd=ROOT)
    assert p.returncode in (0, 1, 2), p.stderr.decode()
    return p.stdout.decode()


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def records(text):
    return [json.loads(line) for line in text.splitlines() if line]


def spark_scan(inp, out, *extra, scan_args=(), env=None):
    cmd = [sys.executable, os.path.join(HERE, "scan.py"), inp, out, "--overwrite", *extra]
    if "--binary" not in extra:
        cmd += ["--binary", binary()]
    if scan_args:
        cmd += ["--", *scan_args]
    p = subprocess.run(cmd, capture_output=True, cwd=ROOT, env=dict(os.environ, **(env or {})))
    if p.returncode != 0:
        raise AssertionError("scan.py failed (%d):\n%s" % (p.returncode, p.stderr.decode()[-5000:]))
    with open(os.path.join(out, "records.jsonl"), encoding="utf-8") as f:
        got = f.read()
    with open(os.path.join(out, "summary.json"), encoding="utf-8") as f:
        summary = json.load(f)
    return got, summary, p.stderr.decode()


def read_parquet(out):
    """Row counts of the two tables and the findings per document, read back with Spark."""
    from pyspark.sql import SparkSession
    spark = SparkSession.builder.master("local[1]").appName("tenderscan-test").getOrCreate()
    try:
        docs = spark.read.parquet("file://" + os.path.join(out, "documents.parquet"))
        finds = spark.read.parquet("file://" + os.path.join(out, "findings.parquet"))
        # A record is (input_index, input_record): an archive's input has one per member and its own.
        rows = sorted(docs.collect(), key=lambda r: (r["input_index"], r["input_record"]))
        rank = {(r["input_index"], r["input_record"]): i for i, r in enumerate(rows)}
        d = {i: (r["path"], r["verdict"], r["findings_count"]) for i, r in enumerate(rows)}
        f = [(rank[(r["input_index"], r["input_record"])], r["finding_index"], r["entity"], r["disposition"],
              r["page"]) for r in finds.collect()]
        return d, sorted(f, key=repr)  # repr: a page may be None beside a number
    finally:
        spark.stop()


# A stand-in for the tenderscan binary, for the failure tests: it runs the real binary (TENDERSCAN_REAL)
# unless the inputs hold the POISON path (then it crashes or hangs there), or the FAIL_ON path (then it
# exits 2 at once, as a binary that cannot run), or it is the first call overall and KILL_PARENT_ONCE
# names a marker file: then it kills its parent, the PySpark worker running the task (an executor-side
# failure). With LOG, it appends the paths it was given to that file.
CHAOS = r'''#!/usr/bin/env python3
import os, signal, subprocess, sys, time
real, args = os.environ["TENDERSCAN_REAL"], sys.argv[1:]
if "--help" in args or "--version" in args:  # scan.py asking, on the driver, what the binary takes
    os.execv(real, [real, *args])
marker = os.environ.get("KILL_PARENT_ONCE")
if marker:
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        os.kill(os.getppid(), signal.SIGKILL)
        time.sleep(60)
    except FileExistsError:
        pass
poison, mode = os.environ.get("POISON"), os.environ.get("POISON_MODE", "crash")
if "--files-from" in args:
    paths = [l for l in sys.stdin.buffer.read().decode().split("\n") if l]
    k = args.index("--files-from")
    args = args[:k] + args[k + 2:]
else:
    k = args.index("--")
    paths, args = args[k + 1:], args[:k]
if os.environ.get("LOG"):
    with open(os.environ["LOG"], "a") as f:
        f.write("".join(p + "\n" for p in paths))
if os.environ.get("FAIL_ON") in paths:  # tenderscan cannot run at all here: the task fails
    sys.exit(2)
before = paths[:paths.index(poison)] if poison in paths else paths
if before:  # the documents before the poisoned one are reported, as a real run would
    sys.stdout.flush()
    subprocess.run([real, *args, "--files-from", "-"], input="".join(p + "\n" for p in before).encode())
if poison in paths:
    sys.stdout.flush()
    if mode == "hang":
        time.sleep(3600)
    os.kill(os.getpid(), signal.SIGSEGV)
'''


class SparkScan(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(binary()):
            raise unittest.SkipTest("no tenderscan binary at %s (cargo build --release)" % binary())
        cls.tmp = tempfile.mkdtemp(prefix="tenderscan-spark-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_fixtures_folder_equals_a_plain_scan(self):
        """A folder input is walked like tenderscan walks it; records, tables and summary agree."""
        out = os.path.join(self.tmp, "fixtures")
        got, summary, _ = spark_scan("fixtures", out, "--master", "local[2]")
        want = records(plain_scan(["--format", "jsonl", "fixtures"]))
        self.assertGreater(len(want), 20)
        self.assertEqual([r["path"] for r in records(got)], [r["path"] for r in want])
        self.assertEqual(records(got), want)

        # The summary's figures are the scan's own (--format json summary).
        js = json.loads(plain_scan(["--format", "json", "fixtures"]))["summary"]
        verdicts = {r["verdict"]: r["documents"] for r in summary["Documents per verdict"]}
        self.assertEqual(verdicts, {k: js[k] for k in ("pass", "review", "fail", "unreadable") if js[k]})
        inventory = sorted(((r["entity"], r["currency"], r["devices"], r["amount"], r["rows"])
                            for r in summary["Replacement inventory totals"]), key=repr)
        self.assertEqual(inventory, sorted(((v["entity"], v["currency"], v["devices"], v["amount"], v["rows"])
                                            for v in js["inventory"]), key=repr))
        missing = sum(r["missing_clause"] for r in summary["Contracts missing a sourcing clause per agency"])
        self.assertEqual(missing, js["missing_clause"])
        per_agency = {r["agency"]: r["missing_clause"]
                      for r in summary["Contracts missing a sourcing clause per agency"]}
        self.assertEqual(per_agency["contracts"],
                         sum(1 for r in want if r["path"].startswith("fixtures/contracts/")
                             and any(f["kind"] == "missing-clause" for f in r["findings"])))
        mentions = {}
        for r in want:
            for f in r["findings"]:
                if f["kind"] == "mention":
                    for lst in f["lists"]:
                        mentions[(f["entity"], lst)] = mentions.get((f["entity"], lst), 0) + 1
        self.assertEqual({(r["entity"], r["list"]): r["mentions"]
                          for r in summary["Mentions per entity and list"]}, mentions)

        # documents.parquet and findings.parquet hold every document and every finding.
        docs, finds = read_parquet(out)
        self.assertEqual(sorted(docs), list(range(len(want))))
        for i, r in enumerate(want):
            self.assertEqual(docs[i], (r["path"], r["verdict"], len(r["findings"])))
        self.assertEqual(finds, sorted(((i, k, f["entity"], f["disposition"], f["page"])
                                        for i, r in enumerate(want) for k, f in enumerate(r["findings"])),
                                       key=repr))

    def test_corpus_with_copies_and_a_killed_task(self):
        """The shared corpus and byte-identical copies of fixtures, from a file of paths, with the first
        task's Python worker killed: Spark retries it; copies are read once; no record is duplicated."""
        paths = []
        if os.path.isdir(CORPUS):
            sys.path.insert(0, HERE)
            import scan
            paths += scan.discover(os.path.normpath(CORPUS))[0]
        else:
            print("\nskipped the shared corpus: %s is absent" % CORPUS, file=sys.stderr)
        copies = os.path.join(self.tmp, "copies")
        os.makedirs(copies)
        fx = os.path.join(ROOT, "fixtures", "contracts")
        for name in sorted(os.listdir(fx)):
            if name.endswith((".pdf", ".docx", ".txt")):
                for k in (1, 2):
                    dst = os.path.join(copies, "copy%d-%s" % (k, name))
                    shutil.copyfile(os.path.join(fx, name), dst)
                    paths.append(dst)
                paths.append(os.path.join(fx, name))
        # Inputs that are one file (a path given twice, a symbolic link, in other tasks than the first),
        # a FIFO (never opened) and a missing path given twice: one record each, as in a plain scan.
        first = os.path.join(fx, next(n for n in sorted(os.listdir(fx)) if n.endswith(".pdf")))
        link = os.path.join(copies, "link-to-first")
        os.symlink(first, link)
        fifo = os.path.join(copies, "a-fifo.pdf")
        os.mkfifo(fifo)
        missing = os.path.join(copies, "missing.pdf")
        paths += [first, link, fifo, missing, missing]
        lst = os.path.join(self.tmp, "paths.txt")
        with open(lst, "w") as f:
            f.write("".join(p + "\n" for p in paths))
        chaos = os.path.join(self.tmp, "tenderscan-chaos")
        with open(chaos, "w") as f:
            f.write(CHAOS)
        os.chmod(chaos, 0o755)
        marker = os.path.join(self.tmp, "killed-once")
        out = os.path.join(self.tmp, "corpus")
        got, summary, log = spark_scan(lst, out, "--master", "local[2,2]", "--binary", chaos, "--docs-per-task", "40",
                                     env={"TENDERSCAN_REAL": binary(), "KILL_PARENT_ONCE": marker})
        self.assertTrue(os.path.exists(marker), "no task was killed")
        self.assertIn("Lost task", log)  # Spark saw the failure and ran the task again
        want = records(plain_scan(["--format", "jsonl", "--files-from", "-"], stdin=read_bytes(lst)))
        self.assertEqual(len(want), len(paths) - 3)  # `first` twice, its link, `missing` twice
        self.assertEqual(records(got), want)
        warned = [r for r in want if any("the same file was also given as" in w for w in r["warnings"])]
        self.assertEqual([(r["path"], r["warnings"][-1]) for r in warned],
                         [(first, "the same file was also given as %s, %s; it is read and counted once"
                           % (first, link)), (missing, "the same file was also given as %s; it is read and "
                                                       "counted once" % missing)])
        fifo_rec = next(r for r in records(got) if r["path"] == fifo)
        self.assertEqual((fifo_rec["status"], fifo_rec["error_class"]), ("error", "io"))
        reading = summary["Reading"][0]
        self.assertEqual(reading["documents"], len(want))
        self.assertEqual(summary["Run"]["same file merged"], 3)
        # Of each fixture and its two copies, one is read.
        self.assertGreaterEqual(reading["duplicates_not_read"],
                                len([n for n in os.listdir(copies) if n.startswith("copy")]))

    def test_a_document_that_kills_or_hangs_its_process_and_a_resumed_run(self):
        """When the tenderscan process itself dies (or stalls) on a document, the other documents of the
        task keep their records and that document gets an error record; the task does not fail. A run
        whose task did fail is finished by --resume, which scans only the tasks it had not finished."""
        fx = os.path.join(ROOT, "fixtures", "contracts")
        paths = [os.path.join(fx, n) for n in sorted(os.listdir(fx)) if n.endswith((".pdf", ".docx"))][:8]
        lst = os.path.join(self.tmp, "poison.txt")
        with open(lst, "w") as f:
            f.write("".join(p + "\n" for p in paths))
        chaos = os.path.join(self.tmp, "tenderscan-poison")
        with open(chaos, "w") as f:
            f.write(CHAOS)
        os.chmod(chaos, 0o755)
        want = records(plain_scan(["--format", "jsonl", "--files-from", "-"], stdin=read_bytes(lst)))
        common = ["--master", "local[1]", "--binary", chaos, "--docs-per-task", "2", "--no-dedupe"]

        # Four tasks of two documents; the last cannot run tenderscan, so the run fails (one attempt).
        out = os.path.join(self.tmp, "poison-crash")
        cmd = [sys.executable, os.path.join(HERE, "scan.py"), lst, out, "--overwrite", *common]
        p = subprocess.run(cmd, capture_output=True, cwd=ROOT,
                           env=dict(os.environ, TENDERSCAN_REAL=binary(), FAIL_ON=paths[6]))
        self.assertNotEqual(p.returncode, 0)
        self.assertFalse(os.path.exists(os.path.join(out, "records.jsonl")))
        done = os.listdir(os.path.join(out, "_scan_parts"))
        self.assertTrue(any(n.startswith("part-00000-") for n in done), done)

        # Resumed, with the other document of the last task crashing its process.
        log = os.path.join(self.tmp, "resumed.log")
        got, summary, _ = spark_scan(lst, out, *common, "--resume",
                                     env={"TENDERSCAN_REAL": binary(), "POISON": paths[7], "POISON_MODE": "crash",
                                          "LOG": log})
        with open(log) as f:
            rescanned = set(f.read().split())
        finished = {int(n.split("-")[1]) for n in done if n.endswith(".jsonl")}
        for t in finished:  # what the first run finished is not read again
            self.assertFalse(rescanned & set(paths[2 * t:2 * t + 2]), (t, rescanned))
        self.assertIn(paths[6], rescanned)
        self.assertFalse(os.path.exists(os.path.join(out, "_scan_parts")))
        runs = [("crash", "crash", paths[7], records(got))]

        out = os.path.join(self.tmp, "poison-hang")
        got, _, _ = spark_scan(lst, out, *common, "--stall-seconds", "5",
                               env={"TENDERSCAN_REAL": binary(), "POISON": paths[5], "POISON_MODE": "hang"})
        runs.append(("hang", "timeout", paths[5], records(got)))
        for mode, error_class, poison, got in runs:
            self.assertEqual([r["path"] for r in got], paths)
            k = paths.index(poison)
            self.assertEqual(got[:k] + got[k + 1:], want[:k] + want[k + 1:], mode)
            self.assertEqual((got[k]["status"], got[k]["error_class"], got[k]["verdict"]),
                             ("error", error_class, "unreadable"))
            # The same fields as tenderscan's own records; a document that could not be read has no
            # content_hash (docs/output-contract.md).
            self.assertEqual(set(got[k]) - {"content_hash"}, set(want[k]) - {"content_hash"})

# A stand-in that reads an input ending in .zip as an archive (issue 18): the archive's own record, then
# one per member (`A.zip!/m1.txt`). With DIE_IN, a batch of several inputs dies after the first member of
# that archive, as a process killed while reading it would.
ARCHIVES = r"""#!/usr/bin/env python3
import json, os, signal, sys
args = sys.argv[1:]
paths = [l for l in sys.stdin.read().split("\n") if l] if "--files-from" in args else args[args.index("--") + 1:]
def rec(p):
    print(json.dumps({"path": p, "path_bytes": None, "verdict": "pass", "findings": [], "warnings": []}), flush=True)
for p in paths:
    rec(p)
    if p.endswith(".zip"):
        for m in ("m1.txt", "m2.txt"):
            rec(p + "!/" + m)
            if p == os.environ.get("DIE_IN") and len(paths) > 1:
                os.kill(os.getpid(), signal.SIGKILL)
"""


class MapStage(unittest.TestCase):
    """The map stage's pieces without Spark."""

    @classmethod
    def setUpClass(cls):
        sys.path.insert(0, HERE)
        import scan
        cls.scan = scan
        cls.tmp = tempfile.mkdtemp(prefix="tenderscan-spark-unit-")
        cls.fake = os.path.join(cls.tmp, "tenderscan-archives")
        with open(cls.fake, "w") as f:
            f.write(ARCHIVES)
        os.chmod(cls.fake, 0o755)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def paths_of(self, recs):
        return [[json.loads(line)["path"] for line in rs] for rs in recs]

    def test_an_archive_keeps_its_member_records_even_when_its_process_dies(self):
        paths = ["a.pdf", "b.zip", "c.pdf", "d.zip"]
        want = [["a.pdf"], ["b.zip", "b.zip!/m1.txt", "b.zip!/m2.txt"], ["c.pdf"],
                ["d.zip", "d.zip!/m1.txt", "d.zip!/m2.txt"]]
        self.assertEqual(self.paths_of(self.scan.scan_paths(self.fake, [], paths, 30)), want)
        os.environ["DIE_IN"] = "b.zip"
        try:  # b.zip's records are cut short: it is read again on its own, and so are the rest
            self.assertEqual(self.paths_of(self.scan.scan_paths(self.fake, [], paths, 30)), want)
        finally:
            del os.environ["DIE_IN"]

    def test_a_copy_of_an_archive_gets_its_member_paths(self):
        line = '{"path":"x/b.zip!/m1.txt","path_bytes":null,"verdict":"pass"}'
        self.assertEqual(json.loads(self.scan.with_path(line, "x/b.zip", "y/c.zip"))["path"], "y/c.zip!/m1.txt")
        self.assertEqual(json.loads(self.scan.with_path('{"path":"x/b.pdf","verdict":"fail"}', "x/b.pdf", "y/c.pdf")),
                         {"path": "y/c.pdf", "verdict": "fail"})

    def test_discovery_takes_the_inputs_tenderscan_takes(self):
        """A folder walked, and a file of paths, give the inputs (and order) of a plain scan: FIFOs never
        opened, a broken link and a loop reported, tenderscan's own reports skipped, a PDF without its
        extension taken, blank lines skipped and a listed folder walked."""
        if not os.path.exists(binary()):
            self.skipTest("no tenderscan binary at %s" % binary())
        d = os.path.join(self.tmp, "walk")
        os.makedirs(os.path.join(d, "b", "inner"))
        fx = os.path.join(ROOT, "fixtures", "contracts")
        pdf = os.path.join(fx, next(n for n in sorted(os.listdir(fx)) if n.endswith(".pdf")))
        shutil.copyfile(pdf, os.path.join(d, "a.pdf"))
        shutil.copyfile(pdf, os.path.join(d, "b", "no-extension"))
        shutil.copyfile(pdf, os.path.join(d, "b", "inner", "Z.pdf"))
        os.mkfifo(os.path.join(d, "fifo.pdf"))
        os.mkfifo(os.path.join(d, "fifo.dat"))  # not named like a contract: skipped, never opened
        os.symlink(os.path.join(d, "gone.pdf"), os.path.join(d, "broken.pdf"))
        os.symlink(d, os.path.join(d, "b", "loop"))
        report = plain_scan(["--format", "text", "--no-color", os.path.join(d, "a.pdf")])
        for name, text in (("report.txt", report), ("notes.md", "a note\n"), ("data.dat", "x\n")):
            with open(os.path.join(d, "b", name), "w") as f:
                f.write(text)
        want = records(plain_scan(["--format", "jsonl", d]))
        paths, root, synthetic = self.scan.discover(d)
        self.assertEqual(paths, [r["path"] for r in want])
        self.assertNotIn(os.path.join(d, "b", "report.txt"), paths)
        self.assertIn(os.path.join(d, "b", "no-extension"), paths)
        loop = os.path.join(d, "b", "loop")
        self.assertEqual(list(synthetic), [loop])
        self.assertEqual(json.loads(synthetic[loop]), next(r for r in want if r["path"] == loop))

        lst = os.path.join(self.tmp, "walk-list.txt")
        with open(lst, "w") as f:
            f.write("%s\n \t\n\n%s\r\n" % (os.path.join(d, "b"), os.path.join(d, "a.pdf")))
        want = records(plain_scan(["--format", "jsonl", "--files-from", lst]))
        self.assertEqual(self.scan.discover(lst)[0], [r["path"] for r in want])

    def test_the_same_file_warning_is_tenderscans_to_the_byte(self):
        if not os.path.exists(binary()):
            self.skipTest("no tenderscan binary at %s" % binary())
        d = os.path.join(self.tmp, "same")
        os.makedirs(d)
        fx = os.path.join(ROOT, "fixtures", "contracts")
        pdf = next(n for n in sorted(os.listdir(fx)) if n.endswith(".pdf"))
        a, b, gone = (os.path.join(d, n) for n in ("a.pdf", "b 契約.pdf", "gone.pdf"))
        shutil.copyfile(os.path.join(fx, pdf), a)
        os.symlink(a, b)
        want = plain_scan(["--format", "jsonl", "--files-from", "-"],
                          stdin=("%s\n%s\n%s\n%s\n" % (a, b, gone, gone)).encode()).splitlines()
        recs = self.scan.scan_paths(binary(), [], [a, gone], 60)
        self.assertEqual([self.scan.with_warning(recs[0][0], [b]), self.scan.with_warning(recs[1][0], [gone])], want)

    def test_records_that_match_no_input_are_not_trusted(self):
        lines = ['{"path":"a.pdf"}', '{"path":"zz.pdf"}', '{"path":"b.pdf"}']
        got, complete = self.scan.group_records(["a.pdf", "b.pdf"], lines)
        self.assertEqual((list(got), complete), (["a.pdf"], False))

    def test_every_task_judges_with_the_lists_of_one_date(self):
        lists_date = self.scan.lists_date
        self.assertEqual(lists_date(True, ["--jobs", "1"], None, "2026-12-07"),
                         (["--jobs", "1", "--as-of", "2026-12-07"], "2026-12-07"))
        self.assertEqual(lists_date(True, [], "2024-01-01", "2026-12-07"), (["--as-of", "2024-01-01"], "2024-01-01"))
        self.assertEqual(lists_date(True, ["--as-of=2025-02-03"], None, "2026-12-07"),
                         (["--as-of=2025-02-03"], "2025-02-03"))
        self.assertEqual(lists_date(False, [], None, "2026-12-07"), ([], None))
        with self.assertRaises(ValueError):  # a binary without --as-of cannot judge another date
            lists_date(False, [], "2024-01-01", "2026-12-07")


if __name__ == "__main__":
    unittest.main()
