"""Student policies for interaction runs: tiny GPT-2s, sampling with log-probs, sequence scores, saving.

Everything here is text and token ids of the STUDENT's own tokenizer; the teacher stays behind
`teachers.Teacher`. Tests and the demo build tiny models from a config and a tokenizer trained locally
on the demo corpus; nothing is downloaded.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from babylm.errors import BabyLMError


def corpus_text(n_words: int, seed: int = 0) -> str:
    """Demo-corpus text of about `n_words` words (tracks/demo_corpus.py's grammar)."""
    from babylm.tracks.demo_corpus import generate_corpus

    return generate_corpus(n_words, seed)


def train_tokenizer(text: str, vocab_size: int = 400) -> Any:
    """A byte-level BPE tokenizer trained on the lines of `text` (tracks/tokenizer_train.py), wrapped as a
    transformers fast tokenizer: no prefix space, EOS as BOS/EOS/PAD/UNK, every pair may merge."""
    from babylm.tracks.tokenizer_train import train_tokenizer as train_bpe

    return train_bpe(text.splitlines(), vocab_size=vocab_size, min_frequency=0, add_prefix_space=False,
                     pad_token=None, model_max_length=None)


def tiny_gpt2(tokenizer: Any, *, n_layer: int = 2, n_embd: int = 64, n_head: int = 2, n_positions: int = 128,
              seed: int = 0) -> Any:
    """A randomly initialised GPT-2 sized for CPU tests."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(seed)
    cfg = GPT2Config(
        vocab_size=len(tokenizer), n_positions=n_positions, n_embd=n_embd, n_layer=n_layer, n_head=n_head,
        bos_token_id=tokenizer.eos_token_id, eos_token_id=tokenizer.eos_token_id,
        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
    )
    return GPT2LMHeadModel(cfg)


def save_policy(model: Any, tokenizer: Any, out_dir: str | Path) -> Path:
    """Save model + tokenizer into `out_dir` atomically (a temporary folder beside it, then a rename)."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # "Writing model shards" bars would flood the run's output
    out_dir = Path(out_dir)
    tmp = out_dir.parent / f".{out_dir.name}.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    return replace_dir(tmp, out_dir)


def replace_dir(tmp: Path, out_dir: Path) -> Path:
    """Put the finished folder `tmp` in the place of `out_dir` (any old one is removed first). A crash
    between the two leaves no `out_dir` but the complete `tmp`; readers never see a half-written one."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    os.replace(tmp, out_dir)
    return out_dir


def load_policy(path: str | Path) -> tuple[Any, Any]:
    """Load a saved policy (model, tokenizer) offline."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = Path(path)
    if not (path / "config.json").is_file():
        raise BabyLMError(f"no saved policy in {path}")
    model = AutoModelForCausalLM.from_pretrained(path, local_files_only=True)
    return model, AutoTokenizer.from_pretrained(path, local_files_only=True)


def sample(model: Any, prompt_ids: list[int], max_new: int, *, top_p: float = 0.8, temperature: float = 1.0,
           generator: Any = None, stop_id: int | None = None) -> tuple[list[int], float]:
    """Sample up to `max_new` tokens after `prompt_ids` (nucleus sampling); returns (ids, sum log-prob).

    The log-prob is under the sampling policy's own (untruncated) distribution at temperature 1, which is
    what the importance weights of REINFORCE-style updates need.
    """
    import torch

    model.eval()
    ids = list(prompt_ids)
    out: list[int] = []
    logp = 0.0
    limit = int(getattr(model.config, "n_positions", 1 << 30))
    with torch.no_grad():
        for _ in range(max_new):
            # no KV cache: sequences are short and this keeps clear of cache API churn
            ctx = (ids + out)[-limit:]
            logits = model(input_ids=torch.tensor([ctx], device=model.device)).logits[0, -1].float().cpu()
            logprobs = torch.log_softmax(logits, -1)
            probs = torch.softmax(logits / temperature, -1)
            if top_p < 1.0:
                sp, si = torch.sort(probs, descending=True)
                keep = torch.cumsum(sp, 0) - sp < top_p
                mask = torch.zeros_like(probs, dtype=torch.bool)
                mask[si[keep]] = True
                probs = torch.where(mask, probs, torch.zeros_like(probs))
                probs = probs / probs.sum()
            nxt = int(torch.multinomial(probs, 1, generator=generator))
            logp += float(logprobs[nxt])
            out.append(nxt)
            if stop_id is not None and nxt == stop_id:
                break
    return out, logp


def completion_logprobs(model: Any, prompts: list[list[int]], completions: list[list[int]], pad_id: int) -> tuple[Any, Any]:
    """Per-sequence (sum log-prob of completion tokens, completion length), differentiable, batched."""
    import torch

    limit = int(getattr(model.config, "n_positions", 1 << 30))
    # text-only round trips can re-tokenize longer than sampled: keep the completion, cut the prompt's left
    completions = [c[: limit - 1] for c in completions]
    prompts = [(p[-(limit - len(c)) :] if len(p) + len(c) > limit else p) or p[-1:] for p, c in
               zip(prompts, completions, strict=True)]
    seqs = [p + c for p, c in zip(prompts, completions, strict=True)]
    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    att = torch.zeros((len(seqs), width), dtype=torch.long)
    target_mask = torch.zeros((len(seqs), width), dtype=torch.float)
    for i, (p, c) in enumerate(zip(prompts, completions, strict=True)):
        ids[i, : len(p) + len(c)] = torch.tensor(p + c)
        att[i, : len(p) + len(c)] = 1
        target_mask[i, len(p) : len(p) + len(c)] = 1.0
    ids, att, target_mask = ids.to(model.device), att.to(model.device), target_mask.to(model.device)
    logits = model(input_ids=ids, attention_mask=att).logits[:, :-1].float()
    lp = torch.log_softmax(logits, -1).gather(-1, ids[:, 1:].unsqueeze(-1)).squeeze(-1)
    mask = target_mask[:, 1:]
    return (lp * mask).sum(-1), mask.sum(-1)


def train_lm_steps(model: Any, tokenizer: Any, text: str, *, steps: int, seq_len: int = 32, batch: int = 8,
                   lr: float = 3e-3, seed: int = 0) -> float:
    """Plain LM training on random windows of `text` (the tiny local teacher); returns the last loss."""
    import torch

    ids = tokenizer(text.replace("\n", " ")).input_ids
    if len(ids) <= seq_len + 1:
        raise BabyLMError("not enough text to train on")
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    data = torch.tensor(ids)
    model.train()
    loss_val = float("nan")
    for _ in range(steps):
        starts = torch.randint(0, len(ids) - seq_len - 1, (batch,), generator=g)
        x = torch.stack([data[s : s + seq_len] for s in starts]).to(model.device)
        loss = model(input_ids=x, labels=x).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
        loss_val = float(loss.detach())
    model.eval()
    return loss_val


def build_tiny_teacher(out_dir: str | Path, *, n_words: int = 20_000, steps: int = 300, seed: int = 0) -> Path:
    """Train a tiny GPT-2 teacher on the demo corpus for `steps` steps and save it (LocalHFTeacher loads it)."""
    text = corpus_text(n_words, seed + 1000)
    tok = train_tokenizer(text)
    model = tiny_gpt2(tok, seed=seed + 1)
    train_lm_steps(model, tok, text, steps=steps, seed=seed)
    return save_policy(model, tok, out_dir)
