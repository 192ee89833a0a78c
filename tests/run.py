#!/usr/bin/env python3
"""tablec's test runner.

    python3 tests/run.py [--build DIR]... [--update] [-k SUBSTRING] [-j N]

Groups, in order (tests/README.md says what each checks):

  unit      every executable DIR/test_*
  golden    every tests/golden/<case>/ holding a spec.yaml
  specs     every specs/*.yaml: check is clean, out/ is current
  cfn-lint  every generated CloudFormation template, by AWS's linter
  enums     every template and golden IR, against botocore's DynamoDB model
  tables    src/gen/*.inc match scripts/gen-tables.py
  meta      docs/diagnostics.md is current, every code has a golden case,
            E006 on a generated 8 MiB spec, hostile specs at the input
            limit end within 10 s and 512 MB, golden IRs match
            specs/ir.schema.json, src/ uses no banned call, git: sources
            cannot inject options, a copied tablec has its backends,
            stale stack files are found and removed
  diff      every tests/diff/<case>/: tablec diff's four formats as
            recorded, consistent and SARIF-schema valid; agreement with
            AWS CDK's diff engine over every stack file; DynamoDB Local
            replays of the index and key type changes DynamoDB rejects
  stacks    the benchmark's 10,000-table spec split into stacks: limits,
            no reference across stacks, cfn-lint, one more table moves
            only tables of the stack it lands in
  (realtools.py: terraform, awscli, ddblocal, dotenv)
  (eco.py: schema, docs, install, recipes)
  lint      scripts/lint.sh: cppcheck and clang-tidy find nothing in src/
  fuzz      scripts/fuzz.sh: each libFuzzer target runs clean for
            TABLEC_FUZZ_SECONDS (default 60)

unit, golden, specs and diff's recorded outputs run once per --build
(default: build); meta, valgrind, stacks, diff-agree and diff-ddblocal with
the first build only; the others once (lint, and the IRs that the real
tools' groups ask tablec for, with the first build). One line per test
(PASS, FAIL with an indented explanation, SKIP with a reason), then one
last line "N passed, N failed, N skipped". Exit status 1 when anything
failed.

--update regenerates the expected files of the golden cases (check.txt,
status, out/, ir/) and the specs' out/ from the tool itself instead of
comparing; review the result with git diff. Only the first --build updates.

Standard library only; cfn-lint, botocore, moto and PyYAML are found in the
running Python when there. A missing one makes each test that needs it SKIP
(one line per test, each counted), or FAIL when the environment variable CI
is set.
"""

import argparse
import concurrent.futures
import difflib
import glob
import gzip
import importlib.metadata
import importlib.util
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback

import eco  # tests/eco.py: editors, docs, man and completion, CI, packages
import realtools  # tests/realtools.py: groups that run real tools

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOLDEN = os.path.join(ROOT, "tests", "golden")
TIMEOUT = 300          # seconds for one tablec run (sanitizer builds are slow)
DIFF_LINES = 80        # per diff shown in a FAIL explanation
OUTPUT_LINES = 60      # of a command's output shown in a FAIL explanation

PINS = {  # the versions this project is tested with (see oracles.md)
    "cfn-lint": "cfn-lint==1.51.0",
    "botocore": "botocore==1.43.11",
    "moto": "moto==5.2.1",
    "PyYAML": "PyYAML",
    "jsonschema": "jsonschema",
}

IN_CI = os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def rel(path):
    """A path as printed: relative to the repository root."""
    r = os.path.relpath(path, ROOT)
    return path if r.startswith("..") else r.replace(os.sep, "/")


def indent(text, prefix="    "):
    return "\n".join(prefix + line if line else prefix.rstrip()
                     for line in text.rstrip("\n").split("\n"))


def clip(text, limit=OUTPUT_LINES):
    lines = text.rstrip("\n").split("\n")
    if len(lines) <= limit:
        return "\n".join(lines)
    return "\n".join(lines[:limit] + [f"... ({len(lines) - limit} more lines)"])


def decode(data):
    return data.decode("utf-8", errors="replace")


def udiff(want, got, name_want, name_got):
    """A unified diff of two byte strings, clipped."""
    a = decode(want).splitlines(keepends=True)
    b = decode(got).splitlines(keepends=True)
    lines = []
    for line in difflib.unified_diff(a, b, name_want, name_got):
        if not line.endswith("\n"):
            line += "\n\\ No newline at end of file\n"
        lines.append(line)
    text = "".join(lines)
    if not text and want != got:
        text = "(the files differ in bytes that do not show as text)"
    return clip(text, DIFF_LINES)


# ------------------------------------------------------------------ results

class Result:
    def __init__(self, status, name, detail=""):
        self.status = status    # "PASS", "FAIL" or "SKIP"
        self.name = name
        self.detail = detail


class Report:
    def __init__(self, pattern):
        self.pattern = pattern
        self.counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}
        self.lock = threading.Lock()

    def wants(self, name):
        return not self.pattern or self.pattern in name

    def emit(self, r):
        with self.lock:
            self.counts[r.status] += 1
            if r.status == "SKIP":
                line = f"SKIP {r.name}: {r.detail}"
            else:
                line = f"{r.status} {r.name}"
                if r.detail:
                    line += "\n" + indent(r.detail)
            print(line, flush=True)

    def summary(self):
        c = self.counts
        return f"{c['PASS']} passed, {c['FAIL']} failed, {c['SKIP']} skipped"


def not_run(report, names, msg):
    """Tests that cannot run because a tool is missing: each is its own
    SKIP line (FAIL under CI), so that the summary counts every one."""
    for name in [names] if isinstance(names, str) else names:
        if IN_CI:
            report.emit(Result("FAIL", name, msg + " (required when CI is "
                               "set)"))
        else:
            report.emit(Result("SKIP", name, msg))


def missing_tool(report, names, tool, why="not found"):
    """SKIP each test (a name or a list) that needs a missing tool, or FAIL
    it under CI."""
    how = (f"pip install {PINS[tool]}" if tool in PINS else
           "bash scripts/setup.sh (Debian packages, pinned there)")
    not_run(report, names, f"{tool} {why}; install it with {how}")


# ------------------------------------------------------------------ running

# A report of ASan, LSan or UBSan. UBSan's halt_on_error exits with status
# 1, which a failing case expects anyway: so a report fails a run whatever
# its exit status (its rc becomes SANITIZED).
SANITIZER_REPORT = re.compile(
    rb"^(==\d+==ERROR: \w+Sanitizer|\S+:\d+:\d+: runtime error: "
    rb"|SUMMARY: \w+Sanitizer)", re.M)
SANITIZED = -1000


class Run:
    def __init__(self, cmd, rc, out, err=b""):
        self.cmd, self.rc, self.out, self.err = cmd, rc, out, err
        if rc is not None and (SANITIZER_REPORT.search(out) or
                               SANITIZER_REPORT.search(err)):
            self.rc = SANITIZED

    def describe(self):
        """`cmd` exited with ..., and its output, for a FAIL explanation."""
        text = f"$ {' '.join(self.cmd)}\n{status_name(self.rc)}"
        both = self.out + self.err
        if both.strip():
            text += "; output:\n" + indent(clip(decode(both)), "  ")
        return text


def status_name(rc):
    if rc is None:
        return f"timed out after {TIMEOUT}s"
    if rc == SANITIZED:
        return "stopped by a sanitizer report"
    if rc < 0:
        try:
            return f"killed by {signal.Signals(-rc).name}"
        except ValueError:
            return f"killed by signal {-rc}"
    return f"exit status {rc}"


def run(cmd, cwd, merge=True, env=None):
    """Runs cmd; with merge, stdout and stderr interleave in .out."""
    try:
        p = subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, env=env,
                           stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT if merge else subprocess.PIPE,
                           timeout=TIMEOUT)
    except subprocess.TimeoutExpired as e:
        return Run(cmd, None, e.stdout or b"", e.stderr or b"")
    except OSError as e:
        return Run(cmd, 127, str(e).encode())
    return Run(cmd, p.returncode, p.stdout, p.stderr or b"")


def crashed(rc):
    """A run that no expected file may record: timeout, signal, BUG()."""
    return rc is None or rc < 0 or rc == 70 or rc > 2


def read_tree(top):
    """{relative posix path: bytes} of every file under top."""
    tree = {}
    if not os.path.isdir(top):
        return tree
    for d, dirs, files in os.walk(top):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(d, f)
            tree[os.path.relpath(p, top).replace(os.sep, "/")] = \
                open(p, "rb").read()
    return tree


def tree_diff(want, got, name_want, name_got):
    """Explanations of how tree got differs from tree want ([] if equal)."""
    out = []
    for f in sorted(set(want) - set(got)):
        out.append(f"{f}: only in {name_want}")
    for f in sorted(set(got) - set(want)):
        out.append(f"{f}: only in {name_got}")
    for f in sorted(set(want) & set(got)):
        if want[f] != got[f]:
            out.append(f"{f} differs:\n" + indent(
                udiff(want[f], got[f], f"{name_want}/{f}", f"{name_got}/{f}"),
                "  "))
    return out


def write_if_changed(path, data, changed):
    try:
        if open(path, "rb").read() == data:
            return
    except FileNotFoundError:
        pass
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    changed.append(f"wrote {rel(path)}")


def sync_tree(top, tree, changed):
    """Makes the folder top hold exactly the files of tree."""
    have = read_tree(top)
    for f in sorted(set(have) - set(tree)):
        os.remove(os.path.join(top, f))
        changed.append(f"deleted {rel(os.path.join(top, f))}")
    for f, data in sorted(tree.items()):
        write_if_changed(os.path.join(top, f), data, changed)
    if os.path.isdir(top):   # prune folders left empty
        for d, dirs, files in os.walk(top, topdown=False):
            if not os.listdir(d):
                os.rmdir(d)


def remove_tree(top, changed):
    if os.path.exists(top):
        shutil.rmtree(top)
        changed.append(f"deleted {rel(top)}/")


# --------------------------------------------------------------------- unit

def group_unit(report, build, label):
    exes = sorted(p for p in (os.path.join(build, f) for f in
                              os.listdir(build) if f.startswith("test_"))
                  if os.path.isfile(p) and os.access(p, os.X_OK))
    if not exes:
        name = "unit" + label
        if report.wants(name):
            report.emit(Result("FAIL", name,
                               f"no {rel(build)}/test_* executable found; "
                               f"run meson compile -C {rel(build)}"))
        return
    for exe in exes:
        name = f"unit/{os.path.basename(exe)}{label}"
        if not report.wants(name):
            continue
        r = run([exe], ROOT)   # meson runs them in the source root too
        if r.rc == 0:
            report.emit(Result("PASS", name))
        else:
            r.cmd = [rel(exe)]
            report.emit(Result("FAIL", name, r.describe()))


# ------------------------------------------------------------------- golden

