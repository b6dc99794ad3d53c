"""tool.py - the `weft` command-line tool against its references (issue 3).

Part of the benchmark suite (bench/run.py; `--only tool` runs it alone).
On one generated text (256 MiB, 32 MiB with --quick) in the page cache:

  * `LC_ALL=C wc FILE` (GNU coreutils) beside `weft -j 1 wc FILE` and
    `weft -j N wc FILE`;
  * the pure-Python reference of the PyO3 guide,
    sum(line.split().count(needle) for line in contents.splitlines()),
    timed in this process on the text already in memory, beside
    `weft -j 1 search NEEDLE FILE` and `weft -j N search NEEDLE FILE`.

Every command is a whole process (start-up, pool, mapping the file), so
the tool's figures include what a user waits for.  The commands run in
rounds, interleaved in rotating order, after a warm-up round; each output
is checked against the generator's reference counts.  Reported: medians,
min and max, and the issue's goals.
"""

import os
import statistics
import subprocess
import time


def _timed(cmd, env=None):
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    return time.perf_counter() - t, p


def run_tool(build_dir, quick, out_dir, runs, ncpu, settle, log):
    """Returns (rows, goals, skip): rows are (name, [seconds]); goals are
    (goal, ok, value); skip says why nothing ran."""
    weft = build_dir / "kernels" / "weft"
    seq_prog = build_dir / "bench" / "weft_bench_seq"
    if not weft.exists() or not seq_prog.exists():
        return [], [], f"skip: tool benchmark ({weft} not built)"
    mib = 32 if quick else 256
    path = out_dir / f"tool-text-{mib}MiB.txt"
    ref = subprocess.run([str(seq_prog), "--dump-text", str(mib), str(path)],
                         capture_output=True, text=True, check=True).stdout
    needle, count, lines, words, nbytes = ref.split()
    try:
        data = path.read_bytes()  # also puts the file in the page cache
        text = data.decode()
        want_wc = [int(lines), int(words), int(nbytes)]
        c_env = dict(os.environ, LC_ALL="C")
        f = str(path)
        cases = [
            ("GNU wc (LC_ALL=C wc)", ["wc", f], c_env, "wc"),
            ("weft -j 1 wc", [str(weft), "-j", "1", "wc", f], None, "wc"),
            (f"weft -j {ncpu} wc", [str(weft), "-j", str(ncpu), "wc", f],
             None, "wc"),
            ("weft -j 1 search", [str(weft), "-j", "1", "search", needle, f],
             None, "search"),
            (f"weft -j {ncpu} search",
             [str(weft), "-j", str(ncpu), "search", needle, f], None,
             "search"),
            ("pure Python (str, in memory)", None, None, "python"),
        ]
        times = {c[0]: [] for c in cases}
        for rnd in range(runs + 1):
            k = rnd % len(cases)
            for name, cmd, env, kind in cases[k:] + cases[:k]:
                settle()
                if kind == "python":
                    t = time.perf_counter()
                    got = sum(line.split().count(needle)
                              for line in text.splitlines())
                    dt = time.perf_counter() - t
                    if got != int(count):
                        raise RuntimeError(f"{name}: {got} != {count}")
                else:
                    dt, p = _timed(cmd, env)
                    if p.returncode != 0:
                        raise RuntimeError(f"{name}: exit {p.returncode}: "
                                           f"{p.stderr.strip()}")
                    out = p.stdout.split()
                    if kind == "wc" and [int(x) for x in out[:3]] != want_wc:
                        raise RuntimeError(f"{name}: {p.stdout!r}")
                    if kind == "search" and out != [count]:
                        raise RuntimeError(f"{name}: {p.stdout!r}")
                if rnd > 0:
                    times[name].append(dt)
            if rnd > 0:
                log(f"  tool round {rnd}/{runs}: " + " | ".join(
                    f"{n} {times[n][-1]:.3f} s" for n, *_ in cases))
    finally:
        path.unlink()
    med = {n: statistics.median(v) for n, v in times.items()}
    gnu, w1, wn = (med["GNU wc (LC_ALL=C wc)"], med["weft -j 1 wc"],
                   med[f"weft -j {ncpu} wc"])
    s1, sn = med["weft -j 1 search"], med[f"weft -j {ncpu} search"]
    py = med["pure Python (str, in memory)"]
    goals = [
        (f"weft wc: -j {ncpu} >= 1.8x faster than -j 1 ({mib} MiB)",
         w1 / wn >= 1.8, f"{w1 / wn:.2f}x ({w1:.3f} s vs {wn:.3f} s)"),
        (f"weft wc -j 1 faster than GNU wc ({mib} MiB)", w1 < gnu,
         f"{gnu / w1:.1f}x ({w1:.3f} s vs {gnu:.3f} s)"),
        (f"weft search -j {ncpu} >= 30x faster than the pure-Python "
         f"reference ({mib} MiB)", py / sn >= 30,
         f"{py / sn:.0f}x ({sn:.3f} s vs {py:.3f} s)"),
    ]
    del s1
    return [(n, times[n]) for n, *_ in cases], goals, None


def tool_markdown(rows, mib):
    out = [f"Text: {mib} MiB in the page cache; each command a whole "
           "process (start-up and mapping included), the Python reference "
           "timed in-process on the text in memory.", "",
           "| command | median | min | max |", "|---|---|---|---|"]
    for name, v in rows:
        out.append(f"| {name} | {statistics.median(v):.3f} s | "
                   f"{min(v):.3f} s | {max(v):.3f} s |")
    out.append("")
    return "\n".join(out)
