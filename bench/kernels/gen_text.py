#!/usr/bin/env python3
"""gen_text.py - English-like text for the kernels' benchmarks.

usage: gen_text.py OUT [MiB=256] [seed=1]

Lines of 5-15 words drawn from 2 050 words with Zipf weights (the 50
commonest English words first, then word0..word1999), so short, frequent
needles such as "the" are dense, as in real text.
"""
import itertools
import random
import sys

out = sys.argv[1]
size = int(sys.argv[2]) << 20 if len(sys.argv) > 2 else 256 << 20
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
words = ("the of and to in a is that for it as was with be by on not he I "
         "this are or his from at which but have an had they you were their "
         "one all we can her has there been if more when will would who so "
         "no").split()
words += ["word%d" % i for i in range(2000)]
cum = list(itertools.accumulate(1.0 / (i + 1) for i in range(len(words))))
parts, n = [], 0
while n < size:
    line = " ".join(rng.choices(words, cum_weights=cum, k=rng.randint(5, 15)))
    parts.append(line + "\n")
    n += len(line) + 1
with open(out, "w") as f:
    f.write("".join(parts)[:size])
