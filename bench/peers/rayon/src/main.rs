//! The rayon peer of weft's benchmark suite: the same workloads, inputs and
//! answer checks as bench/common/bench.{h,c}, and the same protocol:
//!
//!   weft_bench_rayon --list
//!   weft_bench_rayon WORKLOAD VARIANT THREADS SIZE   ("ready", then one
//!                                                     measurement per "run")
//!
//! rayon::join for the recursive fork-join workloads, rayon::scope where a
//! node spawns tasks (nqueens, skynet), par_iter for the flat ones.  Keep
//! the constants and generators in step with bench.h.

use std::io::{BufRead, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

use rayon::prelude::*;

// ---- Shared definitions (bench.h) ----

const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(GOLDEN);
    mix64(*state)
}

const UTS_Q: u64 = 0xcccc_cccc_cccc_cccc;
const UTS_MAX_KIDS: i32 = 32;
const UTS_ROOT: u64 = 0x5e_ed0f_7ee5;
const SORT_CUTOFF: usize = 8192;
const MERGE_CUTOFF: usize = 8192;
const MM_ROWS: usize = 32;
const MM_KB: usize = 128;
const MM_JB: usize = 256;
const NEEDLE: &[u8] = b"weft";
const TEXT_CHUNK: usize = 1 << 20;
const LAT_JOIN_OPS: u32 = 200_000;
const LAT_RUN_OPS: u32 = 20_000;
const LAT_WAKE_SLEEP: f64 = 0.05;
const LAT_WAKE_POLL: f64 = 0.005;

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn now() -> f64 {
    epoch().elapsed().as_secs_f64()
}

fn cpu_time() -> f64 {
    // SAFETY: getrusage fills the zeroed struct it is given.
    let ru = unsafe {
        let mut ru: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut ru);
        ru
    };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

fn sleep(s: f64) {
    std::thread::sleep(std::time::Duration::from_secs_f64(s));
}

fn fib_expected(n: u32) -> u64 {
    let (mut a, mut b) = (0u64, 1u64);
    for _ in 0..n {
        let t = a.wrapping_add(b);
        a = b;
        b = t;
    }
    a
}

fn nqueens_expected(n: i32) -> u64 {
    const A000170: [u64; 17] = [
        1, 1, 0, 0, 2, 10, 4, 40, 92, 352, 724, 2680, 14200, 73712, 365596, 2279184, 14772512,
    ];
    A000170.get(n as usize).copied().unwrap_or(0)
}

#[derive(Clone, Copy)]
struct Board {
    n: i32,
    row: i32,
    board: [i8; 16],
}

impl Board {
    fn ok(&self, col: i32) -> bool {
        (0..self.row).all(|r| {
            let c = self.board[r as usize] as i32;
            let d = self.row - r;
            c != col && c - col != d && col - c != d
        })
    }
    fn place(&self, col: i32) -> Board {
        let mut c = *self;
        c.board[c.row as usize] = col as i8;
        c.row += 1;
        c
    }
}

fn uts_kids(h: u64, depth: i32, max_depth: i32) -> i32 {
    if depth >= max_depth {
        return 0;
    }
    let mut s = h;
    let mut k = 0;
    while k < UTS_MAX_KIDS && splitmix64(&mut s) < UTS_Q {
        k += 1;
    }
    k
}

fn uts_child(h: u64, i: i32) -> u64 {
    mix64(h.wrapping_add(((i + 1) as u64).wrapping_mul(GOLDEN)))
}

fn uts_seq(h: u64, depth: i32, max_depth: i32) -> u64 {
    let k = uts_kids(h, depth, max_depth);
    1 + (0..k)
        .map(|i| uts_seq(uts_child(h, i), depth + 1, max_depth))
        .sum::<u64>()
}

