#!/usr/bin/env python3
"""Ratios to the floor from interleaved runs (see README "Benchmarks").

    scripts/interleaved.py [--rounds N] [--kind pdf|docx] [BIN...]

Each round runs every command once, in an order that rotates from round to round: each BIN
(default target/release/tenderscan) as `BIN scan target/bench/corpus-200KIND --format jsonl --jobs 2
--no-cache --isolation thread -q`, and the floor as `scripts/bench.sh` runs it (examples/floor.rs, two
processes of half the files each, through xargs). A run sequence like hyperfine's (all runs of one
command, then all of the next) lets the machine's load drift between the commands; here every command
sees the same drift. Prints each command's median and mean wall time and its median over the floor's.

Needs the corpus (`scripts/bench.sh 200 [KIND]` builds it, or scripts/make_bench_corpus.py) and a
release build of the floor (`cargo build --release --example floor`).
"""
import argparse
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def wall(argv):
    """Seconds from spawning `argv` (output discarded) to reaping it."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        t0 = time.perf_counter()
        pid = os.posix_spawn(
            argv[0],
            argv,
            os.environ,
            file_actions=[
                (os.POSIX_SPAWN_DUP2, devnull, 1),
                (os.POSIX_SPAWN_DUP2, devnull, 2),
            ],
        )
        os.waitpid(pid, 0)
        return time.perf_counter() - t0
    finally:
        os.close(devnull)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--kind", default="", choices=["", "pdf", "docx"])
    ap.add_argument("bins", nargs="*", default=["target/release/tenderscan"])
    a = ap.parse_args()
    os.chdir(ROOT)
    corpus = f"target/bench/corpus-200{a.kind}"
    listing = f"target/bench/files-200{a.kind}.txt"
    floor = "target/release/examples/floor"
    for p in [corpus, listing, floor, *a.bins]:
        if not os.path.exists(p):
            sys.exit(f"missing {p} (run scripts/bench.sh 200 {a.kind} once, and build the binaries)")
    with open(listing) as f:
        files = f.read().split()
    cmds = [
        [os.path.abspath(b), "scan", corpus, "--format", "jsonl", "--jobs", "2", "--no-cache",
         "--isolation", "thread", "-q"]
        for b in a.bins
    ]
    cmds.append(["/usr/bin/xargs", "-a", listing, "-P2", "-n", str(max(1, len(files) // 2)), floor])
    names = list(a.bins) + ["floor (2 processes)"]
    for c in cmds:
        for _ in range(3):
            wall(c)
    times = [[] for _ in cmds]
    for r in range(a.rounds):
        k = r % len(cmds)
        for i in list(range(k, len(cmds))) + list(range(k)):
            times[i].append(wall(cmds[i]))
    floor_median = statistics.median(times[-1])
    print(f"{a.rounds} interleaved rounds on {corpus} ({len(files)} documents)")
    for n, t in zip(names, times):
        m = statistics.median(t)
        print(f"  {n:40s} median {m * 1e3:7.1f} ms  mean {statistics.mean(t) * 1e3:7.1f} ms"
              f"  {m / floor_median:5.2f}x the floor")


if __name__ == "__main__":
    main()
