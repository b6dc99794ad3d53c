#!/usr/bin/env python3
"""test_cli.py - the `weft` tool against GNU wc and Python, byte for byte.

usage: test_cli.py WEFT [--large | --bad-input]

`weft wc` must print exactly what `LC_ALL=C wc` prints (stdout), the same
messages with `weft:` for `wc:` (stderr) and the same exit status, for the
par_lines shapes, random bytes, random text, UTF-8 with Unicode spaces,
option sets, several files, standard input (pipe, redirect, `-`), missing
files, directories and odd file names; with -j 1, 2, 8 and
WEFT_NUM_THREADS.  `weft search` prints Python's split().count() per file.
Sizes scale with WEFT_TEST_SCALE.  --large runs only the check on a sparse
file past 4 GiB (seconds of page-cache filling: a test of its own, skipped
below scale 1); --bad-input only the bad_* checks.

The bad_* functions back the "weft CLI" rows of the bad-input table in
docs/reliability.md, each asserting the exact stdout, stderr and exit
status (against GNU wc where weft wc promises its output): missing,
unreadable (run as an unprivileged user through setpriv) and odd files,
invalid UTF-8 and NUL bytes, a 64 MiB line, bad -j values and
WEFT_NUM_THREADS, unknown options, a missing NEEDLE.  A known bug is an
xfail (strict): printed, not counted, until it passes.
"""
import os
import random
import shutil
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


IN_XFAIL = False  # inside a known bug's checks (see xfail)


def fail(msg):
    global FAILS
    FAILS += 1
    print("expected failure (known bug):" if IN_XFAIL else "FAIL:", msg)


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
    # -c and -m alone take a regular file's size without reading it (as
    # GNU wc -c does); the answer must be the same.
    CHECKS += 1
    for opts in (["-c"], ["-m"], ["-c", "-m"]):
        rc, out, err = run([WEFT, "wc"] + opts + ["sparse"], cwd=d)
        n = len(opts)
        want = (b"%d sparse\n" % total if n == 1 else
                b"%*d %*d sparse\n" % (w, total, w, total))
        if (rc, out) != (0, want):
            fail("sparse wc %s: %r want %r (%r)" % (opts, out, want, err))
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


# ---------------------------------------------------------------------------
# Bad input (docs/reliability.md, "weft CLI")

TRY = b"Try 'weft --help' for more information.\n"
XFAILS = 0


def expect(what, args, rc, out, err, stdin=b"", env=None, cwd=None):
    """`weft ARGS` must give exactly (rc, out, err)."""
    global CHECKS
    CHECKS += 1
    got = run([WEFT] + args, stdin=stdin, env=env, cwd=cwd)
    if got != (rc, out, err):
        fail("%s: weft %r\n  got:  rc=%d out=%r err=%r\n  want: rc=%d out=%r "
             "err=%r" % (what, args, got[0], got[1][:200], got[2][:300], rc,
                         out[:200], err[:300]))


def xfail(reason):
    """A known bug: the checks of the function must fail (strict)."""
    def wrap(fn):
        def run_it(*args):
            global FAILS, XFAILS, IN_XFAIL
            before = FAILS
            IN_XFAIL = True
            try:
                fn(*args)
            finally:
                IN_XFAIL = False
            if FAILS > before:
                FAILS = before
                XFAILS += 1
                print("XFAIL %s: %s" % (fn.__name__, reason))
            else:
                fail("XPASS (strict) %s: fixed? (%s): update "
                     "docs/reliability.md and drop the xfail" % (fn.__name__,
                                                                 reason))
        run_it.__name__ = fn.__name__
        return run_it
    return wrap


def put(d, name, data):
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def bad_missing_file(d):
    """Missing files among good ones: reported, the others counted."""
    for args in (["good", "missing", "nl"], ["missing"], ["-w", "missing",
                                                            "missing2"]):
        same_as_wc(args, d, label="bad_missing_file")
    expect("bad_missing_file", ["search", "a", "good", "missing", "nl"], 1,
           b"2 good\n0 nl\n2 total\n",
           b"weft: missing: No such file or directory\n", cwd=d)
    expect("bad_missing_file", ["search", "a", "missing"], 1, b"",
           b"weft: missing: No such file or directory\n", cwd=d)


