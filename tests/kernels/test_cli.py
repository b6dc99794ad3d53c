#!/usr/bin/env python3
"""test_cli.py - the `weft` tool against GNU wc and Python, byte for byte.

usage: test_cli.py WEFT [--large]

`weft wc` must print exactly what `LC_ALL=C wc` prints (stdout), the same
messages with `weft:` for `wc:` (stderr) and the same exit status, for the
par_lines shapes, random bytes, random text, UTF-8 with Unicode spaces,
option sets, several files, standard input (pipe, redirect, `-`), missing
files, directories and odd file names; with -j 1, 2, 8 and
WEFT_NUM_THREADS.  `weft search` prints Python's split().count() per file.
Sizes scale with WEFT_TEST_SCALE.  --large runs only the check on a sparse
file past 4 GiB (seconds of page-cache filling: a test of its own, skipped
below scale 1).
"""
import os
import random
import subprocess
import sys
import tempfile

WEFT = sys.argv[1]
SCALE = float(os.environ.get("WEFT_TEST_SCALE", "1") or 1)
FAILS = 0
CHECKS = 0


def scaled(n, least):
    return max(least, int(n * SCALE))


def env_c(**extra):
    e = dict(os.environ)
    e["LC_ALL"] = "C"
    e.pop("WEFT_NUM_THREADS", None)
    e.update(extra)
    return e


def run(cmd, stdin=None, env=None, cwd=None):
    r = subprocess.run(cmd, input=stdin, capture_output=True, env=env or env_c(),
                       cwd=cwd)
    return r.returncode, r.stdout, r.stderr


def fail(msg):
    global FAILS
    FAILS += 1
    print("FAIL:", msg)


def same_as_wc(args, cwd, stdin=None, weft_env=None, jobs=None, label=""):
    """Run `wc ARGS` and `weft [-j J] wc ARGS`; everything must match."""
    global CHECKS
    CHECKS += 1
    rc1, out1, err1 = run(["wc"] + args, stdin=stdin, cwd=cwd)
    pre = [WEFT] + (["-j", str(jobs)] if jobs else []) + ["wc"]
    rc2, out2, err2 = run(pre + args, stdin=stdin, cwd=cwd,
                          env=env_c(**(weft_env or {})))
    want_err = err1.replace(b"wc: ", b"weft: ").replace(b"'wc --help'",
                                                        b"'weft --help'")
    if (rc1, out1) != (rc2, out2) or want_err != err2:
        fail("wc %r %s (j=%s)\n  wc:   rc=%d out=%r err=%r\n  weft: rc=%d "
             "out=%r err=%r" % (args, label, jobs, rc1, out1[:300], err1[:300],
                                rc2, out2[:300], err2[:300]))