def read_text(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None


def parse_status(data):
    try:
        return int(decode(data).strip())
    except ValueError:
        return None


def case_args(case):
    data = read_text(os.path.join(case, "args"))
    if data is None:
        return []
    return [line for line in decode(data).split("\n") if line.strip()]


def check_formats(tablec, case, status):
    """Checks --format json, github and sarif against each other and status;
    returns a list of problems."""
    problems = []
    runs = {}
    for fmt in ("json", "github", "sarif"):
        r = run([tablec, "check", "spec.yaml", "--format", fmt], case,
                merge=False)
        r.cmd = ["tablec"] + r.cmd[1:]
        runs[fmt] = r
        if r.rc != status:
            problems.append(f"--format {fmt}: expected exit status {status}, "
                            f"got {status_name(r.rc)}\n" +
                            indent(r.describe(), "  "))
    if problems or status not in (0, 1):
        return problems

    # json: {"diagnostics": [...], "summary": {"errors": N, "warnings": N}}
    r = runs["json"]
    try:
        doc = json.loads(r.out)
    except ValueError as e:
        return [f"--format json: stdout is not JSON ({e})\n" +
                indent(r.describe(), "  ")]
    diags = doc.get("diagnostics") if isinstance(doc, dict) else None
    summary = doc.get("summary") if isinstance(doc, dict) else None
    if not isinstance(diags, list) or not isinstance(summary, dict):
        return ['--format json: expected an object with "diagnostics" (a '
                'list) and "summary" (an object)']
    fields = {"file": str, "line": int, "column": int, "severity": str,
              "code": str, "message": str}
    count = {"error": 0, "warning": 0}
    for i, d in enumerate(diags):
        if not isinstance(d, dict):
            problems.append(f"--format json: diagnostics[{i}] is not an object")
            continue
        bad = [f"{key} ({'integer' if typ is int else 'string'})"
               for key, typ in fields.items()
               if not isinstance(d.get(key), typ)
               or isinstance(d.get(key), bool)]
        if bad:
            problems.append(f"--format json: diagnostics[{i}] lacks "
                            f"{', '.join(bad)}")
        if d.get("severity") in count:
            count[d["severity"]] += 1
    for sev, key in (("error", "errors"), ("warning", "warnings")):
        n = summary.get(key)
        if not isinstance(n, int) or isinstance(n, bool):
            problems.append(f"--format json: summary.{key} is missing or not "
                            f"an integer")
        elif n != count[sev]:
            problems.append(f"--format json: summary.{key} is {n} but "
                            f"diagnostics hold {count[sev]} {sev}s")
    if (count["error"] > 0) != (status == 1):
        problems.append(f"--format json: {count['error']} errors, but the "
                        f"exit status is {status}")

    # github: one ::error / ::warning workflow command per diagnostic
    lines = decode(runs["github"].out).splitlines()
    for sev in ("error", "warning"):
        n = sum(1 for line in lines if line.startswith(f"::{sev} ")
                or line.startswith(f"::{sev}::"))
        if n != count[sev]:
            problems.append(f"--format github: {n} ::{sev} lines, but json "
                            f"has {count[sev]} {sev}s\n" +
                            indent(runs["github"].describe(), "  "))

    # sarif: version 2.1.0, one result per diagnostic
    r = runs["sarif"]
    try:
        doc = json.loads(r.out)
        version = doc.get("version")
        results = doc["runs"][0]["results"]
        if not isinstance(results, list):
            raise TypeError("runs[0].results is not a list")
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as e:
        problems.append(f"--format sarif: not a SARIF log with "
                        f"runs[0].results ({type(e).__name__}: {e})\n" +
                        indent(r.describe(), "  "))
        return problems
    if version != "2.1.0":
        problems.append(f'--format sarif: "version" is {version!r}, '
                        f'expected "2.1.0"')
    if len(results) != len(diags):
        problems.append(f"--format sarif: {len(results)} results, but json "
                        f"has {len(diags)} diagnostics")
    return problems


def build_into(tablec, case, args):
    """Runs build into a fresh temporary folder; returns (Run, tree, dirs
    and files left in it) and removes the folder."""
    tmp = tempfile.mkdtemp(prefix="tablec-golden-")
    try:
        r = run([tablec, "build", "spec.yaml", "-o", tmp] + args, case)
        tree = read_tree(tmp)
        entries = sorted(os.path.relpath(os.path.join(d, n), tmp)
                         for d, ds, fs in os.walk(tmp) for n in ds + fs)
        # Messages may name the output folder: make them comparable.
        r.out = r.out.replace(tmp.encode(), b"OUTDIR")
        r.cmd = ["tablec", "build", "spec.yaml", "-o", "OUTDIR"] + args
        return r, tree, entries
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def golden_case(tablec, case, update, label, report):
    """Runs every check of one case; returns a list of Results."""
    cname = "golden/" + os.path.basename(case)
    results = []
    updating = f"; run python3 tests/run.py --update -k {os.path.basename(case)}"

    def add(sub, problems, changed=None):
        name = f"{cname}/{sub}{label}"
        if not report.wants(name):
            return
        if problems:
            results.append(Result("FAIL", name, "\n".join(problems)))
        else:
            results.append(Result("PASS", name, "\n".join(changed or [])))

    # check: text diagnostics and exit status
    r = run([tablec, "check", "spec.yaml"], case)
    r.cmd = ["tablec"] + r.cmd[1:]
    changed, problems = [], []
    check_path = os.path.join(case, "check.txt")
    status_path = os.path.join(case, "status")
    if update:
        if crashed(r.rc):
            problems.append("tablec check did not finish normally; expected "
                            "files left as they were\n" + r.describe())
        else:
            write_if_changed(check_path, r.out, changed)
            write_if_changed(status_path, f"{r.rc}\n".encode(), changed)
        status = r.rc
    else:
        want_out = read_text(check_path)
        want_status = read_text(status_path)
        status = parse_status(want_status) if want_status is not None else None
        if want_out is None or want_status is None:
            problems.append("missing expected check.txt or status" + updating)
        elif status is None:
            problems.append(f"{rel(status_path)}: not a number")
        else:
            if r.rc != status:
                problems.append(f"expected exit status {status}, got "
                                f"{status_name(r.rc)}")
            if r.out != want_out:
                problems.append(f"output differs from {rel(check_path)}:\n" +
                                indent(udiff(want_out, r.out,
                                             rel(check_path), "actual"), "  "))
    add("check", problems, changed)
    if status is None or crashed(status):
        return results

    # formats: json, github, sarif agree with each other and the status
    add("formats", check_formats(tablec, case, status))

    # build: the output tree, or nothing at all on errors
    args = case_args(case)
    out_dir = os.path.join(case, "out")
    ir_dir = os.path.join(case, "ir")
    b1, tree, entries = build_into(tablec, case, args)
    changed, problems = [], []
    if status == 0:
        if b1.rc != 0:
            problems.append("check passes but build fails:\n" + b1.describe())
        elif update:
            sync_tree(out_dir, tree, changed)
        else:
            diffs = tree_diff(read_tree(out_dir), tree, rel(out_dir), "actual")
            if diffs:
                problems.append(f"output differs from {rel(out_dir)}/:")
                problems += diffs
    else:
        if b1.rc != status:
            problems.append(f"expected exit status {status} (as check), got "
                            f"{status_name(b1.rc)}\n" + b1.describe())
        if entries:
            problems.append("a failed build wrote into its output folder: " +
                            ", ".join(entries[:20]))
        if update:
            remove_tree(out_dir, changed)
            remove_tree(ir_dir, changed)
        else:
            for d in (out_dir, ir_dir):
                if os.path.exists(d):
                    problems.append(f"{rel(d)}/ exists but the case fails "
                                    f"(status {status}){updating}")
    add("build", problems, changed)

    # determinism: a second build gives the same bytes
    b2, tree2, _ = build_into(tablec, case, args)
    problems = []
    if b2.rc != b1.rc:
        problems.append(f"first build: {status_name(b1.rc)}, second: "
                        f"{status_name(b2.rc)}")
    if b2.out != b1.out:
        problems.append("build messages differ:\n" +
                        indent(udiff(b1.out, b2.out, "first", "second"), "  "))
    problems += tree_diff(tree, tree2, "first", "second")
    add("determinism", problems)

    # ir: one JSON document per environment that build wrote
    if status != 0:
        return results
    envs = sorted({f.split("/")[0] for f in (tree if b1.rc == 0 else
                                            read_tree(out_dir)) if "/" in f})
    changed, problems = [], []
    irs = {}
    for env in envs:
        r = run([tablec, "ir", "spec.yaml", "--env", env], case, merge=False)
        r.cmd = ["tablec"] + r.cmd[1:]
        if r.rc != 0:
            problems.append(f"ir --env {env}: " + r.describe())
            continue
        try:
            json.loads(r.out)
        except ValueError as e:
            problems.append(f"ir --env {env}: stdout is not JSON ({e})")
            continue
        irs[f"{env}.json"] = r.out
    if update:
        if not problems:
            sync_tree(ir_dir, irs, changed)
    else:
        want = read_tree(ir_dir)
        for f in sorted(set(want) - set(irs) - {f"{e}.json" for e in envs}):
            problems.append(f"{rel(ir_dir)}/{f}: build wrote no folder "
                            f"{f[:-5]}{updating}")
        for f in sorted(set(irs) - set(want)):
            problems.append(f"missing expected {rel(ir_dir)}/{f}{updating}")
        for f in sorted(set(irs) & set(want)):
            if irs[f] != want[f]:
                problems.append(f"ir/{f} differs:\n" + indent(
                    udiff(want[f], irs[f], f"{rel(ir_dir)}/{f}", "actual"),
                    "  "))
    add("ir", problems, changed)
    return results


def golden_cases():
    if not os.path.isdir(GOLDEN):
        return []
    return [os.path.join(GOLDEN, d) for d in sorted(os.listdir(GOLDEN))
            if os.path.isfile(os.path.join(GOLDEN, d, "spec.yaml"))]


def group_golden(report, tablec, update, label, jobs):
    subs = ("check", "formats", "build", "determinism", "ir")
    cases = [c for c in golden_cases()
             if any(report.wants(f"golden/{os.path.basename(c)}/{s}{label}")
                    for s in subs)]
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        for results in pool.map(
                lambda c: golden_case(tablec, c, update, label, report),
                cases):
            for r in results:
                report.emit(r)


# ----------------------------------------------------------------- valgrind

VALGRIND = ["valgrind", "-q", "--error-exitcode=99", "--leak-check=full",
            "--show-leak-kinds=definite,indirect",
            "--errors-for-leak-kinds=definite,indirect"]


def group_valgrind(report, tablec, jobs):
    """Every golden case's check and build under valgrind's memcheck: no
    invalid access, no uninitialised value, no leak. tablec frees its one
    arena per compilation, so "definitely" and "indirectly lost" are
    zero; a finding makes valgrind exit with 99."""
    if shutil.which("valgrind") is None:
        missing_tool(report, [n for n in (
            f"valgrind/{os.path.basename(c)}" for c in golden_cases())
            if report.wants(n)], "valgrind")
        return
    # the built-in backends, as a user gets them (a TABLEC_TEMPLATES set
    # outside would render other templates)
    env = {k: v for k, v in os.environ.items() if k != "TABLEC_TEMPLATES"}

    def one(case):
        name = f"valgrind/{os.path.basename(case)}"
        if not report.wants(name):
            return None
        problems = []
        with tempfile.TemporaryDirectory() as tmp:
            for args in (["check", "spec.yaml"],
                         ["build", "spec.yaml", "-o", tmp] + case_args(case)):
                try:
                    p = subprocess.run(VALGRIND + [tablec] + args, cwd=case,
                                       env=env, stdin=subprocess.DEVNULL,
                                       stdout=subprocess.DEVNULL,
                                       stderr=subprocess.PIPE, timeout=TIMEOUT)
                except subprocess.TimeoutExpired:
                    problems.append(f"tablec {args[0]}: timed out")
                    continue
                if p.returncode == 99 or p.returncode < 0:
                    problems.append(f"tablec {args[0]}: valgrind reports:\n"
                                    + indent(clip(decode(p.stderr))))
        return Result("FAIL" if problems else "PASS", name,
                      "\n".join(problems))

    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        for r in pool.map(one, golden_cases()):
            if r:
                report.emit(r)


# -------------------------------------------------------------------- specs

def group_specs(report, tablec, update, label, jobs):
    specs_dir = os.path.join(ROOT, "specs")
    specs = sorted(f for f in os.listdir(specs_dir) if f.endswith(".yaml")) \
        if os.path.isdir(specs_dir) else []

    def one(spec):
        base = f"specs/{spec[:-5]}"
        path = f"specs/{spec}"
        out = []
        if report.wants(f"{base}/check{label}"):
            r = run([tablec, "check", path], ROOT)
            r.cmd = ["tablec"] + r.cmd[1:]
            out.append(Result("PASS" if r.rc == 0 else "FAIL",
                              f"{base}/check{label}",
                              "" if r.rc == 0 else r.describe()))
        if report.wants(f"{base}/build{label}"):
            cmd = [tablec, "build", path] + ([] if update else ["--check"])
            r = run(cmd, ROOT)
            r.cmd = ["tablec"] + r.cmd[1:]
            detail = ""
            if r.rc != 0:
                detail = r.describe()
                if not update:
                    detail += ("\nout/ is stale or the spec fails; refresh it "
                               f"with python3 tests/run.py --update -k {base}")
            out.append(Result("PASS" if r.rc == 0 else "FAIL",
                              f"{base}/build{label}", detail))
        return out

    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        for results in pool.map(one, specs):
            for r in results:
                report.emit(r)


# ----------------------------------------------------------------- cfn-lint

def templates():
    """Every generated CloudFormation template, as absolute paths: one per
    environment, or one per stack (cloudformation.<id>.yaml) when split."""
    names = re.compile(r"cloudformation(\.[01]+)?\.(yaml|json)$")
    tops = [os.path.join(ROOT, "out")] + \
        [os.path.join(c, "out") for c in golden_cases()]
    found = []
    for top in tops:
        for d, dirs, files in os.walk(top):
            dirs.sort()
            found += [os.path.join(d, f) for f in sorted(files)
                      if names.match(f)]
    return found


def cfn_lint_command():
    """cfn-lint as a command: TABLEC_CFN_LINT when set (split like a shell
    command line; the self-test of the group uses fakes this way), else the
    module of this Python, else cfn-lint in PATH; None when there is none."""
    env = os.environ.get("TABLEC_CFN_LINT")
    if env:
        return shlex.split(env)
    if importlib.util.find_spec("cfnlint") is not None:
        return [sys.executable, "-c",
                "import sys; from cfnlint.runner import main; sys.exit(main())"]
    exe = shutil.which("cfn-lint")
    return [exe] if exe else None


# cfn-lint's exit status is a bit mask of what it found: 2 errors, 4
# warnings, 8 informational findings. Anything else (1 is its own failure,
# a signal, a status above 15) means it did not lint.
CFN_LINT_LEVELS = {"Error": 2, "Warning": 4, "Informational": 8}


def cfn_lint_results(cmd, files):
    """Runs cfn-lint (cmd) once over files and judges each file: a Result
    per file. A run that crashed (an exit status that is not a mask of 2, 4
    and 8, anything on stderr, stdout that is not a JSON list of findings,
    a finding of no file of the run, or a status that does not match the
    findings) fails every file of the run with the reason."""
    names = [rel(f) for f in files]
    r = run(cmd + ["--format", "json", "--include-checks", "I", "--"] + names,
            ROOT, merge=False)
    shown = ["cfn-lint", "--format", "json", "--include-checks", "I", "--",
             "..."]
    why = None
    findings = None
    if r.rc is None or r.rc < 0 or r.rc & ~14:
        why = (f"cfn-lint crashed ({status_name(r.rc)}, not a mask of 2, 4 "
               f"and 8)")
    elif r.err.strip():
        why = "cfn-lint wrote to stderr"
    else:
        try:
            findings = json.loads(r.out)
            if not isinstance(findings, list) or \
                    not all(isinstance(m, dict) for m in findings):
                raise ValueError("not a list of findings")
        except ValueError as e:
            why = f"cfn-lint gave no JSON report ({e})"
    per_file = {n: [] for n in names}
    if why is None:
        mask = 0
        for m in findings:
            fname = m.get("Filename")
            fname = os.path.normpath(fname).replace(os.sep, "/") \
                if isinstance(fname, str) else fname
            if fname not in per_file:
                why = (f"cfn-lint reported a finding of no file it was "
                       f"given ({fname!r}): {m.get('Message')}")
                break
            per_file[fname].append(m)
            mask |= CFN_LINT_LEVELS.get(m.get("Level"), 0)
        if why is None and mask != r.rc:
            why = (f"cfn-lint's {status_name(r.rc)} does not match its "
                   f"findings (they make the mask {mask})")
    if why is not None:
        r.cmd = shown
        return [Result("FAIL", f"cfn-lint/{n}", f"{why}; no template of "
                       f"this run is judged\n" + r.describe())
                for n in names]
    results = []
    for n in names:
        bad, info = [], []
        for m in per_file[n]:
            start = m.get("Location", {}).get("Start", {})
            rule = m.get("Rule", {}).get("Id", "?")
            level = m.get("Level", "?")
            msg = str(m.get("Message", ""))
            if len(msg) > 400:
                msg = msg[:400] + "..."
            text = (f"{n}:{start.get('LineNumber', 0)}:"
                    f"{start.get('ColumnNumber', 0)}: {level} {rule} {msg}")
            (info if level == "Informational" else bad).append(text)
        results.append(Result("FAIL" if bad else "PASS", f"cfn-lint/{n}",
                              "\n".join(bad + info)))
    return results


# Fake cfn-lints for the group's self-test: python3 -c FAKE_CFN_LINT CASE
# ARGS... behaves as CASE says (the file name is the last argument).
FAKE_CFN_LINT = r"""
import json, sys
case, f = sys.argv[1], sys.argv[-1]
def finding(level, rule):
    return {"Filename": f, "Level": level, "Rule": {"Id": rule},
            "Message": "fake", "Location": {"Start": {"LineNumber": 1,
                                                      "ColumnNumber": 1}}}
if case == "crash":
    sys.stderr.write('Traceback (most recent call last):\n  File "x.py", '
                     'line 1, in <module>\nKeyError: fake\n')
    sys.exit(1)
if case == "crash-exit-0":
    sys.stderr.write("Traceback (most recent call last):\nKeyError: fake\n")
    sys.exit(0)
if case == "silent":
    sys.exit(0)
if case == "status-without-findings":
    print("[]"); sys.exit(2)
if case == "error":
    print(json.dumps([finding("Error", "E3001")])); sys.exit(2)
if case == "informational":
    print(json.dumps([finding("Informational", "I3011")])); sys.exit(8)
if case == "no-file":
    print(json.dumps([dict(finding("Error", "E0003"), Filename=None)]))
    sys.exit(2)
print("[]")
"""
CFN_LINT_SELF_TEST = (  # case, expected status of the one template
    ("crash", "FAIL"), ("crash-exit-0", "FAIL"), ("silent", "FAIL"),
    ("status-without-findings", "FAIL"), ("error", "FAIL"),
    ("informational", "PASS"), ("no-file", "FAIL"), ("clean", "PASS"))


def cfn_lint_self_test(report, files):
    """cfn-lint/self-test: the judge of this group, given fake cfn-lints,
    fails a template when cfn-lint crashes or finds something, and passes
    it only on a clean report."""
    name = "cfn-lint/self-test"
    if not report.wants(name) or not files:
        return
    problems = []
    for case, want in CFN_LINT_SELF_TEST:
        got = cfn_lint_results([sys.executable, "-c", FAKE_CFN_LINT, case],
                               files[:1])
        if len(got) != 1 or got[0].status != want:
            problems.append(f"a fake cfn-lint '{case}': expected {want}, "
                            f"got " + "; ".join(f"{g.status} {g.name}"
                                                for g in got))
    report.emit(Result("FAIL" if problems else "PASS", name,
                       "\n".join(problems)))


def group_cfn_lint(report):
    files = templates()
    cfn_lint_self_test(report, files)
    files = [f for f in files if report.wants(f"cfn-lint/{rel(f)}")]
    if not files:
        return
    cmd = cfn_lint_command()
    if cmd is None:
        missing_tool(report, [f"cfn-lint/{rel(f)}" for f in files],
                     "cfn-lint")
        return
    # --include-checks I: informational findings too (printed, not failed
    # on).
    for r in cfn_lint_results(cmd, files):
        report.emit(r)


# -------------------------------------------------------------------- enums

class Model:
    """Enums and name limits of botocore's DynamoDB service model."""
    SHAPES = ("BillingMode", "TableClass", "ProjectionType", "StreamViewType",
              "ScalarAttributeType", "KeyType", "SSEType", "TableName",
              "IndexName")

    def __init__(self, shapes):
        self.shapes = {k: shapes[k] for k in self.SHAPES}

    @classmethod
    def load(cls):
        spec = importlib.util.find_spec("botocore")
        if spec is None or not spec.submodule_search_locations:
            return None
        base = os.path.join(list(spec.submodule_search_locations)[0], "data",
                            "dynamodb", "2012-08-10")
        for name, opener in (("service-2.json.gz", gzip.open),
                             ("service-2.json", open)):
            p = os.path.join(base, name)
            if os.path.isfile(p):
                with opener(p, "rb") as f:
                    return cls(json.load(f)["shapes"])
        return None

    def check(self, shape, value, where, problems):
        """Checks a value against a shape; intrinsics pass, except a Fn::Sub
        of a string without variables, which is that string."""
        if isinstance(value, dict) and list(value) == ["Fn::Sub"] and \
                isinstance(value["Fn::Sub"], str) and "${" not in value["Fn::Sub"]:
            value = value["Fn::Sub"]
        if not isinstance(value, str):
            return
        s = self.shapes[shape]
        if "enum" in s and value not in s["enum"]:
            problems.append(f"{where}: {value!r} is not a {shape} "
                            f"({', '.join(s['enum'])})")
        if "pattern" in s and not re.fullmatch(s["pattern"], value):
            problems.append(f"{where}: {value!r} does not match the {shape} "
                            f"pattern {s['pattern']}")
        n = len(value.encode("utf-8"))
        if n < s.get("min", 0) or n > s.get("max", n):
            problems.append(f"{where}: {value!r} is {n} bytes long; a "
                            f"{shape} takes {s.get('min', 0)} to "
                            f"{s.get('max')}")


def as_list(v):
    return v if isinstance(v, list) else []


def as_dict(v):
    return v if isinstance(v, dict) else {}


def check_table(model, props, where, problems):
    chk = model.check
    chk("TableName", props.get("TableName"), f"{where}.TableName", problems)
    chk("BillingMode", props.get("BillingMode"), f"{where}.BillingMode",
        problems)
    chk("TableClass", props.get("TableClass"), f"{where}.TableClass", problems)
    for i, a in enumerate(as_list(props.get("AttributeDefinitions"))):
        chk("ScalarAttributeType", as_dict(a).get("AttributeType"),
            f"{where}.AttributeDefinitions[{i}].AttributeType", problems)
    for i, k in enumerate(as_list(props.get("KeySchema"))):
        chk("KeyType", as_dict(k).get("KeyType"),
            f"{where}.KeySchema[{i}].KeyType", problems)
    for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        for i, ix in enumerate(as_list(props.get(kind))):
            ix = as_dict(ix)
            w = f"{where}.{kind}[{i}]"
            chk("IndexName", ix.get("IndexName"), f"{w}.IndexName", problems)
            for j, k in enumerate(as_list(ix.get("KeySchema"))):
                chk("KeyType", as_dict(k).get("KeyType"),
                    f"{w}.KeySchema[{j}].KeyType", problems)
            chk("ProjectionType",
                as_dict(ix.get("Projection")).get("ProjectionType"),
                f"{w}.Projection.ProjectionType", problems)
    chk("StreamViewType",
        as_dict(props.get("StreamSpecification")).get("StreamViewType"),
        f"{where}.StreamSpecification.StreamViewType", problems)
    chk("SSEType", as_dict(props.get("SSESpecification")).get("SSEType"),
        f"{where}.SSESpecification.SSEType", problems)


def check_ir(model, doc, problems):
    """Checks the IR (specs/ir.schema.json: every key always present,
    enums in the AWS API's vocabulary) as check_table checks a template.
    Returns how many tables it checked."""
    chk = model.check
    tables = as_dict(doc).get("tables")
    if not isinstance(tables, list):
        problems.append('no "tables" list: the IR layout changed; update '
                        'check_ir in tests/run.py')
        return 0
    for i, t in enumerate(tables):
        t = as_dict(t)
        w = f"tables[{i}]"
        if not isinstance(t.get("name"), str) or \
                not isinstance(t.get("billing_mode"), str):
            problems.append(f'{w}: no "name" or "billing_mode" string: the IR '
                            f'layout changed; update check_ir in tests/run.py')
            continue
        chk("TableName", t["name"], f"{w}.name", problems)
        chk("BillingMode", t["billing_mode"], f"{w}.billing_mode", problems)
        chk("TableClass", t.get("table_class"), f"{w}.table_class", problems)
        for j, a in enumerate(as_list(t.get("attribute_definitions"))):
            chk("ScalarAttributeType", as_dict(a).get("type"),
                f"{w}.attribute_definitions[{j}].type", problems)
        for k in ("partition_key", "sort_key"):
            chk("ScalarAttributeType", as_dict(t.get(k)).get("type"),
                f"{w}.{k}.type", problems)
        for j, k in enumerate(as_list(t.get("key_schema"))):
            chk("KeyType", as_dict(k).get("key_type"),
                f"{w}.key_schema[{j}].key_type", problems)
        for kind in ("global_indexes", "local_indexes"):
            for j, ix in enumerate(as_list(t.get(kind))):
                ix = as_dict(ix)
                wi = f"{w}.{kind}[{j}]"
                chk("IndexName", ix.get("name"), f"{wi}.name", problems)
                for n, k in enumerate(as_list(ix.get("key_schema"))):
                    chk("KeyType", as_dict(k).get("key_type"),
                        f"{wi}.key_schema[{n}].key_type", problems)
                chk("ProjectionType", as_dict(ix.get("projection")).get("type"),
                    f"{wi}.projection.type", problems)
        chk("StreamViewType", as_dict(t.get("stream")).get("view_type"),
            f"{w}.stream.view_type", problems)
    return len(tables)


def cfn_yaml_loader(yaml):
    """A SafeLoader that reads CloudFormation's short tags (!Ref, !Sub...)
    as their long forms."""
    class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
        pass

    def tag(loader, suffix, node):
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        if suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        return {suffix if suffix in ("Ref", "Condition") else "Fn::" + suffix:
                value}
    Loader.add_multi_constructor("!", tag)
    return Loader


def group_enums(report):
    files = templates() + sorted(
        os.path.join(c, "ir", f) for c in golden_cases()
        if os.path.isdir(os.path.join(c, "ir"))
        for f in os.listdir(os.path.join(c, "ir")) if f.endswith(".json"))
    files = [f for f in files if report.wants(f"enums/{rel(f)}")]
    if not files:
        return
    model = Model.load()
    if model is None:
        missing_tool(report, [f"enums/{rel(f)}" for f in files],
                     "botocore", "not found (or has no DynamoDB model)")
        return
    try:
        import yaml
        loader = cfn_yaml_loader(yaml)
    except ImportError:
        yaml = loader = None
    for f in files:
        name = f"enums/{rel(f)}"
        problems = []
        notes = ""
        try:
            if f.endswith(".yaml"):
                if yaml is None:
                    missing_tool(report, name, "PyYAML")
                    continue
                with open(f, "rb") as fh:
                    doc = yaml.load(fh, Loader=loader)
            else:
                with open(f, "rb") as fh:
                    doc = json.load(fh)
        except Exception as e:  # a broken file is a finding, not a crash
            report.emit(Result("FAIL", name, f"cannot parse: {e}"))
            continue
        if not os.path.basename(f).startswith("cloudformation."):
            if not check_ir(model, doc, problems) and not problems:
                notes = "no table"
        else:
            n = 0
            for rid, res in as_dict(as_dict(doc).get("Resources")).items():
                res = as_dict(res)
                if res.get("Type") == "AWS::DynamoDB::Table":
                    n += 1
                    check_table(model, as_dict(res.get("Properties")),
                                f"Resources.{rid}.Properties", problems)
            if not n:
                notes = "no AWS::DynamoDB::Table resource"
        report.emit(Result("FAIL" if problems else "PASS", name,
                           "\n".join(problems) or notes))


# ------------------------------------------------------------------- tables

def group_tables(report):
    name = "tables/gen-tables"
    if not report.wants(name):
        return
    for module, tool in (("moto", "moto"), ("cfnlint", "cfn-lint")):
        if importlib.util.find_spec(module) is None:
            missing_tool(report, name, tool)
            return
    r = run([sys.executable, "scripts/gen-tables.py", "--check"], ROOT)
    r.cmd = ["python3", "scripts/gen-tables.py", "--check"]
    report.emit(Result("PASS" if r.rc == 0 else "FAIL", name,
                       "" if r.rc == 0 else r.describe()))


# -------------------------------------------------------------------- meta

DIAG_DOC = "docs/diagnostics.md"
DIAG_HEAD = """# Diagnostic codes

Every diagnostic tablec reports has one of these codes. A code is never
renumbered, reused or removed. `tablec explain CODE` prints the same text.
This file is generated by `tablec explain --markdown` (tests/run.py --update);
a test fails when it is stale.

"""


def group_meta(report, tablec, update, jobs):
    """Checks that keep the project honest about itself: the diagnostics
    reference is current, every code has a golden case that fires it, every
    IR validates against specs/ir.schema.json, and src/ uses no banned call."""
    name = "meta/diagnostics-doc"
    if report.wants(name):
        r = run([tablec, "explain", "--markdown"], ROOT, merge=False)
        want = DIAG_HEAD.encode() + r.out
        path = os.path.join(ROOT, DIAG_DOC)
        try:
            with open(path, "rb") as f:
                have = f.read()
        except OSError:
            have = None
        if have == want:
            report.emit(Result("PASS", name))
        elif update:
            with open(path, "wb") as f:
                f.write(want)
            report.emit(Result("PASS", name, f"wrote {DIAG_DOC}"))
        else:
            report.emit(Result("FAIL", name, f"{DIAG_DOC} is stale; run "
                               "python3 tests/run.py --update"))

    name = "meta/every-code-fires"
    if report.wants(name):
        r = run([tablec, "explain", "--list"], ROOT, merge=False)
        codes = [line.split()[0] for line in decode(r.out).splitlines() if line]
        fired = set()
        expected = [os.path.join(case, "check.txt") for case in golden_cases()]
        expected += glob.glob(os.path.join(ROOT, "tests", "diff", "*",
                                           "diff.txt"))
        for path in expected:
            text = decode(read_text(path) or b"")
            fired.update(re.findall(r"\[([EWD][0-9]{3})\]$", text, re.M))
        # E006 and E245 need specs too large to keep as golden cases (an
        # input over 8 MiB, an output over 64 MiB): made at run time below
        missing = [c for c in codes
                   if c not in fired and c not in ("E006", "E245")]
        report.emit(Result("FAIL" if missing else "PASS", name,
                           "no golden or diff case fires " + ", ".join(missing)
                           if missing else ""))

    name = "meta/file-too-large"
    if report.wants(name):
        with tempfile.TemporaryDirectory() as tmp:
            big = os.path.join(tmp, "big.yaml")
            with open(big, "w") as f:
                f.write("tablec: 1\n# " + "x" * (8 << 20) + "\n")
            r = run([tablec, "check", "big.yaml"], tmp)
            out = decode(r.out)
            ok = r.rc == 1 and "[E006]" in out and "big.yaml:1:1:" in out
            report.emit(Result("PASS" if ok else "FAIL", name,
                               "" if ok else r.describe()))

    # An output over 64 MiB from a spec within the input limits: 4,000
    # tables inheriting 50 tags of 128-character keys and 256-character
    # values. build exits 1 with E245 at `tables`, and writes nothing.
    name = "meta/output-too-large"
    if report.wants(name):
        tags = "".join(f"    k{i:02d}{'k' * 120}: {'v' * 256}\n"
                       for i in range(50))
        tables = "".join(f"  t{i:04d}: {{ attributes: {{ id: S }}, key: id }}\n"
                         for i in range(4000))
        spec = ("tablec: 1\nproject: big\ncloudformation: { split: true }\n"
                f"defaults:\n  billing: on_demand\n  tags:\n{tags}"
                f"tables:\n{tables}")
        with tempfile.TemporaryDirectory() as tmp:
            with open(os.path.join(tmp, "big.yaml"), "w") as f:
                f.write(spec)
            r = run([tablec, "build", "big.yaml", "-o", "out", "--target",
                     "terraform"], tmp)
            out = decode(r.out)
            ok = (r.rc == 1 and "big.yaml:57:1: error:" in out
                  and "default/main.tf would be larger than 64 MiB" in out
                  and "[E245]" in out
                  and not os.path.exists(os.path.join(tmp, "out")))
            report.emit(Result("PASS" if ok else "FAIL", name,
                               "" if ok else r.describe()))

    # tablec diff past the 10,000 kept diagnostics: 12,000 removals (6,000
    # tables in two environments), all allowed, still exit 0, and the
    # summary says how many were not shown.
    name = "meta/diff-past-the-cap"
    if report.wants(name):
        def spec(n):
            return ("tablec: 1\nproject: p\ncloudformation: { split: true }\n"
                    "environments:\n  staging: { region: eu-west-1 }\n"
                    "  production: { region: eu-west-1 }\ntables:\n"
                    + "".join(f"  t{i:05d}: {{ attributes: {{ id: S }}, key: id }}\n"
                              for i in range(n)))
        with tempfile.TemporaryDirectory() as tmp:
            for fname, n in (("old.yaml", 6000), ("new.yaml", 1)):
                with open(os.path.join(tmp, fname), "w") as f:
                    f.write(spec(n))
            r = run([tablec, "diff", "old.yaml", "new.yaml", "--allow", "D100",
                     "--allow", "D112"], tmp)
            out = decode(r.out)
            ok = (r.rc == 0 and "\n0 blocking, 0 risky" in out
                  and "more not shown" in out)
            report.emit(Result("PASS" if ok else "FAIL", name,
                               "" if ok else r.describe()))

    # Specs at the product of two limits, each generated at run time. They
    # once took minutes (lookups and merges quadratic in the keys of a
    # mapping); now each must end in seconds with located errors. The
    # 120-second bound says "no hang", it is not a performance test
    # (see scripts/bench.sh for that).
    def many_keys(n, envs, under_tags):
        pad = "    " if under_tags else "  "
        keys = "".join(f"{pad}k{i}: v\n" for i in range(n))
        env = "".join(f"  e{i}: {{}}\n" for i in range(envs))
        if under_tags:
            return (f"tablec: 1\nproject: p\nenvironments:\n{env}"
                    f"defaults:\n  tags:\n{keys}tables:\n  things:\n"
                    f"    attributes: {{ id: S }}\n    key: id\n    tags:\n"
                    + keys.replace(pad, pad + "  "))
        return (f"tablec: 1\nproject: p\nenvironments:\n{env}"
                f"defaults:\n{keys}tables:\n  things:\n"
                f"    attributes: {{ id: S }}\n    key: id\n"
                + keys.replace(pad, pad + "  "))

    hostile = [
        ("meta/hostile-200k-unknown-keys-64-envs", many_keys(200000, 64, False),
         "[E100]", "more not shown"),
        ("meta/hostile-200k-tags-64-envs", many_keys(200000, 64, True),
         "[E240]", "over tablec's limit of 2000 for one table property"),
    ]
    for name, text, code, words in hostile:
        if not report.wants(name):
            continue
        with tempfile.TemporaryDirectory() as tmp:
            with open(os.path.join(tmp, "spec.yaml"), "w") as f:
                f.write(text)
            try:
                p = subprocess.run([tablec, "build", "spec.yaml", "-o", "out"],
                                   cwd=tmp, capture_output=True, timeout=120)
            except subprocess.TimeoutExpired:
                report.emit(Result("FAIL", name, "no answer in 120 s"))
                continue
            out = decode(p.stdout + p.stderr)
            ok = (p.returncode == 1 and code in out and words in out and
                  re.search(r"^spec\.yaml:\d+:\d+: error:", out, re.M) and
                  not os.path.exists(os.path.join(tmp, "out")))
            report.emit(Result("PASS" if ok else "FAIL", name,
                               "" if ok else f"exit {p.returncode}\n" +
                               clip(out)))

    # stacks.c estimates a stack's template size so that planning needs no
    # rendering; it must never estimate low. Every accepted golden spec is
    # split into stacks of at most 2 resources, and each rendered stack
    # template must be no larger than its IR's estimated_bytes.
    name = "meta/stack-size-estimates"
    if report.wants(name):
        problems, stacks = [], 0
        for case in golden_cases():
            spec = os.path.join(case, "spec.yaml")
            if (read_text(os.path.join(case, "status")) or b"").strip() != b"0":
                continue
            text = decode(read_text(spec))
            if re.search(r"^cloudformation:", text, re.M):
                continue
            with tempfile.TemporaryDirectory() as tmp:
                # stacks as small as the spec allows: a table with its
                # grants' policies is never split (E244 "not split")
                for limit in (2, 4, 8, 16, 32):
                    with open(os.path.join(tmp, "spec.yaml"), "w") as f:
                        f.write(re.sub(r"^tablec: 1$", "tablec: 1\n"
                                       "cloudformation: { split: true, "
                                       f"max_resources: {limit} }}", text,
                                       1, re.M))
                    r = run([tablec, "build", "spec.yaml", "-o", "out",
                             "--target", "cloudformation,cloudformation-json"],
                            tmp)
                    if r.rc == 0 or b"is not split [E244]" not in r.out:
                        break
                if r.rc != 0:
                    problems.append(f"{rel(case)}: {r.describe()}")
                    continue
                for env in sorted(os.listdir(os.path.join(tmp, "out"))):
                    r = run([tablec, "ir", "spec.yaml", "--env", env], tmp,
                            merge=False)
                    ir = json.loads(r.out)
                    for st in ir.get("stacks", []):
                        for ext in ("yaml", "json"):
                            path = os.path.join(tmp, "out", env,
                                                f"cloudformation{st['file_suffix']}.{ext}")
                            size = os.path.getsize(path)
                            stacks += 1
                            if size > st["estimated_bytes"]:
                                problems.append(
                                    f"{rel(case)}: {env} stack '{st['id']}' "
                                    f"{ext}: {size} bytes, estimated "
                                    f"{st['estimated_bytes']}")
        ok = not problems and stacks > 0
        report.emit(Result("PASS" if ok else "FAIL", name,
                           "" if ok else "\n".join(problems[:20]) or
                           "no stack was made"))

    name = "meta/ir-schema"
    if report.wants(name):
        try:
            import jsonschema
        except ImportError:
            missing_tool(report, name, "jsonschema")
        else:
            with open(os.path.join(ROOT, "specs", "ir.schema.json")) as f:
                schema = json.load(f)
            jsonschema.Draft202012Validator.check_schema(schema)
            validator = jsonschema.Draft202012Validator(schema)
            files = sorted(glob.glob(os.path.join(ROOT, "tests", "golden",
                                                  "*", "ir", "*.json")))
            problems = []
            for path in files:
                with open(path) as f:
                    doc = json.load(f)
                for err in validator.iter_errors(doc):
                    where = "/".join(str(p) for p in err.absolute_path)
                    problems.append(f"{rel(path)}: {where}: {err.message}")
            report.emit(Result("FAIL" if problems or not files else "PASS",
                               name, "\n".join(problems[:20]) or
                               ("" if files else "no IR files")))

    name = "meta/no-writes-through-links"
    if report.wants(name):
        problems = []
        spec = os.path.join(ROOT, "specs", "picasso.yaml")
        with tempfile.TemporaryDirectory() as tmp:
            out, elsewhere = os.path.join(tmp, "out"), os.path.join(tmp, "else")
            os.makedirs(out)
            os.makedirs(elsewhere)
            # an environment's folder that is a link: refused, nothing written
            os.symlink(elsewhere, os.path.join(out, "staging"))
            r = run([tablec, "build", spec, "-o", out], tmp)
            if r.rc != 2 or os.listdir(elsewhere):
                problems.append("a linked environment folder was written "
                                "through:\n" + r.describe())
            if sorted(os.listdir(out)) != ["staging"]:
                problems.append("a failed build left files: %s"
                                % sorted(os.listdir(out)))
            # an output that is a link: the link is replaced, its target kept
            os.unlink(os.path.join(out, "staging"))
            os.makedirs(os.path.join(out, "staging"))
            target = os.path.join(elsewhere, "target")
            with open(target, "w") as f:
                f.write("keep\n")
            link = os.path.join(out, "staging", "main.tf")
            os.symlink(target, link)
            r = run([tablec, "build", spec, "-o", out], tmp)
            with open(target) as f:
                kept = f.read() == "keep\n"
            if r.rc != 0 or os.path.islink(link) or not kept:
                problems.append("a linked output was followed:\n" + r.describe())
            # a spec with errors changes nothing on disk
            before = read_tree(out)
            bad = os.path.join(tmp, "bad.yaml")
            with open(bad, "w") as f:
                f.write("tablec: 1\nproject: picasso\ntables: { t: { key: id } }\n")
            r = run([tablec, "build", bad, "-o", out], tmp)
            if r.rc != 1 or read_tree(out) != before:
                problems.append("a failed build changed the output folder:\n"
                                + r.describe())
        report.emit(Result("FAIL" if problems else "PASS", name,
                           "\n".join(problems)))

    name = "meta/banned-calls"
    if report.wants(name):
        r = run(["bash", "scripts/banned.sh"], ROOT)
        report.emit(Result("PASS" if r.rc == 0 else "FAIL", name,
                           "" if r.rc == 0 else r.describe()))

    # Hostile specs at the input limit and the other checks of how tablec
    # behaves where it runs: each independent, run in parallel (at most one
    # per core, so that the time bounds measure tablec, not the load).
    tests = [(n, fn) for n, fn in META_PARALLEL if report.wants(n)]
    workers = max(1, min(jobs, os.cpu_count() or 1, len(tests) or 1))
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        for r in pool.map(lambda t: meta_guard(t[0], t[1], tablec), tests):
            report.emit(r)


# ---- meta tests that run in parallel: each returns a Result

INPUT_LIMIT = 8 << 20     # bytes of a spec (E006 past it)
HOSTILE_SECONDS = 10      # each run of a hostile spec ends within this
HOSTILE_MB = 512          # and its peak resident memory stays below this


def meta_guard(name, fn, tablec):
    try:
        return fn(name, tablec)
    except Exception:   # a bug of the test is its FAIL, not the runner's
        return Result("FAIL", name, "internal error of the test:\n" +
                      traceback.format_exc())


def run_bounded(cmd, cwd, seconds=HOSTILE_SECONDS, env=None):
    """Runs cmd (stdout and stderr in one file, not a pipe) and kills it
    past `seconds`. Returns (Run, wall seconds, peak resident MB) of that
    process alone: wait4's rusage, not RUSAGE_CHILDREN, which would be the
    largest of every child this runner ever waited for. Run.rc is None
    when it was killed."""
    with tempfile.TemporaryFile() as out:
        start = time.monotonic()
        p = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                             stdout=out, stderr=subprocess.STDOUT)
        lock, state = threading.Lock(), {"done": False, "killed": False}

        def kill():
            with lock:
                if not state["done"]:
                    state["killed"] = True
                    os.kill(p.pid, signal.SIGKILL)
        timer = threading.Timer(seconds, kill)
        timer.start()
        try:
            # wait without reaping, so that the timer never kills a pid
            # that was reaped (and perhaps reused)
            os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOWAIT)
            with lock:
                state["done"] = True
            _, status, usage = os.wait4(p.pid, 0)
        finally:
            timer.cancel()
        elapsed = time.monotonic() - start
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        data = out.read()
    return (Run(cmd, None if state["killed"] else p.returncode, data),
            elapsed, usage.ru_maxrss / 1024)


