"""A fork server for grading kernels, so that a test grading many submissions does not pay for
importing PyTorch once per submission.

Every grading kernel imports torch and builds an optimizer, whose first construction imports
``torch._dynamo``: 3.5 to 5 s of a fresh process here, which each of the 140 sample submissions
of ``tests/test_autograde.py`` paid before running a line of its own.  The server imports both
once; the kernel command of a test course is this file's client, which asks the server to fork a
kernel with the client's connection file, arguments, folder, environment, resource limits and
standard streams, then stands for that kernel towards jupyter_client: it passes on the signals it
gets (an interrupt on a cell's timeout, a terminate or kill at shutdown) and exits with the
kernel's status.  The kernel is ipykernel's own ``IPKernelApp`` in a process of its own (its own
session, a copy of the server's memory): what a notebook sees differs from a kernel started
afresh only in which modules are already imported.  The client dying kills its kernel.

Only for tests: the server runs outside the grading sandbox (``grader/sandbox.py`` cannot wrap a
process that exists before the kernel does), so the tests that use it grade with
``--unsafe-no-sandbox``, and the sandbox keeps its own tests.

    python tests/kernel_zygote.py serve SOCKET          # the server (tests start it: ``Zygote``)
    python tests/kernel_zygote.py client SOCKET ARGS... # a kernel command (``Zygote.kernel_argv``)
"""

from __future__ import annotations

import json
import os
import resource
import selectors
import signal
import socket
import subprocess
import sys
from pathlib import Path

#: Limits the client passes on to its kernel (``prlimit`` sets them on the kernel command).
LIMITS = ("RLIMIT_DATA", "RLIMIT_NPROC", "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_AS")
#: Signals the client passes on to its kernel.
RELAYED = (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2)


def _preload() -> None:
    import torch

    # The first optimizer imports torch._dynamo (torch.optim.Optimizer.add_param_group is wrapped
    # by torch._disable_dynamo); a zero tensor draws nothing from the random generators.
    torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    # Nothing of Jupyter is imported here: ipykernel's and IPython's settings read the environment
    # when their modules are imported, and the kernel's environment is the client's, set in the child.


def _send(conn: socket.socket, obj: dict) -> None:
    conn.sendall(json.dumps(obj).encode() + b"\n")


def _lines(conn: socket.socket, buf: bytearray) -> list[dict]:
    out = []
    while b"\n" in buf:
        line, _, rest = bytes(buf).partition(b"\n")
        buf[:] = rest
        out.append(json.loads(line))
    return out


def _run_kernel(request: dict, fds: list[int]) -> None:
    """In the forked child: become the kernel the request describes (never returns)."""
    code = 1
    try:
        os.setsid()
        for target, fd in zip((0, 1, 2), fds):
            os.dup2(fd, target)
        for fd in fds:
            if fd > 2:
                os.close(fd)
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGPIPE):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a fresh Python process
        signal.pthread_sigmask(signal.SIG_SETMASK, set())
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        for name, (soft, hard) in request["limits"].items():
            resource.setrlimit(getattr(resource, name), (soft, hard))
        sys.argv = ["ipykernel_launcher", *request["args"]]
        from ipykernel.kernelapp import IPKernelApp

        IPKernelApp.launch_instance(argv=request["args"])
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def serve(path: str) -> None:
    _preload()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)
    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ)
    kernels: dict[socket.socket, int] = {}  # client connection -> kernel pid
    buffers: dict[socket.socket, bytearray] = {}
    print(f"kernel zygote ready on {path}", flush=True)

    def close(conn: socket.socket, status: int | None) -> None:
        pid = kernels.pop(conn, None)
        if status is None and pid is not None:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        elif status is not None:
            try:
                _send(conn, {"exit": status})
            except OSError:
                pass
        sel.unregister(conn)
        buffers.pop(conn, None)
        conn.close()

    while True:
        for key, _ in sel.select(timeout=0.1):
            if key.fileobj is listener:
                conn, _ = listener.accept()
                msg, fds, _, _ = socket.recv_fds(conn, 1 << 20, 3)
                request = json.loads(msg)
                pid = os.fork()
                if pid == 0:
                    listener.close()
                    for other in list(kernels) + [conn]:
                        other.close()
                    _run_kernel(request, fds)
                for fd in fds:
                    os.close(fd)
                kernels[conn] = pid
                buffers[conn] = bytearray()
                sel.register(conn, selectors.EVENT_READ)
                _send(conn, {"pid": pid})
                continue
            conn = key.fileobj
            assert isinstance(conn, socket.socket)
            data = conn.recv(4096)
            if not data:  # the client is gone: so is its kernel
                close(conn, None)
                continue
            buffers[conn] += data
            for msg in _lines(conn, buffers[conn]):
                if conn in kernels and "signal" in msg:
                    try:
                        os.kill(kernels[conn], int(msg["signal"]))
                    except ProcessLookupError:
                        pass
        # Reap the kernels that ended and tell their clients.
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            for conn, kpid in list(kernels.items()):
                if kpid == pid:
                    close(conn, os.waitstatus_to_exitcode(status))


def client(path: str, args: list[str]) -> int:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except OSError as exc:
        print(f"kernel zygote: cannot reach the server at {path}: {exc}", file=sys.stderr)
        return 1
    limits = {name: resource.getrlimit(getattr(resource, name)) for name in LIMITS}
    request = {"args": args, "cwd": os.getcwd(), "env": dict(os.environ), "limits": limits}
    socket.send_fds(sock, [json.dumps(request).encode()], [0, 1, 2])
    for sig in RELAYED:
        signal.signal(sig, lambda signum, frame: _send(sock, {"signal": signum}))
    buf = bytearray()
    while True:
        try:
            data = sock.recv(4096)
        except InterruptedError:
            continue
        if not data:
            print("kernel zygote: the server closed the connection", file=sys.stderr)
            return 1
        buf += data
        for msg in _lines(sock, buf):
            if "exit" in msg:
                code = int(msg["exit"])
                return code if code >= 0 else 128 - code


class Zygote:
    """A running server (``with Zygote(folder) as z:``) and the kernel command that uses it."""

    def __init__(self, folder: Path):
        self.socket = str(Path(folder) / "zygote.sock")
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Zygote:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "serve", self.socket], stdout=subprocess.PIPE, text=True
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if "ready" not in line:
            self.proc.kill()
            raise RuntimeError(f"the kernel zygote did not start: {line!r}")
        return self

    def __exit__(self, *exc) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def kernel_argv(self) -> list[str]:
        """A kernelspec's argv: jupyter_client fills in the connection file and appends extra arguments."""
        return [sys.executable, __file__, "client", self.socket, "-f", "{connection_file}"]

    def install_kernelspec(self, jupyter_path: Path, name: str, display_name: str) -> Path:
        """Write kernelspec ``name`` under ``jupyter_path/kernels`` (put ``jupyter_path`` first on
        JUPYTER_PATH for the grading process)."""
        spec = Path(jupyter_path) / "kernels" / name
        spec.mkdir(parents=True, exist_ok=True)
        (spec / "kernel.json").write_text(
            json.dumps({"argv": self.kernel_argv(), "display_name": display_name, "language": "python"})
        )
        return spec


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "serve":
        serve(argv[1])
        return 0
    if len(argv) >= 2 and argv[0] == "client":
        return client(argv[1], argv[2:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
