"""weft.search / search_sequential against contents.split().count(needle)."""

import array
import ctypes
import mmap
import random
import tempfile
import threading

import pytest

import weft
import weft_ctypes
from conftest import scaled

# Every character str.split() treats as whitespace, and some that it does
# not (zero-width space, BOM, NUL, non-breaking hyphen...).
UNICODE_SPACES = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())
NOT_SPACES = "\u200b\ufeff\x00\u2011\u180e\u00ad"
ASCII_SPACES = " \t\n\r\x0b\x0c"


def check(contents, needle):
    want = contents.split().count(needle)
    assert weft.search(contents, needle) == want
    assert weft.search_sequential(contents, needle) == want
    return want


def random_text(rng, alphabet, words, spaces, n_words):
    out = []
    for _ in range(n_words):
        out.append(rng.choice(words) if rng.random() < 0.7 else
                   "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6))))
        out.append("".join(rng.choice(spaces) for _ in range(rng.randint(1, 3))))
    return "".join(out)


def test_whitespace_set_matches_str_split():
    assert set(UNICODE_SPACES) == set(
        "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003"
        "\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


def test_simple_cases():
    assert check("the cat the hat", "the") == 2
    assert check("", "x") == 0
    assert check("x", "x") == 1
    assert check("xx x xxx", "x") == 1
    assert check("a\r\nb\r\na", "a") == 2
    assert check("  a  ", "a") == 1
    assert check("a b", "") == 0          # empty needle
    assert check("a b a b", "a b") == 0   # needle with whitespace
    assert check("a\u3000b\u00a0a", "a") == 2
    assert check("é e\u0301 é", "é") == 2  # no normalisation, like str


@pytest.mark.parametrize("seed", range(8))
def test_random_ascii(seed):
    rng = random.Random(seed)
    words = ["a", "ab", "the", "needle", "x" * 40]
    text = random_text(rng, "abcxyz.,;'\x00\x7f", words, ASCII_SPACES, scaled(20_000, 2000))
    for needle in words + ["zz", "needle."]:
        check(text, needle)
        check(text.encode(), needle.encode())


@pytest.mark.parametrize("seed", range(8))
def test_random_unicode_with_every_whitespace(seed):
    rng = random.Random(100 + seed)
    words = ["ä", "日本", "needle", "\U0001f600x", "a\u200bb"]
    alphabet = "aé日\U0001f600" + NOT_SPACES
    text = random_text(rng, alphabet, words, UNICODE_SPACES, scaled(20_000, 2000))
    for needle in words + [NOT_SPACES[:2], "\x85"]:
        check(text, needle)


@pytest.mark.parametrize("seed", range(6))
def test_random_bytes(seed):
    rng = random.Random(200 + seed)
    # Mostly few distinct bytes, so words repeat; every byte value occurs.
    pool = bytes(range(256)) + b"ab \n\t" * 40
    data = bytes(rng.choice(pool) for _ in range(scaled(200_000, 20_000)))
    words = data.split()
    for needle in [b"a", b"b", b"ab", rng.choice(words), rng.choice(words), b"\xff"]:
        check(data, needle)
    # str.split semantics differ from bytes.split: \x1c-\x1f, \x85, \xa0
    # are whitespace only for str.
    mixed = "a\x1cb\x85a\xa0a"
    assert check(mixed, "a") == 3
    assert check(mixed.encode("latin-1"), b"a") == 0


def test_large_inputs():
    rng = random.Random(7)
    line = " ".join(rng.choice(["needle", "hay", "stack", "needles"]) for _ in range(20))
    text = (line + "\n") * scaled(50_000, 5000)  # ~ 6 MiB
    want = text.split().count("needle")
    assert weft.search(text, "needle") == want
    assert weft.search(text.encode(), b"needle") == want
    n = scaled(500_000, 50_000)
    one_line = "needle " * n  # no newline at all: one long line
    assert weft.search(one_line, "needle") == n


def test_all_input_types():
    text = b"one two\tone\r\nthree one\x0bone\n\nfour\x0cone"
    want = text.split().count(b"one")
    assert want == 5
    assert weft.search(text, b"one") == want
    assert weft.search(bytearray(text), b"one") == want
    assert weft.search(memoryview(text), b"one") == want
    assert weft.search(memoryview(bytearray(text))[3:], b"one") == \
        text[3:].split().count(b"one")
    with tempfile.TemporaryFile() as f:
        f.write(text)
        f.flush()
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
            assert weft.search(m, b"one") == want
            assert weft.search_sequential(m, bytearray(b"one")) == want
    # needles of every bytes-like type
    for needle in (b"one", bytearray(b"one"), memoryview(b"one")):
        assert weft.search(text, needle) == want


# ---------------------------------------------------------------------------
# Needle equality for bytes-like contents: == as Python has it, not raw bytes


def _released():
    view = memoryview(b"a")
    view.release()
    return view


def _mmap(data):
    m = mmap.mmap(-1, len(data))
    m.write(data)
    return m


# Each makes a fresh needle (memoryviews are released, mmaps closed, after
# use).  Comments give what `b"a" == needle` (bytes words) says.
NEEDLES = {
    "bytes": lambda: b"a",
    "bytearray": lambda: bytearray(b"a"),
    "bytes, two bytes": lambda: b"ab",
    "memoryview": lambda: memoryview(b"a"),
    "memoryview of bytearray": lambda: memoryview(bytearray(b"\xff")),
    "memoryview B": lambda: memoryview(array.array("B", [97])),
    "memoryview b": lambda: memoryview(array.array("b", [97])),  # 97 == 97
    "memoryview b, negative": lambda: memoryview(array.array("b", [-1])),  # -1 != 255
    "memoryview c": lambda: memoryview(b"a").cast("c"),  # b"a" != 97
    "memoryview h": lambda: memoryview(array.array("h", [97])),  # one item: b"a"
    "memoryview h, two items": lambda: memoryview(array.array("h", [97, 0])),  # b"a\0"
    "memoryview d": lambda: memoryview(array.array("d", [97.0, 98.0])),  # b"ab"
    "memoryview d, fraction": lambda: memoryview(array.array("d", [97.5])),
    "memoryview q, too big": lambda: memoryview(array.array("q", [2**40])),
    "memoryview ?": lambda: memoryview(b"\x01").cast("?"),  # True == 1
    "memoryview <h (ctypes)": lambda: memoryview((ctypes.c_short * 1)(97)),
    "memoryview, strided": lambda: memoryview(b"abab")[::2],  # b"aa"
    "memoryview, reversed": lambda: memoryview(b"ba")[::-1],  # b"ab"
    "memoryview h, strided": lambda: memoryview(array.array("h", [97, 5, 98, 5]))[::2],
    "memoryview, 2-D": lambda: memoryview(b"ab").cast("B", (1, 2)),  # shape differs
    "memoryview, empty": lambda: memoryview(b""),
    "memoryview, released": _released,
    "array b": lambda: array.array("b", [97]),  # array never equals bytes
    "array B": lambda: array.array("B", [97]),
    "array h": lambda: array.array("h", [97]),
    "mmap": lambda: _mmap(b"a"),
    "ctypes char array": lambda: (ctypes.c_char * 1)(b"a"),
    "ctypes short array": lambda: (ctypes.c_short * 1)(97),
}

# Every word some needle above stands for, and then some.
NEEDLE_TEXT = b"a b \xff aa ab ba a\x00 \x01 a\tab\nb\x00 a"

CONTENTS = {
    "bytes": lambda: NEEDLE_TEXT,
    "bytearray": lambda: bytearray(NEEDLE_TEXT),
    "memoryview": lambda: memoryview(NEEDLE_TEXT),
    "mmap": lambda: _mmap(NEEDLE_TEXT),
}


def python_count(contents, needle):
    # memoryview and mmap have no split(): they are searched as bytes.
    if not isinstance(contents, (bytes, bytearray)):
        contents = bytes(contents)
    return contents.split().count(needle)


@pytest.mark.parametrize("binding", [weft, weft_ctypes], ids=lambda m: m.__name__)
@pytest.mark.parametrize("contents_kind", sorted(CONTENTS))
@pytest.mark.parametrize("needle_kind", sorted(NEEDLES))
def test_bytes_needles_compare_as_python(binding, contents_kind, needle_kind):
    contents = CONTENTS[contents_kind]()
    needle = NEEDLES[needle_kind]()
    try:
        want = python_count(contents, needle)
        assert binding.search(contents, needle) == want
        assert binding.search_sequential(contents, needle) == want
        if isinstance(contents, bytearray) and not isinstance(needle, memoryview):
            # bytearray words compare raw bytes with any simple buffer
            assert want == NEEDLE_TEXT.split().count(bytes(memoryview(needle)))
    finally:
        for obj in (needle, contents):
            if isinstance(obj, memoryview):
                obj.release()
            elif isinstance(obj, mmap.mmap):
                obj.close()


def test_bytes_needle_rules_spelled_out():
    # The cases from the reports, with Python's own answers written down.
    for fn in (weft.search, weft_ctypes.search, weft.search_sequential,
               weft_ctypes.search_sequential):
        assert fn(b"a b", array.array("b", [97])) == 0
        assert fn(bytearray(b"a b"), array.array("b", [97])) == 1
        assert fn(b"a b", memoryview(array.array("b", [97]))) == 1
        assert fn(b"\xff b", memoryview(array.array("b", [-1]))) == 0
        assert fn(bytearray(b"\xff b"), memoryview(array.array("b", [-1]))) == 1
        assert fn(b"a b", memoryview(b"a").cast("c")) == 0
        assert fn(b"a b", memoryview(array.array("h", [97]))) == 1
        with _mmap(b"a") as m:
            assert fn(b"a b", m) == 0
        assert fn(b"aa b", memoryview(b"abab")[::2]) == 1


def test_str_contents_need_str_needles():
    # Python would quietly count 0 ("a b".split().count(b"a")); a needle of
    # the other kind is reported instead, by both bindings.
    for binding in (weft, weft_ctypes):
        for needle in (b"a", bytearray(b"a"), memoryview(b"a"), array.array("b", [97]), 5):
            with pytest.raises(TypeError, match="needle"):
                binding.search("a b", needle)
            with pytest.raises(TypeError, match="needle"):
                binding.search_sequential("a b", needle)
        with pytest.raises(TypeError, match="needle"):
            binding.search(b"a b", "a")
        assert binding.search("a b a", type("S", (str,), {})("a")) == 2


def test_str_with_lone_surrogates():
    text = "a\ud800 b \ud800 a\ud800\u3000c"
    assert check(text, "a\ud800") == 2
    assert check(text, "\ud800") == 1
    assert check("plain text", "\udfff") == 0


def test_non_ascii_str_is_not_mangled():
    text = "ünïcode ünïcode ascii"
    assert check(text, "ünïcode") == 2
    assert text.split().count("ünïcode") == 2


def test_type_errors():
    for fn in (weft.search, weft.search_sequential):
        with pytest.raises(TypeError, match="needle"):
            fn(b"a b", "a")
        with pytest.raises(TypeError, match="needle"):
            fn("a b", b"a")
        with pytest.raises(TypeError, match="needle"):
            fn(b"a b", 5)
        with pytest.raises(TypeError):
            fn(5, b"a")
        with pytest.raises(TypeError):
            fn(["a"], "a")
        with pytest.raises(TypeError):
            fn("a")
        with pytest.raises(TypeError):
            fn("a", "a", "a")


def test_non_contiguous_buffer_is_refused():
    data = memoryview(b"a b a b a")[::2]
    with pytest.raises(BufferError):
        weft.search(data, b"a")


def test_buffer_released_after_search():
    data = bytearray(b"a b " * 1000)
    weft.search(data, b"a")
    data.extend(b"more")  # would raise BufferError if an export leaked
    with pytest.raises(TypeError):
        weft.search(data, "a")
    data.extend(b"more")


def test_two_python_threads_search_at_once():
    lines = scaled(200_000, 20_000)
    text = ("alpha beta gamma\n" * lines).encode()
    results = []

    def worker():
        results.append(weft.search_sequential(text, b"beta"))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [lines] * 4


def main_thread_progress_during(call):
    """How far the main thread gets (loop turns) while another thread is
    inside call().  Python code cannot run at all while a C call holds the
    GIL, so this is ~0 unless call releases it."""
    started, done = threading.Event(), threading.Event()

    def other():
        started.set()
        call()
        done.set()

    t = threading.Thread(target=other)
    t.start()
    started.wait()  # returns once `other` let go of the GIL
    turns = 0
    while not done.is_set() and turns < 10**8:
        turns += 1
    t.join()
    return turns


@pytest.mark.parametrize("fn", ["search", "search_sequential"])
@pytest.mark.parametrize("kind", ["str", "bytes"])
def test_gil_released_for_the_whole_count(fn, kind):
    text = "alpha beta gamma delta\n" * scaled(2_000_000, 200_000)  # 46 MB
    contents, needle = (text, "beta") if kind == "str" else (text.encode(), b"beta")
    search = getattr(weft, fn)
    assert main_thread_progress_during(lambda: search(contents, needle)) > 1000


def test_pool_search():
    with weft.Pool(3) as pool:
        text = "x y x\n" * 10_000
        assert pool.search(text, "x") == 20_000
        assert pool.search_sequential(text, "y") == 10_000


def test_search_inside_par_map():
    texts = [("w " * i + "\n") * 100 for i in range(20)]
    assert weft.par_map(lambda t: weft.search(t, "w"), texts) == \
        [t.split().count("w") for t in texts]