def bad_directory(d):
    """A directory: 'Is a directory', counted as empty, as GNU wc does."""
    for args in (["dir"], ["good", "dir", "nl"], ["-c", "dir"]):
        same_as_wc(args, d, label="bad_directory")
    expect("bad_directory", ["search", "a", "good", "dir"], 1,
           b"2 good\n0 dir\n2 total\n", b"weft: dir: Is a directory\n", cwd=d)
    expect("bad_directory", ["search", "-b", "a", "dir"], 1, b"0\n",
           b"weft: dir: Is a directory\n", cwd=d)


def bad_symlink_loop(d):
    os.symlink("loop", os.path.join(d, "loop"))
    same_as_wc(["good", "loop"], d, label="bad_symlink_loop")
    expect("bad_symlink_loop", ["search", "a", "loop", "good"], 1,
           b"2 good\n2 total\n",
           b"weft: loop: Too many levels of symbolic links\n", cwd=d)


def setpriv_prefix():
    """The command prefix that runs as nobody, or None and why not."""
    if os.geteuid() != 0:
        return ["env"], None  # not root: chmod 000 is enough
    tool = shutil.which("setpriv")
    if tool is None:
        return None, "no setpriv to drop root (root reads any file)"
    pre = [tool, "--reuid=65534", "--regid=65534", "--clear-groups"]
    r = subprocess.run(pre + [WEFT, "--version"], capture_output=True)
    if r.returncode != 0:
        return None, ("uid 65534 cannot run %s: %r" % (WEFT, r.stderr[:200]))
    return pre, None


def bad_unreadable_file(d):
    """A file without read permission, as an unprivileged user: GNU wc's
    message, the other files still counted."""
    global CHECKS
    pre, why = setpriv_prefix()
    if pre is None:
        print("skipped bad_unreadable_file: " + why)
        return
    sub = os.path.join(d, "perm")
    os.mkdir(sub)
    put(sub, "secret", b"hidden words\n")
    put(sub, "good", b"a b a\n")
    os.chmod(sub, 0o755)
    os.chmod(os.path.join(sub, "good"), 0o644)
    os.chmod(os.path.join(sub, "secret"), 0)
    os.chmod(d, 0o755)  # let the user in
    for args in (["secret", "good"], ["good", "secret"], ["-l", "secret"]):
        CHECKS += 1
        a = run(pre + ["wc"] + args, cwd=sub)
        b = run(pre + [WEFT, "wc"] + args, cwd=sub)
        want = (a[0], a[1], a[2].replace(b"wc: ", b"weft: "))
        if b != want or b"Permission denied" not in b[2]:
            fail("bad_unreadable_file: wc %r\n  wc:   %r\n  weft: %r" %
                 (args, want, b))
    CHECKS += 1
    got = run(pre + [WEFT, "search", "a", "secret", "good"], cwd=sub)
    if got != (1, b"2 good\n2 total\n",
               b"weft: secret: Permission denied\n"):
        fail("bad_unreadable_file: search: %r" % (got,))


def bad_empty_file(d):
    for args in (["empty"], ["-l", "empty"], ["empty", "good"]):
        same_as_wc(args, d, label="bad_empty_file")
    expect("bad_empty_file", ["search", "a", "empty"], 0, b"0\n", b"", cwd=d)
    expect("bad_empty_file", ["search", "-b", "a"], 0, b"0\n", b"", cwd=d)
    same_as_wc([], d, stdin=b"", label="bad_empty_file stdin")


ODD = (b"\xff a \xff \xc3 \xe2\x80 a\0b a\0b \xff\xfe\n\0\n\x7f \xc3\xa9t\x01 "
       b"\x80 \xe2\x80\x80a\xc2\xa0a \xed\xa0\x80 a\n") * 500