def make_files(d, rng):
    files = {}

    def put(name, data):
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
        files[name] = data

    put("empty", b"")
    put("nl", b"\n")
    put("nofinal", b"one two\nthree")
    put("crlf", b"a b\r\nc\r\n\r\nd e f\r\n")
    put("emptylines", b"\n\n\nx\n\n")
    big = scaled(300000, 30000)
    put("longline", b"w " * (big // 2) + b"\nshort\n")
    put("nonewline", bytes(rng.choice(b"ab \t") for _ in range(big)))
    put("nul", b"a\0b \0\0 c\n\0\n" * 1000)
    put("randbytes", bytes(rng.getrandbits(8) for _ in range(scaled(400000, 20000))))
    ws = b" \t\n\r\x0b\x0c"
    text = bytearray()
    n = scaled(1000000, 50000)
    while len(text) < n:
        if rng.random() < 0.2:
            text += bytes([rng.choice(ws)])
        else:
            text += bytes(rng.choice(b"abcdefghij") for _ in range(rng.randint(1, 9)))
    put("text", bytes(text))
    uws = [chr(c) for c in (0x85, 0xA0, 0x1680, 0x2000, 0x2005, 0x200A, 0x2028,
                            0x2029, 0x202F, 0x205F, 0x3000, 0x1C, 0x1F)]
    parts = []
    for _ in range(scaled(60000, 3000)):
        r = rng.random()
        if r < 0.3:
            parts.append(rng.choice(uws + [" ", "\n", "\t"]))
        else:
            parts.append(rng.choice(["héllo", "中文", "word", "😀", "a"]))
    put("utf8", "".join(parts).encode())
    return files


def wc_tests(d, files):
    names = sorted(files)
    for name in names:
        same_as_wc([name], d)
    option_sets = [[], ["-l"], ["-w"], ["-c"], ["-m"], ["-lw"], ["-wc"],
                   ["-c", "-l"], ["-lwc"], ["-m", "-c"], ["--lines"],
                   ["--words", "--bytes"], ["-lwmc"]]
    for opts in option_sets:
        same_as_wc(opts + names, d)
        same_as_wc(opts + ["text"], d)
    # Options after the files, `--`.
    same_as_wc(["text", "-l", "nl"], d)
    same_as_wc(["--", "text", "nl"], d)
    # Thread counts, and WEFT_NUM_THREADS.
    for j in (1, 2, 8):
        same_as_wc(names, d, jobs=j)
        same_as_wc(["-w", "longline", "nonewline"], d, jobs=j)
    same_as_wc(names, d, weft_env={"WEFT_NUM_THREADS": "3"}, label="env 3")
    # Standard input: pipe, redirect (a regular file), '-', '-' twice.
    for name in ("text", "empty", "randbytes", "utf8"):
        data = files[name]
        same_as_wc([], d, stdin=data)
        same_as_wc(["-l"], d, stdin=data)
        same_as_wc(["-", "nl"], d, stdin=data)
        same_as_wc(["-", "-"], d, stdin=data)
    for opts in ([], ["-c"], ["-lw"]):
        global CHECKS
        CHECKS += 1
        path = os.path.join(d, "text")
        with open(path, "rb") as f1, open(path, "rb") as f2:
            a = subprocess.run(["wc"] + opts, stdin=f1, capture_output=True,
                               env=env_c())
            b = subprocess.run([WEFT, "wc"] + opts, stdin=f2,
                               capture_output=True, env=env_c())
        if (a.returncode, a.stdout, a.stderr) != (b.returncode, b.stdout,
                                                   b.stderr):
            fail("redirected stdin %r: %r vs %r" % (opts, a.stdout, b.stdout))
    # Stdin bigger than the tool's 8 MiB blocks, through a pipe.
    big = files["text"] * max(1, scaled(20_000_000, 300_000) // len(files["text"]))
    same_as_wc([], d, stdin=big + b"tail")
    same_as_wc(["-w"], d, stdin=b"x" * scaled(9_000_000, 100_000) + b" y z")
    # Errors: missing files, a directory, in every position.
    os.makedirs(os.path.join(d, "dir"), exist_ok=True)
    for args in (["missing"], ["dir"], ["missing", "text"], ["text", "missing"],
                 ["text", "dir", "nl"], ["-l", "dir"], ["-c", "missing"],
                 ["missing", "missing2"], ["dir", "-w"]):
        same_as_wc(args, d)
    # Odd file names (quoting in messages and in the count lines).
    odd = ["sp ace", "co:lon", "it's", "new\nline", "tab\there", "ctl\x01x",
           "a'b c", "a\"b", "h\xe9", "$HOME", "#hash", "x#y", "~t", "{", "a{b}",
           "new\n'q", "q'\x01x", "a b:c"]
    for name in odd:
        with open(os.path.join(d, name), "wb") as f:
            f.write(b"some words\n")
        same_as_wc([name, "nl"], d)
        same_as_wc(["missing " + name], d)
    # Usage errors.
    for args in (["-x"], ["--bogus"], ["-l", "-q", "text"]):
        same_as_wc(args, d)


def search_tests(d, files):
    global CHECKS

    def weft(args, stdin=None, jobs=None):
        pre = [WEFT] + (["-j", str(jobs)] if jobs else [])
        return run(pre + ["search"] + args, stdin=stdin, cwd=d)

    for name in ("text", "utf8", "crlf", "nul", "randbytes", "empty"):
        data = files[name]
        for needle in ("a", "abc", "word", "中文", "héllo", "x"):
            nb = needle.encode()
            want_b = data.split().count(nb)
            try:
                want_s = data.decode().split().count(needle)
            except UnicodeDecodeError:
                want_s = None
            for j in (1, 2, 8):
                CHECKS += 1
                rc, out, err = weft(["-b", needle, name], jobs=j)
                if (rc, out) != (0, b"%d\n" % want_b):
                    fail("search -b %r %s: %r %r want %d" % (needle, name, out,
                                                             err, want_b))
                if want_s is not None:
                    rc, out, err = weft([needle, name], jobs=j)
                    if (rc, out) != (0, b"%d\n" % want_s):
                        fail("search %r %s: %r want %d" % (needle, name, out,
                                                          want_s))
            # Standard input, streamed.
            CHECKS += 1
            rc, out, err = weft(["--bytes", needle], stdin=data)
            if (rc, out) != (0, b"%d\n" % want_b):
                fail("search stdin %r %s: %r want %d" % (needle, name, out, want_b))
    # A stream longer than a block, cut between words.
    big = files["text"] * max(1, scaled(20_000_000, 300_000) // len(files["text"]))
    CHECKS += 1
    rc, out, err = weft(["-b", "abc"], stdin=big)
    if out != b"%d\n" % big.split().count(b"abc"):
        fail("search big stdin: %r" % out)
    CHECKS += 1
    long_word = b"q" * scaled(17_000_000, 200_000)
    rc, out, err = weft(["-b", long_word.decode()[:10]], stdin=long_word)
    if out != b"0\n":
        fail("search one long word: %r" % out)
    # Several files: per-file lines, a total, errors reported, status 1.
    CHECKS += 1
    rc, out, err = weft(["a", "text", "missing", "utf8", "dir"])
    t = files["text"].decode().split().count("a")
    u = files["utf8"].decode().split().count("a")
    want = b"%d text\n%d utf8\n0 dir\n%d total\n" % (t, u, t + u)
    if (rc, out, err) != (1, want, b"weft: missing: No such file or directory\n"
                          b"weft: dir: Is a directory\n"):
        fail("search several files: rc=%d out=%r err=%r" % (rc, out, err))
    CHECKS += 1
    rc, out, err = weft([])
    if rc != 1 or b"missing NEEDLE" not in err:
        fail("search without needle: %d %r" % (rc, err))


def sparse_test(d, size):
    """A sparse file, mapped whole; the text at its end is counted."""
    global CHECKS
    path = os.path.join(d, "sparse")
    with open(path, "wb") as f:
        f.truncate(size)
        f.seek(size)
        f.write(b"hello sparse world\n")
    CHECKS += 1
    rc, out, err = run([WEFT, "wc", "sparse"], cwd=d)
    total = size + 19
    w = len(str(total))
    want = b"%*d %*d %*d sparse\n" % (w, 1, w, 3, w, total)
    if (rc, out) != (0, want):
        fail("sparse %d: %r want %r (%r)" % (size, out, want, err))
    rc, out, err = run([WEFT, "search", "sparse", "sparse"], cwd=d)
    if (rc, out) != (0, b"1\n"):
        fail("sparse search: %r" % out)
    os.unlink(path)


def misc_tests(d):
    global CHECKS
    CHECKS += 1
    rc, out, err = run([WEFT, "--help"])
    if rc != 0 or b"Usage: weft" not in out or b"search" not in out:
        fail("--help: %d %r" % (rc, out[:100]))
    rc, out, err = run([WEFT, "--version"])
    if rc != 0 or not out.startswith(b"weft "):
        fail("--version: %d %r" % (rc, out))
    for args in ([], ["frob"], ["-j", "0", "wc"], ["-j", "x", "wc"],
                 ["wc", "-j", "99999"], ["-j"]):
        CHECKS += 1
        rc, out, err = run([WEFT] + args, stdin=b"")
        if rc != 1 or out != b"" or not err.startswith(b"weft: ") or \
                b"Try 'weft --help'" not in err:
            fail("usage error %r: rc=%d out=%r err=%r" % (args, rc, out, err))
    sparse_test(d, scaled(96 << 20, 8 << 20))


def main():
    rng = random.Random(1234)
    if "--large" in sys.argv:
        if SCALE < 1:
            print("skipped: WEFT_TEST_SCALE < 1")
            return 77
        # In the working directory (the build tree), not /tmp: a tmpfs
        # would fill memory with the file's pages.
        with tempfile.TemporaryDirectory(dir=os.getcwd()) as d:
            sparse_test(d, (4 << 30) + (1 << 28))
        print("%d checks, %d failures" % (CHECKS, FAILS))
        return 1 if FAILS else 0
    with tempfile.TemporaryDirectory() as d:
        files = make_files(d, rng)
        wc_tests(d, files)
        search_tests(d, files)
        misc_tests(d)
    print("%d checks, %d failures" % (CHECKS, FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
