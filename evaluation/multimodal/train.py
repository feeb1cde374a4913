"""Train a GIT model briefly on (image, caption) pairs (the demo and tests: seconds on a CPU).

Plain next-token cross-entropy on the caption tokens given the image (GIT's own loss with
`labels=input_ids`, padding ignored), AdamW, fixed seed, full-batch steps over a shuffled cycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def train_git(model: Any, tokenizer: Any, processor: Any, pairs: Sequence[tuple[Any, str]], *, steps: int = 60,
              batch_size: int = 16, lr: float = 3e-3, seed: int = 0) -> list[float]:
    """Train `model` in place on `pairs`; the loss of each step."""
    import torch

    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    pixels = processor(images=[im for im, _ in pairs], return_tensors="pt")["pixel_values"].float()
    enc = tokenizer([t for _, t in pairs], padding=True, return_tensors="pt")
    labels = enc["input_ids"].masked_fill(enc["attention_mask"] == 0, -100)
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    model.train()
    losses = []
    order = torch.randperm(len(pairs), generator=gen)
    k = 0
    for _ in range(steps):
        if k + batch_size > len(order):
            order, k = torch.randperm(len(pairs), generator=gen), 0
        idx = order[k: k + batch_size]
        k += batch_size
        out = model(input_ids=enc["input_ids"][idx], attention_mask=enc["attention_mask"][idx],
                    pixel_values=pixels[idx], labels=labels[idx])
        opt.zero_grad()
        out.loss.backward()
        opt.step()
        losses.append(out.loss.item())
    model.eval()
    return losses
