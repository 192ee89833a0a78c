"""The `aws` command of the awscli tests: runs the call in tests/tools/
aws_zygote.py (the real AWS CLI, already started) and exits with its status.

Environment: TABLEC_AWS_ZYGOTE, the zygote's socket; TABLEC_AWS_REAL, the
real aws command, run instead when the zygote cannot be reached. Standard
library only, no site packages (started with python3 -S -E).
"""

import json
import os
import socket
import struct
import sys


def via_zygote(path):
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
    except OSError:
        return None
    umask = os.umask(0o022)
    os.umask(umask)
    data = json.dumps({"argv": sys.argv[1:], "env": dict(os.environ),
                       "cwd": os.getcwd(), "umask": umask}).encode("utf-8")
    msg = struct.pack("!Q", len(data)) + data
    fds = []
    for fd in (0, 1, 2):   # a closed standard stream becomes /dev/null
        try:
            os.fstat(fd)
            fds.append(fd)
        except OSError:
            fds.append(os.open(os.devnull, os.O_RDWR))
    sent = socket.send_fds(s, [msg], fds)
    if sent < len(msg):
        s.sendall(msg[sent:])
    got = b""
    while len(got) < 4:
        more = s.recv(4 - len(got))
        if not more:
            break
        got += more
    if len(got) < 4:
        sys.stderr.write("aws (test shim): the AWS CLI process ended without "
                         "an exit status\n")
        return 255
    rc = struct.unpack("!i", got)[0]
    if rc < 0:
        sys.stderr.write("aws (test shim): the zygote refused the call\n")
        return 255
    return rc


def main():
    path = os.environ.get("TABLEC_AWS_ZYGOTE")
    if path:
        rc = via_zygote(path)
        if rc is not None:
            return rc
    real = os.environ.get("TABLEC_AWS_REAL")
    if real:
        os.execv(real, [real] + sys.argv[1:])
    sys.stderr.write("aws (test shim): no AWS CLI to run\n")
    return 127


if __name__ == "__main__":
    sys.exit(main())
