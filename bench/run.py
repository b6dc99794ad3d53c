#!/usr/bin/env python3
"""weft's scheduler benchmark suite: weft beside sequential C, OpenMP,
oneTBB and rayon, measured side by side in one run.

    bench/run.py [--quick] [--only NAME[,NAME...]] [--runs N] [--publish]

scripts/bench.sh builds everything and calls this.  Each implementation is
a program (bench/impl/*.c, bench/peers/rayon) that sets a workload up once
and answers every "run" line with one measurement (see bench/common/bench.h).
For each benchmark and thread count (1, N = the online CPUs, 4N) the
runner starts one process per implementation, the sequential baseline
included, runs one warm-up round and then --runs rounds, each round
visiting every implementation once in a rotating order, so machine noise
falls on all of them alike.  Figures are medians with min and max.

Output: a table on stdout, bench/results/suite-<time>.{json,md,png} and
copies named latest.*; --publish also writes bench/results/benchmarks.*
and the results section of docs/benchmarks.md.
"""

import argparse
import datetime
import json
import os
import platform
import selectors
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import tool  # bench/tool.py: the command-line tool against its references

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DOC = ROOT / "docs" / "benchmarks.md"


@dataclass
class Bench:
    name: str  # what --only matches (also the workload's name)
    workload: str  # the programs' workload
    size: int  # SIZE of a full run
    quick: int  # SIZE under --quick, or 0: not in the quick subset
    kind: str  # time | latency | idle
    title: str  # for tables; {size} is replaced
    what: str  # one line: what it measures


BENCHES = [
    Bench("fib30", "fib", 30, 30, "time", "fib({size})",
          "fork overhead: a join at every call, no cutoff"),
    Bench("fib35", "fib", 35, 0, "time", "fib({size})",
          "fork overhead: a join at every call, no cutoff"),
    Bench("nqueens", "nqueens", 12, 10, "time", "nqueens({size})",
          "a task per legal queen placement (scopes / task per column)"),
    Bench("uts", "uts", 11, 9, "time", "uts(depth {size})",
          "unbalanced tree: geometric child counts from splitmix64"),
    Bench("skynet", "skynet", 10**6, 10**5, "time", "skynet({size})",
          "10-ary tree of tasks, leaves return their index"),
    Bench("sum", "sum", 27, 24, "time", "sum(2^{size} u64)",
          "parallel reduce over memory (bandwidth-bound)"),
    Bench("sort", "sort", 24, 20, "time", "sort(2^{size} u64)",
          "stable merge sort with parallel merge"),
    Bench("matmul", "matmul", 1024, 512, "time", "matmul({size})",
          "blocked n x n double matrix multiply, row blocks"),
    Bench("search", "search", 256, 32, "time", "search({size} MiB)",
          "count a word in generated text, line-aligned chunks"),
    Bench("wc", "wc", 256, 32, "time", "wc({size} MiB)",
          "lines, words, bytes of generated text"),
    Bench("lat_join", "lat_join", 1, 1, "latency", "join round trip",
          "an empty fork-join from inside the pool"),
    Bench("lat_run", "lat_run", 1, 1, "latency", "outside call",
          "an empty call into the pool from an outside thread"),
    Bench("lat_wake", "lat_wake", 10, 3, "latency", "wake-up",
          "work handed to a sleeping pool until it starts running"),
    Bench("idle", "idle", 2000, 500, "idle", "idle pool ({size} ms)",
          "CPU time a live, idle pool uses (getrusage)"),
]

SETTLE = 0.02  # seconds of quiet before each measurement, at least
SETTLE_MAX = 1.0  # ... and at most, waiting for the others to stop spinning


def _cpu_ms(pids):
    """CPU time (ms) used so far by every thread of these processes, from
    the scheduler's per-thread account (/proc/PID/task/TID/sched, which has
    microsecond resolution; /proc/PID/stat only counts 10 ms ticks).  None
    where the kernel does not provide it."""
    total = 0.0
    for pid in pids:
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue  # exited
        for tid in tids:
            try:
                with open(f"/proc/{pid}/task/{tid}/sched") as f:
                    for line in f:
                        if line.startswith("se.sum_exec_runtime"):
                            total += float(line.split(":")[1])
                            break
                    else:
                        return None
            except FileNotFoundError:
                continue  # the thread just exited
            except OSError:
                return None
    return total


def settle(pids):
    """Wait until the benchmark processes are quiet: a peer's threads keep
    spinning after its measurement (libgomp's for milliseconds; longer
    where `pause` is slow), and would take a core from the next one
    measured.  At least SETTLE; then until they use under 5% of a core
    over 5 ms, at most SETTLE_MAX."""
    time.sleep(SETTLE)
    prev = _cpu_ms(pids)
    if prev is None:
        return
    deadline = time.monotonic() + SETTLE_MAX
    while time.monotonic() < deadline:
        time.sleep(0.005)
        cur = _cpu_ms(pids)
        if cur is None or cur - prev < 0.25:
            return
        prev = cur

