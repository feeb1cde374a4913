"""The sandboxed side: import torch + transformers, say `ready`, then serve the harness's messages.

Runs only inside bubblewrap (`BABYLM_SANDBOX_CHILD=1`, the checkpoint at /checkpoint). Replies go to the
result pipe named by `--fd`, never to stdout, which the model code may fill with anything.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from pydantic import BaseModel

ERROR_CHARS = 3000


def _error(exc: BaseException) -> str:
    """The error as one line, naming the sandbox limit it hit (the cause chain is searched)."""
    msg = f"{type(exc).__name__}: {exc}"
    chain, e = [], exc
    while e is not None and len(chain) < 10:
        chain.append(e)
        e = e.__cause__ or e.__context__
    if any(isinstance(c, BlockingIOError) or (isinstance(c, OSError) and c.errno == 11) for c in chain):
        msg += " (the sandbox's process limit)"
    elif any(isinstance(c, MemoryError) or "can't allocate memory" in str(c).lower() for c in chain):
        msg += " (the sandbox's memory limit)"
    return msg[:ERROR_CHARS]


class _Server:
    def __init__(self, out: Any) -> None:
        self.out = out
        self.scorer: Any = None

    def reply(self, message: BaseModel) -> None:
        self.out.write(message.model_dump_json() + "\n")
        self.out.flush()

    def load(self, req: Any) -> BaseModel:
        from babylm.evaluation.sandbox.bwrap import CHECKPOINT_MOUNT
        from babylm.evaluation.sandbox.protocol import Loaded
        from babylm.evaluation.scorers.load import load_model, scorer_for

        try:
            if req.threads:
                import torch

                torch.set_num_threads(req.threads)
            model, tokenizer = load_model(CHECKPOINT_MOUNT, req.backend, trust_remote_code=True)
            self.scorer = scorer_for(model, tokenizer, req.backend, compat=req.compat, batch_size=req.batch_size)
            n = sum(int(p.numel()) for p in model.parameters())
            return Loaded(op="loaded", ok=True, model_class=type(model).__name__,
                          engine=getattr(self.scorer, "engine", "transformers"), n_params=n)
        except BaseException as exc:  # the model's code may raise anything, SystemExit included
            return Loaded(op="loaded", ok=False, error=_error(exc))

    def score(self, req: Any) -> BaseModel:
        from babylm.evaluation.api import ScoreRequest
        from babylm.evaluation.sandbox.protocol import Scores
        from babylm.evaluation.scorers.load import ScoreError

        if self.scorer is None:
            return Scores(op="scores", ok=False, error="no model loaded")
        try:
            values = self.scorer.score([ScoreRequest(c, k) for c, k in req.requests])
            return Scores(op="scores", ok=True, scores=[float(v) for v in values])
        except ScoreError as exc:
            return Scores(op="scores", ok=False, error=_error(exc), index=exc.index)
        except BaseException as exc:
            return Scores(op="scores", ok=False, error=_error(exc))

    def convert(self) -> BaseModel:
        from babylm.evaluation.sandbox.convert import convert_in_child
        from babylm.evaluation.sandbox.protocol import Converted

        try:
            return Converted(op="converted", ok=True, files=convert_in_child())
        except BaseException as exc:
            return Converted(op="converted", ok=False, error=_error(exc))


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if os.environ.get("BABYLM_SANDBOX_CHILD") != "1":
        raise SystemExit("babylm.evaluation.sandbox.child runs only inside the sandbox")
    fd = int(argv[argv.index("--fd") + 1])
    out = os.fdopen(fd, "w", encoding="utf-8")
    import torch  # noqa: F401  the startup deadline covers these imports, not the model's time
    import transformers

    from babylm.evaluation.sandbox.protocol import Convert, LoadRequest, Ready, ScoreCall
    from babylm.evaluation.scorers import causal, load, mlm  # noqa: F401

    transformers.utils.logging.disable_progress_bar()
    server = _Server(out)
    server.reply(Ready(op="ready"))
    for line in sys.stdin:
        if not line.strip():
            continue
        op = json.loads(line).get("op")
        if op == "load":
            server.reply(server.load(LoadRequest.model_validate_json(line)))
        elif op == "score":
            server.reply(server.score(ScoreCall.model_validate_json(line)))
        elif op == "convert":
            Convert.model_validate_json(line)
            server.reply(server.convert())
        else:
            raise SystemExit(f"unknown message {op!r}")


if __name__ == "__main__":
    main()
