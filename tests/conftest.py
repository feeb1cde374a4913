"""Shared fixtures: where ../shared/data is, and skipping with a reason when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("BABYLM_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA} (set BABYLM_SHARED_DATA to its folder)")
    return SHARED_DATA


class CliResult:
    def __init__(self, code: int, stdout: str, stderr: str) -> None:
        self.code, self.stdout, self.stderr = code, stdout, stderr

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@pytest.fixture
def run_cli(capsys):
    """Run `babylm ARGS...` in-process through the real entry point (user errors -> exit 2, no traceback)."""
    from babylm.cli import main

    def run(*args: str) -> CliResult:
        import sys

        argv = sys.argv
        sys.argv = ["babylm", *map(str, args)]
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        finally:
            sys.argv = argv
        out = capsys.readouterr()
        return CliResult(code, out.out, out.err)

    return run


TINY_TEXT = (
    "the cat sees the dog . the dogs see the cat . a bird sings . the birds sing . "
    "does the cat like milk ? yes it does . no it does not . look at the big red ball . "
) * 20


def make_tiny_causal_lm(folder: Path, text: str = TINY_TEXT, n_layer: int = 2, n_embd: int = 32) -> Path:
    """A random-weight GPT-2 with a locally trained byte-level BPE tokenizer, saved as safetensors."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=["<|endoftext|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator([text], trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|endoftext|>", eos_token="<|endoftext|>",
                                   unk_token="<|endoftext|>", pad_token="<|endoftext|>")
    eos = fast.convert_tokens_to_ids("<|endoftext|>")
    cfg = GPT2Config(n_layer=n_layer, n_embd=n_embd, n_head=2, vocab_size=len(fast), n_positions=256,
                     bos_token_id=eos, eos_token_id=eos, pad_token_id=eos)
    import torch

    torch.manual_seed(0)
    GPT2LMHeadModel(cfg).save_pretrained(folder, safe_serialization=True)
    fast.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_causal_lm(tmp_path_factory) -> Path:
    """Session-wide tiny GPT-2 folder (random weights): loads with AutoModelForCausalLM offline."""
    return make_tiny_causal_lm(tmp_path_factory.mktemp("tiny_gpt2"))