# Variants that always run on one thread (sequential references).
SINGLE = ("seq", "qsort")

# Benchmarks whose goals include weft's own scaling (N workers vs 1).
SCALING = ("fib30", "fib35", "nqueens", "uts", "skynet", "sort")

PEER_ORDER = ["seq", "qsort", "weft", "weft@1", "weft@2", "weft@4", "weft@8",
              "weft-join", "weft-inline", "weft-nested",
              "weft-kernel",
              "omp", "tbb", "rayon", "rayon-par_sort", "os-thread"]

# How a --only name maps to benches: exact name, or workload ("fib").
def select(only, quick):
    chosen = []
    for b in BENCHES:
        if only:
            if b.name not in only and b.workload not in only:
                continue
        elif quick and not b.quick:
            continue
        chosen.append(b)
    return chosen


@dataclass
class Case:
    program: str  # seq, weft, omp, tbb, rayon
    path: Path
    workload: str
    variant: str
    unavailable: str = ""


@dataclass
class Result:
    bench: str
    title: str
    workload: str
    kind: str
    size: int
    impl: str
    threads: int
    values: list = field(default_factory=list)
    error: str = ""
    group: int = 0  # the thread count of the group it was measured in

    @property
    def median(self):
        return statistics.median(self.values) if self.values else None

    def to_json(self):
        d = dict(self.__dict__)
        if self.values:
            d.update(median=self.median, min=min(self.values),
                     max=max(self.values))
        return d


def log(msg=""):
    print(msg, flush=True)


# ---------------------------------------------------------------------
# Discovering the programs
# ---------------------------------------------------------------------

def discover(build_dir, rayon_bin):
    progs = [
        ("seq", build_dir / "bench" / "weft_bench_seq", "sequential C"),
        ("weft", build_dir / "bench" / "weft_bench_weft", "weft"),
        ("omp", build_dir / "bench" / "weft_bench_omp",
         "OpenMP (not built: no OpenMP for C at configure time)"),
        ("tbb", build_dir / "bench" / "weft_bench_tbb",
         "oneTBB (not built: apt-get install libtbb-dev, then reconfigure)"),
        ("rayon", rayon_bin,
         "rayon (not built: needs cargo; see scripts/bench.sh)"),
    ]
    cases = []
    for name, path, why in progs:
        if not path.exists():
            log(f"skip: {why}")
            continue
        out = subprocess.run([str(path), "--list"], capture_output=True,
                             text=True, check=True).stdout
        for line in out.splitlines():
            parts = line.split(" ", 2)
            reason = ""
            if len(parts) == 3:
                reason = parts[2].removeprefix("unavailable: ")
            cases.append(Case(name, path, parts[0], parts[1], reason))
    return cases


# ---------------------------------------------------------------------
# Running one group: every implementation at one thread count
# ---------------------------------------------------------------------

class Proc:
    def __init__(self, case, threads, size):
        self.case = case
        self.threads = threads
        env = dict(os.environ)
        for var in ("OMP_NUM_THREADS", "RAYON_NUM_THREADS",
                    "WEFT_NUM_THREADS"):
            env[var] = str(threads)
        self.err = tempfile.TemporaryFile(mode="w+")
        self.p = subprocess.Popen(
            [str(case.path), case.workload, case.variant, str(threads),
             str(size)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err,
            text=True, bufsize=1, env=env)
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.p.stdout, selectors.EVENT_READ)
        self.error = ""

    def readline(self, timeout):
        if not self.sel.select(timeout):
            self.kill()
            self.error = f"timed out after {timeout:.0f} s"
            return None
        line = self.p.stdout.readline()
        if not line:
            self.p.wait()
            self.err.seek(0)
            msg = self.err.read().strip().splitlines()
            self.error = (f"exited with status {self.p.returncode}: " +
                          (msg[-1] if msg else ""))
            return None
        return line.strip()

    def send(self, cmd):
        try:
            self.p.stdin.write(cmd + "\n")
            self.p.stdin.flush()
            return True
        except BrokenPipeError:
            return False

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()

    def close(self):
        if self.p.poll() is None:
            try:
                self.p.stdin.close()
                self.p.wait(timeout=30)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self.kill()
        self.err.close()


