"""Training the reference-game student: supervised, REINFORCE, KTO and CoGen's weighted loss.

Examples are plain JSON-able dicts (they go through the round driver's data.json):

- listener: {"utt": str, "objs": [str], "action": int, "mode": MODE, "r": float, "logp_dep": float|None}
- speaker:  {"objs": [str], "target": int, "utt": str, "mode": MODE, "r": float, "logp_dep": float|None}
- decoder:  {"window": str, "label": -1 | 0 | 1}

MODE is one of
- "nll":   -log pi(a) (seed demonstrations, SUP positives);
- "rl":    -w * r * log pi(a), w = 1 for r > 0 else min(pi / pi_deployed, rl_clip) (ReSpect RL);
- "kto":   KTO with beta, reference = the deployed policy (r > 0 desirable, r < 0 undesirable);
- "cogen": -c * r * log pi(a), c = 1 for r > 0 else min(pi / pi_deployed, 5) (CoGen).
Importance weights are computed from the current model and treated as constants (no gradient through
them), as in the papers.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from babylm.tracks.interaction.students.refgame import Student, _pad

MODES = ("nll", "rl", "kto", "cogen")


@dataclass
class FitConfig:
    epochs: int = 12
    lr: float = 0.01
    batch_size: int = 64
    rl_clip: float = 1.0  # ReSpect clips pi/pi_deployed for non-positives
    cogen_clip: float = 5.0
    kto_beta: float = 0.5
    weight_decay: float = 0.0
    seed: int = 0


def _policy_loss(logp, modes, r, logp_dep, cfg: FitConfig):
    """Per-example losses for a batch of log-probs of the taken actions (see module docstring)."""
    import torch

    has_ref = ~torch.isnan(logp_dep)
    ref = torch.where(has_ref, logp_dep, logp.detach())
    ratio = (logp.detach() - ref).exp()
    loss = torch.zeros_like(logp)
    m_nll, m_rl, m_kto, m_cg = (modes == i for i in range(4))
    loss = torch.where(m_nll, -logp, loss)
    w_rl = torch.where(r > 0, torch.ones_like(ratio), ratio.clamp(max=cfg.rl_clip))
    loss = torch.where(m_rl, -w_rl * r * logp, loss)
    w_cg = torch.where(r > 0, torch.ones_like(ratio), ratio.clamp(max=cfg.cogen_clip))
    loss = torch.where(m_cg, -w_cg * r * logp, loss)
    if m_kto.any():
        log_ratio = logp - ref
        z = log_ratio[m_kto].mean().clamp(min=0).detach()  # batch estimate of KL(pi || pi_ref)
        des = 1 - torch.sigmoid(cfg.kto_beta * (log_ratio - z))
        und = 1 - torch.sigmoid(cfg.kto_beta * (z - log_ratio))
        kto = torch.where(r > 0, des, torch.where(r < 0, und, torch.zeros_like(des)))
        loss = torch.where(m_kto, kto, loss)
    return loss


class _Adam:
    """Plain Adam (Kingma & Ba). torch.optim's first use imports torch._dynamo, which costs 5-10 s of a
    shared CPU per process; this tiny student trains in less than that."""

    def __init__(self, params, lr: float, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0) -> None:
        import torch

        self.params = [p for p in params if p.requires_grad]
        self.lr, self.betas, self.eps, self.wd = lr, betas, eps, weight_decay
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]
        self.t = 0

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        import torch

        self.t += 1
        b1, b2 = self.betas
        c1, c2 = 1 - b1**self.t, 1 - b2**self.t
        with torch.no_grad():
            for p, m, v in zip(self.params, self.m, self.v, strict=True):
                if p.grad is None:
                    continue
                g = p.grad + self.wd * p if self.wd else p.grad
                m.mul_(b1).add_(g, alpha=1 - b1)
                v.mul_(b2).addcmul_(g, g, value=1 - b2)
                p.addcdiv_(m / c1, (v / c2).sqrt_().add_(self.eps), value=-self.lr)


class _Tensors:
    """Examples of one head, encoded once per fit."""

    def __init__(self, n: int, tensors: dict[str, Any]) -> None:
        self.n = n
        self.t = tensors

    def batch(self, idx: Sequence[int]) -> dict[str, Any]:
        return {k: v[list(idx)] for k, v in self.t.items()}


def _encode_policy(student: Student, examples: Sequence[dict], role: str) -> _Tensors | None:
    import torch

    if not examples:
        return None
    objs, mask = student.objs_tensor([e["objs"] for e in examples])
    t: dict[str, Any] = {
        "objs": objs,
        "mask": mask,
        "utt": student.utt_tensor([e["utt"] for e in examples], eos=(role == "speaker")),
        "mode": torch.tensor([MODES.index(e.get("mode", "nll")) for e in examples]),
        "r": torch.tensor([float(e.get("r", 1.0)) for e in examples]),
        "logp_dep": torch.tensor([float("nan") if e.get("logp_dep") is None else float(e["logp_dep"])
                                  for e in examples]),
    }
    key = "action" if role == "listener" else "target"
    t["idx"] = torch.tensor([int(e[key]) for e in examples])
    return _Tensors(len(examples), t)


def _encode_decoder(student: Student, examples: Sequence[dict]) -> _Tensors | None:
    import torch

    if not examples:
        return None
    rows = [student.vocab.encode(e["window"]) for e in examples]
    return _Tensors(len(examples), {
        "window": torch.tensor(_pad(rows), dtype=torch.long),
        "label": torch.tensor([int(e["label"]) + 1 for e in examples]),
    })


def fit(
    student: Student,
    listener: Sequence[dict] = (),
    speaker: Sequence[dict] = (),
    decoder: Sequence[dict] = (),
    cfg: FitConfig | None = None,
) -> dict[str, float]:
    """Train `student` in place on the three kinds of examples; returns the last epoch's mean losses."""
    import torch

    cfg = cfg or FitConfig()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the model is tiny: extra threads only contend on a shared machine
    try:
        return _fit(student, listener, speaker, decoder, cfg)
    finally:
        torch.set_num_threads(threads)


