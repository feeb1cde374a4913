"""`SandboxScorer`: the Scorer protocol over a sandboxed model process (load once, score many times)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from babylm.evaluation.api import Compat, ScoreRequest
from babylm.evaluation.sandbox.limits import DEFAULT_SANDBOX_LIMITS, SandboxLimits
from babylm.evaluation.sandbox.protocol import Loaded, LoadRequest, ScoreCall, Scores
from babylm.evaluation.sandbox.session import SandboxFailure, SandboxSession


class SandboxScorer:
    """Scores a checkpoint whose model code runs in a bubblewrap sandbox; replies are validated here.

    Raises SandboxFailure (load failed, a limit was hit, a malformed reply) or ScoreError (the child's
    scorer reported a non-finite score for one request).
    """

    engine = "sandbox"

    def __init__(self, checkpoint: str | Path, backend: str = "causal", *, compat: Compat = "babylm",
                 batch_size: int | None = None, limits: SandboxLimits = DEFAULT_SANDBOX_LIMITS,
                 threads: int | None = None, label: str | None = None) -> None:
        self.backend = backend
        self.limits = limits
        self.session = SandboxSession(checkpoint, limits=limits, threads=threads, label=label)
        self.session.start()
        try:
            self.loaded = self.session.call(
                LoadRequest(backend=backend, compat=compat, batch_size=batch_size, threads=threads), Loaded,
                limits.load_s, "loading the model")
        except BaseException:
            self.session.close()
            raise
        if not self.loaded.ok:
            self.session.close()
            raise SandboxFailure(f"{self.session.label}: the model did not load in the sandbox: {self.loaded.error}",
                                 hint="the error comes from the checkpoint's own code or files")
        self.model_class = self.loaded.model_class

    def score(self, requests: Sequence[ScoreRequest]) -> list[float]:
        from babylm.evaluation.scorers.load import ScoreError

        if not requests:
            return []
        reply = self.session.call(ScoreCall(requests=[(r.context, r.continuation) for r in requests]), Scores,
                                  self.limits.call_s, f"scoring {len(requests)} requests")
        if not reply.ok:
            if reply.index is not None and reply.index < len(requests):
                raise ScoreError(reply.error or "scoring failed", index=reply.index)
            self.close()
            raise SandboxFailure(f"{self.session.label}: scoring failed in the sandbox: {reply.error}")
        scores = reply.scores or []
        if len(scores) != len(requests) or not all(math.isfinite(v) for v in scores):
            self.close()
            raise SandboxFailure(f"{self.session.label}: the sandbox returned {len(scores)} scores for "
                                 f"{len(requests)} requests")
        return scores

    def close(self) -> None:
        self.session.close()