def bad_invalid_utf8_and_nul(d):
    """wc: GNU wc's counts; search: Python's split().count (str: bytes
    that are not UTF-8 are word characters, as surrogateescape decodes
    them; -b: bytes.split); from a mapped file and from a pipe."""
    global CHECKS
    put(d, "odd", ODD)
    for args in (["odd"], ["-w", "odd"], ["odd", "good"]):
        same_as_wc(args, d, label="bad_invalid_utf8_and_nul")
    same_as_wc([], d, stdin=ODD, label="bad_invalid_utf8_and_nul stdin")
    text = ODD.decode("utf-8", "surrogateescape")
    # (A NUL cannot be passed in argv; "a" and "b" would match if NUL
    # split words.)
    for needle in (b"\xff", b"a", b"b", b"\xe2\x80", b"\xc3", b"\xed\xa0\x80",
                   b"\xff\xfe", "\u00e9t".encode()):
        want_s = text.split().count(needle.decode("utf-8", "surrogateescape"))
        want_b = ODD.split().count(needle)
        for args, stdin, want in (
                (["search", needle, "odd"], b"", want_s),
                (["search", needle], ODD, want_s),
                (["-j", "2", "search", needle, "odd", "-"], ODD,
                 None),
                (["search", "-b", needle, "odd"], b"", want_b),
                (["search", "-b", needle], ODD, want_b)):
            out = (b"%d\n" % want if want is not None else
                   b"%d odd\n%d -\n%d total\n" % (want_s, want_s, 2 * want_s))
            expect("bad_invalid_utf8_and_nul", args, 0, out, b"", stdin=stdin,
                   cwd=d)


def bad_huge_line(d):
    """A 64 MiB line with no newline: as a mapped file and through a pipe
    (8 MiB blocks); and one 17 MiB word with no whitespace at all through
    a pipe (the block must grow to hold it)."""
    n = scaled(64 << 20, 17 << 20) // 6
    data = b"ab cd " * n  # no newline anywhere
    put(d, "huge", data)
    same_as_wc(["huge"], d, label="bad_huge_line")
    same_as_wc(["-lw", "huge"], d, jobs=2, label="bad_huge_line")
    same_as_wc([], d, stdin=data, label="bad_huge_line stdin")
    expect("bad_huge_line", ["search", "ab", "huge"], 0, b"%d\n" % n, b"", cwd=d)
    expect("bad_huge_line", ["search", "-b", "cd"], 0, b"%d\n" % n, b"",
           stdin=data, cwd=d)
    word = b"q" * scaled(17 << 20, 9 << 20)
    expect("bad_huge_line", ["search", "tail"], 0, b"1\n", b"",
           stdin=word + b" tail", cwd=d)
    expect("bad_huge_line", ["search", "-b", "q"], 0, b"0\n", b"",
           stdin=word, cwd=d)
    same_as_wc([], d, stdin=word, label="bad_huge_line one word")
    os.unlink(os.path.join(d, "huge"))


def bad_needles(d):
    """Empty needle, needle with whitespace, a 100 KiB needle."""
    expect("bad_needles", ["search", "", "good"], 0, b"0\n", b"", cwd=d)
    expect("bad_needles", ["search", "a b", "good"], 0, b"0\n", b"", cwd=d)
    expect("bad_needles", ["search", "-b", "a\tb"], 0, b"0\n", b"",
           stdin=b"a\tb a b", cwd=d)
    expect("bad_needles", ["search", "a\u3000b"], 0, b"0\n", b"",
           stdin="a\u3000b".encode(), cwd=d)
    big = "n" * 100000
    expect("bad_needles", ["search", big], 0, b"2\n", b"",
           stdin=(big + " x " + big + "n " + big).encode(), cwd=d)


def bad_stdin(d):
    """Standard input a directory, or closed."""
    fd = os.open(os.path.join(d, "dir"), os.O_RDONLY)
    try:
        global CHECKS
        CHECKS += 1
        a = subprocess.run(["wc", "-"], stdin=fd, capture_output=True,
                           env=env_c())
        b = subprocess.run([WEFT, "wc", "-"], stdin=fd, capture_output=True,
                           env=env_c())
        if (b.returncode, b.stdout, b.stderr) != (
                a.returncode, a.stdout, a.stderr.replace(b"wc: ", b"weft: ")):
            fail("bad_stdin: wc - <dir: %r vs %r" % (b, a))
        CHECKS += 1
        r = subprocess.run([WEFT, "search", "a"], stdin=fd, capture_output=True,
                           env=env_c())
        if (r.returncode, r.stdout, r.stderr) != (1, b"0\n",
                                                  b"weft: -: Is a directory\n"):
            fail("bad_stdin: search <dir: %r" % (r,))
    finally:
        os.close(fd)
    # Closed: EBADF, counted as empty.  (GNU wc says it twice.)
    for cmd, out in ((["wc", "-"], b"0 0 0 -\n"), (["search", "a"], b"0\n")):
        CHECKS += 1
        r = subprocess.run([WEFT] + cmd, stdin=subprocess.DEVNULL,
                           capture_output=True, env=env_c(),
                           preexec_fn=lambda: os.close(0))
        if (r.returncode, r.stdout, r.stderr) != (
                1, out, b"weft: -: Bad file descriptor\n"):
            fail("bad_stdin: closed stdin %r: %r" % (cmd, r))


