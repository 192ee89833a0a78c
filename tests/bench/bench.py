"""Benchmark of tablec at scale (the measuring half of scripts/bench.sh).

For each size N, a spec of N tables from tests/bench/gen.py is compiled by
two jobs, `tablec build SPEC -o OUT` (every backend) and `tablec check
SPEC`, and each job gets:

  median ms      wall time, median of R runs (perf_counter around the
                 process; its output to /dev/null)
  peak MB        maximum resident set size of one run (/usr/bin/time -f %M)
  instructions   Ir of one run under callgrind: a count, not a time, so it
                 stays comparable on a busy machine where wall times are noisy

With --compare, AWS CDK and CDK for Terraform (tests/bench/cdk, cdktf; npm
packages installed by bench.sh into .tools/bench/) do the same work and are
timed as whole `node app.js N OUTDIR` processes.

Environment: BENCH_SIZES ("1 100 1000 10000"), BENCH_RUNS (11, 5 for
N >= 10000), BENCH_CALLGRIND (1; 0 skips it), BENCH_COMPARE_SIZES (as
BENCH_SIZES), BENCH_COMPARE_RUNS (3, 1 for N >= 10000).

usage: python3 tests/bench/bench.py --tablec BIN [--results FILE] [--compare]
Standard library only; paths are relative to the repository root.
"""
import argparse
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

GEN = "tests/bench/gen.py"
TOOLS = ".tools/bench"            # where bench.sh installed cdk and cdktf
COMPARE_TIMEOUT = 600             # seconds; a slower run is "timeout"
CDK_TABLES_PER_STACK = 200        # CDK refuses a stack of > 500 resources
DEVNULL = subprocess.DEVNULL


def env_ints(name, default):
    return [int(x) for x in os.environ.get(name, default).split()]


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def capture(cmd):
    """First line a command prints, or '?' if it can't be run."""
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        return (p.stdout or p.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "?"


def machine(tablec, compare):
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        kb = int(re.search(r"MemTotal:\s+(\d+)", f.read()).group(1))
    # the compiler and options meson built tablec with, from its build folder
    cc, opts = "?", {}
    info = os.path.join(os.path.dirname(tablec), "meson-info")
    if os.path.isdir(info):
        with open(os.path.join(info, "intro-targets.json")) as f:
            exe = [t for t in json.load(f) if t["type"] == "executable" and t["name"] == "tablec"]
        if exe:
            cc = capture(exe[0]["target_sources"][0]["compiler"] + ["--version"])
        with open(os.path.join(info, "intro-buildoptions.json")) as f:
            opts = {o["name"]: o["value"] for o in json.load(f)}
    rev = capture(["git", "describe", "--always", "--dirty"])
    lines = [
        f"- CPU: {cpu}, nproc {os.cpu_count()}",
        f"- memory: {kb / 1024 / 1024:.1f} GiB",
        f"- kernel: {platform.system()} {platform.release()} ({platform.machine()})",
        f"- compiler: {cc}, buildtype={opts.get('buildtype', '?')}"
        f" b_ndebug={opts.get('b_ndebug', '?')}",
        f"- tablec: {capture([tablec, '--version'])}, tree {rev}",
        f"- python {platform.python_version()}, {capture(['valgrind', '--version'])}",
    ]
    if compare:
        lines.append(f"- node {capture(['node', '--version'])}, " + ", ".join(
            f"{p} {v}" for p, v in npm_versions()))
    return lines


def npm_versions():
    out = []
    for tool in ("cdk", "cdktf"):
        with open(f"tests/bench/{tool}/package.json") as f:
            out += sorted(json.load(f)["dependencies"].items())
    return sorted(set(out))


def tree_size(path):
    files = size = 0
    for root, _, names in os.walk(path):
        for n in names:
            files += 1
            size += os.path.getsize(os.path.join(root, n))
    return files, size


def clean(path):
    """Remove OUT so that every build writes all of its files."""
    shutil.rmtree(path, ignore_errors=True)


def run_checked(cmd, out, env=None):
    clean(out)
    p = subprocess.run(cmd, stdout=DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    if p.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} exited {p.returncode}:\n{p.stderr[-2000:]}")
    return p.stderr


def wall_ms(cmd, out, runs):
    times = []
    for _ in range(runs):
        clean(out)
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=DEVNULL, stderr=DEVNULL)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def peak_mb(cmd, out, tmp, env=None, timeout=None):
    """Peak RSS in MB of one run, through GNU time; None if the run failed.
    Raises TimeoutExpired after killing the run's whole process group (time
    and the process under it)."""
    clean(out)
    f = os.path.join(tmp, "time.txt")
    p = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", f] + cmd, stdout=DEVNULL,
                         stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
    try:
        _, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        raise
    if p.returncode != 0:
        return None, err
    with open(f) as fh:
        return int(fh.read().split()[-1]) / 1024, err