def run_group(bench, size, threads, cases, runs, timeout, refs=()):
    """Measure every case at this thread count (seq at 1); results by
    implementation name.  refs: other thread counts at which weft is also
    measured in these same rounds (as "weft@T"), so that weft's scaling
    (T workers against these) is a ratio taken side by side, not across
    groups measured minutes apart on a machine whose speed drifts."""
    results = {}
    starting = []
    plan = [(c, c.variant, 1 if c.variant in SINGLE else threads)
            for c in cases]
    plan += [(c, f"weft@{t}", t) for t in refs for c in cases
             if c.variant == "weft" and t != threads]
    for c, impl, t in plan:
        r = Result(bench.name, bench.title.format(size=size), bench.workload,
                   bench.kind, size, impl, t, group=threads)
        results[impl] = r
        if c.unavailable:
            r.error = "skipped: " + c.unavailable
            continue
        starting.append((Proc(c, t, size), r))
    # The set-ups (input generation, pools) run concurrently; nothing is
    # measured until every process is ready.
    procs = []
    for pr, r in starting:
        first = pr.readline(600)
        if first is None or first.startswith("skip"):
            r.error = pr.error or ("skipped: " + first[5:])
            pr.close()
            continue
        procs.append((pr, r))
    # One warm-up round, then the measured rounds; the order rotates.
    for rnd in range(runs + 1):
        live = [(pr, r) for pr, r in procs if not r.error]
        if not live:
            break
        k = rnd % len(live)
        order = live[k:] + live[:k]
        if bench.kind == "idle":
            # Idle processes do not compete: measure them all at once.
            for pr, r in order:
                pr.send("run")
            got = [(pr, r, pr.readline(timeout)) for pr, r in order]
        else:
            got = []
            for pr, r in order:
                # Let the previous implementation's threads stop spinning
                # (libgomp spins for milliseconds after a region) before
                # the next one is measured.
                settle([q.p.pid for q, _ in live])
                pr.send("run")
                got.append((pr, r, pr.readline(timeout)))
        for pr, r, line in got:
            if line is None:
                r.error = pr.error
            elif rnd > 0:
                r.values.append(float(line))
    for pr, r in procs:
        pr.close()
    return results


# ---------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------

def fmt_time(s):
    if s is None:
        return "-"
    if s >= 1:
        return f"{s:.3f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.2f} ms"
    if s >= 1e-6:
        return f"{s * 1e6:.2f} us"
    return f"{s * 1e9:.1f} ns"


def impl_key(name):
    return (PEER_ORDER.index(name) if name in PEER_ORDER else 99, name)


def fib_calls(n):
    a, b = 0, 1
    for _ in range(n + 1):
        a, b = b, a + b
    return 2 * a - 1  # 2 fib(n+1) - 1


def table_rows(results, bench_name):
    """Rows for one benchmark: dicts with the formatted columns."""
    rs = [r for r in results if r.bench == bench_name]
    if not rs:
        return []
    kind = rs[0].kind
    by = {(r.impl, r.threads, r.group): r for r in rs}
    rows = []
    groups = sorted({r.group for r in rs})
    for g in groups:
        seq = by.get(("seq", 1, g))
        weft = next((r for r in rs if r.impl == "weft" and r.group == g),
                    None)
        for r in sorted((r for r in rs if r.group == g),
                        key=lambda r: impl_key(r.impl)):
            if r.impl in SINGLE and g != groups[0]:
                continue  # a baseline is shown once (it is rerun per group)
            row = {"impl": r.impl, "threads": r.threads if r.impl != "seq"
                   else 1, "median": "-", "min": "-", "max": "-",
                   "speedup": "", "vs_weft": "", "extra": ""}
            if r.error or not r.values:
                row["median"] = r.error or "no result"
                rows.append(row)
                continue
            m = r.median
            if kind == "idle":
                window = r.size * 1e-3
                row["median"] = f"{m:.4f} s CPU"
                row["min"] = f"{min(r.values):.4f}"
                row["max"] = f"{max(r.values):.4f}"
                row["extra"] = f"{100 * m / window:.2f}% of a core"
            else:
                row["median"] = fmt_time(m)
                row["min"] = fmt_time(min(r.values))
                row["max"] = fmt_time(max(r.values))
            if kind == "time" and seq and seq.values and r.impl != "seq":
                row["speedup"] = f"{seq.median / m:.2f}x"
            if weft and weft.values and r.impl != "weft" and r.impl != "seq":
                if kind == "idle":
                    if weft.median > 0:
                        row["vs_weft"] = f"{m / weft.median:.1f}x"
                else:
                    row["vs_weft"] = f"{m / weft.median:.2f}x"
            if (r.workload == "fib" and r.threads == 1 and r.impl != "seq"
                    and seq and seq.values):
                ns = (m - seq.median) / fib_calls(r.size) * 1e9
                row["extra"] = f"{ns:.2f} ns/fork"
            rows.append(row)
    return rows


COLS = [("impl", "implementation"), ("threads", "threads"),
        ("median", "median"), ("min", "min"), ("max", "max"),
        ("speedup", "vs seq"), ("vs_weft", "time / weft"),
        ("extra", "")]