def hostile_spec(name, tablec, text, want_rc, judge):
    """check and build -o of a generated spec: each ends within
    HOSTILE_SECONDS and HOSTILE_MB with exit status want_rc; judge(output,
    command) returns problems; a failed build writes nothing, a good one
    writes its files."""
    problems, notes = [], []
    with tempfile.TemporaryDirectory(prefix="tablec-meta-") as tmp:
        with open(os.path.join(tmp, "spec.yaml"), "w", encoding="utf-8") as f:
            f.write(text)
        size = os.path.getsize(os.path.join(tmp, "spec.yaml"))
        if size > INPUT_LIMIT:
            problems.append(f"the generated spec has {size} bytes, over the "
                            f"input limit: fix the test")
        for cmd in (["check", "spec.yaml"],
                    ["build", "spec.yaml", "-o", "out"]):
            r, secs, mb = run_bounded([tablec] + cmd, tmp)
            r.cmd = ["tablec"] + cmd
            what = f"tablec {cmd[0]}"
            notes.append(f"{what}: {secs:.1f} s, {mb:.0f} MB")
            if r.rc is None:
                problems.append(f"{what}: killed after {HOSTILE_SECONDS} s "
                                f"({mb:.0f} MB by then)")
                continue
            if secs > HOSTILE_SECONDS:
                problems.append(f"{what}: {secs:.1f} s, over "
                                f"{HOSTILE_SECONDS} s")
            if mb > HOSTILE_MB:
                problems.append(f"{what}: peak resident memory {mb:.0f} MB, "
                                f"over {HOSTILE_MB} MB")
            out = decode(r.out)
            bad = ([f"expected exit status {want_rc}, got "
                    f"{status_name(r.rc)}"] if r.rc != want_rc else [])
            bad += judge(out, cmd[0])
            if cmd[0] == "build":
                wrote = read_tree(os.path.join(tmp, "out"))
                if want_rc != 0 and os.path.exists(os.path.join(tmp, "out")):
                    bad.append(f"a failed build wrote into its output "
                               f"folder: {sorted(wrote)[:5]}")
                if want_rc == 0 and not wrote:
                    bad.append("build wrote no file")
            if bad:
                r.out = r.out[:20000]
                problems.append(f"{what}: " + "; ".join(bad) + "\n" +
                                indent(r.describe(), "  "))
    size = f"spec of {size} bytes"
    return Result("FAIL" if problems else "PASS", name,
                  "\n".join(problems) or ", ".join([size] + notes))


