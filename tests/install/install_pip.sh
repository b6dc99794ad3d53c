#!/bin/sh
# install_pip.sh PYTHON SOURCE_DIR WORK - pip install ./bindings/python into
# a fresh virtual environment, then use both packages from outside the
# source tree.  Run by ctest (tests/install/CMakeLists.txt).
set -eu
python=$1 src=$2 work=$3
rm -rf "$work"
"$python" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet "$src/bindings/python"
cd "$work"
"$work/venv/bin/python" - <<'PY'
import weft, weft_ctypes
text = "the cat and the hat\nthe\u3000end\n"
assert weft.search(text, "the") == text.split().count("the") == 3
data = text.encode()  # bytes: U+3000 is not whitespace there
assert weft_ctypes.search(data, b"the") == data.split().count(b"the") == 2
assert weft.par_map(abs, range(-50, 50)) == list(map(abs, range(-50, 50)))
assert weft_ctypes.par_map(abs, range(-50, 50)) == list(map(abs, range(-50, 50)))
assert weft.num_threads() >= 1
print("pip-installed weft", weft.__file__, "and weft_ctypes work")
PY
