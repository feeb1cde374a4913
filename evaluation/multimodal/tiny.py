"""A tiny GIT checkpoint built from a config (tests, the demo, the bench): nothing downloaded."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any


def tiny_git(tokenizer: Any, *, image_size: int = 32, patch: int = 8, width: int = 32, n_layer: int = 1,
             seed: int = 0) -> tuple[Any, Any]:
    """(GitForCausalLM with random weights sized to `tokenizer`, its PIL image processor)."""
    import torch
    import transformers as tf

    torch.manual_seed(seed)
    vision = {"hidden_size": width, "intermediate_size": width * 2, "num_hidden_layers": n_layer,
              "num_attention_heads": 2, "image_size": image_size, "patch_size": patch}
    cfg = tf.GitConfig(vision_config=vision, vocab_size=len(tokenizer), hidden_size=width,
                       num_hidden_layers=n_layer, num_attention_heads=2, intermediate_size=width * 2,
                       max_position_embeddings=128, pad_token_id=tokenizer.pad_token_id,
                       bos_token_id=tokenizer.cls_token_id, eos_token_id=tokenizer.sep_token_id)
    model = tf.GitForCausalLM(cfg).float().eval()
    cls = getattr(tf, "CLIPImageProcessorPil", None) or tf.CLIPImageProcessor
    processor = cls(size={"shortest_edge": image_size}, crop_size={"height": image_size, "width": image_size})
    return model, processor


def tiny_git_checkpoint(folder: str | Path, texts: Iterable[str], *, vocab_size: int = 200, seed: int = 0,
                        **kwargs: Any) -> Path:
    """Write a tiny GIT checkpoint (safetensors, tokenizer, preprocessor_config.json) to `folder`."""
    from babylm.testing.tinymodels import train_tokenizer

    folder = Path(folder)
    tok = train_tokenizer(texts, "bert", vocab_size)
    model, processor = tiny_git(tok, seed=seed, **kwargs)
    save_git(folder, model, tok, processor)
    return folder


def save_git(folder: Path, model: Any, tokenizer: Any, processor: Any) -> None:
    """Save model (safetensors), tokenizer and image processor so `load_image_text_model` reads them."""
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    processor.save_pretrained(folder)


def tiny_idefics(tokenizer: Any, *, image_size: int = 32, patch: int = 8, width: int = 32, n_layer: int = 2,
                 seed: int = 0) -> tuple[Any, Any]:
    """(IdeficsForVisionText2Text, Flamingo-style, random weights sized to `tokenizer`; its PIL image
    processor). The cross-attention gates start open (alpha 1), so the image matters untrained."""
    import torch
    import transformers as tf

    torch.manual_seed(seed)
    cfg = tf.IdeficsConfig(
        vocab_size=len(tokenizer), additional_vocab_size=0, hidden_size=width, intermediate_size=width * 2,
        num_hidden_layers=n_layer, num_attention_heads=2, cross_layer_interval=1, max_position_embeddings=128,
        pad_token_id=tokenizer.pad_token_id, bos_token_id=tokenizer.cls_token_id, eos_token_id=tokenizer.sep_token_id,
        alpha_initializer="ones", perceiver_config={"use_resampler": False},
        vision_config={"embed_dim": width, "image_size": image_size, "patch_size": patch, "num_hidden_layers": 1,
                       "num_attention_heads": 2, "intermediate_size": width * 2},
    )
    model = tf.IdeficsForVisionText2Text(cfg).float().eval()
    cls = getattr(tf, "IdeficsImageProcessorPil", None) or tf.IdeficsImageProcessor
    return model, cls(image_size=image_size)
