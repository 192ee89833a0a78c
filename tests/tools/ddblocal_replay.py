#!/usr/bin/env python3
"""Replays the index changes of `tablec diff` cases against AWS's DynamoDB
Local, step by step, waiting for the table to settle between steps.

    python3 tests/tools/ddblocal_replay.py DYNAMODB_LOCAL_DIR JOBS.json

Meant to run inside a private network namespace (tests/run.py, group diff,
starts it as `unshare -n sh -c 'ip link set lo up && exec python3 ...'`),
because DynamoDB Local has no bind-address option: there it listens on the
namespace's own loopback and nowhere else. This script starts DynamoDB
Local (java -jar DynamoDBLocal.jar -inMemory) on a port of that loopback,
waits until it answers, runs every job, and stops it, also on errors.

tests/tools/ddblocal_check.py does the same for single requests; this one
adds what a sequence of deploys needs: waiting until the table and all its
indexes are ACTIVE (and deleted indexes gone) after each step, an expected
error per step, and a check of the table's final indexes.

JOBS.json is a list of {"name": N, "region": R, "steps": [STEP...]}. A
STEP is one of
  {"op": "create_table" | "update_table", "args": {boto3 kwargs},
   "expect_error": null or a substring of the error message}
      the call must succeed, or, with expect_error, fail with that message
      (an empty expect_error, which any error would match, fails the job);
      either way the job then waits until the table is ACTIVE;
  {"op": "check_table", "args": {"TableName": T},
   "gsis": {NAME: {"KeySchema": [...], "Projection": {...}}},
   "attributes": {NAME: TYPE}}
      the table has exactly these global indexes, each with this key
      schema and projection, and these attribute types (a subset).
Each job gets its own access key, hence its own database in DynamoDB Local,
so that table names of different jobs never meet.

Prints one JSON line per job: {"name": N, "ok": bool, "detail": "..."},
then exits 0; exit status 2 when DynamoDB Local did not start.
"""

import json
import socket
import subprocess
import sys
import threading
import time

PORT = 8000          # in a namespace of our own, any port is free
START_TIMEOUT = 60   # seconds for DynamoDB Local to answer
SETTLE_TIMEOUT = 60  # seconds for a table and its indexes to become ACTIVE