def summary_counts(out):
    """(errors, warnings) of the last line "N errors, N warnings"."""
    m = re.search(r"^(\d+) errors?, (\d+) warnings?$", out, re.M)
    return (int(m[1]), int(m[2])) if m else (None, None)


def meta_hostile_anchors(name, tablec):
    """N anchors and N aliases filling the input limit, beside one valid
    table: anchors are looked up by a keyed hash, not by a scan of the
    anchors before (which took minutes)."""
    head = ("tablec: 1\nproject: anchors\ntables:\n"
            "  things: { attributes: { id: S }, key: id }\n")
    n = (INPUT_LIMIT - len(head) - 64) // \
        (len("  - &a000000 v\n") + len("  - *a000000\n"))
    text = (head + "x-anchors:\n" +
            "".join(f"  - &a{i:06d} v\n" for i in range(n)) +
            "x-aliases:\n" + "".join(f"  - *a{i:06d}\n" for i in range(n)))

    def judge(out, cmd):
        return [] if cmd == "check" or "wrote out/default/main.tf" in out \
            else ["build does not say it wrote out/default/main.tf"]
    r = hostile_spec(name, tablec, text, 0, judge)
    r.detail = f"{n} anchors and {n} aliases; " + r.detail \
        if r.status == "PASS" else r.detail
    return r


def meta_hostile_unknown_overrides(name, tablec):
    """10,000 tables and, in 4 environments, as many overrides of unknown
    tables (each one letter away from a table's name) as fit in the input
    limit: E215 for each, did-you-mean for the first within the
    suggestion budget, and the count of those past the diagnostics cap."""
    envs = 4
    tables = "".join(f"  t{i:05d}: {{ attributes: {{ id: S }}, key: id }}\n"
                     for i in range(10000))
    head = "tablec: 1\nproject: overrides\nenvironments:\n"
    env_head = "  e0:\n    tables:\n"
    room = INPUT_LIMIT - len(head) - len("tables:\n") - len(tables) - \
        envs * len(env_head) - 64
    n = room // envs // len("      t00000a: {}\n")
    body = "".join(f"      t{i % 10000:05d}{chr(97 + i // 10000)}: {{}}\n"
                   for i in range(n))
    text = (head + "".join(f"  e{e}:\n    tables:\n" + body
                           for e in range(envs)) + "tables:\n" + tables)

    def judge(out, cmd):
        bad = []
        if "[E215]" not in out or "overrides unknown table 't00000a'" \
                not in out:
            bad.append("no E215 for the unknown table t00000a")
        if "help: did you mean 't00000'?" not in out:
            bad.append("no did-you-mean help")
        if not re.search(r"^\d+ more not shown", out, re.M):
            bad.append("no 'N more not shown' line past the cap")
        errors, _ = summary_counts(out)
        if errors is None or errors < envs * n:
            bad.append(f"the summary counts {errors} errors, not the "
                       f"{envs * n} unknown overrides")
        return bad
    r = hostile_spec(name, tablec, text, 1, judge)
    r.detail = (f"{envs} x {n} unknown overrides; " + r.detail
                if r.status == "PASS" else r.detail)
    return r


def meta_hostile_grant_lists(name, tablec):
    """10,000 tables with indexes; a grant listing each table three times
    and 60,000 indexes (a third known and repeated, the rest unknown), the
    same index list over tables: "*", and a grant of 40,000 distinct
    wildcard actions: E241 and E216 found by marks, not pairwise, and one
    W002 per wildcard."""
    tables = "".join(
        f"  t{i:05d}: {{ attributes: {{ id: S, g: S }}, key: id, "
        f"indexes: {{ by-g{i % 100:02d}: {{ key: g }} }} }}\n"
        for i in range(10000))
    idx = "".join(f"      - by-g{i % 100:02d}\n" if i % 3 == 0 else
                  f"      - no-such-{i:06d}\n" for i in range(60000))
    repeated = "".join(f"      - t{i % 10000:05d}\n" for i in range(30000))
    action = "DescribeContributorInsights"   # each subset of letters -> ?
    wild = 40000
    acts = "".join("      - dynamodb:" + "".join(
        "?" if m >> k & 1 else c for k, c in enumerate(action)) + "\n"
        for m in range(1, wild + 1))
    text = ("tablec: 1\nproject: grants\ntables:\n" + tables + "grants:\n"
            "  - role: repeats\n    access: read\n    tables:\n" + repeated +
            "    indexes:\n" + idx +
            "  - role: everything\n    access: read\n    tables: \"*\"\n"
            "    indexes:\n" + idx +
            "  - role: wildcards\n    tables: \"*\"\n    actions:\n" + acts)

    def judge(out, cmd):
        bad = []
        if "table 't00000' is listed twice in the grant [E241]" not in out:
            bad.append("no E241 for the repeated table t00000")
        if not re.search(r"^\d+ more not shown", out, re.M):
            bad.append("no 'N more not shown' line past the cap")
        errors, warnings = summary_counts(out)
        # 20,000 repeated tables; per index grant 40,000 unknown names and
        # 19,900 repeats of the 100 known ones
        if errors is None or errors < 20000 + 2 * 40000:
            bad.append(f"the summary counts {errors} errors")
        if warnings != wild:
            bad.append(f"the summary counts {warnings} warnings, not one "
                       f"W002 per wildcard ({wild})")
        return bad
    return hostile_spec(name, tablec, text, 1, judge)


