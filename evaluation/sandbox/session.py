"""One sandboxed model process: start it under bubblewrap with resource limits, talk to it over pipes,
kill it (the whole process group) when it overruns a limit.

Failures come back as `SandboxFailure` (a user error naming the checkpoint and the limit): the caller
records it as a finding for that checkpoint and goes on with the next one.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from babylm.errors import BabyLMError
from babylm.evaluation.sandbox.bwrap import bwrap_command, require_sandbox
from babylm.evaluation.sandbox.limits import DEFAULT_SANDBOX_LIMITS, SandboxLimits
from babylm.evaluation.sandbox.protocol import Ready

R = TypeVar("R", bound=BaseModel)
OUTPUT_TAIL = 2000  # characters of the child's stdout/stderr quoted in a failure


class SandboxFailure(BabyLMError):
    """The sandboxed model process failed, overran a limit or sent a reply that does not validate."""


def _signal_name(sig: int) -> str:
    with contextlib.suppress(ValueError):
        return signal.Signals(sig).name
    return f"signal {sig}"


class SandboxSession:
    """A running sandboxed child for one checkpoint: `call(message, ReplyType, timeout)` per exchange."""

    def __init__(self, checkpoint: str | Path, *, limits: SandboxLimits = DEFAULT_SANDBOX_LIMITS,
                 threads: int | None = None, out_dir: Path | None = None, label: str | None = None) -> None:
        self.checkpoint = Path(checkpoint)
        self.limits = limits
        self.label = label or str(checkpoint)
        self.threads = threads
        self.out_dir = out_dir
        self.proc: subprocess.Popen[bytes] | None = None
        self._cgroup: Any = None
        self._output = bytearray()
        self._output_total = 0
        self._overflow = False
        self._buf = b""
        self._killed_for: str | None = None

    # ---- start / stop ----
    def start(self) -> None:
        """Start the child and wait until its interpreter is up (`Ready`)."""
        require_sandbox()
        argv = bwrap_command(self.checkpoint, tmp_bytes=self.limits.tmp_bytes, out_dir=self.out_dir,
                             threads=self.threads)
        if os.geteuid() == 0:
            from babylm.evaluation.sandbox.procs import PidsCgroup

            self._cgroup = PidsCgroup(self.limits.nproc)
            nproc = None
        else:
            from babylm.evaluation.sandbox.procs import user_tasks

            nproc = user_tasks(os.getuid()) + self.limits.nproc
        r, w = os.pipe()
        argv += ["--fd", str(w)]
        lim, cgroup = self.limits, self._cgroup

        def in_child() -> None:  # between fork and exec: only async-signal-safe-ish calls
            import resource

            if cgroup is not None:
                cgroup.join()
            resource.setrlimit(resource.RLIMIT_AS, (lim.memory_bytes, lim.memory_bytes))
            resource.setrlimit(resource.RLIMIT_CPU, (lim.cpu_s, lim.cpu_s + 5))
            resource.setrlimit(resource.RLIMIT_FSIZE, (lim.fsize_bytes, lim.fsize_bytes))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            if nproc is not None:
                resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))

        try:
            self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT, pass_fds=(w,), start_new_session=True,
                                         preexec_fn=in_child, cwd="/", env={"PATH": "/usr/bin:/bin"})
        except OSError as exc:
            os.close(r)
            self._drop_cgroup()
            raise SandboxFailure(f"{self.label}: the sandbox did not start: {exc}") from exc
        finally:
            os.close(w)
        self._result_fd = r
        threading.Thread(target=self._pump_output, daemon=True).start()
        self.receive(Ready, self.limits.startup_s, "starting the interpreter (importing torch)")

    def close(self) -> None:
        """Kill the child's process group and free the pipes (idempotent)."""
        proc = self.proc
        if proc is None:
            return
        self.proc = None
        self._kill(proc)
        with contextlib.suppress(OSError):
            os.close(self._result_fd)
        for f in (proc.stdin, proc.stdout):
            with contextlib.suppress(OSError, ValueError):
                if f is not None:
                    f.close()
        self._drop_cgroup()

    def __enter__(self) -> SandboxSession:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()

    def _kill(self, proc: subprocess.Popen[bytes]) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            proc.wait(timeout=10)

    def _drop_cgroup(self) -> None:
        if self._cgroup is not None:
            self._cgroup.remove()
            self._cgroup = None

    # ---- output (stdout + stderr): read at most `output_bytes`, then kill ----
    def _pump_output(self) -> None:
        proc = self.proc
        if proc is None or proc.stdout is None:
            return
        fd = proc.stdout.fileno()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            self._output_total += len(chunk)
            self._output += chunk
            if len(self._output) > 4 * OUTPUT_TAIL:
                del self._output[: len(self._output) - OUTPUT_TAIL]
            if self._output_total > self.limits.output_bytes:
                self._overflow = True
                self._killed_for = (f"wrote more than {self.limits.output_bytes:,} bytes to stdout/stderr "
                                    "(output limit)")
                self._kill(proc)
                return

    def output_tail(self) -> str:
        return bytes(self._output[-OUTPUT_TAIL:]).decode("utf-8", "replace").strip()

    # ---- messages ----
    def send(self, message: BaseModel) -> None:
        """Write one message on the child's stdin (in a thread: a child that stops reading cannot block us)."""
        proc = self.proc
        if proc is None or proc.stdin is None:
            raise SandboxFailure(f"{self.label}: the sandbox is not running")
        data = message.model_dump_json().encode() + b"\n"
        stdin = proc.stdin

        def write() -> None:
            with contextlib.suppress(OSError, ValueError):
                stdin.write(data)
                stdin.flush()

        threading.Thread(target=write, daemon=True).start()

    def call(self, message: BaseModel, reply: type[R], timeout_s: float, what: str) -> R:
        self.send(message)
        return self.receive(reply, timeout_s, what)

    def receive(self, reply: type[R], timeout_s: float, what: str) -> R:
        """The next reply, validated as `reply`; SandboxFailure on a limit, a death or a bad reply."""
        line = self._read_line(timeout_s, what)
        try:
            return reply.model_validate_json(line)
        except ValidationError as exc:
            self.close()
            first = exc.errors()[0] if exc.errors() else {}
            raise SandboxFailure(f"{self.label}: the sandbox sent a malformed reply while {what}: "
                                 f"{first.get('loc', '')} {first.get('msg', exc)}"[:600]) from None

    def _read_line(self, timeout_s: float, what: str) -> bytes:
        deadline = time.monotonic() + timeout_s
        while b"\n" not in self._buf:
            if self.proc is None:
                raise SandboxFailure(f"{self.label}: the sandbox is not running")
            left = deadline - time.monotonic()
            if left <= 0:
                self._fail(f"{what} took longer than {timeout_s:g} s (wall-clock limit)")
            ready, _, _ = select.select([self._result_fd], [], [], min(left, 0.5))
            if self._overflow:
                self._fail(self._killed_for or "output limit")
            if not ready:
                continue
            chunk = os.read(self._result_fd, 1 << 20)
            if not chunk:
                self._died(what)
            self._buf += chunk
            if len(self._buf) > self.limits.result_bytes:
                self._fail(f"sent a reply of more than {self.limits.result_bytes:,} bytes")
        line, _, self._buf = self._buf.partition(b"\n")
        return line

    def _fail(self, why: str) -> None:
        tail = self.output_tail()
        self.close()
        raise SandboxFailure(f"{self.label}: {why}; the sandbox was killed" + (f". Output: {tail[-500:]}" if tail
                                                                                and not self._overflow else ""))

    def _died(self, what: str) -> None:
        proc = self.proc
        code = None
        if proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                code = proc.wait(timeout=5)
        if self._overflow:
            self._fail(self._killed_for or "output limit")
        lim = self.limits
        if code is not None and code < 0:
            sig = -code
            how = {signal.SIGXCPU: f"killed by SIGXCPU: over the CPU-time limit of {lim.cpu_s} s",
                   signal.SIGXFSZ: f"killed by SIGXFSZ: wrote a file over the {lim.fsize_bytes:,}-byte limit",
                   signal.SIGKILL: "killed by SIGKILL (out of memory?)"}.get(sig, f"killed by {_signal_name(sig)}")
        else:
            how = f"exited with code {code}" if code is not None else "closed its result pipe"
        tail = self.output_tail()
        self.close()
        raise SandboxFailure(f"{self.label}: the sandboxed process died while {what} ({how})"
                             + (f". Output: {tail[-800:]}" if tail else ""))