def bad_stdin_directory_no_file(d):
    fd = os.open(os.path.join(d, "dir"), os.O_RDONLY)
    try:
        global CHECKS
        CHECKS += 1
        a = subprocess.run(["wc"], stdin=fd, capture_output=True, env=env_c())
        b = subprocess.run([WEFT, "wc"], stdin=fd, capture_output=True,
                           env=env_c())
        if (b.returncode, b.stdout, b.stderr) != (
                a.returncode, a.stdout, a.stderr.replace(b"wc: ", b"weft: ")):
            fail("bad_stdin_directory_no_file: %r vs %r" % (b.stderr, a.stderr))
    finally:
        os.close(fd)


def bad_empty_file_name(d):
    same_as_wc(["good", ""], d, label="bad_empty_file_name")


def bad_write_error(d):
    """Standard output full: the message and status 1."""
    global CHECKS
    if not os.path.exists("/dev/full"):
        print("skipped bad_write_error: no /dev/full")
        return
    for cmd in (["wc", "good"], ["search", "a", "good"]):
        CHECKS += 1
        with open("/dev/full", "wb") as full:
            r = subprocess.run([WEFT] + cmd, stdout=full, stderr=subprocess.PIPE,
                               cwd=d, env=env_c())
        # (GNU wc says only "wc: write error".)
        if (r.returncode, r.stderr) != (
                1, b"weft: write error: No space left on device\n"):
            fail("bad_write_error %r: %r" % (cmd, r))


def bad_thread_counts(d):
    """-j / --threads out of 1..4096 or not a number, before or after the
    command: a usage error, nothing read."""
    for v in ("0", "-1", "4097", "99999999999999999999", "x", "2x", "", "1.5",
              " -1", "0x10"):
        err = b"weft: invalid thread count '%s' (1..4096)\n" % v.encode() + TRY
        for args in (["-j", v, "wc", "good"], ["--threads=" + v, "wc"],
                     ["wc", "-j", v, "good"], ["search", "--threads", v, "a"],
                     ["-j" + v, "search", "a"] if v else ["-j", "", "wc"]):
            expect("bad_thread_counts", args, 1, b"", err, cwd=d)
    expect("bad_thread_counts", ["-j"], 1, b"",
           b"weft: option requires an argument -- 'j'\n" + TRY, cwd=d)
    expect("bad_thread_counts", ["wc", "-j"], 1, b"",
           b"weft: option requires an argument -- 'j'\n" + TRY, cwd=d)
    # strtoul's leniency: a leading '+' or blank is accepted.
    for v in ("+2", " 2"):
        same_as_wc(["good", "nl"], d, jobs=v, label="bad_thread_counts")
    # Far more threads than CPUs.
    same_as_wc(["good", "nl"], d, jobs=64, label="bad_thread_counts")


def bad_threads_long_option_no_argument(d):
    for args in (["--threads"], ["wc", "--threads"]):
        expect("bad_threads_long_option_no_argument", args, 1, b"",
               b"weft: option '--threads' requires an argument\n" + TRY, cwd=d)


