"""Config sanity before any model object is built: the sizes a config.json names (layers, widths, heads,
vocabulary, positions) are integers within fixed ceilings, and the model they describe is about as large
as the weights bundled beside it. A config of a million layers over a tiny safetensors file would make
`from_pretrained` allocate (or loop) for ever; here it is a finding, in microseconds."""

from __future__ import annotations

from typing import Any

from babylm.submissions.findings import Finding, error

# Config keys (by their names across stock architectures) and the largest value accepted for each.
SIZE_KEYS: dict[str, tuple[tuple[str, ...], int]] = {
    "layers": (("n_layer", "num_hidden_layers", "num_layers", "n_layers", "num_decoder_layers",
                "encoder_layers", "decoder_layers"), 1_024),
    "width": (("n_embd", "hidden_size", "d_model", "dim", "embed_dim"), 65_536),
    "ffn": (("n_inner", "intermediate_size", "d_ff", "ffn_dim", "hidden_dim", "encoder_ffn_dim",
             "decoder_ffn_dim"), 262_144),
    "heads": (("n_head", "num_attention_heads", "num_heads", "n_heads", "num_key_value_heads",
               "encoder_attention_heads", "decoder_attention_heads"), 4_096),
    "vocab": (("vocab_size",), 4_194_304),
    "positions": (("n_positions", "max_position_embeddings", "n_ctx", "max_seq_len"), 1_048_576),
}
# The parameters a config implies may exceed the bundled weights' by this factor (plus SLACK) before it
# is refused: estimates ignore biases, norms, tying and architecture details; a lie is far larger.
SIZE_FACTOR = 8.0
SLACK = 1_000_000
FIX = "save the config with save_pretrained from the model whose weights are bundled"


def config_sizes(cfg: dict[str, Any], where: str) -> tuple[dict[str, int], list[Finding]]:
    """The sizes the config names ({kind: largest value among its keys}) and findings for bad ones."""
    out: list[Finding] = []
    sizes: dict[str, int] = {}
    for kind, (keys, ceiling) in SIZE_KEYS.items():
        for key in keys:
            if key not in cfg or cfg[key] is None:
                continue
            v = cfg[key]
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                out.append(error("E_CONFIG_SIZE", f"{where}: {key} is {str(v)[:40]!r}, not a non-negative integer",
                                 FIX, where))
                continue
            if v > ceiling:
                out.append(error("E_CONFIG_SIZE", f"{where}: {key} = {v:,} is over the limit of {ceiling:,} "
                                 f"({kind}); the model would not be built", FIX, where))
                continue
            sizes[kind] = max(sizes.get(kind, 0), v)
    return sizes, out


def implied_params(sizes: dict[str, int]) -> int:
    """A rough lower estimate of a transformer's parameters from its sizes (attention + MLP per layer,
    embeddings; biases and norms left out)."""
    d = sizes.get("width", 0)
    ff = sizes.get("ffn", 0) or 4 * d
    layers = sizes.get("layers", 0)
    return layers * (4 * d * d + 2 * d * ff) + sizes.get("vocab", 0) * d


def check_config_sizes(cfg: Any, where: str, weight_params: int | None) -> list[Finding]:
    """Findings for a config whose sizes are not integers, over the ceilings, or describe a model far larger
    than the `weight_params` parameters its safetensors headers hold (None: headers unreadable)."""
    if not isinstance(cfg, dict):
        return []
    sizes, out = config_sizes(cfg, where)
    if out or weight_params is None:
        return out
    implied = implied_params(sizes)
    if implied > SIZE_FACTOR * weight_params + SLACK:
        out.append(error("E_CONFIG_SIZE", f"{where}: its sizes ({', '.join(f'{k} {v:,}' for k, v in sizes.items())}) "
                         f"describe about {implied:,} parameters, the bundled weights hold {weight_params:,}", FIX,
                         where))
    return out