def instructions(cmd, out, tmp):
    """Total Ir of one run under callgrind, from its output file's totals."""
    clean(out)
    f = os.path.join(tmp, "callgrind.out")
    p = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={f}"] + cmd,
                       stdout=DEVNULL, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.exit(f"bench: callgrind on {' '.join(cmd)} failed:\n{p.stderr[-2000:]}")
    with open(f) as fh:
        for line in fh:
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    sys.exit(f"bench: no totals in {f}")


def human(size):
    return f"{size / 1e6:.2f} MB" if size >= 1e5 else f"{size / 1e3:.1f} kB"


def fmt_size(files, size):
    return f"{files} files, {human(size)}"


def fmt_ratio(x):
    return f"{x:.1f}x" if x < 10 else f"{x:,.0f}x"


def fmt_ms(ms):
    return f"{ms:.1f}" if ms < 1000 else f"{ms:,.0f}"


def bench_tablec(tablec, sizes, tmp, do_callgrind):
    rows = {}
    for n in sizes:
        spec = os.path.join(tmp, f"bench-{n}.yaml")
        subprocess.run([sys.executable, GEN, str(n), "--out", spec], check=True)
        out = os.path.join(tmp, "out")
        runs = int(os.environ.get("BENCH_RUNS", 5 if n >= 10000 else 11))
        jobs = {"build": [tablec, "build", spec, "-o", out], "check": [tablec, "check", spec]}
        for job, cmd in jobs.items():
            log(f"bench: N={n} {job}: {runs} runs ...")
            diag = run_checked(cmd, out)   # also a warm-up of the page cache
            if job == "check" and diag.strip():
                log(f"bench: warning: check printed diagnostics:\n{diag[:500]}")
            r = {"ms": wall_ms(cmd, out, runs), "runs": runs}
            r["mb"], _ = peak_mb(cmd, out, tmp)
            if job == "build":
                r["output"] = fmt_size(*tree_size(out))
            if do_callgrind:
                log(f"bench: N={n} {job}: callgrind ...")
                r["ir"] = instructions(cmd, out, tmp)
            rows[n, job] = r
        rows[n, "spec"] = os.path.getsize(spec)
    return rows


def tablec_table(rows, sizes):
    t = ["| N | job | runs | median ms | peak MB | instructions (M) | output |",
         "|---:|---|---:|---:|---:|---:|---|"]
    for n in sizes:
        for job in ("build", "check"):
            r = rows[n, job]
            ir = f"{r['ir'] / 1e6:,.1f}" if "ir" in r else "-"
            out = r.get("output", f"(reads a spec of {human(rows[n, 'spec'])})")
            t.append(f"| {n} | {job} | {r['runs']} | {fmt_ms(r['ms'])} | {r['mb']:.1f} | {ir} | {out} |")
    return t


def scaling(rows, sizes):
    if len(sizes) < 2:
        return []
    a, b = sorted(sizes)[-2:]
    t = [f"Scaling N={b} / N={a} ({b / a:g}x the tables):", ""]
    for job in ("build", "check"):
        ra, rb = rows[a, job], rows[b, job]
        s = f"- {job}: time {rb['ms'] / ra['ms']:.2f}x"
        if "ir" in ra:
            s += f", instructions {rb['ir'] / ra['ir']:.2f}x"
        t.append(s + f", peak RSS {rb['mb'] / ra['mb']:.2f}x")
    return t


def compare_one(tool, n, tmp, runs, per_stack=None):
    """Median ms and peak MB of `node app.js N OUTDIR`, or an error text."""
    out = os.path.join(tmp, "out")
    cmd = ["node", f"tests/bench/{tool}/app.js", str(n), out]
    if per_stack:
        cmd.append(str(per_stack))
    env = dict(os.environ, NODE_PATH=os.path.abspath(f"{TOOLS}/{tool}/node_modules"))
    times, peaks = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        try:
            mb, err = peak_mb(cmd, out, tmp, env=env, timeout=COMPARE_TIMEOUT)
        except subprocess.TimeoutExpired:
            return {"error": f"timeout (> {COMPARE_TIMEOUT} s)"}
        times.append((time.perf_counter() - t0) * 1000)
        if mb is None:
            msg = [l for l in err.splitlines() if "synth failed" in l or "Error" in l]
            return {"error": "failed: " + (msg[0] if msg else err.strip()[-300:]),
                    "ms": times[-1]}
        peaks.append(mb)
    return {"ms": statistics.median(times), "mb": max(peaks), "runs": runs,
            "output": fmt_size(*tree_size(out))}