fn merge_seq(x: &[u64], y: &[u64], out: &mut [u64]) {
    // Branch-free, as bench_merge_seq in bench/common/bench.c.
    let (mut i, mut j, mut k) = (0, 0, 0);
    while i < x.len() && j < y.len() {
        let (a, b) = (x[i], y[j]);
        let take_y = (b < a) as usize;
        out[k] = if take_y == 1 { b } else { a };
        j += take_y;
        i += 1 - take_y;
        k += 1;
    }
    out[k..k + x.len() - i].copy_from_slice(&x[i..]);
    k += x.len() - i;
    out[k..].copy_from_slice(&y[j..]);
}

fn msort_seq(a: &mut [u64], tmp: &mut [u64]) {
    const RUN: usize = 32;
    let n = a.len();
    for run in a.chunks_mut(RUN) {
        for i in 1..run.len() {
            let v = run[i];
            let mut j = i;
            while j > 0 && run[j - 1] > v {
                run[j] = run[j - 1];
                j -= 1;
            }
            run[j] = v;
        }
    }
    let mut in_a = true;
    let mut w = RUN;
    while w < n {
        let (src, dst): (&[u64], &mut [u64]) = if in_a {
            (&*a, &mut *tmp)
        } else {
            (&*tmp, &mut *a)
        };
        let mut lo = 0;
        while lo < n {
            let mid = (lo + w).min(n);
            let hi = (lo + 2 * w).min(n);
            merge_seq(&src[lo..mid], &src[mid..hi], &mut dst[lo..hi]);
            lo += 2 * w;
        }
        in_a = !in_a;
        w *= 2;
    }
    if !in_a {
        a.copy_from_slice(tmp);
    }
}

fn mm_rows(n: usize, a: &[f64], b: &[f64], c: &mut [f64], i0: usize) {
    // c holds rows i0.. of C.
    c.fill(0.0);
    let rows = c.len() / n;
    for kk in (0..n).step_by(MM_KB) {
        let k1 = (kk + MM_KB).min(n);
        for jj in (0..n).step_by(MM_JB) {
            let j1 = (jj + MM_JB).min(n);
            for r in 0..rows {
                let i = i0 + r;
                let ci = &mut c[r * n + jj..r * n + j1];
                for k in kk..k1 {
                    let aik = a[i * n + k];
                    let bk = &b[k * n + jj..k * n + j1];
                    for (cij, bkj) in ci.iter_mut().zip(bk) {
                        *cij += aik * bkj;
                    }
                }
            }
        }
    }
}

fn is_space(c: u8) -> bool {
    c == b' ' || (b'\t'..=b'\r').contains(&c)
}

fn gen_text(len: usize) -> Vec<u8> {
    let mut vocab: Vec<Vec<u8>> = vec![NEEDLE.to_vec()];
    let mut s = 7u64;
    for _ in 1..1024 {
        let l = 1 + (splitmix64(&mut s) % 10) as usize;
        vocab.push(
            (0..l)
                .map(|_| b'a' + (splitmix64(&mut s) % 26) as u8)
                .collect(),
        );
    }
    let mut buf = Vec::with_capacity(len);
    let mut s = 11u64;
    'outer: while buf.len() < len {
        let words = 1 + splitmix64(&mut s) % 16;
        for w in 0..words {
            let v = &vocab[(splitmix64(&mut s) % 1024) as usize];
            for &ch in v {
                if buf.len() == len {
                    break 'outer;
                }
                buf.push(ch);
            }
            if buf.len() == len {
                break 'outer;
            }
            buf.push(if w == words - 1 { b'\n' } else { b' ' });
        }
    }
    buf
}