def print_table(results, benches):
    for b in benches:
        rows = table_rows(results, b.name)
        if not rows:
            continue
        title = next(r.title for r in results if r.bench == b.name)
        log(f"\n{title}: {b.what}")
        widths = {k: max(len(h), *(len(str(r[k])) for r in rows))
                  for k, h in COLS}
        log("  " + "  ".join(h.ljust(widths[k]) for k, h in COLS).rstrip())
        for r in rows:
            log("  " + "  ".join(str(r[k]).ljust(widths[k])
                                 for k, _ in COLS).rstrip())


def markdown_tables(results, benches):
    out = []
    for b in benches:
        rows = table_rows(results, b.name)
        if not rows:
            continue
        title = next(r.title for r in results if r.bench == b.name)
        out.append(f"**{title}**: {b.what}\n")
        out.append("| " + " | ".join(h or "note" for _, h in COLS) + " |")
        out.append("|" + "---|" * len(COLS))
        for r in rows:
            out.append("| " + " | ".join(str(r[k]) for k, _ in COLS) + " |")
        out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------------
# Goals (issues 2 and 5)
# ---------------------------------------------------------------------

def goals(results, ncpu):
    def get(bench, impl, threads, group=None):
        for r in results:
            if (r.bench == bench and r.impl == impl and r.threads == threads
                    and (group is None or r.group == group) and r.values):
                return r
        return None

    def versus(bench, t, base):
        """weft at base workers / weft at t, and how it was measured: from
        the weft@base reference run in the same rounds as weft at t, else
        across the two groups."""
        wt = get(bench, "weft", t)
        ref = get(bench, f"weft@{base}", base, group=t)
        wb = ref or get(bench, "weft", base)
        if not (wt and wb):
            return None, ""
        return wb.median / wt.median, (" (same rounds)" if ref
                                        else " (separate runs)")

    out = []

    def add(goal, ok, value):
        out.append((goal, ok, value))

    n, over = ncpu, 4 * ncpu
    fib = "fib35" if get("fib35", "weft", 1) else "fib30"
    w1, seq = get(fib, "weft", 1), get(fib, "seq", 1)
    if w1 and seq:
        ns = (w1.median - seq.median) / fib_calls(w1.size) * 1e9
        add(f"{fib}: weft at 1 worker <= 3 ns per fork", ns <= 3,
            f"{ns:.2f} ns ({w1.median / seq.median:.1f}x sequential)")
    wn = get(fib, "weft", n)
    s, how = versus(fib, n, 1)
    if s is not None:
        add(f"{fib}: weft at {n} workers >= 1.8x faster than at 1", s >= 1.8,
            f"{s:.2f}x{how}")
    for peer in ("omp", "tbb", "rayon"):
        pn = get(fib, peer, n)
        if wn and pn:
            add(f"{fib}: weft faster than {peer} at {n} threads",
                wn.median < pn.median,
                f"{fmt_time(wn.median)} vs {fmt_time(pn.median)}")
    for b in ("nqueens", "uts", "skynet", "sort"):
        bn = get(b, "weft", n)
        sq = get(b, "seq", 1, group=n)
        s, how = versus(b, n, 1)
        if s is not None:
            extra = (f"; {sq.median / bn.median:.2f}x over sequential"
                     if sq else "")
            add(f"{b}: weft >= 1.8x at {n} workers (vs 1 worker)", s >= 1.8,
                f"{s:.2f}x{how}{extra}")
        for peer in ("omp", "tbb", "rayon", "rayon-par_sort"):
            pn = get(b, peer, n)
            if bn and pn:
                add(f"{b}: weft faster than {peer} at {n} threads",
                    bn.median < pn.median,
                    f"{fmt_time(bn.median)} vs {fmt_time(pn.median)}")
    k1, kn = get("sort", "weft-kernel", 1), get("sort", "weft-kernel", n)
    q = get("sort", "qsort", 1, group=1)
    if k1 and q:
        add("sort: weft_sort_typed at 1 worker faster than qsort",
            k1.median < q.median,
            f"{fmt_time(k1.median)} vs {fmt_time(q.median)} "
            f"({q.median / k1.median:.1f}x)")
    if k1 and kn:
        s = k1.median / kn.median
        add(f"sort: weft_sort_typed at {n} workers >= 1.8x faster than at 1",
            s >= 1.8, f"{s:.2f}x (separate runs)")
    for t in sorted({n, over}):
        idle = get("idle", "weft", t)
        if idle:
            pct = 100 * idle.median / (idle.size * 1e-3)
            add(f"idle: weft pool of {t} under 1% of one core", pct < 1,
                f"{pct:.3f}%")
    for b in [x.name for x in BENCHES if x.kind == "time"]:
        inv, how = versus(b, over, n)
        if inv is not None and over != n:
            ratio = 1 / inv
            add(f"{b}: weft at {over} threads within 1.5x of {n}",
                ratio <= 1.5, f"{ratio:.2f}x{how}")
    return out


def print_goals(gs, title="Goals (issues 2 and 5)"):
    log(f"\n{title}:")
    for goal, ok, value in gs:
        log(f"  [{'met' if ok else 'NOT met'}] {goal}: {value}")