def git_env(home):
    return dict(os.environ, GIT_CONFIG_NOSYSTEM="1", HOME=home,
                GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
                GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")


def meta_git_option_injection(name, tablec):
    """OLD given as git:--output=pwned:x: git show must read it as a
    revision (--end-of-options), never as its option --output that writes
    a file; tablec exits 2 and nothing appears."""
    git = shutil.which("git")
    if not git:
        return Result("FAIL" if IN_CI else "SKIP", name,
                      "git not found or not usable; install git")
    with tempfile.TemporaryDirectory(prefix="tablec-meta-git-") as tmp:
        env = git_env(tmp)
        repo = os.path.join(tmp, "repo")
        os.makedirs(repo)
        shutil.copy(os.path.join(DIFF, "D100-table-removed", "new.yaml"),
                    os.path.join(repo, "new.yaml"))
        for cmd in (["init", "-q"], ["add", "new.yaml"],
                    ["commit", "-q", "-m", "new"]):
            subprocess.run([git] + cmd, cwd=repo, env=env, check=True,
                           stdin=subprocess.DEVNULL, capture_output=True)

        def listing():
            return sorted(os.path.relpath(os.path.join(d, f), tmp)
                          for d, ds, fs in os.walk(tmp) for f in ds + fs
                          if ".git" not in os.path.relpath(d, tmp).split(
                              os.sep) and f != ".git")
        before = sorted(os.listdir(repo)), listing()
        r = run([tablec, "diff", "git:--output=pwned:x", "new.yaml"], repo,
                env=env)
        r.cmd = ["tablec", "diff", "git:--output=pwned:x", "new.yaml"]
        after = sorted(os.listdir(repo)), listing()
        pwned = [os.path.relpath(os.path.join(d, f), tmp)
                 for d, ds, fs in os.walk(tmp) for f in fs + ds
                 if f.startswith("pwned")]
    problems = []
    if r.rc != 2:
        problems.append(f"expected exit status 2, got {status_name(r.rc)}")
    if pwned:
        problems.append(f"git wrote {', '.join(pwned)}")
    if before != after:
        problems.append(f"the folder changed: {before[1]} -> {after[1]}")
    return Result("FAIL" if problems else "PASS", name,
                  "\n".join(problems + [r.describe()]) if problems else "")


# the folders of templates/ that are backends: what the build compiles in
BUILTIN_BACKENDS = sorted(
    d for d in os.listdir(os.path.join(ROOT, "templates"))
    if os.path.isfile(os.path.join(ROOT, "templates", d, "manifest.json")))


def targets_origins(out):
    """{backend: its "built in" / "from DIR..." line} of tablec targets."""
    origins, cur = {}, None
    for line in out.split("\n"):
        if line and not line[0].isspace():
            cur = line.split()[0]
            origins[cur] = None
        elif line.strip() and cur:
            origins[cur] = line.strip()
    return origins


def meta_backends_anywhere(name, tablec):
    """The built-in backends are inside the binary: a tablec copied to
    another folder, run from outside the repository without
    TABLEC_TEMPLATES, lists them as built in and builds out/picasso byte
    for byte; --templates adds a backend and replaces another, and targets
    says where each comes from."""
    problems = []
    env = {k: v for k, v in os.environ.items() if k != "TABLEC_TEMPLATES"}
    spec = os.path.join(ROOT, "specs", "picasso.yaml")
    with tempfile.TemporaryDirectory(prefix="tablec-meta-anywhere-") as tmp:
        exe = os.path.join(tmp, "bin", "tablec")
        work = os.path.join(tmp, "work")
        os.makedirs(os.path.dirname(exe))
        os.makedirs(work)
        shutil.copy2(tablec, exe)

        def tablec_run(*args):
            r = run([exe] + list(args), work, merge=False, env=env)
            r.cmd = ["tablec"] + [a.replace(tmp, "TMP") for a in args]
            return r
        r = tablec_run("targets")
        got = targets_origins(decode(r.out))
        want = {b: "built in" for b in BUILTIN_BACKENDS}
        if r.rc != 0 or got != want:
            problems.append(f"targets: expected the backends of templates/, each "
                            f"built in; got {got}\n" + indent(r.describe(),
                                                              "  "))
        r = tablec_run("build", spec, "-o", os.path.join(tmp, "out"))
        diffs = tree_diff(read_tree(os.path.join(ROOT, "out", "picasso")),
                          read_tree(os.path.join(tmp, "out")), "out/picasso",
                          "copied tablec")
        if r.rc != 0 or diffs:
            problems.append("build specs/picasso.yaml does not give "
                            "out/picasso:\n" + indent(
                                "\n".join([r.describe()] + diffs[:5]), "  "))
        # a folder with a backend replacing terraform and a new one
        tpl = os.path.join(tmp, "tpl")
        shutil.copytree(os.path.join(ROOT, "templates", "terraform"),
                        os.path.join(tpl, "terraform"))
        marker = "# from the test's own terraform backend\n"
        main_tmpl = os.path.join(tpl, "terraform", "main.tf.tmpl")
        with open(main_tmpl) as f:
            body = f.read()
        with open(main_tmpl, "w") as f:
            f.write(marker + body)
        os.makedirs(os.path.join(tpl, "extra"))
        with open(os.path.join(tpl, "extra", "manifest.json"), "w") as f:
            json.dump({"description": "Table names, one a line", "files": [
                {"template": "names.txt.tmpl", "output": "names.txt",
                 "language": "text"}]}, f)
        with open(os.path.join(tpl, "extra", "names.txt.tmpl"), "w") as f:
            f.write("{{#tables}}\n{{name}}\n{{/tables}}\n")
        r = tablec_run("targets", "--templates", tpl)
        got = targets_origins(decode(r.out))
        want = dict({b: "built in" for b in BUILTIN_BACKENDS},
                    extra=f"from {tpl}/extra",
                    terraform=f"from {tpl}/terraform (replaces the built-in "
                              f"one)")
        if r.rc != 0 or got != want:
            problems.append(f"targets --templates: expected {want}, got "
                            f"{got}\n" + indent(r.describe(), "  "))
        out2 = os.path.join(tmp, "out2")
        r = tablec_run("build", spec, "-o", out2, "--templates", tpl,
                       "--target", "terraform,extra")
        tree = read_tree(out2)
        ref = read_tree(os.path.join(ROOT, "out", "picasso"))
        envs = sorted({f.split("/")[0] for f in ref})
        want = {}
        for e in envs:
            ir = json.loads(tablec_run("ir", spec, "--env", e).out)
            want[f"{e}/main.tf"] = marker.encode() + ref[f"{e}/main.tf"]
            want[f"{e}/names.txt"] = "".join(
                t["name"] + "\n" for t in ir["tables"]).encode()
        diffs = tree_diff(want, tree, "expected", "built")
        if r.rc != 0 or diffs:
            problems.append("build --templates --target terraform,extra did "
                            "not use them:\n" + indent(
                                "\n".join([r.describe()] + diffs[:5]), "  "))
    return Result("FAIL" if problems else "PASS", name, "\n".join(problems))


def meta_stale_stack_files(name, tablec):
    """A stack file a build no longer writes (the split became smaller) is
    stale: build --check names it and fails, build removes it; a file no
    backend writes is not tablec's and stays."""
    case = os.path.join(GOLDEN, "ok-partition-only-key")
    if not os.path.isfile(os.path.join(case, "spec.yaml")):
        return Result("FAIL", name, f"{rel(case)}/spec.yaml is gone; pick "
                      f"another accepted golden spec for this test")
    problems = []
    with tempfile.TemporaryDirectory(prefix="tablec-meta-stale-") as tmp:
        args = ["build", "spec.yaml", "-o", tmp] + case_args(case)

        def build(*extra):
            r = run([tablec] + args + list(extra), case)
            r.out = r.out.replace(tmp.encode(), b"OUTDIR")
            r.cmd = ["tablec"] + [a.replace(tmp, "OUTDIR") for a in args] + \
                list(extra)
            return r
        r = build()
        envs = sorted(os.listdir(tmp))
        if r.rc != 0 or not envs:
            return Result("FAIL", name, "the first build failed:\n" +
                          r.describe())
        env = envs[0]
        stray = os.path.join(tmp, env, "cloudformation.01.yaml")
        notes = os.path.join(tmp, env, "notes.txt")
        for path, text in ((stray, "Resources: {}\n"), (notes, "mine\n")):
            with open(path, "w") as f:
                f.write(text)
        r = build("--check")
        out = decode(r.out)
        if r.rc != 1 or f"{env}/cloudformation.01.yaml: stale" not in out \
                or "notes.txt" in out:
            problems.append("build --check does not fail naming the stray "
                            "stack file (and only it):\n" + r.describe())
        r = build()
        out = decode(r.out)
        if r.rc != 0 or not re.search(
                rf"^removed OUTDIR/{env}/cloudformation\.01\.yaml", out, re.M):
            problems.append("build does not say it removed the stray stack "
                            "file:\n" + r.describe())
        if os.path.exists(stray):
            problems.append("build left the stray stack file")
        if not os.path.isfile(notes) or open(notes).read() != "mine\n":
            problems.append("build removed or changed notes.txt, which no "
                            "backend writes")
        r = build("--check")
        if r.rc != 0:
            problems.append("build --check after build fails:\n" +
                            r.describe())
    return Result("FAIL" if problems else "PASS", name, "\n".join(problems))


META_PARALLEL = (
    ("meta/hostile-anchors", meta_hostile_anchors),
    ("meta/hostile-unknown-overrides", meta_hostile_unknown_overrides),
    ("meta/hostile-grant-lists", meta_hostile_grant_lists),
    ("meta/git-option-injection", meta_git_option_injection),
    ("meta/backends-anywhere", meta_backends_anywhere),
    ("meta/stale-stack-files", meta_stale_stack_files),
)


# --------------------------------------------------------------------- diff

DIFF = os.path.join(ROOT, "tests", "diff")
DIFF_FORMATS = (("text", "diff.txt"), ("json", "diff.json"),
                ("github", "diff.github"), ("sarif", "diff.sarif"))
SARIF_SCHEMA = os.path.join(ROOT, "tests", "tools", "sarif-2.1.0.schema.json")
DIFF_TOOLS = os.environ.get("TABLEC_TOOLS") or os.path.join(ROOT, ".tools")
DIFF_SETUP = "run bash scripts/setup-tools.sh"
DIFF_SEVERITY = {"1": "error", "2": "warning", "3": "note"}  # by D code
ALLOWED = (" (allowed by --allow)", " (allowed by the spec)")
GITHUB_LINE = re.compile(
    r"::(error|warning|notice) file=([^,:]*),line=(\d+),col=(\d+)"
    r"(?:,endColumn=(\d+))?,title=(D\d{3}) ([a-z-]+)::(.+)")
# tablec's codes for a table that the update replaces; and those that
# block an update CloudFormation tries in place and fails (cdk's blind
# spots: it rates those properties as updatable)
REPLACE_CODES = ("D101", "D102", "D103", "D104", "D106")
BLIND_CODES = ("D103", "D104", "D110", "D111")
TWO_INDEX_OPS = ("Only 1 online index can be created or deleted "
                 "simultaneously per table")
INDEX_EDIT = ("Only one global secondary index update per index is allowed "
              "simultaneously")
# DynamoDB Local 1.25.1, when an UpdateTable's AttributeDefinitions give an
# existing key attribute another type
KEY_TYPE_REDEFINED = ("invalid attribute, SchemaElement redefined should be "
                      "of same type as previously defined")
D103_PROBE = "tablec-d103-probe"


def diff_cases():
    if not os.path.isdir(DIFF):
        return []
    return [os.path.join(DIFF, d) for d in sorted(os.listdir(DIFF))
            if os.path.isfile(os.path.join(DIFF, d, "old.yaml"))
            and os.path.isfile(os.path.join(DIFF, d, "new.yaml"))]


def diff_missing(report, names, tool, hint):
    """missing_tool for tools that do not come from pip: SKIP each test,
    or FAIL it when CI is set."""
    not_run(report, names, f"{tool} not found or not usable; {hint}")


def diff_run(tablec, case, fmt, args, extra=()):
    """tablec diff old.yaml new.yaml ARGS --format FMT in the case folder;
    text keeps stderr in .out, the others only stdout."""
    r = run([tablec, "diff", "old.yaml", "new.yaml"] + args + list(extra) +
            ["--format", fmt], case, merge=fmt == "text")
    r.cmd = ["tablec"] + r.cmd[1:]
    return r


def gh_unescape(s):
    for a, b in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","),
                 ("%25", "%")):
        s = s.replace(a, b)
    return s


def check_diff_formats(runs, status):
    """json, github, sarif and text agree with each other and the exit
    status; returns a list of problems."""
    problems = []
    try:
        doc = json.loads(runs["json"].out)
        diags, summary = doc["diagnostics"], doc["summary"]
        if not isinstance(diags, list) or not isinstance(summary, dict):
            raise TypeError("diagnostics is not a list or summary not an "
                            "object")
    except (ValueError, KeyError, TypeError) as e:
        return [f"--format json: not {{diagnostics: [...], summary: {{...}}}} "
                f"({type(e).__name__}: {e})"]
    for fmt in ("json", "github", "sarif"):
        if runs[fmt].err.strip():
            problems.append(f"--format {fmt} wrote to stderr:\n" +
                            indent(clip(decode(runs[fmt].err)), "  "))
    fields = {"file": str, "line": int, "column": int, "severity": str,
              "code": str, "name": str, "message": str, "environments": list}
    count = {"error": 0, "warning": 0, "note": 0}
    for i, d in enumerate(diags):
        if not isinstance(d, dict):
            problems.append(f"--format json: diagnostics[{i}] is not an "
                            f"object")
            continue
        bad = [k for k, t in fields.items() if not isinstance(d.get(k), t)
               or isinstance(d.get(k), bool)]
        if bad:
            problems.append(f"--format json: diagnostics[{i}] lacks or "
                            f"mistypes {', '.join(bad)}")
            continue
        code, sev = d["code"], d["severity"]
        if not re.fullmatch(r"D[123]\d\d", code):
            problems.append(f"--format json: diagnostics[{i}]: code {code!r} "
                            f"is not a diff code")
            continue
        want = DIFF_SEVERITY[code[1]]
        if code[1] == "1" and d["message"].endswith(ALLOWED):
            want = "warning"    # a blocking change accepted by --allow
        if sev != want:
            problems.append(f"--format json: {code} has severity {sev!r}, "
                            f"expected {want!r}")
        if sev in count:
            count[sev] += 1
    for sev, key in (("error", "errors"), ("warning", "warnings"),
                     ("note", "notes")):
        if summary.get(key) != count[sev]:
            problems.append(f"--format json: summary.{key} is "
                            f"{summary.get(key)!r} but diagnostics hold "
                            f"{count[sev]}")
    if (count["error"] > 0) != (status == 1):
        problems.append(f"{count['error']} blocking changes, but the exit "
                        f"status is {status}")

    # text: the last line counts the same
    last = decode(runs["text"].out).rstrip("\n").split("\n")[-1]
    m = re.fullmatch(r"(\d+) blocking, (\d+) risky, (\d+) safe changes"
                     r"(?:, (\d+) blocking changes? allowed)?", last)
    if not m:
        problems.append(f"--format text: last line {last!r} is not "
                        f"'N blocking, N risky, N safe changes[, N blocking "
                        f"changes allowed]'")
    elif (int(m[1]), int(m[2]) + int(m[4] or 0), int(m[3])) != (
            count["error"], count["warning"], count["note"]):
        problems.append(f"--format text: {last!r}, but json has "
                        f"{count['error']}/{count['warning']}/{count['note']}")

    # github: one well-formed workflow command per diagnostic, in order
    level = {"error": "error", "warning": "warning", "note": "notice"}
    lines = decode(runs["github"].out).splitlines()
    if len(lines) != len(diags):
        problems.append(f"--format github: {len(lines)} lines for "
                        f"{len(diags)} diagnostics")
    for n, (line, d) in enumerate(zip(lines, diags), 1):
        m = GITHUB_LINE.fullmatch(line)
        if not m:
            problems.append(f"--format github: line {n} is not "
                            f"'::LEVEL file=F,line=L,col=C,title=CODE name::"
                            f"message': {line[:200]}")
            continue
        got = (m[1], gh_unescape(m[2]), int(m[3]), int(m[4]), m[6], m[7])
        want = (level.get(d.get("severity")), d.get("file"), d.get("line"),
                d.get("column"), d.get("code"), d.get("name"))
        if got != want:
            problems.append(f"--format github: line {n} says {got}, json "
                            f"{want}")
        if not gh_unescape(m[8]).startswith(d.get("message", "")[:60]):
            problems.append(f"--format github: line {n}: the message is not "
                            f"json's")

    # sarif: one result per diagnostic, same rule, level and place
    try:
        doc = json.loads(runs["sarif"].out)
        run0 = doc["runs"][0]
        results, rules = run0["results"], run0["tool"]["driver"]["rules"]
    except (ValueError, KeyError, IndexError, TypeError) as e:
        problems.append(f"--format sarif: not a SARIF log with runs[0] "
                        f"results and rules ({type(e).__name__}: {e})")
        return problems
    if doc.get("version") != "2.1.0":
        problems.append(f"--format sarif: version {doc.get('version')!r}")
    if len(results) != len(diags):
        problems.append(f"--format sarif: {len(results)} results for "
                        f"{len(diags)} diagnostics")
    for n, (r, d) in enumerate(zip(results, diags)):
        try:
            loc = r["locations"][0]["physicalLocation"]
            got = (r["ruleId"], r["level"], loc["artifactLocation"]["uri"],
                   loc["region"]["startLine"], loc["region"]["startColumn"],
                   rules[r["ruleIndex"]]["id"])
        except (KeyError, IndexError, TypeError) as e:
            problems.append(f"--format sarif: results[{n}] lacks "
                            f"{type(e).__name__}: {e}")
            continue
        want = (d.get("code"), d.get("severity"), d.get("file"),
                d.get("line"), d.get("column"), d.get("code"))
        if got != want:
            problems.append(f"--format sarif: results[{n}] (ruleId, level, "
                            f"uri, line, column, rules[ruleIndex].id) is "
                            f"{got}, json {want}")
    return problems