def bench_compare(rows, sizes, tmp):
    t = ["| N | tool | runs | median ms | peak MB | output | time vs tablec build |",
         "|---:|---|---:|---:|---:|---|---:|"]
    notes = []
    timed_out = set()
    single_tried = False
    # node and the npm packages read from disk once, as tablec's warm-up run
    # does, so that the first size does not pay for a cold page cache
    for tool in ("cdk", "cdktf"):
        compare_one(tool, 1, tmp, 1)
    for n in sizes:
        ratios = []
        base = rows.get((n, "build"))
        if base:
            t.append(f"| {n} | tablec build | {base['runs']} | {fmt_ms(base['ms'])} | "
                     f"{base['mb']:.1f} | {base['output']} | 1x |")
        runs = int(os.environ.get("BENCH_COMPARE_RUNS", 1 if n >= 10000 else 3))
        for tool in ("cdk", "cdktf"):
            label, per_stack = tool, None
            if tool == "cdk" and n * 2 > 500:
                # One stack per environment is over CloudFormation's limits
                # (tablec splits it: the spec says `split: true`). Record
                # once what CDK does with it, then measure CDK split into
                # stacks of CDK_TABLES_PER_STACK tables.
                if not single_tried:
                    single_tried = True
                    log(f"bench: N={n} cdk, one stack per environment ...")
                    r = compare_one(tool, n, tmp, 1)
                    res = r.get("error", "synthesized")
                    notes.append(f"- cdk, N={n}, one stack per environment: {res}"
                                 + (f" after {fmt_ms(r['ms'])} ms" if "ms" in r else ""))
                per_stack = CDK_TABLES_PER_STACK
                label = f"cdk ({-(-n // per_stack)} stacks/env)"
            if tool in timed_out:
                t.append(f"| {n} | {label} | - | skipped: timed out at a smaller N | | | |")
                continue
            log(f"bench: N={n} {label}: {runs} runs ...")
            r = compare_one(tool, n, tmp, runs, per_stack)
            if "error" in r:
                if r["error"].startswith("timeout"):
                    timed_out.add(tool)
                t.append(f"| {n} | {label} | - | {r['error']} | | | |")
                continue
            ratio = fmt_ratio(r["ms"] / base["ms"]) if base else "-"
            t.append(f"| {n} | {label} | {r['runs']} | {fmt_ms(r['ms'])} | {r['mb']:.1f} | "
                     f"{r['output']} | {ratio} |")
            if base:
                ratios.append(f"{tool}/tablec = {fmt_ratio(r['ms'] / base['ms'])}")
        if ratios:
            notes.append(f"- N={n}: " + ", ".join(ratios))
    if any(n * 2 > 500 for n in sizes):
        notes.append(f"- cdk above 250 tables: stacks of {CDK_TABLES_PER_STACK} tables "
                     "(CDK's limit is 500 resources per stack; a table and its grant are 2)")
    return t, notes


def main():
    ap = argparse.ArgumentParser(description="tablec benchmark; see the docstring")
    ap.add_argument("--tablec", required=True, help="the (release) tablec binary")
    ap.add_argument("--results", help="also write the markdown to this file")
    ap.add_argument("--compare", action="store_true", help="also run CDK and cdktf")
    args = ap.parse_args()
    tablec = os.path.abspath(args.tablec)
    results = args.results and os.path.abspath(args.results)
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    sizes = env_ints("BENCH_SIZES", "1 100 1000 10000")
    do_cg = os.environ.get("BENCH_CALLGRIND", "1") != "0"
    if do_cg and not shutil.which("valgrind"):
        log("bench: valgrind not found; skipping instruction counts")
        do_cg = False

    with tempfile.TemporaryDirectory(prefix="tablec-bench-") as tmp:
        rows = bench_tablec(tablec, sizes, tmp, do_cg)
        md = ["# tablec benchmark", "", "Machine:", ""] + machine(tablec, args.compare)
        md += ["", "## tablec", ""] + tablec_table(rows, sizes) + [""] + scaling(rows, sizes)
        if args.compare:
            csizes = env_ints("BENCH_COMPARE_SIZES", " ".join(map(str, sizes)))
            table, notes = bench_compare(rows, csizes, tmp)
            md += ["", "## Side by side: AWS CDK and CDK for Terraform", ""] + table
            md += [""] + notes
    text = "\n".join(md) + "\n"
    print(text, end="")
    if results:
        with open(results, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