def markdown_goals(gs):
    lines = ["| goal | result | |", "|---|---|---|"]
    for goal, ok, value in gs:
        lines.append(f"| {goal} | {value} | {'met' if ok else '**not met**'} |")
    return "\n".join(lines)


# ---------------------------------------------------------------------
# The chart
# ---------------------------------------------------------------------

def chart(results, path, ncpu):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("skip: chart (matplotlib is not installed: "
            "python3 -m pip install matplotlib)")
        return False
    time_benches = [b for b in BENCHES if b.kind == "time"
                    and any(r.bench == b.name for r in results)]
    # The weft@T references are weft again, at another thread count.
    impls = sorted({r.impl for r in results if r.kind == "time"
                    and r.impl != "seq" and "@" not in r.impl}, key=impl_key)
    panels = [t for t in sorted({ncpu, 4 * ncpu})]
    fig, axes = plt.subplots(len(panels) + 1, 1,
                             figsize=(12, 4 * (len(panels) + 1)))
    width = 0.8 / max(1, len(impls))
    for ax, t in zip(axes, panels):
        for i, impl in enumerate(impls):
            xs, ys = [], []
            for j, b in enumerate(time_benches):
                r = next((r for r in results if r.bench == b.name
                          and r.impl == impl and r.threads == t
                          and r.values), None)
                s = next((r for r in results if r.bench == b.name
                          and r.impl == "seq" and r.group == t
                          and r.values), None)
                if r and s:
                    xs.append(j + i * width)
                    ys.append(s.median / r.median)
            ax.bar(xs, ys, width, label=impl)
        ax.axhline(1, color="black", linewidth=0.8)
        ax.set_xticks([j + width * (len(impls) - 1) / 2
                       for j in range(len(time_benches))])
        ax.set_xticklabels([next(r.title for r in results
                                 if r.bench == b.name)
                            for b in time_benches], rotation=20, fontsize=8)
        ax.set_yscale("log")
        ax.set_ylabel("speedup over sequential C (log)")
        ax.set_title(f"{t} threads on {ncpu} CPUs "
                     f"(median; higher is better)")

    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="upper center", ncol=len(impls),
               fontsize=8, frameon=False)
    ax = axes[-1]
    labels, ns = [], []
    for b in ("fib30", "fib35"):
        seq = next((r for r in results if r.bench == b and r.impl == "seq"
                    and r.group == 1 and r.values), None)
        for r in sorted((r for r in results if r.bench == b and r.threads == 1
                         and r.group == 1 and r.impl != "seq" and r.values),
                        key=lambda r: impl_key(r.impl)):
            if seq:
                labels.append(f"{r.impl}\n{r.title}")
                ns.append(max((r.median - seq.median) /
                              fib_calls(r.size) * 1e9, 0.01))
    ax.bar(range(len(ns)), ns, color="tab:purple")
    for i, v in enumerate(ns):
        ax.text(i, v, f"{v:.1f}", ha="center", va="bottom", fontsize=7)
    ax.set_xticks(range(len(ns)))
    ax.set_xticklabels(labels, fontsize=7)
    ax.set_yscale("log")
    ax.set_ylabel("ns per fork (log)")
    ax.set_title("fork overhead at 1 thread: (T_1 - T_seq) / calls "
                 "(lower is better)")
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return True


# ---------------------------------------------------------------------
# The Python benchmark
# ---------------------------------------------------------------------

def run_python(build_dir, quick, out_dir):
    """pytest-benchmark over bench/python; returns (data, None) or (None,
    why it was skipped or failed)."""
    py = sys.executable
    env = dict(os.environ)
    # The package tree a build with the Python bindings lays out (what the
    # tests import); else whatever `import weft` finds (pip install).
    tree = build_dir / "python"
    if (tree / "weft").is_dir():
        env["PYTHONPATH"] = os.pathsep.join(
            [str(tree)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH")
                           else []))
    probe = subprocess.run(
        [py, "-c", "import weft, pytest_benchmark"], capture_output=True,
        text=True, cwd=ROOT / "bench" / "python", env=env)
    if probe.returncode != 0:
        msg = probe.stderr.strip().splitlines()
        return None, ("skip: Python benchmark (" +
                      (msg[-1] if msg else "import failed") +
                      "; the bindings install with bindings/python, "
                      "pytest-benchmark with pip)")
    mib = 4 if quick else 32
    text = out_dir / f"text-{mib}MiB.txt"
    seq_prog = build_dir / "bench" / "weft_bench_seq"
    ref = subprocess.run([str(seq_prog), "--dump-text", str(mib), str(text)],
                         capture_output=True, text=True, check=True).stdout
    needle, count, lines, words, nbytes = ref.split()
    jpath = out_dir / "python-latest.json"
    env.update(WEFT_BENCH_TEXT=str(text), WEFT_BENCH_NEEDLE=needle,
               WEFT_BENCH_COUNT=count,
               WEFT_BENCH_QUICK="1" if quick else "0")
    cmd = [py, "-m", "pytest", "-q", "-p", "no:cacheprovider",
           str(ROOT / "bench" / "python"), f"--benchmark-json={jpath}",
           "--benchmark-columns=min,max,mean,median,rounds",
           "--benchmark-sort=name"]
    if quick:
        cmd += ["--benchmark-min-rounds=1", "--benchmark-max-time=0.05",
                "--benchmark-warmup=off"]
    else:
        cmd += ["--benchmark-min-rounds=5"]
    try:
        p = subprocess.run(cmd, env=env, cwd=ROOT, text=True,
                           capture_output=True)
    finally:
        text.unlink()
    sys.stdout.write(p.stdout[-6000:])
    if p.returncode != 0 or not jpath.exists():
        sys.stdout.write(p.stderr[-3000:])
        return None, f"Python benchmark FAILED (pytest exit {p.returncode})"
    data = json.loads(jpath.read_text())
    data["weft_text"] = {"mib": mib, "items": 10_000 if quick else 100_000,
                         "blocks": 64 if quick else 256}
    return data, None


