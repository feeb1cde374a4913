"""Tiny models and locally trained tokenizers for tests, benchmarks and the demo (nothing downloaded).

`tiny_checkpoint(folder, kind)` writes a loadable checkpoint (config.json, model.safetensors,
tokenizer files) for kind "gpt2", "bert", "roberta" or "t5", built from a config with random
weights and a byte-level BPE tokenizer trained on the given texts.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

SPECIALS = {
    "gpt2": {"bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>"},
    "bert": {"cls_token": "[CLS]", "sep_token": "[SEP]", "mask_token": "[MASK]", "pad_token": "[PAD]",
             "unk_token": "[UNK]"},
    "t5": {"eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>", "mask_token": "<extra_id_0>"},
}
SPECIALS["roberta"] = SPECIALS["bert"]

DEFAULT_TEXTS = (
    "the cat sees the dog . the dogs see the cat . a boy walks home . the boys walk home .",
    "who will the girl meet after lunch ? she has eaten the apples . they have eaten an apple .",
    "many people like music . every child plays with the toys . some teachers read books .",
)


def train_tokenizer(texts: Iterable[str], kind: str = "gpt2", vocab_size: int = 300) -> Any:
    """A fast tokenizer (byte-level BPE) trained on `texts`, with the specials `kind` needs."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    specials = SPECIALS[kind]
    special_list = list(dict.fromkeys(specials.values()))
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=special_list,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False,
    )
    tok.train_from_iterator(list(texts), trainer=trainer)
    if kind in ("bert", "roberta"):
        cls, sep = specials["cls_token"], specials["sep_token"]
        tok.post_processor = processors.TemplateProcessing(
            single=f"{cls} $A {sep}", pair=f"{cls} $A {sep} $B {sep}",
            special_tokens=[(cls, tok.token_to_id(cls)), (sep, tok.token_to_id(sep))],
        )
    elif kind == "t5":
        eos = specials["eos_token"]
        tok.post_processor = processors.TemplateProcessing(
            single=f"$A {eos}", pair=f"$A {eos} $B {eos}", special_tokens=[(eos, tok.token_to_id(eos))]
        )
    else:
        tok.post_processor = processors.ByteLevel(trim_offsets=False)
    return PreTrainedTokenizerFast(tokenizer_object=tok, **specials)


def tiny_model(kind: str, tokenizer: Any, *, n_layer: int = 2, width: int = 64, seed: int = 0) -> Any:
    """A randomly initialised tiny model of `kind` sized to `tokenizer`, float32, eval mode."""
    import torch
    import transformers as tf

    torch.manual_seed(seed)
    v = len(tokenizer)
    if kind == "gpt2":
        cfg = tf.GPT2Config(vocab_size=v, n_layer=n_layer, n_embd=width, n_head=max(1, width // 32),
                            n_positions=1024, bos_token_id=tokenizer.bos_token_id,
                            eos_token_id=tokenizer.eos_token_id)
        model = tf.GPT2LMHeadModel(cfg)
    elif kind in ("bert", "roberta"):
        common = dict(vocab_size=v, hidden_size=width, num_hidden_layers=n_layer,
                      num_attention_heads=max(1, width // 32), intermediate_size=width * 2,
                      max_position_embeddings=256 + 2, pad_token_id=tokenizer.pad_token_id)
        if kind == "bert":
            model = tf.BertForMaskedLM(tf.BertConfig(**common))
        else:
            model = tf.RobertaForMaskedLM(tf.RobertaConfig(**common))
    elif kind == "t5":
        cfg = tf.T5Config(vocab_size=v, d_model=width, d_kv=16, d_ff=width * 2, num_layers=n_layer,
                          num_decoder_layers=n_layer, num_heads=max(1, width // 16),
                          pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
                          decoder_start_token_id=tokenizer.pad_token_id)
        model = tf.T5ForConditionalGeneration(cfg)
    else:
        raise ValueError(f"unknown tiny model kind {kind!r}")
    return model.float().eval()


def tiny_checkpoint(
    folder: str | Path,
    kind: str = "gpt2",
    *,
    texts: Iterable[str] = DEFAULT_TEXTS,
    vocab_size: int = 300,
    n_layer: int = 2,
    width: int = 64,
    seed: int = 0,
) -> Path:
    """Write a tiny checkpoint (safetensors + tokenizer) to `folder` and return the folder."""
    folder = Path(folder)
    tok = train_tokenizer(texts, kind, vocab_size)
    model = tiny_model(kind, tok, n_layer=n_layer, width=width, seed=seed)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder, safe_serialization=True)
    tok.save_pretrained(folder)
    return folder


def train_causal_briefly(model: Any, tokenizer: Any, texts: list[str], steps: int, *, block: int = 64,
                         batch: int = 32, lr: float = 3e-3, seed: int = 0) -> float:
    """A few AdamW steps of next-token training on `texts` (EOS-separated, cut into `block`-token rows),
    so a bench model is not random; the last loss. The model is left in eval mode."""
    import torch

    ids = [i for t in texts for i in [tokenizer.eos_token_id, *tokenizer(t)["input_ids"]]]
    data = torch.tensor(ids[: len(ids) // (block + 1) * (block + 1)]).view(-1, block + 1)
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    model.train()
    g = torch.Generator().manual_seed(seed)
    loss = torch.tensor(float("nan"))
    for _ in range(steps):
        rows = data[torch.randint(0, len(data), (batch,), generator=g)]
        loss = model(input_ids=rows, labels=rows).loss
        loss.backward()
        opt.step()
        opt.zero_grad()
    model.eval()
    return float(loss.item())
