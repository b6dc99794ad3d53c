#!/usr/bin/env python3
"""ab.py - before/after: time one benchmark case in several builds, interleaved.

    bench/ab.py WORKLOAD VARIANT THREADS SIZE [--runs N] PROG[:LIBDIR][@VARIANT] ...

Each PROG is a suite program (build/release/bench/weft_bench_weft, or a
copy of it kept from before a change); LIBDIR, if given, goes first on
LD_LIBRARY_PATH, so a copy of the old libweft.so can be measured beside the
new one (LD_LIBRARY_PATH is searched before the programs' RUNPATH).  All
programs are set up once (they speak the suite's protocol, see
bench/common/bench.h), then measured round by round in alternating order,
so machine noise hits each alike.  Prints the median, min and max of each.
A PROG may name its own VARIANT after an @, so a peer can run beside weft
(bench/peers/rayon/target/release/weft_bench_rayon@rayon-par_sort).

Typical use around a runtime change:

    mkdir /tmp/before && cp build/release/bench/weft_bench_weft \\
        build/release/runtime/libweft.so* /tmp/before/
    ... change, rebuild ...
    bench/ab.py nqueens weft 2 12 /tmp/before/weft_bench_weft:/tmp/before \\
        build/release/bench/weft_bench_weft
"""

import argparse
import os
import statistics
import subprocess
import sys


def start(spec, case):
    spec, _, variant = spec.partition("@")
    if variant:
        case = [case[0], variant, *case[2:]]
    prog, _, libdir = spec.partition(":")
    env = dict(os.environ)
    if libdir:
        env["LD_LIBRARY_PATH"] = libdir + (
            ":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
    p = subprocess.Popen([prog, *case], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True, env=env)
    line = p.stdout.readline().strip()
    if line != "ready":
        sys.exit(f"ab.py: {prog} did not start ({line!r})")
    return p


def measure(p):
    p.stdin.write("run\n")
    p.stdin.flush()
    line = p.stdout.readline()
    if not line:
        sys.exit("ab.py: a program exited (wrong answer?)")
    return float(line.split()[0])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("workload")
    ap.add_argument("variant")
    ap.add_argument("threads")
    ap.add_argument("size")
    ap.add_argument("progs", nargs="+", metavar="PROG[:LIBDIR][@VARIANT]")
    ap.add_argument("--runs", type=int, default=9)
    a = ap.parse_args()
    case = [a.workload, a.variant, a.threads, a.size]
    procs = [(s, start(s, case)) for s in a.progs]
    times = {s: [] for s in a.progs}
    for r in range(a.runs + 1):  # round 0 is the warm-up
        order = procs if r % 2 == 0 else procs[::-1]
        for s, p in order:
            t = measure(p)
            if r > 0:
                times[s].append(t)
    for s, p in procs:
        p.stdin.close()
        p.wait()
    width = max(len(s) for s in a.progs)
    for s in a.progs:
        v = sorted(times[s])
        print(f"{s:{width}}  median {statistics.median(v) * 1e3:9.2f} ms"
              f"  min {v[0] * 1e3:9.2f}  max {v[-1] * 1e3:9.2f}")


if __name__ == "__main__":
    main()