def python_goals(data):
    """Issue 4's goals, from the Python benchmark's medians."""
    med = {b["name"]: b["stats"]["median"] for b in data["benchmarks"]}
    # The two-thread search times CALLS_PER_THREAD searches per thread.
    for b in data["benchmarks"]:
        k = b.get("extra_info", {}).get("calls_per_thread")
        if k:
            med[b["name"]] /= k
    out = []

    def ratio(goal, num, den, ok, fmt):
        if num in med and den in med:
            r = med[num] / med[den]
            out.append((goal, ok(r), fmt(r)))

    ratio("python: weft.search >= 30x faster than pure Python",
          "test_python_sequential", "test_weft_search_parallel",
          lambda r: r >= 30, lambda r: f"{r:.0f}x")
    two = next((b.get("extra_info", {}) for b in data["benchmarks"]
                if b["name"] == "test_weft_search_sequential_two_threads"), {})
    if "one_thread_s" in two:
        r = 2 * two["one_thread_s"] / two["two_threads_s"]
        out.append(("python: two threads calling search_sequential >= 1.8x "
                    "the throughput of one", r >= 1.8,
                    f"{r:.2f}x (alternating rounds, "
                    f"{two.get('calls_per_thread')} calls per thread)"))
    ratio("python: par_map(abs, range(100_000)) within 2x of map",
          "test_abs_weft_par_map", "test_abs_builtin_map",
          lambda r: r <= 2, lambda r: f"{r:.2f}x map's time")
    ratio("python: par_map(abs, range(100_000)) no slower than "
          "ThreadPool(N).map", "test_abs_weft_par_map",
          "test_abs_thread_pool_map", lambda r: r <= 1,
          lambda r: f"{r:.2f}x ThreadPool's time")
    ratio("python: par_map(sha256) >= 1.8x faster than map",
          "test_sha256_builtin_map", "test_sha256_weft_par_map",
          lambda r: r >= 1.8, lambda r: f"{r:.2f}x")
    return out


def python_markdown(data):
    t = data.get("weft_text", {})
    out = [f"Text: {t.get('mib', '?')} MiB; par_map overhead: "
           f"{t.get('items', '?')} items; sha256: {t.get('blocks', '?')} "
           "blocks of 64 KiB.  Python "
           f"{data.get('machine_info', {}).get('python_version', '')}.", ""]
    groups = {}
    for b in data["benchmarks"]:
        groups.setdefault(b.get("group") or "", []).append(b)
    for g, bs in sorted(groups.items()):
        fastest = min(b["stats"]["median"] for b in bs)
        items = all(b.get("extra_info", {}).get("items") for b in bs)
        out.append(f"**{g}**\n")
        out.append("| test | min (ms) | median (ms) | max (ms) | "
                   "median / fastest |" + (" per item (us) |" if items
                                            else ""))
        out.append("|---|---|---|---|---|" + ("---|" if items else ""))
        for b in sorted(bs, key=lambda b: b["stats"]["median"]):
            st = b["stats"]
            k = b.get("extra_info", {}).get("calls_per_thread")
            name = b["name"] + (f" (x{k} per thread)" if k else "")
            row = (f"| {name} | {st['min'] * 1e3:.3f} | "
                   f"{st['median'] * 1e3:.3f} | {st['max'] * 1e3:.3f} | "
                   f"{st['median'] / fastest:.2f} |")
            if items:
                row += f" {st['median'] / b['extra_info']['items'] * 1e6:.3f} |"
            out.append(row)
        out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------

def sh(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True,
                              shell=True).stdout.strip()
    except OSError:
        return ""