def wait_port(proc, port, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def client(boto3, region, key):
    from botocore.config import Config
    return boto3.client(
        "dynamodb", endpoint_url=f"http://127.0.0.1:{PORT}",
        region_name=region, aws_access_key_id=key,
        aws_secret_access_key="local",
        config=Config(retries={"max_attempts": 1}, connect_timeout=5,
                      read_timeout=60))


def settle(c, table):
    """Waits until the table and every global index are ACTIVE; returns
    what it saw last, or raises TimeoutError."""
    end = time.monotonic() + SETTLE_TIMEOUT
    while True:
        t = c.describe_table(TableName=table)["Table"]
        states = [(g["IndexName"], g.get("IndexStatus"))
                  for g in t.get("GlobalSecondaryIndexes", [])]
        if t["TableStatus"] == "ACTIVE" and \
                all(s == "ACTIVE" for _, s in states):
            return t
        if time.monotonic() > end:
            raise TimeoutError(f"table {table} not ACTIVE after "
                               f"{SETTLE_TIMEOUT}s: {t['TableStatus']}, "
                               f"indexes {states}")
        time.sleep(0.1)


def norm_projection(p):
    out = {"ProjectionType": p.get("ProjectionType", "ALL")}
    if p.get("NonKeyAttributes"):
        out["NonKeyAttributes"] = sorted(p["NonKeyAttributes"])
    return out


def check_table(c, step):
    t = c.describe_table(TableName=step["args"]["TableName"])["Table"]
    problems = []
    have = {g["IndexName"]: g for g in t.get("GlobalSecondaryIndexes", [])}
    want = step.get("gsis", {})
    if sorted(have) != sorted(want):
        problems.append(f"global indexes are {sorted(have)}, expected "
                        f"{sorted(want)}")
    for name in sorted(set(have) & set(want)):
        g, w = have[name], want[name]
        if g["KeySchema"] != w["KeySchema"]:
            problems.append(f"index {name}: key schema {g['KeySchema']}, "
                            f"expected {w['KeySchema']}")
        if norm_projection(g["Projection"]) != norm_projection(w["Projection"]):
            problems.append(f"index {name}: projection {g['Projection']}, "
                            f"expected {w['Projection']}")
    types = {a["AttributeName"]: a["AttributeType"]
             for a in t.get("AttributeDefinitions", [])}
    for name, typ in sorted(step.get("attributes", {}).items()):
        if types.get(name) != typ:
            problems.append(f"attribute {name} is {types.get(name)}, "
                            f"expected {typ}")
    return problems


def run_job(boto3, n, job):
    c = client(boto3, job.get("region") or "us-east-1", f"replay{n}")
    log = []
    for i, step in enumerate(job["steps"], 1):
        op, args = step["op"], step.get("args", {})
        if op == "check_table":
            problems = check_table(c, step)
            if problems:
                return False, "\n".join(log + [f"{i}. check_table: " + p
                                               for p in problems])
            log.append(f"{i}. check_table: as expected")
            continue
        what = f"{i}. {op}({args.get('TableName', '')}"
        if args.get("GlobalSecondaryIndexUpdates"):
            what += ", " + ", ".join(
                f"{k} {v['IndexName']}" for u in
                args["GlobalSecondaryIndexUpdates"] for k, v in u.items())
        what += ")"
        expect = step.get("expect_error")
        if expect is not None and not (isinstance(expect, str) and
                                       expect.strip()):
            return False, "\n".join(log + [
                f"{what}: expect_error is {expect!r}, which any error "
                f"would match; name DynamoDB's message"])
        try:
            getattr(c, op)(**args)
        except Exception as e:  # botocore ClientError, ParamValidationError
            msg = f"{type(e).__name__}: {e}"
            if expect is not None and expect in str(e):
                log.append(f"{what}: rejected as expected: {msg}")
            elif expect is not None:
                return False, "\n".join(log + [
                    f"{what}: failed, but not with {expect!r}: {msg}"])
            else:
                return False, "\n".join(log + [
                    f"{what}: rejected: {msg}", "request: " +
                    json.dumps(args, indent=1)[:3000]])
        else:
            if expect is not None:
                return False, "\n".join(log + [
                    f"{what}: succeeded, but DynamoDB was expected to reject "
                    f"it with {expect!r}"])
            log.append(f"{what}: ok")
        try:
            settle(c, args["TableName"])
        except TimeoutError as e:
            return False, "\n".join(log + [str(e)])
    return True, "\n".join(log)


def main():
    if len(sys.argv) != 3:
        print("usage: ddblocal_replay.py DYNAMODB_LOCAL_DIR JOBS.json",
              file=sys.stderr)
        return 2
    ddb_dir, jobs_path = sys.argv[1], sys.argv[2]
    with open(jobs_path) as f:
        jobs = json.load(f)
    import boto3
    cmd = ["java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
           "-Djava.library.path=./DynamoDBLocal_lib", "-jar",
           "DynamoDBLocal.jar", "-inMemory", "-port", str(PORT),
           "-disableTelemetry"]
    proc = subprocess.Popen(cmd, cwd=ddb_dir, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        if not wait_port(proc, PORT, START_TIMEOUT):
            out = b""
            if proc.poll() is not None:
                out = proc.stdout.read()
            print(f"DynamoDB Local did not answer on 127.0.0.1:{PORT} within "
                  f"{START_TIMEOUT}s: {' '.join(cmd)}\n"
                  f"{out.decode(errors='replace')[-2000:]}", file=sys.stderr)
            return 2
        # drain its output so that it never blocks on a full pipe
        threading.Thread(target=lambda: [None for _ in proc.stdout],
                         daemon=True).start()
        for n, job in enumerate(jobs):
            try:
                ok, detail = run_job(boto3, n, job)
            except Exception as e:
                ok, detail = False, f"{type(e).__name__}: {e}"
            print(json.dumps({"name": job["name"], "ok": ok,
                              "detail": detail}), flush=True)
        return 0
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    sys.exit(main())
