"""Resource limits of one sandboxed model process (each enforced by the kernel or by the parent)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SandboxLimits:
    """What a sandboxed checkpoint may use.

    memory_bytes: RLIMIT_AS (address space of each process); cpu_s: RLIMIT_CPU; nproc: processes
    (RLIMIT_NPROC, plus a pids cgroup when the harness runs as root, whom RLIMIT_NPROC does not bind);
    fsize_bytes: RLIMIT_FSIZE (largest file it may write, in its private /tmp); tmp_bytes: size of that
    /tmp; output_bytes: stdout + stderr read from it before it is killed; result_bytes: one reply on
    the result pipe; load_s / call_s: wall clock for loading the model / one scoring call (the parent
    kills the process group); startup_s: wall clock for the interpreter to import torch and transformers.
    """

    memory_bytes: int = 16 * 1024**3
    cpu_s: int = 3600
    nproc: int = 256
    fsize_bytes: int = 256 * 1024**2
    tmp_bytes: int = 512 * 1024**2
    output_bytes: int = 1024**2
    result_bytes: int = 256 * 1024**2
    startup_s: float = 120.0
    load_s: float = 300.0
    call_s: float = 1800.0


DEFAULT_SANDBOX_LIMITS = SandboxLimits()
