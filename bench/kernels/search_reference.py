#!/usr/bin/env python3
"""search_reference.py - the pure-Python word search that weft.search and
`weft search` are measured against (issue 3), and `weft search` itself.

usage: search_reference.py FILE NEEDLE [WEFT_BINARY]

Prints the time of sum(line.split().count(needle) for line in
contents.splitlines()) on str and on bytes (the file already in memory),
and, given the weft binary, the time of `weft -j N search` for N = 1 and
the CPU count (a whole process: start-up and mapping the file included).
"""
import os
import subprocess
import sys
import time

path, needle = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
text = data.decode()


def best(fn, runs=3):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        r = fn()
        times.append(time.perf_counter() - t)
    return min(times), r


for name, contents, nd in (("str", text, needle), ("bytes", data, needle.encode())):
    t, r = best(lambda: sum(line.split().count(nd)
                            for line in contents.splitlines()), runs=1)
    print("python %-5s %8.3f s  count %d" % (name, t, r))
if len(sys.argv) > 3:
    for j in sorted({1, os.cpu_count() or 1}):
        for flag in ([], ["-b"]):
            cmd = [sys.argv[3], "-j", str(j), "search"] + flag + [needle, path]
            t, r = best(lambda: subprocess.run(cmd, capture_output=True,
                                               check=True).stdout.strip())
            print("weft -j %d %-3s %8.3f s  count %s" % (j, " ".join(flag), t,
                                                        r.decode()))