def machine():
    cpu = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "online_cpus": os.cpu_count(),
        "kernel": platform.release(),
        "os": sh(". /etc/os-release 2>/dev/null && echo $PRETTY_NAME"),
        "gcc": sh("gcc --version | head -1"),
        "g++": sh("g++ --version | head -1"),
        "rustc": sh("rustc --version"),
        "tbb": sh("dpkg-query -W -f='${Version}' libtbb-dev 2>/dev/null"),
        "python": platform.python_version(),
        "load_before": os.getloadavg()[0],
        "commit": sh(f"git -C {ROOT} rev-parse --short HEAD"),
    }


def report_markdown(results, benches, gs, mach, args, pydata, pyskip,
                    chart_name, elapsed, tooldata=None):
    cmd = "scripts/bench.sh" + (" --quick" if args.quick else "") + (
        f" --only {','.join(args.only)}" if args.only else "")
    lines = [
        f"Run of `{cmd}` on {mach['when']} ({elapsed / 60:.1f} min), "
        f"commit {mach['commit']}.",
        "",
        f"- Machine: {mach['cpu']}, {mach['online_cpus']} online CPUs, "
        f"{mach['os']}, Linux {mach['kernel']}; load average "
        f"{mach['load_before']:.2f} at the start.",
        f"- Compilers: {mach['gcc']} and {mach['g++']} (-O2, no -march), "
        f"{mach['rustc']} (release); oneTBB {mach['tbb'] or 'absent'}; "
        f"Python {mach['python']}.",
        f"- Each figure: median of {args.runs} runs after a warm-up "
        "(min and max beside it); implementations interleaved run by run. "
        "`vs seq` = sequential time / time; `time / weft` = time / weft's "
        "time at the same thread count (above 1: weft is faster).",
        "",
    ]
    if chart_name:
        lines += [f"![speedups and fork overhead]"
                  f"(../bench/results/{chart_name})", ""]
    lines += ["### Goals", "", markdown_goals(gs), "", "### Tables", "",
              markdown_tables(results, benches)]
    if tooldata:
        lines += ["### The weft command-line tool", "",
                  tool.tool_markdown([(r["command"], r["values"])
                                      for r in tooldata["rows"]],
                                     tooldata["mib"])]
    lines += ["### Python", ""]
    if pydata:
        lines.append(python_markdown(pydata))
    else:
        lines.append(pyskip or "not run")
    return "\n".join(lines) + "\n"


def publish_doc(md):
    if not DOC.exists():
        log(f"--publish: {DOC} does not exist; not updated")
        return
    text = DOC.read_text()
    begin, end = "<!-- results:begin -->", "<!-- results:end -->"
    if begin not in text or end not in text:
        log(f"--publish: no {begin} ... {end} markers in {DOC}")
        return
    pre = text.split(begin)[0]
    post = text.split(end, 1)[1]
    DOC.write_text(pre + begin + "\n" + md + end + post)
    log(f"updated {DOC.relative_to(ROOT)}")


