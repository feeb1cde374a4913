"""The `--option KEY=VALUE` settings of each protocol as one Pydantic model per protocol.

A protocol class names its model (`options_model`); the base classes here hold what families share:
`StudentOptions` (the causal-LM student of simpo and reinforce) and `RefGameOptions` (the reference-game
student of respect and cogen). Unknown keys and out-of-range values are user errors naming the key,
and `babylm interact options PROTOCOL` prints the model's fields.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from babylm.errors import BabyLMError

Opts = TypeVar("Opts", bound="ProtocolOptions")


class ProtocolOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StudentOptions(ProtocolOptions):
    corpus: str | None = Field(None, description="Text file to read (default: the generated demo corpus).")
    corpus_words: int = Field(4000, ge=1, description="Words of the generated corpus.")
    student: str | None = Field(None, description="Saved HF folder to start from instead of a fresh GPT-2.")
    n_layer: int = Field(2, ge=1, le=64)
    n_embd: int = Field(64, ge=1)
    n_head: int = Field(2, ge=1)
    n_positions: int = Field(128, ge=8, description="Context length of the student.")
    vocab_size: int = Field(400, ge=64, description="Size of the locally trained BPE tokenizer.")
    threads: int | None = Field(1, ge=0, description="torch CPU threads (0: torch's default).")
    lr: float = Field(1e-3, gt=0)
    top_p: float = Field(1.0, gt=0, le=1, description="Nucleus sampling of the student's continuations.")


class RefGameOptions(ProtocolOptions):
    games: int = Field(12, ge=1, description="Games per role and round.")
    epochs: int = Field(4, ge=1)
    lr: float = Field(0.01, gt=0)
    synonym_rate: float = Field(0.5, ge=0, le=1)
    n_objects: int = Field(10, ge=2, description="Objects in the world.")
    dim: int = Field(32, ge=1, description="Embedding width of the student.")
    hidden: int = Field(64, ge=1, description="Hidden width of the student.")


def parse_options(model: type[Opts], protocol: str, options: dict[str, Any]) -> Opts:
    """`options` checked against `model`; a BabyLMError naming each bad key otherwise."""
    try:
        return model(**options)
    except ValidationError as exc:
        bad = "; ".join(_say(e) for e in exc.errors())
        raise BabyLMError(f"bad --option for protocol {protocol}: {bad}",
                          hint=f"see `babylm interact options {protocol}`") from None


def _say(error: Any) -> str:
    msg = str(error["msg"]).removeprefix("Value error, ")
    where = ".".join(map(str, error["loc"]))
    return f"{where}: {msg}" if where else msg


def describe(model: type[ProtocolOptions]) -> list[dict[str, Any]]:
    """One row per option: name, type, default, description."""
    return [{"name": name, "type": _type_name(f.annotation), "default": f.default, "description": f.description or ""}
            for name, f in model.model_fields.items()]


def _type_name(annotation: Any) -> str:
    return getattr(annotation, "__name__", None) or str(annotation).replace("typing.", "")