def _fit(student: Student, listener: Sequence[dict], speaker: Sequence[dict], decoder: Sequence[dict],
         cfg: FitConfig) -> dict[str, float]:
    import torch
    import torch.nn.functional as F

    rng = random.Random(cfg.seed)
    torch.manual_seed(cfg.seed)
    model = student.model
    model.train()
    heads = {
        "listener": _encode_policy(student, listener, "listener"),
        "speaker": _encode_policy(student, speaker, "speaker"),
        "decoder": _encode_decoder(student, decoder),
    }
    opt = _Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    last: dict[str, float] = {}
    for _ in range(cfg.epochs):
        batches: list[tuple[str, list[int]]] = []
        for name, data in heads.items():
            if data is None:
                continue
            order = list(range(data.n))
            rng.shuffle(order)
            batches += [(name, order[i : i + cfg.batch_size]) for i in range(0, data.n, cfg.batch_size)]
        rng.shuffle(batches)
        sums: dict[str, list[float]] = {}
        for name, idx in batches:
            b = heads[name].batch(idx)  # type: ignore[union-attr]
            if name == "decoder":
                loss = F.cross_entropy(model.decoder_logits(b["window"]), b["label"])
            else:
                if name == "listener":
                    logits = model.listener_logits(b["utt"], b["objs"], b["mask"])
                    logp = torch.log_softmax(logits, -1).gather(1, b["idx"][:, None]).squeeze(1)
                else:
                    tgt = b["objs"][torch.arange(len(idx)), b["idx"]]
                    logp = model.speaker_logprob(model.speaker_start(tgt, b["objs"], b["mask"]), b["utt"])
                loss = _policy_loss(logp, b["mode"], b["r"], b["logp_dep"], cfg).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sums.setdefault(name, []).append(float(loss.detach()))
        last = {k: sum(v) / len(v) for k, v in sums.items()}
    model.eval()
    return last


def words_in(examples: Sequence[dict]) -> int:
    """Words of text in a set of examples (what the student trains on, per epoch)."""
    n = 0
    for e in examples:
        for key in ("utt", "window"):
            if key in e:
                n += len(str(e[key]).split())
        n += sum(len(o.split()) for o in e.get("objs", ()))
    return n
