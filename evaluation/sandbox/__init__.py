"""Running a checkpoint's own model code (config.json `auto_map`) safely: in a bubblewrap sandbox.

The harness never imports a checkpoint's code. `SandboxScorer` starts a child process under bubblewrap
(no network, the checkpoint read-only at /checkpoint, a private /tmp, no view of the host's files or
processes, memory / CPU / wall-clock / process / file-size / output limits) that loads the model with
`trust_remote_code=True` and scores requests sent over a pipe; every reply is validated strictly.
Where a sandbox cannot start, `require_sandbox()` says why and the checkpoint is refused: there is no
unsandboxed fallback.

Modules: limits, protocol (the pydantic messages), bwrap (the command line, the availability probe),
procs (the process-count limit), session (the parent side), child (the sandboxed side), scorer,
code (listing and hashing a checkpoint's code files), convert (pickle weights -> safetensors).
"""

from __future__ import annotations

from babylm.evaluation.sandbox.bwrap import SandboxUnavailable, require_sandbox, unavailable_reason
from babylm.evaluation.sandbox.code import custom_code
from babylm.evaluation.sandbox.limits import DEFAULT_SANDBOX_LIMITS, SandboxLimits
from babylm.evaluation.sandbox.scorer import SandboxScorer
from babylm.evaluation.sandbox.session import SandboxFailure, SandboxSession

__all__ = ["DEFAULT_SANDBOX_LIMITS", "SandboxFailure", "SandboxLimits", "SandboxScorer", "SandboxSession",
           "SandboxUnavailable", "custom_code", "require_sandbox", "unavailable_reason"]
