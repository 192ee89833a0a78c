#!/usr/bin/env python3
"""A warm AWS CLI for the tests: the real CLI's code, without its start-up.

    python3 tests/tools/aws_zygote.py SOCKET

The AWS CLI v1 spends about 0.6 s of every call importing itself and
building its command tables, which would make running every generated
deploy.sh twice against moto take many minutes. This server does that work
once: it imports awscli, builds the driver and the command tables of the
services deploy.sh uses, prints "ready" and then, for each connection on
the Unix socket SOCKET, forks a child that runs the CLI's own
`driver.main(argv)` exactly as the `aws` command does, with the caller's
arguments, environment, working directory and standard streams (passed as
file descriptors). The child sends back the exit status. So each call is a
fresh process running the unmodified CLI; only the import and table
building are shared (fork copies them). Nothing is cached across calls:
sessions, credentials, clients and endpoints are made in each child from
the caller's environment.

tests/tools/aws_client.py is the `aws` command that talks to it; the test
puts a shim for it first on PATH (tests/realtools.py). Set TABLEC_AWS=real
to run the scripts with the real `aws` command instead (same results,
slower).
"""

import io
import json
import os
import signal
import socket
import struct
import sys
import traceback

SERVICES = ("dynamodb", "iam", "sts", "kms")


def warm():
    import awscli.clidriver
    driver = awscli.clidriver.create_clidriver()
    table = driver._get_command_table()
    driver._get_argument_table()
    for name in SERVICES:
        if name not in table:
            continue
        for op in table[name]._get_command_table().values():
            try:
                op.arg_table  # builds the operation's arguments
            except Exception:
                pass
    # Load the models and endpoint rules into the session's loader (a
    # client is created with explicit settings, so that nothing of this
    # process's environment is resolved and kept).
    for name in SERVICES:
        try:
            driver.session.create_client(
                name, region_name="us-east-1",
                endpoint_url="http://127.0.0.1:9",
                aws_access_key_id="warm", aws_secret_access_key="warm")
        except Exception:
            pass
    return driver


def recv_request(conn):
    data, fds, _flags, _addr = socket.recv_fds(conn, 1 << 16, 3)
    if len(data) < 8:
        raise ValueError("short request")
    size = struct.unpack("!Q", data[:8])[0]
    body = data[8:]
    while len(body) < size:
        more = conn.recv(size - len(body))
        if not more:
            raise ValueError("truncated request")
        body += more
    return json.loads(body.decode("utf-8")), fds


def text_stream(fd, env, errors):
    enc = env.get("PYTHONIOENCODING", "")
    encoding, _, err = enc.partition(":")
    return io.TextIOWrapper(io.FileIO(fd, "w", closefd=False),
                            encoding=encoding or "utf-8",
                            errors=err or errors,
                            line_buffering=os.isatty(fd))


def child(driver, conn, listener, req, fds):
    """Runs one CLI call in the forked child; never returns."""
    rc = 255
    try:
        listener.close()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        for i, fd in enumerate(fds):
            os.dup2(fd, i)
            os.close(fd)
        env = req["env"]
        os.environ.clear()
        os.environ.update(env)
        # what the aws command (awscli/bin/aws) does before main()
        if os.environ.get("LC_CTYPE", "") == "UTF-8":
            os.environ["LC_CTYPE"] = "en_US.UTF-8"
        os.chdir(req["cwd"])
        os.umask(req.get("umask", 0o022))
        sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False),
                                     encoding="utf-8")
        sys.stdout = text_stream(1, env, "strict")
        sys.stderr = text_stream(2, env, "backslashreplace")
        sys.argv = ["aws"] + req["argv"]
        try:
            rc = driver.main(req["argv"])
        except SystemExit as e:
            rc = e.code if isinstance(e.code, int) else (0 if e.code is None
                                                         else 1)
        if not isinstance(rc, int):
            rc = 0 if rc is None else 1
    except BaseException:
        try:
            traceback.print_exc()
        except BaseException:
            pass
        rc = 255
    for s in (sys.stdout, sys.stderr):
        try:
            s.flush()
        except BaseException:
            pass
    try:
        conn.sendall(struct.pack("!i", rc))
    except BaseException:
        pass
    os._exit(rc & 0xFF)


def main():
    if len(sys.argv) != 2:
        print("usage: aws_zygote.py SOCKET", file=sys.stderr)
        return 2
    path = sys.argv[1]
    driver = warm()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children reap themselves
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    print("ready", flush=True)
    while True:
        conn, _ = listener.accept()
        fds = []
        try:
            req, fds = recv_request(conn)
            if len(fds) != 3:
                raise ValueError("expected 3 file descriptors")
            pid = os.fork()
            if pid == 0:
                child(driver, conn, listener, req, fds)
        except Exception as e:
            try:
                conn.sendall(struct.pack("!i", -1))
            except OSError:
                pass
            print(f"aws_zygote: {e}", file=sys.stderr, flush=True)
        finally:
            for fd in fds:
                try:
                    os.close(fd)
                except OSError:
                    pass
            conn.close()


if __name__ == "__main__":
    sys.exit(main())