def diff_case(tablec, case, update, label, report, schema):
    """The golden checks of one diff case; returns a list of Results."""
    base = os.path.basename(case)
    cname = "diff/" + base
    updating = f"; run python3 tests/run.py -g diff --update -k {base}"
    results = []

    def add(sub, problems, note=""):
        name = f"{cname}/{sub}{label}"
        if report.wants(name):
            results.append(Result("FAIL" if problems else "PASS", name,
                                  "\n".join(problems) or note))

    args = case_args(case)
    runs = {fmt: diff_run(tablec, case, fmt, args) for fmt, _ in DIFF_FORMATS}
    status_path = os.path.join(case, "status")
    problems, changed = [], []
    left = "; expected files left as they were" if update else ""
    for fmt, f in DIFF_FORMATS:
        r = runs[fmt]
        if crashed(r.rc):
            problems.append(f"--format {fmt} did not finish normally{left}\n"
                            + r.describe())
    if update and not problems:
        for fmt, f in DIFF_FORMATS:
            write_if_changed(os.path.join(case, f), runs[fmt].out, changed)
        write_if_changed(status_path, f"{runs['text'].rc}\n".encode(), changed)
    status = parse_status(read_text(status_path) or b"")
    if not update and not problems:
        if status is None:
            problems.append(f"missing or unreadable {rel(status_path)}"
                            + updating)
        for fmt, f in DIFF_FORMATS:
            r = runs[fmt]
            path = rel(os.path.join(case, f))
            want = read_text(os.path.join(case, f))
            if status is not None and r.rc != status:
                problems.append(f"--format {fmt}: expected exit status "
                                f"{status}, got {status_name(r.rc)}")
            if want is None:
                problems.append(f"missing expected {path}{updating}")
            elif r.out != want:
                problems.append(f"--format {fmt}: output differs from "
                                f"{path}:\n" + indent(
                                    udiff(want, r.out, path, "actual"), "  "))
    add("output", problems, "\n".join(changed))
    if status not in (0, 1) or any(crashed(r.rc) for r in runs.values()):
        return results

    add("formats", check_diff_formats(runs, status))

    name = f"{cname}/sarif-schema{label}"
    if report.wants(name):
        if isinstance(schema, str):
            results.append(Result("FAIL" if IN_CI else "SKIP", name,
                                  schema))
        else:
            try:
                doc = json.loads(runs["sarif"].out)
                errs = [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}"
                        f": {e.message}" for e in schema.iter_errors(doc)]
            except ValueError as e:
                errs = [f"not JSON: {e}"]
            results.append(Result("FAIL" if errs else "PASS", name,
                                  "\n".join(errs[:20])))
    return results


def sarif_validator():
    """A validator of the official SARIF 2.1.0 schema (its own $schema
    picks the draft), or the reason there is none."""
    try:
        import jsonschema
    except ImportError:
        return ("jsonschema not found in this Python (it comes with "
                "cfn-lint: pip install cfn-lint==1.51.0)")
    try:
        with open(SARIF_SCHEMA) as f:
            schema = json.load(f)
    except (OSError, ValueError) as e:
        return f"cannot read {rel(SARIF_SCHEMA)}: {e}"
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def group_diff(report, tablec, update, label, jobs, first):
    cases = diff_cases()
    schema = sarif_validator()
    subs = ("output", "formats", "sarif-schema")
    todo = [c for c in cases if any(
        report.wants(f"diff/{os.path.basename(c)}/{s}{label}") for s in subs)]
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        for results in pool.map(
                lambda c: diff_case(tablec, c, update, label, report, schema),
                todo):
            for r in results:
                report.emit(r)

    name = f"diff/every-code-fires{label}"
    if report.wants(name):
        r = run([tablec, "explain", "--list"], ROOT, merge=False)
        codes = [line.split()[0] for line in decode(r.out).splitlines()
                 if line.startswith("D")]
        fired = set()
        for case in cases:
            text = decode(read_text(os.path.join(case, "diff.json")) or b"")
            fired.update(re.findall(r'"code": "(D\d{3})"', text))
        missing = [c for c in codes if c not in fired]
        problems = ([f"no case in {rel(DIFF)}/ fires " + ", ".join(missing)]
                    if missing else [])
        if not codes:
            problems.append("tablec explain --list lists no D code\n" +
                            r.describe())
        report.emit(Result("FAIL" if problems else "PASS", name,
                           "\n".join(problems)))

    name = f"diff/usage{label}"
    if report.wants(name):
        case = os.path.join(DIFF, "D100-table-removed")
        problems = []
        for extra, why in ((["old.yaml"], "one spec"),
                           (["old.yaml", "missing.yaml"], "a missing file"),
                           (["old.yaml", "new.yaml", "--env", "nope"],
                            "an unknown environment"),
                           (["old.yaml", "new.yaml", "--format", "xml"],
                            "an unknown format"),
                           (["git:NO-SUCH-REV:old.yaml", "new.yaml"],
                            "an unknown git revision"),
                           (["old.yaml", "new.yaml", "--allow", "D999"],
                            "--allow with a code that does not exist")):
            r = run([tablec, "diff"] + extra, case)
            r.cmd = ["tablec"] + r.cmd[1:]
            if r.rc != 2:
                problems.append(f"{why}: expected exit status 2, got "
                                f"{status_name(r.rc)}\n" +
                                indent(r.describe(), "  "))
        report.emit(Result("FAIL" if problems else "PASS", name,
                           "\n".join(problems)))

    name = f"diff/git-source{label}"
    if report.wants(name):
        diff_git_source(report, tablec, name)

    if first:
        diff_agree(report, tablec, cases)
        diff_ddblocal(report, tablec, cases)


def diff_git_source(report, tablec, name):
    """OLD as git:REV:PATH gives what the same file gives, under its
    git name."""
    git = shutil.which("git")
    if not git:
        diff_missing(report, name, "git", "install git")
        return
    case = os.path.join(DIFF, "D110-gsi-swapped")
    want = read_text(os.path.join(case, "diff.json"))
    status = parse_status(read_text(os.path.join(case, "status")) or b"")
    if want is None or status is None:
        report.emit(Result("FAIL", name, f"{rel(case)} has no diff.json or "
                           f"status; run python3 tests/run.py -g diff "
                           f"--update"))
        return
    with tempfile.TemporaryDirectory(prefix="tablec-diff-git-") as tmp:
        env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", HOME=tmp,
                   GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
                   GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
        os.makedirs(os.path.join(tmp, "specs"))
        spec = os.path.join(tmp, "specs", "app.yaml")
        shutil.copy(os.path.join(case, "old.yaml"), spec)
        for cmd in (["init", "-q"], ["add", "specs/app.yaml"],
                    ["commit", "-q", "-m", "old"]):
            subprocess.run([git] + cmd, cwd=tmp, env=env, check=True,
                           stdin=subprocess.DEVNULL, capture_output=True)
        shutil.copy(os.path.join(case, "new.yaml"), spec)
        r = run([tablec, "diff", "git:HEAD:specs/app.yaml", "specs/app.yaml",
                 "--format", "json"], tmp, merge=False)
    r.cmd = ["tablec"] + r.cmd[1:]
    # the same diagnostics under the git names (the order follows the
    # file names, so it may differ)
    names = {"old.yaml": "git:HEAD:specs/app.yaml",
             "new.yaml": "specs/app.yaml"}
    expect = json.loads(want)
    for d in expect["diagnostics"]:
        d["file"] = names.get(d["file"], d["file"])
    problems = []
    try:
        got = json.loads(r.out)
    except ValueError:
        got = None
    def key(doc):
        return sorted(json.dumps(d, sort_keys=True)
                      for d in doc["diagnostics"])
    if r.rc != status:
        problems.append(f"expected exit status {status}, got "
                        f"{status_name(r.rc)}\n" + r.describe())
    elif not isinstance(got, dict) or key(got) != key(expect) or \
            got.get("summary") != expect["summary"]:
        a = json.dumps(expect, indent=2, sort_keys=True).encode()
        b = json.dumps(got, indent=2, sort_keys=True).encode()
        problems.append(f"not the diagnostics of {rel(case)}/diff.json with "
                        f"old.yaml read from git:\n" + indent(
                            udiff(a, b, "expected", "actual"), "  "))
    report.emit(Result("FAIL" if problems else "PASS", name,
                       "\n".join(problems)))


# ---- agreement with AWS CDK's diff engine

def diff_envs(case, built):
    """The environments both builds wrote, narrowed by the case's --env."""
    args = case_args(case)
    only = [args[i + 1] for i, a in enumerate(args[:-1]) if a == "--env"]
    envs = sorted(set(os.listdir(built["old"])) &
                  set(os.listdir(built["new"])))
    return [e for e in envs if not only or e in only]


def args_without_env(args):
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
        elif a == "--env":
            skip = True
        else:
            out.append(a)
    return out


def tablec_json(tablec, cwd, cmd):
    r = run([tablec] + cmd, cwd, merge=False)
    r.cmd = ["tablec"] + r.cmd[1:]
    try:
        return json.loads(r.out), None
    except ValueError:
        return None, r.describe()


def table_of(d):
    """(logical table, new logical table of a D106) a diagnostic names."""
    m = re.search(r"table '([^']+)' becomes '([^']+)'", d["message"])
    if m:
        return m[1], m[2]
    m = re.search(r"table '([^']+)'", d["message"])
    return (m[1], None) if m else (None, None)


STACK_JSON = re.compile(r"cloudformation(\.[01]+)?\.json")


def stack_files(env_dir):
    """The CloudFormation JSON stack files of one built environment:
    cloudformation.json and, when split, cloudformation.<id>.json."""
    if not os.path.isdir(env_dir):
        return []
    return sorted(f for f in os.listdir(env_dir) if STACK_JSON.fullmatch(f))


def template_tables(env_dir):
    """{logical id: AWS::DynamoDB::Table resource} over every stack file of
    one built environment, and {logical id: [stack files holding it]}."""
    tables, where = {}, {}
    for f in stack_files(env_dir):
        with open(os.path.join(env_dir, f)) as fh:
            doc = json.load(fh)
        for rid, r in doc.get("Resources", {}).items():
            if r.get("Type") == "AWS::DynamoDB::Table":
                tables[rid] = r
                where.setdefault(rid, []).append(f)
    return tables, where


def merge_verdicts(per_file):
    """cdk's verdicts of one environment, one per stack file that exists in
    either version ({file: {logical id: verdict}}), as one verdict per
    logical id: a table that leaves one stack file and enters another is
    a "move" (cdk: a removal there, an addition here); returns (verdicts,
    problems)."""
    seen, problems = {}, []
    for f, resources in sorted(per_file.items()):
        for rid, v in resources.items():
            seen.setdefault(rid, []).append(dict(v, file=f))
    merged = {}
    for rid, vs in seen.items():
        if len(vs) == 1:
            merged[rid] = vs[0]
            continue
        gone = [v for v in vs if v["removal"]]
        came = [v for v in vs if v["addition"]]
        if len(vs) == 2 and len(gone) == 1 and len(came) == 1:
            merged[rid] = dict(came[0], addition=False, removal=False,
                               replaced=False, moved=(gone[0]["file"],
                                                      came[0]["file"]),
                               impact=f"{gone[0]['impact']} in "
                                      f"{gone[0]['file']}, "
                                      f"{came[0]['impact']} in "
                                      f"{came[0]['file']}")
        else:
            if vs[0].get("type") == "AWS::DynamoDB::Table":
                problems.append(f"{rid}: cdk sees it change in several "
                                f"stack files, not as a move: " + "; ".join(
                                    f"{v['file']}: {v['impact']}"
                                    for v in vs))
            merged[rid] = vs[0]
    return merged, problems


def gsi_ops(old, new):
    """From two AWS::DynamoDB::Table resources: (GSIs created or deleted,
    names edited in place), the template's own view of cdk's blind spot."""
    def idx(res, key):
        # an index is its key schema with the key attributes' types, and
        # its projection
        p = res.get("Properties", {})
        types = {a["AttributeName"]: a["AttributeType"]
                 for a in p.get("AttributeDefinitions", [])}
        return {g["IndexName"]: ([(k["AttributeName"], k["KeyType"],
                                   types.get(k["AttributeName"]))
                                  for k in g.get("KeySchema", [])],
                                 g.get("Projection"))
                for g in p.get(key, [])}
    gsi = "GlobalSecondaryIndexes"
    a, b = idx(old, gsi), idx(new, gsi)
    edits = sorted(n for n in set(a) & set(b) if a[n] != b[n])
    ops = len(set(a) ^ set(b)) + 2 * len(edits)
    lsi = "LocalSecondaryIndexes"
    lsi = idx(old, lsi) != idx(new, lsi)
    return ops, edits, lsi


def key_types_changed(old, new):
    def types(res):
        p = res.get("Properties", {})
        t = {a["AttributeName"]: a["AttributeType"]
             for a in p.get("AttributeDefinitions", [])}
        return {k["AttributeName"]: t.get(k["AttributeName"])
                for k in p.get("KeySchema", [])}
    a, b = types(old), types(new)
    return sorted(k for k in set(a) & set(b) if a[k] != b[k])