fn count_word(p: &[u8], needle: &[u8]) -> u64 {
    p.split(|&c| is_space(c))
        .filter(|w| !w.is_empty() && *w == needle)
        .count() as u64
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
struct Wc {
    lines: u64,
    words: u64,
    bytes: u64,
}

impl std::ops::Add for Wc {
    type Output = Wc;
    fn add(self, o: Wc) -> Wc {
        Wc {
            lines: self.lines + o.lines,
            words: self.words + o.words,
            bytes: self.bytes + o.bytes,
        }
    }
}

fn wc_piece(p: &[u8]) -> Wc {
    let mut r = Wc {
        bytes: p.len() as u64,
        ..Wc::default()
    };
    let mut prev_space = true;
    for &ch in p {
        let sp = is_space(ch);
        r.lines += (ch == b'\n') as u64;
        r.words += (prev_space && !sp) as u64;
        prev_space = sp;
    }
    r
}

fn text_chunks(len: usize) -> usize {
    len.div_ceil(TEXT_CHUNK)
}

fn chunk_start(p: &[u8], c: usize) -> usize {
    let mut s = c * TEXT_CHUNK;
    if s == 0 {
        return 0;
    }
    if s >= p.len() {
        return p.len();
    }
    while s < p.len() && p[s - 1] != b'\n' {
        s += 1;
    }
    s
}

fn fingerprint(a: &[u64]) -> [u64; 3] {
    let mut fp = [0u64; 3];
    for &x in a {
        fp[0] = fp[0].wrapping_add(x);
        fp[1] ^= mix64(x);
        fp[2] = fp[2].wrapping_add(mix64(x ^ 0x1234567));
    }
    fp
}

// ---- The rayon implementations ----

fn fib(n: u32) -> u64 {
    if n < 2 {
        return n as u64;
    }
    let (x, y) = rayon::join(|| fib(n - 1), || fib(n - 2));
    x + y
}

fn nq<'s>(s: &rayon::Scope<'s>, b: Board, count: &'s AtomicU64) {
    if b.row == b.n {
        count.fetch_add(1, Ordering::Relaxed);
        return;
    }
    for col in 0..b.n {
        if b.ok(col) {
            let c = b.place(col);
            s.spawn(move |s| nq(s, c, count));
        }
    }
}

fn uts_range(h: u64, depth: i32, lo: i32, hi: i32, max_depth: i32) -> u64 {
    if hi - lo == 1 {
        return uts_node(uts_child(h, lo), depth + 1, max_depth);
    }
    let mid = lo + (hi - lo) / 2;
    let (x, y) = rayon::join(
        || uts_range(h, depth, lo, mid, max_depth),
        || uts_range(h, depth, mid, hi, max_depth),
    );
    x + y
}

fn uts_node(h: u64, depth: i32, max_depth: i32) -> u64 {
    let k = uts_kids(h, depth, max_depth);
    if k == 0 {
        1
    } else {
        1 + uts_range(h, depth, 0, k, max_depth)
    }
}

fn skynet(num: u64, size: u64) -> u64 {
    if size == 1 {
        return num;
    }
    let sub = size / 10;
    let mut r = [0u64; 10];
    rayon::scope(|s| {
        for (i, ri) in r.iter_mut().enumerate() {
            s.spawn(move |_| *ri = skynet(num + i as u64 * sub, sub));
        }
    });
    r.iter().sum()
}

fn pmerge(x: &[u64], y: &[u64], out: &mut [u64]) {
    if x.len() + y.len() <= MERGE_CUTOFF {
        merge_seq(x, y, out);
        return;
    }
    let (mx, my) = if x.len() >= y.len() {
        let mx = x.len() / 2;
        (mx, y.partition_point(|&v| v < x[mx]))
    } else {
        let my = y.len() / 2;
        (x.partition_point(|&v| v <= y[my]), my)
    };
    let (ol, or) = out.split_at_mut(mx + my);
    rayon::join(
        || pmerge(&x[..mx], &y[..my], ol),
        || pmerge(&x[mx..], &y[my..], or),
    );
}

