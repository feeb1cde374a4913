"""A GPT-BERT-style hybrid model (one transformer, causal and masked heads) written as custom model code
(config + modeling file + auto_map), and hostile variants of it, for the sandbox tests."""

from __future__ import annotations

import importlib
import json
import shutil
import sys
from pathlib import Path
from typing import Any

CONFIG_SRC = '''
from transformers import PretrainedConfig


class HybridConfig(PretrainedConfig):
    model_type = "babylm_test_hybrid"

    def __init__(self, vocab_size=300, hidden_size=32, num_heads=2, num_layers=1, max_position_embeddings=128,
                 **kwargs):
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.num_heads = num_heads
        self.num_layers = num_layers
        self.max_position_embeddings = max_position_embeddings
        super().__init__(**kwargs)
'''

MODELING_SRC = '''
import torch
from torch import nn
from transformers import PreTrainedModel
from transformers.modeling_outputs import CausalLMOutput, MaskedLMOutput

from .configuration_hybrid import HybridConfig

# HOSTILE


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.ff = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))

    def forward(self, x, allowed):
        b, n, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).view(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        att = (q @ k.transpose(-1, -2)) / (d // self.heads) ** 0.5
        att = att.masked_fill(~allowed[:, None], torch.finfo(att.dtype).min).softmax(-1)
        x = x + self.proj((att @ v).transpose(1, 2).reshape(b, n, d))
        return x + self.ff(self.ln2(x))


class HybridModel(PreTrainedModel):
    config_class = HybridConfig
    base_model_prefix = "unused"

    def __init__(self, config):
        super().__init__(config)
        d = config.hidden_size
        self.tok = nn.Embedding(config.vocab_size, d)
        self.pos = nn.Embedding(config.max_position_embeddings, d)
        self.blocks = nn.ModuleList(Block(d, config.num_heads) for _ in range(config.num_layers))
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, config.vocab_size, bias=False)
        self.post_init()

    def _init_weights(self, module):
        pass

    def get_input_embeddings(self):
        return self.tok

    def get_output_embeddings(self):
        return self.head

    def logits(self, input_ids, attention_mask, causal):
        b, n = input_ids.shape
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        keys = attention_mask.bool()[:, None, :].expand(b, n, n)
        if causal:
            keys = keys & torch.ones(n, n, dtype=torch.bool).tril()
        keys = keys | torch.eye(n, dtype=torch.bool)
        x = self.tok(input_ids) + self.pos(torch.arange(n))[None]
        for blk in self.blocks:
            x = blk(x, keys)
        return self.head(self.ln(x))


class HybridForCausalLM(HybridModel):
    def forward(self, input_ids=None, attention_mask=None, **kwargs):
        return CausalLMOutput(logits=self.logits(input_ids, attention_mask, causal=True))


class HybridForMaskedLM(HybridModel):
    def forward(self, input_ids=None, attention_mask=None, **kwargs):
        return MaskedLMOutput(logits=self.logits(input_ids, attention_mask, causal=False))
'''

AUTO_MAP = {"AutoConfig": "configuration_hybrid.HybridConfig",
            "AutoModelForCausalLM": "modeling_hybrid.HybridForCausalLM",
            "AutoModelForMaskedLM": "modeling_hybrid.HybridForMaskedLM"}


def _package(where: Path) -> Any:
    """Import the hybrid code as a package of the test (trusted: the test wrote it)."""
    pkg = where / "babylm_test_hybrid_pkg"
    pkg.mkdir(parents=True, exist_ok=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "configuration_hybrid.py").write_text(CONFIG_SRC)
    (pkg / "modeling_hybrid.py").write_text(MODELING_SRC)
    sys.path.insert(0, str(where))
    try:
        return importlib.import_module("babylm_test_hybrid_pkg.modeling_hybrid")
    finally:
        sys.path.remove(str(where))


def build_hybrid(folder: Path, work: Path, seed: int = 0) -> tuple[Path, Any, Any]:
    """Write a hybrid checkpoint (safetensors, tokenizer, config with auto_map, the two code files);
    return (folder, the causal model in this process, its tokenizer)."""
    import torch

    from babylm.testing.tinymodels import train_tokenizer

    mod = _package(work)
    tok = train_tokenizer(["the cat sees the dog . the dogs see the cat . a boy walks home . who ?"], "gpt2", 200)
    tok.add_special_tokens({"mask_token": "[MASK]", "pad_token": "[PAD]"})
    cfg = mod.HybridConfig(vocab_size=len(tok), bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                           pad_token_id=tok.pad_token_id, mask_token_id=tok.mask_token_id)
    torch.manual_seed(seed)
    model = mod.HybridForCausalLM(cfg)
    with torch.no_grad():  # _init_weights is a no-op: spread the weights so scores differ clearly
        for p in model.parameters():
            p.normal_(0, 0.3)
    model.eval()
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder, safe_serialization=True)
    tok.save_pretrained(folder)
    config = json.loads((folder / "config.json").read_text())
    config["auto_map"] = AUTO_MAP
    config["architectures"] = ["HybridForCausalLM"]
    (folder / "config.json").write_text(json.dumps(config, indent=1))
    (folder / "configuration_hybrid.py").write_text(CONFIG_SRC)
    (folder / "modeling_hybrid.py").write_text(MODELING_SRC)
    return folder, model, tok


def hostile_copy(good: Path, folder: Path, snippet: str) -> Path:
    """A copy of `good` whose modeling file runs `snippet` when the sandbox imports it."""
    shutil.copytree(good, folder)
    src = (good / "modeling_hybrid.py").read_text().replace("# HOSTILE", snippet.strip())
    (folder / "modeling_hybrid.py").write_text(src)
    return folder
