#!/usr/bin/env python3
"""test_search_python.py - `weft search` counts exactly what Python does.

usage: test_search_python.py WEFT

For random texts built from every whitespace character str.split() knows
(and the ones bytes.split() knows), letters of 1 to 4 UTF-8 bytes, and
words that share prefixes and suffixes with the needles, the count printed
by `weft search NEEDLE FILE...` equals contents.split().count(NEEDLE) for
str (UTF-8 mode) and, with -b, for bytes.  Thread counts 1, 2 and 8.
"""
import os
import random
import subprocess
import sys
import tempfile

WEFT = sys.argv[1]
SCALE = float(os.environ.get("WEFT_TEST_SCALE", "1") or 1)

UNICODE_WS = [chr(c) for c in range(0x110000) if chr(c).isspace()]
BYTES_WS = [bytes([c]) for c in range(256) if bytes([c]).isspace()]
WORDS = ["a", "ab", "abc", "the", "then", "bathe", "é", "aé", "中", "中文",
         "😀", "a😀", "\u00a0x", "x\u0085", "\u2000", "caf\u00e9", "\u180e",
         "\u200b", "\ufeff"]


def gen(rng, n):
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.35:
            out.append(rng.choice(UNICODE_WS))
        else:
            out.append(rng.choice(WORDS))
    return "".join(out)


def counts(args, files, d, jobs):
    r = subprocess.run([WEFT, "-j", str(jobs), "search"] + args + files,
                       capture_output=True, cwd=d)
    if r.returncode != 0:
        raise SystemExit("weft failed: %r" % r.stderr)
    lines = r.stdout.decode().splitlines()
    got = {}
    for line in lines[:-1]:
        c, name = line.split(" ", 1)
        got[name] = int(c)
    return got


def main():
    rng = random.Random(99)
    fails = checks = 0
    ntexts = max(8, int(60 * SCALE))
    with tempfile.TemporaryDirectory() as d:
        texts = {}
        for i in range(ntexts):
            n = rng.choice([0, 1, 2, 5, 50, 500, 5000, max(5000, int(60000 * SCALE))])
            t = gen(rng, n)
            name = "t%03d" % i
            with open(os.path.join(d, name), "wb") as f:
                f.write(t.encode())
            texts[name] = t
        files = sorted(texts)
        needles = ["a", "ab", "the", "中文", "😀", "é", "caf\u00e9", "x",
                   "\u200b", "\ufeff", "\u180e", "a😀"]
        for needle in needles:
            for jobs in (1, 2, 8):
                got = counts([needle], files, d, jobs)
                gotb = counts(["-b", needle], files, d, jobs)
                for name in files:
                    checks += 2
                    want = texts[name].split().count(needle)
                    wantb = texts[name].encode().split().count(needle.encode())
                    if got.get(name) != want:
                        fails += 1
                        print("FAIL str %r %s: %r want %d" % (needle, name,
                                                             got.get(name), want))
                    if gotb.get(name) != wantb:
                        fails += 1
                        print("FAIL bytes %r %s: %r want %d" % (
                            needle, name, gotb.get(name), wantb))
        # Needles with whitespace never match; Python agrees.
        for needle in ["a b", "\u3000", "x\u2028y", "\x1c"]:
            got = counts([needle], files, d, 2)
            for name in files:
                checks += 1
                if got.get(name) != texts[name].split().count(needle):
                    fails += 1
                    print("FAIL ws needle %r %s" % (needle, name))
    print("%d checks, %d failures" % (checks, fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