fn psort(a: &mut [u64], b: &mut [u64], to_b: bool) {
    let n = a.len();
    if n <= SORT_CUTOFF {
        msort_seq(a, b);
        if to_b {
            b.copy_from_slice(a);
        }
        return;
    }
    let h = n / 2;
    {
        let (al, ar) = a.split_at_mut(h);
        let (bl, br) = b.split_at_mut(h);
        rayon::join(|| psort(al, bl, !to_b), || psort(ar, br, !to_b));
    }
    if to_b {
        pmerge(&a[..h], &a[h..], b);
    } else {
        pmerge(&b[..h], &b[h..], a);
    }
}

#[inline(never)]
fn empty() {
    std::hint::black_box(());
}

// ---- The driver ----

struct Ctx {
    workload: String,
    variant: String,
    threads: usize,
    size: i64,
    pool: rayon::ThreadPool,
    u64s: Vec<u64>,
    tmp: Vec<u64>,
    orig: Vec<u64>,
    fp: [u64; 3],
    a: Vec<f64>,
    b: Vec<f64>,
    c: Vec<f64>,
    n: usize,
    text: Vec<u8>,
    expect: u64,
    expect_wc: Wc,
    result: u64,
    result_wc: Wc,
}

fn fail(ctx: &Ctx, what: &str, got: u64, want: u64) -> ! {
    eprintln!(
        "WRONG ANSWER: {}/{}, {} threads, size {}: {}: got {}, expected {}",
        ctx.workload, ctx.variant, ctx.threads, ctx.size, what, got, want
    );
    std::process::exit(3);
}

const CASES: &[(&str, &str)] = &[
    ("fib", "rayon"),
    ("nqueens", "rayon"),
    ("uts", "rayon"),
    ("skynet", "rayon"),
    ("sum", "rayon"),
    ("sort", "rayon"),
    ("sort", "rayon-par_sort"),
    ("matmul", "rayon"),
    ("search", "rayon"),
    ("wc", "rayon"),
    ("lat_join", "rayon"),
    ("lat_run", "rayon"),
    ("lat_wake", "rayon"),
    ("idle", "rayon"),
];

fn prepare(ctx: &mut Ctx) {
    let size = ctx.size;
    match ctx.workload.as_str() {
        "fib" => ctx.expect = fib_expected(size as u32),
        "nqueens" => ctx.expect = nqueens_expected(size as i32),
        "uts" => ctx.expect = uts_seq(UTS_ROOT, 0, size as i32),
        "skynet" => ctx.expect = (size as u64) * (size as u64 - 1) / 2,
        "sum" | "sort" => {
            let n = 1usize << size;
            let mut s = 1u64;
            ctx.u64s = (0..n).map(|_| splitmix64(&mut s)).collect();
            ctx.expect = ctx.u64s.iter().fold(0u64, |a, &b| a.wrapping_add(b));
            if ctx.workload == "sort" {
                ctx.tmp = vec![0; n];
                ctx.orig = ctx.u64s.clone();
                ctx.fp = fingerprint(&ctx.orig);
            }
        }
        "matmul" => {
            let n = size as usize;
            ctx.n = n;
            let mut s = 2u64;
            let mut gen = || (splitmix64(&mut s) >> 11) as f64 * (1.0 / (1u64 << 52) as f64) - 1.0;
            ctx.a = (0..n * n).map(|_| gen()).collect();
            ctx.b = (0..n * n).map(|_| gen()).collect();
            ctx.c = vec![0.0; n * n];
        }
        "search" | "wc" => {
            ctx.text = gen_text((size as usize) << 20);
            ctx.expect = count_word(&ctx.text, NEEDLE);
            ctx.expect_wc = wc_piece(&ctx.text);
        }
        _ => {}
    }
}

