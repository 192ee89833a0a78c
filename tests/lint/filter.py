#!/usr/bin/env python3
"""Filters the findings of cppcheck or clang-tidy (read on stdin) through a
suppressions file of documented false positives, prints what is left and
exits 1 when anything is.

A finding is a line "FILE:LINE:COL: SEVERITY: MESSAGE [ID(,ID)...]" (both
tools are run with that format), followed by its notes. A suppression is a
line of the suppressions file

    ID | FILE | SOURCE LINE

that matches when the finding's check ID and file (relative to the
repository) are those, and the text of the source line it points at, with
leading and trailing blanks removed, is exactly SOURCE LINE. A suppression
names code, not a line number: lines can move, but once the code itself
changes the suppression stops matching and the finding is reviewed again.
`*` as FILE or SOURCE LINE matches any. Each suppression must be preceded by
a comment saying why the finding is a false positive. Suppressions that
matched nothing are listed (they are stale) but do not fail the run.

Usage: filter.py SUPPRESSIONS [--tool NAME] [--base DIR] < output
(--base: the directory relative paths are relative to, e.g. the build
directory for clang-tidy; default the repository)
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FINDING = re.compile(
    r"^(?P<file>[^\s:][^:]*):(?P<line>\d+):(?P<col>\d+): "
    r"(?P<sev>[a-z]+): (?P<msg>.*) \[(?P<ids>[A-Za-z0-9_.,+-]+)\]$")


def load_supp(path):
    supp = []
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            parts = [p.strip() for p in line.split("|", 2)]
            if len(parts) != 3:
                sys.exit(f"{path}:{n}: expected 'ID | FILE | SOURCE LINE'")
            supp.append({"id": parts[0], "file": parts[1], "text": parts[2],
                         "where": f"{path}:{n}", "used": False})
    return supp


_sources = {}


def source_line(rel, line):
    if rel not in _sources:
        try:
            with open(os.path.join(ROOT, rel), encoding="utf-8",
                      errors="replace") as f:
                _sources[rel] = f.read().split("\n")
        except OSError:
            _sources[rel] = []
    lines = _sources[rel]
    return lines[line - 1].strip() if 0 < line <= len(lines) else None


def main():
    args = sys.argv[1:]
    tool, base = "lint", ROOT
    for opt in ("--tool", "--base"):
        if opt in args:
            i = args.index(opt)
            if opt == "--tool":
                tool = args[i + 1]
            else:
                base = os.path.join(ROOT, args[i + 1])
            del args[i:i + 2]
    supp = load_supp(args[0])
    findings = []  # [rel, line, col, sev, msg, ids, notes]
    seen = set()
    cur = None
    for raw in sys.stdin:
        raw = raw.rstrip("\n")
        m = FINDING.match(raw)
        if not m:
            if cur is not None:
                cur[6].append(raw)
            continue
        path = os.path.normpath(os.path.join(base, m["file"]))
        rel = os.path.relpath(path, ROOT)
        line, col = int(m["line"]), int(m["col"])
        ids = [i for i in m["ids"].split(",") if i]
        text = source_line(rel, line)
        left = []
        for i in ids:
            hit = None
            for s in supp:
                if (s["id"] == i and s["file"] in ("*", rel)
                        and s["text"] in ("*", text)):
                    hit = s
                    break
            if hit:
                hit["used"] = True
            else:
                left.append(i)
        key = (rel, line, col, tuple(ids), m["msg"])
        if not left or key in seen:
            cur = None  # a header's finding repeats once per file
            continue
        seen.add(key)
        cur = [rel, line, col, m["sev"], m["msg"], left, []]
        findings.append(cur)
    for f in findings:
        print(f"{f[0]}:{f[1]}:{f[2]}: {f[3]}: {f[4]} [{','.join(f[5])}]")
        for note in f[6][:20]:
            print(note)
    for s in supp:
        if not s["used"]:
            print(f"{s['where']}: note: suppression matched nothing (stale?): "
                  f"{s['id']} | {s['file']} | {s['text']}")
    print(f"{tool}: {len(findings)} finding{'s' if len(findings) != 1 else ''}")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