def agree_env(env, cdk, diags, ids, tables):
    """Compares cdk's verdict on one environment with tablec's; returns
    (problems, notes)."""
    problems, notes = [], []
    by_table = {}     # logical -> set of codes (a D106 under both names)
    for d in diags:
        old, new = table_of(d)
        for t in (old, new):
            if t:
                by_table.setdefault(t, set()).add(d["code"])
    rid = {}          # CloudFormation logical id -> tablec logical name
    for side in ("old", "new"):
        rid.update({v: k for k, v in ids[side].items()})

    def codes(t):
        return sorted(by_table.get(t, ()))
    seen = set()
    for res_id, v in sorted(cdk.items()):
        if v.get("type") != "AWS::DynamoDB::Table":
            continue
        t = rid.get(res_id, res_id)
        seen.add(t)
        c = set(codes(t))
        say = f"{env}: table {t} ({res_id}): cdk {v['impact']}"
        if v.get("moved"):
            # D112: CloudFormation cannot move a resource between stacks
            if "D112" not in c:
                problems.append(f"{say}, a move between stacks, but tablec "
                                f"reports {codes(t) or 'nothing'}, not D112")
            else:
                notes.append(f"{say} = tablec {', '.join(codes(t))}")
        elif v["replaced"]:
            if not c & set(REPLACE_CODES):
                problems.append(f"{say}, but tablec reports no replacement "
                                f"code ({'/'.join(REPLACE_CODES)}); it "
                                f"reports {codes(t) or 'nothing'}")
            else:
                notes.append(f"{say} = tablec {', '.join(codes(t))}")
        elif v["removal"]:
            if not c & {"D100", "D106"}:
                problems.append(f"{say} (removed), but tablec reports "
                                f"{codes(t) or 'nothing'}, not D100 or "
                                f"D106")
            else:
                notes.append(f"{say} = tablec {', '.join(codes(t))}")
            policy = tables["old"].get(res_id, {}).get("DeletionPolicy")
            msg = [d["message"] for d in diags if d["code"] == "D100"
                   and table_of(d)[0] == t]
            if msg and (policy == "Delete") != ("is delete" in msg[0]):
                problems.append(f"{say} with DeletionPolicy {policy}, but "
                                f"tablec says: {msg[0]}")
        elif v["addition"]:
            if not c & {"D305", "D106"}:
                problems.append(f"{say} (added), but tablec reports "
                                f"{codes(t) or 'nothing'}, not D305 or D106")
            else:
                notes.append(f"{say} = tablec {', '.join(codes(t))}")
        # in-place update (or more): what cdk cannot see, from the templates
        old, new = tables["old"].get(res_id), tables["new"].get(res_id)
        if not (old and new):
            continue
        ops, edits, lsi = gsi_ops(old, new)
        changed_types = key_types_changed(old, new)
        need = []
        if ops > 1:
            need.append(("D110", f"{ops} global index creates/deletes"))
        if edits:
            need.append(("D111", f"global index {', '.join(edits)} "
                                 f"changed in place"))
        if lsi:
            need.append(("D104", "local indexes changed"))
        if changed_types:
            need.append(("D103", f"key attribute {', '.join(changed_types)} "
                                 f"changes type"))
        if v["replaced"]:
            # a new table is created with all its indexes in one
            # CreateTable: the one-index-per-update limit does not apply
            for code in sorted(c & {"D110", "D111"}):
                problems.append(f"{say}, so CloudFormation creates the new "
                                f"table with all its indexes at once; but "
                                f"tablec reports {code}, a limit of updates "
                                f"in place")
            need = [(k, w) for k, w in need if k not in ("D110", "D111")]
        for code, why in need:
            if code not in c:
                problems.append(f"{say}; the templates show {why}, which "
                                f"fails or replaces the table, but tablec "
                                f"does not report {code} (it reports "
                                f"{codes(t) or 'nothing'})")
            elif not v["replaced"]:
                notes.append(f"{say}; tablec {code}: {why} (a blind spot "
                             f"of cdk)")
        for code in sorted(c & set(BLIND_CODES) - {n for n, _ in need}
                           - ({"D110", "D111"} if v["replaced"] else set())):
            problems.append(f"{say}; tablec reports {code}, but the "
                            f"templates show no such change")

    # every blocking code of tablec must be backed by cdk or the templates
    for d in diags:
        code = d["code"]
        t, t_new = table_of(d)
        res_id = ids["new" if code not in ("D100",) else "old"].get(t)
        if code in BLIND_CODES and res_id not in cdk:
            problems.append(f"{env}: tablec {code} for {t}, but the "
                            f"templates of {res_id} do not change")
        if code == "D112":
            v = cdk.get(res_id) or {}
            m = re.search(r"\((cloudformation[.0-9]*\.yaml)\) to stack "
                          r"'[^']*' \((cloudformation[.0-9]*\.yaml)\)",
                          d["message"])
            said = (m[1][:-4] + "json", m[2][:-4] + "json") if m else None
            if not v.get("moved"):
                problems.append(f"{env}: tablec D112 for {t}, but cdk does "
                                f"not see {res_id} leave one stack file and "
                                f"enter another: {v or 'no change'}")
            elif said != v["moved"]:
                says = " -> ".join(said) if said else "(no files named)"
                problems.append(f"{env}: tablec D112 says {t} moves {says} "
                                f"(as JSON stacks), cdk sees "
                                f"{' -> '.join(v['moved'])}")
            continue
        if code not in ("D100", "D101", "D102", "D105", "D106", "D305"):
            continue
        if code == "D106":
            o_id, n_id = ids["old"].get(t), ids["new"].get(t_new)
            ok = cdk.get(o_id, {}).get("removal") and \
                cdk.get(n_id, {}).get("addition") and \
                tables["old"][o_id]["Properties"].get("TableName") == \
                tables["new"][n_id]["Properties"].get("TableName")
            if not ok:
                problems.append(f"{env}: tablec D106 ({t} -> {t_new}), but "
                                f"cdk does not remove {o_id} and add {n_id} "
                                f"with the same TableName: "
                                f"{cdk.get(o_id)}, {cdk.get(n_id)}")
            continue
        v = cdk.get(res_id)
        if code == "D100":
            if not (v and v["removal"]):
                problems.append(f"{env}: tablec D100 for {t}, but cdk does "
                                f"not remove {res_id}: {v}")
        elif code == "D305":
            if not (v and v["addition"]):
                problems.append(f"{env}: tablec D305 for {t}, but cdk does "
                                f"not add {res_id}: {v}")
        elif code == "D105":
            others = by_table.get(t, set()) & set(REPLACE_CODES)
            policy = tables["new"].get(res_id, {}).get("UpdateReplacePolicy")
            if not others or policy != "Delete":
                problems.append(f"{env}: tablec D105 for {t}, with "
                                f"UpdateReplacePolicy {policy} and "
                                f"replacement codes {sorted(others)}")
        elif not (v and v["replaced"]):
            problems.append(f"{env}: tablec {code} for {t} says the table is "
                            f"replaced, but cdk says "
                            f"{v['impact'] if v else 'no change'} for "
                            f"{res_id}")
    return problems, notes


def diff_agree(report, tablec, cases):
    cases = [c for c in cases
             if report.wants(f"diff-agree/{os.path.basename(c)}")]
    if not cases:
        return
    node = shutil.which("node")
    module = os.path.join(DIFF_TOOLS, "node_modules", "@aws-cdk",
                          "cloudformation-diff", "package.json")
    if not node or not os.path.isfile(module):
        diff_missing(report, [f"diff-agree/{os.path.basename(c)}"
                              for c in cases],
                     "node" if not node else "@aws-cdk/cloudformation-diff",
                     DIFF_SETUP)
        return
    with tempfile.TemporaryDirectory(prefix="tablec-diff-agree-") as tmp:
        plan, failed, jobs = {}, {}, []
        # a stack file that one version lacks is diffed against a template
        # without resources: what cdk says of a stack created or deleted
        empty = os.path.join(tmp, "empty.json")
        with open(empty, "w") as f:
            json.dump({"Resources": {}}, f)
        for case in cases:
            base = os.path.basename(case)
            built = {}
            for side in ("old", "new"):
                out = os.path.join(tmp, base, side)
                r = run([tablec, "build", f"{side}.yaml", "--target",
                         "cloudformation-json", "-o", out], case)
                if r.rc != 0:
                    r.cmd = ["tablec"] + r.cmd[1:]
                    failed[base] = f"{side}.yaml does not build:\n" + \
                        r.describe()
                built[side] = out
            if base in failed:
                continue
            plan[base] = (case, built, diff_envs(case, built), {})
            # every stack file of either version, one cdk job each
            for env in plan[base][2]:
                dirs = {s: os.path.join(built[s], env) for s in built}
                files = sorted(set(stack_files(dirs["old"])) |
                               set(stack_files(dirs["new"])))
                plan[base][3][env] = files
                for f in files:
                    job = {"name": f"{base}/{env}/{f}"}
                    for s in built:
                        p = os.path.join(dirs[s], f)
                        job[s] = p if os.path.isfile(p) else empty
                    jobs.append(job)
        verdicts = {}
        if jobs:
            path = os.path.join(tmp, "jobs.json")
            with open(path, "w") as f:
                json.dump(jobs, f)
            r = run([node, os.path.join(ROOT, "tests", "tools", "cfn_diff.js"),
                     "--batch", path], ROOT, merge=False)
            for line in decode(r.out).splitlines():
                try:
                    v = json.loads(line)
                    verdicts[v["name"]] = v
                except (ValueError, KeyError, TypeError):
                    pass
            if r.rc != 0 or len(verdicts) != len(jobs):
                r.cmd = ["node", "tests/tools/cfn_diff.js", "--batch", "..."]
                for base in plan:
                    failed.setdefault(base, "cdk's diff engine failed:\n" +
                                      r.describe())
        for case in cases:
            base = os.path.basename(case)
            name = f"diff-agree/{base}"
            if base in failed:
                report.emit(Result("FAIL", name, failed[base]))
                continue
            case, built, envs, files = plan[base]
            problems, notes = [], []
            args = args_without_env(case_args(case))
            for env in envs:
                per_file = {}
                for f in files[env]:
                    v = verdicts.get(f"{base}/{env}/{f}", {})
                    if "error" in v:
                        problems.append(f"{env}/{f}: cdk's diff engine "
                                        f"failed: {v['error']}")
                    per_file[f] = v.get("resources", {})
                if not files[env]:
                    problems.append(f"{env}: no CloudFormation stack file "
                                    f"in either version")
                if len(per_file) != len(files[env]) or not files[env] or \
                        any("error" in verdicts.get(f"{base}/{env}/{f}", {})
                            for f in files[env]):
                    continue
                cdk, p = merge_verdicts(per_file)
                problems += [f"{env}: {x}" for x in p]
                doc, err = tablec_json(tablec, case, [
                    "diff", "old.yaml", "new.yaml"] + args +
                    ["--env", env, "--format", "json"])
                ids, why = {}, []
                for side in ("old", "new"):
                    ir, e = tablec_json(tablec, case,
                                        ["ir", f"{side}.yaml", "--env", env])
                    ids[side] = {t["logical_name"]: t["resource_id"]
                                 for t in (ir or {}).get("tables", [])}
                    why += [e] if e else []
                if doc is None or why:
                    problems.append(f"{env}: no JSON from tablec:\n" +
                                    indent("\n".join([err or ""] + why), "  "))
                    continue
                tables = {s: template_tables(os.path.join(built[s], env))[0]
                          for s in built}
                p, n = agree_env(env, cdk, doc["diagnostics"], ids, tables)
                problems += p
                notes += n
            if not envs:
                notes.append("no environment in both versions")
            report.emit(Result("FAIL" if problems else "PASS", name,
                               "\n".join(problems or notes)))


# ---- DynamoDB Local replay of the updates DynamoDB rejects

def gsi_defs(create):
    return {g["IndexName"]: g
            for g in create.get("GlobalSecondaryIndexes", [])}


def attr_defs_for(create, gsi):
    """The AttributeDefinitions an UpdateTable creating gsi needs."""
    names = [k["AttributeName"]
             for k in create["KeySchema"] + gsi["KeySchema"]]
    return [a for a in create["AttributeDefinitions"]
            if a["AttributeName"] in names]


def replay_jobs(case, env, diags, irs):
    """The DynamoDB Local jobs of one environment of a case: for a D110,
    the one UpdateTable NEW implies (rejected) and tablec's plan, one
    deploy per step (accepted); for a D103, the in-place update."""
    jobs = []
    base = os.path.basename(case)
    region = (irs["new"].get("environment") or {}).get("region")
    tabs = {s: {x["logical_name"]: x for x in irs[s].get("tables", [])}
            for s in irs}
    replaced = {table_of(d)[0] for d in diags
                if d["code"] in ("D101", "D102", "D104")}
    for d in diags:
        t, _ = table_of(d)
        if d["code"] not in ("D110", "D103") or t not in tabs["old"] \
                or t not in tabs["new"]:
            continue
        if d["code"] == "D110" and t in replaced:
            continue    # a replacement creates a table: no UpdateTable
        old = json.loads(json.dumps(tabs["old"][t]["api"]["create_table"]))
        new = tabs["new"][t]["api"]["create_table"]
        old.pop("Tags", None)
        table = old["TableName"]
        prefix = f"diff-ddblocal/{base}/{env}/{t}"
        create = {"op": "create_table", "args": old}
        if d["code"] == "D103":
            # UpdateTable reads AttributeDefinitions only beside a new
            # global index (alone they are "Nothing to update"), so the
            # in-place update carries a probe index keyed on the key
            # attribute: with NEW's type it must be refused with DynamoDB's
            # message and leave the table as it was; the same request with
            # OLD's type (the control) must pass, so that the refusal is
            # the type's and nothing else's.
            def types(req):
                return {x["AttributeName"]: x["AttributeType"]
                        for x in req["AttributeDefinitions"]}
            a, b = types(old), types(new)
            keys = [k["AttributeName"] for k in old["KeySchema"]]
            changed = [k for k in keys if k in b and a.get(k) != b[k]]
            name = prefix + "/in-place"
            if not changed:
                jobs.append({"name": name, "problems": [
                    f"tablec reports D103, but no key attribute of "
                    f"{table} changes type between the CreateTable requests "
                    f"of OLD ({a}) and NEW ({b})"]})
                continue
            key = changed[0]
            probe = {"IndexName": D103_PROBE,
                     "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
                     "Projection": {"ProjectionType": "KEYS_ONLY"}}
            if old.get("BillingMode") == "PROVISIONED":
                probe["ProvisionedThroughput"] = {"ReadCapacityUnits": 1,
                                                  "WriteCapacityUnits": 1}

            def update(typ, expect=None):
                step = {"op": "update_table", "args": {
                    "TableName": table,
                    "AttributeDefinitions": [{"AttributeName": key,
                                              "AttributeType": typ}],
                    "GlobalSecondaryIndexUpdates": [{"Create": probe}]}}
                if expect:
                    step["expect_error"] = expect
                return step
            unchanged = {"op": "check_table", "args": {"TableName": table},
                         "gsis": gsi_defs(old),
                         "attributes": {k: a[k] for k in keys}}
            control = dict(unchanged, gsis=dict(gsi_defs(old),
                                                **{D103_PROBE: probe}))
            jobs.append({"name": name, "region": region, "steps": [
                create, update(b[key], KEY_TYPE_REDEFINED), unchanged,
                update(a[key]), control]})
            continue
        a, b = gsi_defs(old), gsi_defs(new)

        def typed(create, g):
            types = {x["AttributeName"]: x["AttributeType"]
                     for x in create["AttributeDefinitions"]}
            return ([(k["AttributeName"], types.get(k["AttributeName"]))
                     for k in g["KeySchema"]], g["KeySchema"], g["Projection"])
        edits = sorted(n for n in set(a) & set(b)
                       if typed(old, a[n]) != typed(new, b[n]))
        updates = [{"Delete": {"IndexName": n}}
                   for n in sorted(set(a) - set(b))]
        updates += [{"Delete": {"IndexName": n}} for n in edits]
        updates += [{"Create": b[n]} for n in edits]
        updates += [{"Create": b[n]} for n in sorted(set(b) - set(a))]
        jobs.append({"name": prefix + "/together", "region": region,
                     "steps": [create, {
                         "op": "update_table",
                         "expect_error":
                             INDEX_EDIT if edits else TWO_INDEX_OPS,
                         "args": {"TableName": table,
                                  "AttributeDefinitions":
                                      new["AttributeDefinitions"],
                                  "GlobalSecondaryIndexUpdates": updates}}]})
        steps, final = [create], dict(a)
        plan = re.findall(r"\d+\) (remove|add) '([^']+)'( with the new "
                          r"definition)?", d.get("help", ""))
        problems = []
        for verb, name, renamed in plan:
            if verb == "remove":
                if name not in final:
                    problems.append(f"the plan removes {name}, which is not "
                                    f"there then")
                final.pop(name, None)
                steps.append({"op": "update_table", "args": {
                    "TableName": table,
                    "GlobalSecondaryIndexUpdates": [
                        {"Delete": {"IndexName": name}}]}})
                continue
            src = name[:-3] if renamed and name.endswith("-v2") else name
            if src not in b:
                problems.append(f"the plan adds {name}, but NEW has no index "
                                f"{src}")
                continue
            g = dict(b[src], IndexName=name)
            final[name] = g
            steps.append({"op": "update_table", "args": {
                "TableName": table,
                "AttributeDefinitions": attr_defs_for(new, g),
                "GlobalSecondaryIndexUpdates": [{"Create": g}]}})
        # what NEW wants: an edited index under its -v2 name where the
        # plan renames it, else (a key attribute changing type) its own
        added = {name for verb, name, _ in plan if verb == "add"}
        want = {n: g for n, g in b.items() if n not in edits}
        for n in edits:
            if f"{n}-v2" in added:
                want[f"{n}-v2"] = dict(b[n], IndexName=f"{n}-v2")
            else:
                want[n] = b[n]
        if not plan:
            problems.append(f"no deploy plan in the D110 help: "
                            f"{d.get('help')!r}")
        if sorted(final) != sorted(want):
            problems.append(f"the plan ends with the indexes {sorted(final)}, "
                            f"NEW wants {sorted(want)}")
        steps.append({"op": "check_table", "args": {"TableName": table},
                      "gsis": want})
        jobs.append({"name": prefix + "/split", "region": region,
                     "steps": steps, "problems": problems})
    return jobs