fn check(ctx: &Ctx) {
    match ctx.workload.as_str() {
        "sort" => {
            if let Some(i) = ctx.u64s.windows(2).position(|w| w[0] > w[1]) {
                fail(ctx, "not sorted at index", i as u64 + 1, 0);
            }
            let fp = fingerprint(&ctx.u64s);
            for (&got, &want) in fp.iter().zip(&ctx.fp) {
                if got != want {
                    fail(ctx, "not a permutation of the input", got, want);
                }
            }
        }
        "matmul" => {
            let n = ctx.n;
            let mut s = 3u64;
            for _ in 0..64 {
                let i = (splitmix64(&mut s) % n as u64) as usize;
                let j = (splitmix64(&mut s) % n as u64) as usize;
                let mut r = 0.0;
                for k in 0..n {
                    r += ctx.a[i * n + k] * ctx.b[k * n + j];
                }
                if ctx.c[i * n + j] != r {
                    eprintln!("matmul: C[{i}][{j}] = {}, expected {r}", ctx.c[i * n + j]);
                    fail(ctx, "matmul entry", 0, 0);
                }
            }
        }
        "wc" if ctx.result_wc != ctx.expect_wc => {
            eprintln!("wc: got {:?}, expected {:?}", ctx.result_wc, ctx.expect_wc);
            fail(ctx, "wc", 0, 0);
        }
        "fib" | "nqueens" | "uts" | "skynet" | "sum" | "search" if ctx.result != ctx.expect => {
            fail(ctx, "result", ctx.result, ctx.expect);
        }
        _ => {}
    }
}

fn timed<R: Send>(pool: &rayon::ThreadPool, f: impl FnOnce() -> R + Send) -> (f64, R) {
    let t0 = now();
    let r = pool.install(f);
    (now() - t0, r)
}