def bad_weft_num_threads(d):
    """WEFT_NUM_THREADS not in 1..4096: one warning, the default thread
    count, output identical to GNU wc; with -j it is not read."""
    global CHECKS
    for v in ("bogus", "0", "-1", "99999", "4097", "3x"):
        warn = (b'weft: ignoring WEFT_NUM_THREADS="%s" (want a number from 1 '
                b'to 4096)\n' % v.encode())
        CHECKS += 1
        a = run(["wc", "good", "nl"], cwd=d)
        b = run([WEFT, "wc", "good", "nl"], cwd=d,
                env=env_c(WEFT_NUM_THREADS=v))
        if b != (a[0], a[1], warn):
            fail("bad_weft_num_threads %r: %r vs %r" % (v, b, a))
        expect("bad_weft_num_threads", ["search", "a", "good"], 0, b"2\n", warn,
               env=env_c(WEFT_NUM_THREADS=v), cwd=d)
        expect("bad_weft_num_threads", ["-j", "2", "search", "a", "good"], 0,
               b"2\n", b"", env=env_c(WEFT_NUM_THREADS=v), cwd=d)
    expect("bad_weft_num_threads", ["search", "a", "good"], 0, b"2\n", b"",
           env=env_c(WEFT_NUM_THREADS=""), cwd=d)


def bad_options(d):
    """Unknown options and commands; wc's as GNU wc's."""
    for args in (["-x"], ["--bogus"], ["-l", "-q", "good"], ["--lin"],
                 ["good", "--bogus"]):
        same_as_wc(args, d, label="bad_options")
    for args, err in (
            (["-x", "wc"], b"weft: invalid option -- 'x'\n"),
            (["--bogus", "wc"], b"weft: unrecognized option '--bogus'\n"),
            (["search", "-x", "a"], b"weft: invalid option -- 'x'\n"),
            (["search", "--lines", "a"],
             b"weft: unrecognized option '--lines'\n"),
            (["search", "a", "-w"], b"weft: invalid option -- 'w'\n"),
            ([], b"weft: missing command\n"),
            (["frob"], b"weft: unknown command 'frob'\n"),
            (["WC"], b"weft: unknown command 'WC'\n"),
            ([""], b"weft: unknown command ''\n")):
        expect("bad_options", args, 1, b"", err + TRY, cwd=d)


def bad_option_with_argument(d):
    same_as_wc(["--lines=x", "good"], d, label="bad_option_with_argument")
    expect("bad_option_with_argument", ["--help=x"], 1, b"",
           b"weft: option '--help' doesn't allow an argument\n" + TRY, cwd=d)
    expect("bad_option_with_argument", ["search", "--bytes=1", "a"], 1, b"",
           b"weft: option '--bytes' doesn't allow an argument\n" + TRY, cwd=d)


def bad_missing_needle(d):
    err = b"weft: search: missing NEEDLE\n" + TRY
    for args in (["search"], ["search", "-b"], ["-j", "2", "search"],
                 ["search", "--"], ["search", "--bytes", "--"]):
        expect("bad_missing_needle", args, 1, b"", err, stdin=b"a b a", cwd=d)
    # After --, "-b" is the needle.
    expect("bad_missing_needle", ["search", "--", "-b"], 0, b"1\n", b"",
           stdin=b"a -b a", cwd=d)


def bad_input_tests(d):
    put(d, "good", b"a b a\n")
    put(d, "nl", b"\n")
    put(d, "empty", b"")
    os.makedirs(os.path.join(d, "dir"), exist_ok=True)
    for t in (bad_missing_file, bad_directory, bad_symlink_loop,
              bad_unreadable_file, bad_empty_file, bad_invalid_utf8_and_nul,
              bad_huge_line, bad_needles, bad_stdin, bad_stdin_directory_no_file,
              bad_empty_file_name, bad_write_error, bad_thread_counts,
              bad_threads_long_option_no_argument, bad_weft_num_threads,
              bad_options, bad_option_with_argument, bad_missing_needle):
        before = (FAILS, XFAILS)
        t(d)
        if (FAILS, XFAILS) == before:
            print("ok - %s" % t.__name__)


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
    if "--bad-input" in sys.argv:  # only those
        with tempfile.TemporaryDirectory() as d:
            bad_input_tests(d)
        print("%d checks, %d failures, %d known bugs (xfail)" % (
            CHECKS, FAILS, XFAILS))
        return 1 if FAILS else 0
    with tempfile.TemporaryDirectory() as d:
        files = make_files(d, rng)
        wc_tests(d, files)
        search_tests(d, files)
        misc_tests(d)
    with tempfile.TemporaryDirectory() as d:
        bad_input_tests(d)
    print("%d checks, %d failures, %d known bugs (xfail)" % (CHECKS, FAILS,
                                                             XFAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
