#!/usr/bin/env python3
"""Replays DynamoDB requests against AWS's DynamoDB Local.

    python3 tests/tools/ddblocal_check.py DYNAMODB_LOCAL_DIR JOBS.json

Meant to run inside a private network namespace (tests/realtools.py starts
it as `unshare -n sh -c 'ip link set lo up && exec python3 ...'`), because
DynamoDB Local has no bind-address option: there it listens on the
namespace's own loopback and nowhere else. This script starts DynamoDB
Local (java -jar DynamoDBLocal.jar -inMemory) on a port of that loopback,
waits until it answers, replays every job, and stops it, also on errors.

JOBS.json is a list of jobs, each {"name": N, "region": R, "calls":
[{"op": "create_table" | "update_table" | "update_time_to_live",
"args": {...boto3 keyword arguments...}}...], "expect_error": null or a
substring of the error message that the LAST call must fail with}. A job
passes when every call succeeds (or, with expect_error, when every call but
the last succeeds and the last fails with that message). Each job gets its
own access key, hence its own database in DynamoDB Local, so that table
names of different jobs never meet.

Prints one JSON line per job: {"name": N, "ok": bool, "detail": "..."},
then exits 0; exit status 2 when DynamoDB Local did not start.
"""

import json
import socket
import subprocess
import sys
import time

PORT = 8000         # in a namespace of our own, any port is free
START_TIMEOUT = 60  # seconds for DynamoDB Local to answer


def die_with_parent():
    """In the child: ask Linux to kill it when this script ends, however
    it ends (prctl PR_SET_PDEATHSIG)."""
    try:
        import ctypes
        import signal
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    except Exception:
        pass


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


def run_job(boto3, n, job):
    c = client(boto3, job.get("region") or "us-east-1", f"job{n}")
    calls = job["calls"]
    expect = job.get("expect_error")
    done = []
    for i, call in enumerate(calls):
        last = i == len(calls) - 1
        what = f"{call['op']}({call['args'].get('TableName', '')})"
        try:
            getattr(c, call["op"])(**call["args"])
        except Exception as e:  # botocore ClientError, ParamValidationError
            msg = f"{type(e).__name__}: {e}"
            if expect and last:
                if expect in str(e):
                    return True, f"rejected as expected: {msg}"
                return False, f"{what} failed, but not with {expect!r}: {msg}"
            return False, (f"{what} was rejected: {msg}\nrequest: " +
                           json.dumps(call["args"], indent=1)[:3000])
        done.append(what)
    if expect:
        return False, (f"expected an error {expect!r}, but every call "
                       f"succeeded: {', '.join(done)}")
    return True, ", ".join(done)


def main():
    if len(sys.argv) != 3:
        print("usage: ddblocal_check.py DYNAMODB_LOCAL_DIR JOBS.json",
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
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            preexec_fn=die_with_parent)
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
        import threading
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