fn run(ctx: &mut Ctx) -> f64 {
    let size = ctx.size;
    match (ctx.workload.as_str(), ctx.variant.as_str()) {
        ("fib", _) => {
            let (t, r) = timed(&ctx.pool, || fib(size as u32));
            ctx.result = r;
            t
        }
        ("nqueens", _) => {
            let count = AtomicU64::new(0);
            let root = Board {
                n: size as i32,
                row: 0,
                board: [0; 16],
            };
            let (t, _) = timed(&ctx.pool, || rayon::scope(|s| nq(s, root, &count)));
            ctx.result = count.load(Ordering::Relaxed);
            t
        }
        ("uts", _) => {
            let (t, r) = timed(&ctx.pool, || uts_node(UTS_ROOT, 0, size as i32));
            ctx.result = r;
            t
        }
        ("skynet", _) => {
            let (t, r) = timed(&ctx.pool, || skynet(0, size as u64));
            ctx.result = r;
            t
        }
        ("sum", _) => {
            let v = &ctx.u64s;
            let (t, r) = timed(&ctx.pool, || {
                v.par_iter()
                    .copied()
                    .reduce(|| 0u64, |a, b| a.wrapping_add(b))
            });
            ctx.result = r;
            t
        }
        ("sort", "rayon") => {
            let (a, b) = (&mut ctx.u64s, &mut ctx.tmp);
            timed(&ctx.pool, || psort(a, b, false)).0
        }
        ("sort", _) => {
            let a = &mut ctx.u64s;
            timed(&ctx.pool, || a.par_sort()).0
        }
        ("matmul", _) => {
            let n = ctx.n;
            let (a, b, c) = (&ctx.a, &ctx.b, &mut ctx.c);
            timed(&ctx.pool, || {
                c.par_chunks_mut(MM_ROWS * n)
                    .enumerate()
                    .for_each(|(blk, rows)| mm_rows(n, a, b, rows, blk * MM_ROWS))
            })
            .0
        }
        ("search", _) => {
            let p = &ctx.text;
            let (t, r) = timed(&ctx.pool, || {
                (0..text_chunks(p.len()))
                    .into_par_iter()
                    .map(|c| count_word(&p[chunk_start(p, c)..chunk_start(p, c + 1)], NEEDLE))
                    .sum::<u64>()
            });
            ctx.result = r;
            t
        }
        ("wc", _) => {
            let p = &ctx.text;
            let (t, r) = timed(&ctx.pool, || {
                (0..text_chunks(p.len()))
                    .into_par_iter()
                    .map(|c| wc_piece(&p[chunk_start(p, c)..chunk_start(p, c + 1)]))
                    .reduce(Wc::default, |a, b| a + b)
            });
            ctx.result_wc = r;
            t
        }
        ("lat_join", _) => {
            ctx.pool.install(|| {
                let t0 = now();
                for _ in 0..LAT_JOIN_OPS {
                    rayon::join(empty, empty);
                }
                now() - t0
            }) / LAT_JOIN_OPS as f64
        }
        ("lat_run", _) => {
            let t0 = now();
            for _ in 0..LAT_RUN_OPS {
                ctx.pool.install(empty);
            }
            (now() - t0) / LAT_RUN_OPS as f64
        }
        ("lat_wake", _) => {
            static WOKE_AT: AtomicU64 = AtomicU64::new(0);
            let mut lat = Vec::new();
            for _ in 0..size.min(64) {
                WOKE_AT.store(0, Ordering::SeqCst);
                sleep(LAT_WAKE_SLEEP);
                let t0 = now();
                ctx.pool
                    .spawn(|| WOKE_AT.store((now() * 1e9) as u64, Ordering::Release));
                let mut t1;
                loop {
                    t1 = WOKE_AT.load(Ordering::Acquire);
                    if t1 != 0 {
                        break;
                    }
                    // Sleep, do not spin (see bench/impl/weft.c).
                    sleep(LAT_WAKE_POLL);
                }
                lat.push(t1 as f64 * 1e-9 - t0);
            }
            lat.sort_by(f64::total_cmp);
            let n = lat.len();
            if n % 2 == 1 {
                lat[n / 2]
            } else {
                (lat[n / 2 - 1] + lat[n / 2]) / 2.0
            }
        }
        ("idle", _) => {
            let r = ctx.pool.install(|| fib(20));
            if r != fib_expected(20) {
                fail(ctx, "fib(20)", r, fib_expected(20));
            }
            let c0 = cpu_time();
            sleep(size as f64 * 1e-3);
            cpu_time() - c0
        }
        _ => unreachable!(),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() == 2 && args[1] == "--list" {
        for (w, v) in CASES {
            println!("{w} {v}");
        }
        return;
    }
    if args.len() != 5 {
        eprintln!("usage: {} --list | WORKLOAD VARIANT THREADS SIZE", args[0]);
        std::process::exit(2);
    }
    if !CASES.iter().any(|(w, v)| *w == args[1] && *v == args[2]) {
        eprintln!("{}: no case {}/{}", args[0], args[1], args[2]);
        std::process::exit(2);
    }
    let threads: usize = args[3].parse().unwrap_or(0);
    let size: i64 = args[4].parse().unwrap_or(0);
    if threads < 1 || size < 1 {
        eprintln!("{}: bad THREADS or SIZE", args[0]);
        std::process::exit(2);
    }
    epoch();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("rayon-bench-{i}"))
        .build()
        .expect("cannot build the rayon pool");
    let mut ctx = Ctx {
        workload: args[1].clone(),
        variant: args[2].clone(),
        threads,
        size,
        pool,
        u64s: Vec::new(),
        tmp: Vec::new(),
        orig: Vec::new(),
        fp: [0; 3],
        a: Vec::new(),
        b: Vec::new(),
        c: Vec::new(),
        n: 0,
        text: Vec::new(),
        expect: 0,
        expect_wc: Wc::default(),
        result: 0,
        result_wc: Wc::default(),
    };
    prepare(&mut ctx);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    writeln!(out, "ready").unwrap();
    out.flush().unwrap();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        if !line.starts_with("run") {
            break;
        }
        if !ctx.orig.is_empty() {
            ctx.u64s.copy_from_slice(&ctx.orig);
        }
        ctx.result = 0;
        ctx.result_wc = Wc::default();
        let v = run(&mut ctx);
        check(&ctx);
        writeln!(out, "{v:.9e}").unwrap();
        out.flush().unwrap();
    }
}