def diff_ddblocal(report, tablec, cases):
    jobs, early = [], []
    with tempfile.TemporaryDirectory(prefix="tablec-diff-ddb-") as tmp:
        for case in cases:
            base = os.path.basename(case)
            if not report.wants(f"diff-ddblocal/{base}"):
                continue
            text = decode(read_text(os.path.join(case, "diff.json")) or b"")
            if '"D110"' not in text and '"D103"' not in text:
                continue
            built = {}
            for side in ("old", "new"):
                built[side] = os.path.join(tmp, base, side)
                run([tablec, "build", f"{side}.yaml", "--target",
                     "cloudformation-json", "-o", built[side]], case)
            if not all(os.path.isdir(d) for d in built.values()):
                early.append(Result("FAIL", f"diff-ddblocal/{base}",
                                    "old.yaml or new.yaml does not build"))
                continue
            args = args_without_env(case_args(case))
            for env in diff_envs(case, built):
                doc, err = tablec_json(tablec, case, [
                    "diff", "old.yaml", "new.yaml"] + args +
                    ["--env", env, "--format", "json"])
                irs = {}
                for side in ("old", "new"):
                    irs[side], e = tablec_json(
                        tablec, case, ["ir", f"{side}.yaml", "--env", env])
                    err = err or e
                if err:
                    early.append(Result("FAIL", f"diff-ddblocal/{base}/{env}",
                                        err))
                    continue
                for j in replay_jobs(case, env, doc["diagnostics"], irs):
                    if not report.wants(j["name"]):
                        continue
                    if j.get("problems"):
                        early.append(Result("FAIL", j["name"],
                                            "\n".join(j["problems"])))
                    else:
                        jobs.append(j)
    for r in early:
        report.emit(r)
    if not jobs:
        return
    ddb = os.path.join(DIFF_TOOLS, "dynamodb-local")
    for ok, tool, hint in (
            (os.path.isfile(os.path.join(ddb, "DynamoDBLocal.jar")),
             "DynamoDB Local", DIFF_SETUP),
            (shutil.which("java"), "java",
             "install openjdk-17-jre-headless (bash scripts/setup.sh)"),
            (importlib.util.find_spec("boto3"), "boto3", "pip install boto3"),
            (shutil.which("unshare") and shutil.which("ip"), "unshare and ip",
             "install util-linux and iproute2")):
        if not ok:
            diff_missing(report, [j["name"] for j in jobs], tool, hint)
            return
    probe = subprocess.run(["unshare", "-n", "sh", "-c", "ip link set lo up"],
                           stdin=subprocess.DEVNULL, capture_output=True)
    if probe.returncode != 0:
        diff_missing(report, [j["name"] for j in jobs],
                     "a private network namespace (unshare -n)",
                     "DynamoDB Local has no bind-address option, so it runs "
                     "only inside `unshare -n`: " +
                     decode(probe.stderr).strip())
        return
    with tempfile.TemporaryDirectory(prefix="tablec-diff-ddb-") as tmp:
        path = os.path.join(tmp, "jobs.json")
        with open(path, "w") as f:
            json.dump(jobs, f)
        cmd = ["unshare", "-n", "sh", "-c",
               'ip link set lo up && exec "$0" "$@"',
               sys.executable, os.path.join(ROOT, "tests", "tools",
                                            "ddblocal_replay.py"), ddb, path]
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)
        try:
            out, err = proc.communicate(timeout=600)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            err += b"\n(stopped after 600s)"
    seen = set()
    for line in decode(out).splitlines():
        try:
            r = json.loads(line)
        except ValueError:
            continue
        seen.add(r["name"])
        report.emit(Result("PASS" if r["ok"] else "FAIL", r["name"],
                           r["detail"]))
    for j in jobs:
        if j["name"] not in seen:
            report.emit(Result("FAIL", j["name"], "no result from DynamoDB "
                               f"Local (exit status {proc.returncode}):\n" +
                               indent(clip(decode(err)), "  ")))


# ------------------------------------------------------------------- stacks

def stack_map(out_env):
    """{table name: stack file} and the parsed templates of one built
    environment (cloudformation-json)."""
    where, docs = {}, {}
    for f in sorted(os.listdir(out_env)):
        if re.fullmatch(r"cloudformation(\.[01]+)?\.json", f):
            with open(os.path.join(out_env, f)) as fh:
                docs[f] = json.load(fh)
            for r in docs[f]["Resources"].values():
                if r["Type"] == "AWS::DynamoDB::Table":
                    where[r["Properties"]["TableName"]] = f
    return where, docs


def refs(v, out):
    """Every logical id a template value refers to (Ref, Fn::GetAtt)."""
    if isinstance(v, dict):
        for k, x in v.items():
            if k == "Ref" and isinstance(x, str):
                out.add(x)
            elif k == "Fn::GetAtt" and isinstance(x, list) and x:
                out.add(x[0])
            else:
                refs(x, out)
    elif isinstance(v, list):
        for x in v:
            refs(x, out)


def group_stacks(report, tablec):
    """The benchmark's 10,000-table spec, split: every stack within
    CloudFormation's limits, self-contained and accepted by cfn-lint; one
    more table moves no table but those of the one stack it lands in."""
    names = ["stacks/10000-tables-limits", "stacks/10000-tables-cfn-lint",
             "stacks/add-a-table"]
    if not any(report.wants(n) for n in names):
        return
    gen = os.path.join(ROOT, "tests", "bench", "gen.py")
    with tempfile.TemporaryDirectory() as tmp:
        spec = subprocess.run([sys.executable, gen, "10000"], check=True,
                              capture_output=True, text=True).stdout
        with open(os.path.join(tmp, "a.yaml"), "w") as f:
            f.write(spec)
        # b is a without t04999 (and its grant): a is b plus one table
        i, j = spec.index("  t04999:\n"), spec.index("  t05000:\n")
        grant = ("  - role: svc-t04999\n    access: read_write\n"
                 "    tables: [t04999]\n")
        with open(os.path.join(tmp, "b.yaml"), "w") as f:
            f.write((spec[:i] + spec[j:]).replace(grant, ""))
        built = {}
        for side in ("a", "b"):
            r = run([tablec, "build", f"{side}.yaml", "-o", side, "--env",
                     "staging", "--target", "cloudformation,cloudformation-json"],
                    tmp)
            if r.rc != 0:
                for n in names:
                    report.emit(Result("FAIL", n, r.describe()))
                return
            built[side] = stack_map(os.path.join(tmp, side, "staging"))

        where, docs = built["a"]
        problems = []
        if len(where) != 10000:
            problems.append(f"{len(where)} tables in the stacks, not 10000")
        for f, d in docs.items():
            size = os.path.getsize(os.path.join(tmp, "a", "staging", f))
            ysize = os.path.getsize(os.path.join(
                tmp, "a", "staging", f[:-4] + "yaml"))
            res, outs = d["Resources"], d.get("Outputs", {})
            if len(res) > 500 or len(outs) > 200 or max(size, ysize) > 1000000:
                problems.append(f"{f}: {len(res)} resources, {len(outs)} "
                                f"outputs, {size}/{ysize} bytes")
            used = set()
            refs(res, used)
            refs(outs, used)
            if used - set(res):
                problems.append(f"{f}: refers to {sorted(used - set(res))[:3]} "
                                f"outside itself")
        if report.wants(names[0]):
            report.emit(Result("FAIL" if problems else "PASS", names[0],
                               "\n".join(problems[:20]) + "" if problems else
                               f"{len(docs)} stacks"))

        if report.wants(names[1]):
            cmd = cfn_lint_command()
            if cmd is None:
                missing_tool(report, names[1], "cfn-lint")
            else:
                yamls = sorted(os.path.join("a", "staging", f[:-4] + "yaml")
                               for f in docs)
                half = (len(yamls) + 1) // 2
                procs = [subprocess.Popen(cmd + ["--"] + part, cwd=tmp,
                                          stdout=subprocess.PIPE,
                                          stderr=subprocess.STDOUT)
                         for part in (yamls[:half], yamls[half:]) if part]
                outs = [p.communicate()[0] for p in procs]
                bad = [decode(o) for p, o in zip(procs, outs) if p.returncode]
                report.emit(Result("FAIL" if bad else "PASS", names[1],
                                   clip("\n".join(bad))))

        if report.wants(names[2]):
            before, after = built["b"][0], where
            moved = {t: (before[t], after[t]) for t in before
                     if after.get(t) != before[t]}
            old_files = set(before.values())
            sources = {a for a, _ in moved.values()}
            bad = (len(before) != 9999 or len(sources) > 1 or
                   any(b in old_files and b != a for a, b in moved.values()))
            report.emit(Result("FAIL" if bad else "PASS", names[2],
                               f"moved: {sorted(moved.items())[:10]}" if bad
                               else ""))


# ------------------------------------------------------------- lint, fuzz

def group_lint(report, build):
    """scripts/lint.sh: cppcheck and clang-tidy over src/, no findings."""
    for tool in ("cppcheck", "clang-tidy"):
        name = f"lint/{tool}"
        if not report.wants(name):
            continue
        if not shutil.which(tool):
            missing_tool(report, name, tool)
            continue
        p = subprocess.run(["bash", os.path.join(ROOT, "scripts", "lint.sh"),
                            tool], cwd=ROOT, capture_output=True,
                           env=dict(os.environ, BUILD=build))
        out = decode(p.stdout + p.stderr)
        report.emit(Result("PASS" if p.returncode == 0 else "FAIL", name,
                           "" if p.returncode == 0 else clip(out)))


def group_fuzz(report):
    """scripts/fuzz.sh: each libFuzzer target for TABLEC_FUZZ_SECONDS
    (default 60) with ASan and UBSan; a crash, leak, timeout or sanitizer
    report fails its target."""
    names = [f"fuzz/{t}" for t in ("load", "tmpl", "compile")]
    if not any(report.wants(n) for n in names):
        return
    if not shutil.which("clang"):
        for n in names:
            missing_tool(report, n, "clang")
        return
    secs = os.environ.get("TABLEC_FUZZ_SECONDS", "60")
    p = subprocess.run(["bash", os.path.join(ROOT, "scripts", "fuzz.sh"), secs],
                       cwd=ROOT, capture_output=True)
    out = decode(p.stdout + p.stderr)
    for n in names:
        if not report.wants(n):
            continue
        t = n.split("/")[1]
        line = re.search(rf"^(ok|FAIL) +fuzz_{t}\b.*(?:\n    .*)*", out, re.M)
        if line and line.group(1) == "ok":
            report.emit(Result("PASS", n, ""))
        else:
            report.emit(Result("FAIL", n, clip(line.group(0) if line else out)))


# --------------------------------------------------------------------- main

GROUPS = ("unit", "golden", "specs", "cfn-lint", "enums", "tables",
          "meta", "valgrind", "diff", "stacks") + realtools.GROUPS + \
    eco.GROUPS + ("lint", "fuzz")


def main():
    ap = argparse.ArgumentParser(
        description="Runs tablec's tests; see tests/README.md.")
    ap.add_argument("--build", action="append", metavar="DIR",
                    help="meson build folder holding tablec and test_* "
                         "(default build); give it again to test several "
                         "builds, e.g. a sanitizer one")
    ap.add_argument("--update", action="store_true",
                    help="rewrite the expected files of golden cases and "
                         "specs' out/ from the tool's output")
    ap.add_argument("-k", metavar="SUBSTRING", default="",
                    help="run only tests whose name contains SUBSTRING")
    ap.add_argument("-g", "--group", action="append", choices=GROUPS,
                    help="run only this group (may be repeated)")
    ap.add_argument("-j", "--jobs", type=int, default=4,
                    help="golden cases run in parallel (default 4)")
    args = ap.parse_args()

    report = Report(args.k)
    groups = set(args.group or GROUPS)
    builds = []
    for b in args.build or ["build"]:
        if not os.path.isabs(b) and not os.path.isdir(b):
            b = os.path.join(ROOT, b)   # also works from another folder
        builds.append(os.path.abspath(b))
    try:
        for i, build in enumerate(builds):
            label = f" [{rel(build)}]" if len(builds) > 1 else ""
            update = args.update and i == 0
            if not os.path.isdir(build):
                for g in ("unit", "golden", "specs"):
                    if g in groups and report.wants(g + label):
                        report.emit(Result("FAIL", g + label,
                                           f"no build folder {rel(build)}; "
                                           f"run meson setup {rel(build)}"))
                continue
            if "unit" in groups:
                group_unit(report, build, label)
            tablec = os.path.join(build, "tablec")
            have = os.path.isfile(tablec) and os.access(tablec, os.X_OK)
            for g, fn in (("golden", group_golden), ("specs", group_specs)):
                if g not in groups:
                    continue
                if not have:
                    if report.wants(g + label):
                        report.emit(Result("FAIL", g + label,
                                           f"{rel(tablec)} not found; run "
                                           f"meson compile -C {rel(build)}"))
                    continue
                fn(report, tablec, update, label, max(1, args.jobs))
            if "meta" in groups and have and i == 0:
                group_meta(report, tablec, args.update, max(1, args.jobs))
            # memcheck on the plain build only: sanitizers cover the other
            if "valgrind" in groups and have and i == 0:
                group_valgrind(report, tablec, max(1, args.jobs))
            # diff: golden cases per build; cdk and DynamoDB Local once
            if "diff" in groups and have:
                group_diff(report, tablec, update, label, max(1, args.jobs),
                           i == 0)
            elif "diff" in groups and report.wants("diff" + label):
                report.emit(Result("FAIL", "diff" + label,
                                   f"{rel(tablec)} not found; run meson "
                                   f"compile -C {rel(build)}"))
        if "cfn-lint" in groups:
            group_cfn_lint(report)
        if "enums" in groups:
            group_enums(report)
        if "tables" in groups:
            group_tables(report)
        if "stacks" in groups:
            group_stacks(report, os.path.join(builds[0], "tablec"))
        for g in realtools.GROUPS:
            if g in groups:
                realtools.run_group(g, report, sys.modules[__name__],
                                    builds[0])
        for g in eco.GROUPS:
            if g in groups:
                eco.run_group(g, report, sys.modules[__name__], builds[0],
                              args.update)
        if "lint" in groups:
            group_lint(report, builds[0])
        if "fuzz" in groups:
            group_fuzz(report)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        report.counts["FAIL"] += 1
    except Exception:  # a bug here must still end with the summary line
        report.emit(Result("FAIL", "tests/run.py",
                           "internal error of the test runner:\n" +
                           traceback.format_exc()))
    print(report.summary(), flush=True)
    return 1 if report.counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