# ---------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="a smaller subset with smaller inputs (< 1 minute)")
    ap.add_argument("--only", type=lambda s: s.split(","), default=None,
                    help="comma-separated benchmark or workload names: " +
                    ", ".join(b.name for b in BENCHES) + ", python, tool")
    ap.add_argument("--runs", type=int, default=None,
                    help="measured runs per figure (default 5, quick 3)")
    ap.add_argument("--threads", type=lambda s: [int(x) for x in
                                                 s.split(",")],
                    default=None, help="thread counts (default 1,N,4N)")
    ap.add_argument("--build-dir", type=Path,
                    default=ROOT / "build" / "release")
    ap.add_argument("--rayon", type=Path,
                    default=ROOT / "bench" / "peers" / "rayon" / "target" /
                    "release" / "weft_bench_rayon")
    ap.add_argument("--timeout", type=float, default=300,
                    help="seconds one measurement may take")
    ap.add_argument("--no-python", action="store_true")
    ap.add_argument("--publish", action="store_true",
                    help="also write bench/results/benchmarks.{json,png} "
                    "and the results section of docs/benchmarks.md")
    args = ap.parse_args()
    if args.runs is None:
        args.runs = 3 if args.quick else 5
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    known = {b.name for b in BENCHES} | {b.workload for b in BENCHES}
    if args.only:
        extra = {"python", "tool"}
        bad = [o for o in args.only if o not in known | extra]
        if bad:
            ap.error(f"unknown benchmark {', '.join(bad)}; known: "
                     + ", ".join(sorted(known | extra)))
    ncpu = len(os.sched_getaffinity(0))
    threads = args.threads or sorted({1, ncpu, 4 * ncpu})
    if args.quick and not args.threads:
        threads = sorted({1, ncpu})
    RESULTS.mkdir(parents=True, exist_ok=True)
    start = time.time()
    mach = machine()
    mach["when"] = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    log(f"weft benchmark suite: {mach['cpu']}, {ncpu} CPUs, threads "
        f"{threads}, median of {args.runs} runs after a warm-up"
        + (" (quick)" if args.quick else ""))
    cases = discover(args.build_dir, args.rayon)
    benches = select(args.only, args.quick)
    if args.only and set(args.only) <= {"python", "tool"}:
        benches = []
    results = []
    failures = []
    for i, b in enumerate(benches, 1):
        size = b.quick if args.quick else b.size
        bcases = [c for c in cases if c.workload == b.workload]
        if b.kind != "time":
            bcases = [c for c in bcases if c.variant != "seq"]
        bcases.sort(key=lambda c: impl_key(c.variant))
        title = b.title.format(size=size)
        for t in threads:
            t0 = time.time()
            refs = []
            if b.kind == "time" and t == ncpu and b.name in SCALING:
                refs.append(1)
            if b.kind == "time" and t == 4 * ncpu and ncpu in threads:
                refs.append(ncpu)
            grp = run_group(b, size, t, bcases, args.runs, args.timeout,
                            refs)
            parts = []
            for impl, r in grp.items():
                results.append(r)
                if r.error:
                    if not r.error.startswith("skipped"):
                        failures.append(f"{title} {impl} x{r.threads}: "
                                        f"{r.error}")
                    parts.append(f"{impl} {r.error}")
                elif r.values and b.kind == "idle":
                    parts.append(f"{impl} {r.median * 1e3:.2f} ms CPU")
                elif r.values:
                    parts.append(f"{impl} {fmt_time(r.median)}")
            log(f"[{i}/{len(benches)}] {title}, {t} thread"
                f"{'s' if t > 1 else ''} ({time.time() - t0:.1f} s): "
                + " | ".join(parts))
    print_table(results, benches)
    gs = goals(results, ncpu)
    print_goals(gs)

    pydata, pyskip = None, None
    if not args.no_python and (not args.only or "python" in args.only):
        log("\nPython benchmark (bench/python, pytest-benchmark):")
        pydata, pyskip = run_python(args.build_dir, args.quick, RESULTS)
        if pyskip:
            log(pyskip)
            if "FAILED" in pyskip:
                failures.append(pyskip)
        else:
            log(python_markdown(pydata))
            pgoals = python_goals(pydata)
            print_goals(pgoals, "Goals (issue 4)")
            gs += pgoals

    tooldata = None
    if not args.only or "tool" in args.only:
        log("\nCommand-line tool (bench/tool.py):")
        try:
            rows, tgoals, tskip = tool.run_tool(
                args.build_dir, args.quick, RESULTS, args.runs, ncpu,
                lambda: settle([]), log)
        except (RuntimeError, subprocess.CalledProcessError) as e:
            rows, tgoals, tskip = [], [], f"tool benchmark FAILED: {e}"
        if tskip:
            log(tskip)
            if "FAILED" in tskip:
                failures.append(tskip)
        else:
            tooldata = {"mib": 32 if args.quick else 256,
                        "rows": [{"command": n, "values": v}
                                 for n, v in rows]}
            log(tool.tool_markdown(rows, tooldata["mib"]))
            print_goals(tgoals, "Goals (issue 3)")
            gs += tgoals

    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = RESULTS / f"suite-{stamp}"
    payload = {"machine": mach, "args": {k: str(v) for k, v in
                                         vars(args).items()},
               "threads": threads,
               "results": [r.to_json() for r in results],
               "goals": [{"goal": g, "met": ok, "value": v}
                         for g, ok, v in gs],
               "python": pydata, "tool": tooldata, "failures": failures}
    base.with_suffix(".json").write_text(json.dumps(payload, indent=1))
    have_chart = bool(results) and chart(results, base.with_suffix(".png"),
                                         ncpu)
    elapsed = time.time() - start
    for ext in (".json", ".png"):
        if base.with_suffix(ext).exists():
            shutil.copyfile(base.with_suffix(ext), RESULTS / f"latest{ext}")
    chart_name = "benchmarks.png" if args.publish else "latest.png"
    md = report_markdown(results, benches, gs, mach, args, pydata, pyskip,
                         chart_name if have_chart else None, elapsed,
                         tooldata)
    base.with_suffix(".md").write_text(md)
    shutil.copyfile(base.with_suffix(".md"), RESULTS / "latest.md")
    if args.publish:
        for ext in (".json", ".png"):
            if base.with_suffix(ext).exists():
                shutil.copyfile(base.with_suffix(ext),
                                RESULTS / f"benchmarks{ext}")
        publish_doc(md)
    log(f"\nwrote {base.relative_to(ROOT)}.{{json,md"
        f"{',png' if have_chart else ''}}} (and latest.*) in "
        f"{elapsed / 60:.1f} min")
    if failures:
        log("\nFAILURES:")
        for f in failures:
            log("  " + f)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
