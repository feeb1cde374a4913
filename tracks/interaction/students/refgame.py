"""The student of the reference games: one tiny neural text model with three heads.

Why this model: the games need thousands of train steps per round, six variants, several rounds and
seeds, on two shared CPU cores in minutes. A bag-of-words bilinear listener and a one-layer GRU speaker
over word embeddings train in seconds and still read and write nothing but text: every input is a
string (object lines such as "C: red square striped selected last", partner utterances, feedback
windows) tokenised by a fixed word vocabulary, and the speaker writes utterances word by word. One
embedding table is shared by all heads, so what one role learns about a word (e.g. that "crimson"
goes with "red") is available to the others.

- listener: P_L(object | utterance, context) = softmax_i  u^T W o_i + b^T o_i, where u and o_i are sums of
  word embeddings of the utterance and of object line i;
- speaker: P_S(utterance | target, context), a GRU whose start state encodes the target's line and its
  difference from the other lines;
- decoder: P(label word | feedback window text), scoring the embeddings of "positive", "neutral",
  "negative" against the window (retrospective feedback decoding by the student itself).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from babylm.errors import BabyLMError
from babylm.io import atomic_write_bytes, atomic_write_text, read_json
from babylm.tracks.interaction.games.world import LETTERS, Lexicon, tokenize

if TYPE_CHECKING:
    import torch

PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<bos>", "<eos>"
LABEL_WORDS = ("negative", "neutral", "positive")  # index = label + 1
STATE_WORDS = ("selected", "last")
FRAME_WORDS = ("action", "reply", "select", "deselect")
STUDENT_FORMAT = "babylm.refgame_student/1"


class StudentFile(BaseModel):
    """student.json (`babylm.refgame_student/1`): the student's shape and vocabulary; the weights are
    model.safetensors beside it. Written as `json.dumps` writes it (", " and ": "), as always."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["babylm.refgame_student/1"] = STUDENT_FORMAT
    config: dict[str, int]
    vocab: list[str]

    @classmethod
    def read(cls, path: Path) -> StudentFile:
        data = read_json(path, what="student.json")
        fmt = data.get("format") if isinstance(data, dict) else None
        if fmt != STUDENT_FORMAT:
            raise BabyLMError(f"{path}: field 'format' is {fmt!r}, expected {STUDENT_FORMAT}")
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise BabyLMError(f"{path}: not a {STUDENT_FORMAT} file ({exc.errors()[0]['msg']})") from None

    def write(self, path: Path) -> None:
        atomic_write_text(path, json.dumps(self.model_dump()))


class Vocab:
    """A fixed word vocabulary (the student's tokenizer); unknown words map to <unk>."""

    def __init__(self, words: Iterable[str]) -> None:
        self.itos: list[str] = [PAD, UNK, BOS, EOS]
        for w in sorted(set(words)):
            if w not in self.itos:
                self.itos.append(w)
        self.stoi = {w: i for i, w in enumerate(self.itos)}

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, text: str) -> list[int]:
        unk = self.stoi[UNK]
        return [self.stoi.get(w, unk) for w in tokenize(text)]

    def decode(self, ids: Sequence[int]) -> str:
        return " ".join(self.itos[i] for i in ids if self.itos[i] not in (PAD, BOS, EOS))

    @classmethod
    def for_world(cls, lexicon: Lexicon, extra: Iterable[str] = ()) -> Vocab:
        from babylm.tracks.interaction.games.partner import phrase_words
        from babylm.tracks.interaction.games.world import DESCRIPTION_WORDS

        words = set(lexicon.all_words()) | set(DESCRIPTION_WORDS) | set(phrase_words())
        words |= set(LABEL_WORDS) | set(STATE_WORDS) | set(FRAME_WORDS) | set(extra)
        words |= {c.lower() for c in LETTERS} | set(".,!?:;")
        return cls(words)


def _pad(rows: Sequence[Sequence[int]], length: int | None = None) -> list[list[int]]:
    n = max([len(r) for r in rows] + [1]) if length is None else length
    return [list(r[:n]) + [0] * (n - len(r[:n])) for r in rows]


def build_model(vocab_size: int, dim: int = 32, hidden: int = 64, seed: int = 0) -> torch.nn.Module:
    """The base model: a fixed random init, so every round can retrain "from the base model"."""
    import torch

    torch.manual_seed(seed)
    return _student_class()(vocab_size, dim, hidden)


_CLASS = None  # the nn.Module subclass, defined on first use so torch is imported lazily


def _student_class() -> type:
    global _CLASS
    if _CLASS is not None:
        return _CLASS
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class StudentModel(nn.Module):
        """See the module docstring; all inputs are padded word-id tensors (0 = padding)."""

        def __init__(self, vocab_size: int, dim: int = 32, hidden: int = 64) -> None:
            super().__init__()
            self.config = {"vocab_size": vocab_size, "dim": dim, "hidden": hidden}
            self.emb = nn.Embedding(vocab_size, dim, padding_idx=0)
            # small init: a word the student never trained on contributes little (instead of N(0, 1) noise)
            nn.init.normal_(self.emb.weight, std=0.1)
            with torch.no_grad():
                self.emb.weight[0].zero_()
            self.listen_w = nn.Parameter(torch.randn(dim, dim) * 0.1)
            self.listen_b = nn.Parameter(torch.zeros(dim))
            self.speak_init = nn.Linear(2 * dim, hidden)
            self.speak_rnn = nn.GRU(dim, hidden, batch_first=True)
            self.speak_out = nn.Linear(hidden, vocab_size)
            self.decode_w = nn.Parameter(torch.randn(dim, dim) * 0.1)
            self.register_buffer("label_ids", torch.zeros(3, dtype=torch.long))

        def bag(self, ids: torch.Tensor) -> torch.Tensor:
            """Sum of word embeddings over the last axis of `ids` (padding embeds to zero)."""
            return self.emb(ids).sum(dim=-2)

        def listener_logits(self, utt: torch.Tensor, objs: torch.Tensor, obj_mask: torch.Tensor) -> torch.Tensor:
            """utt [B, Lu], objs [B, N, Lo], obj_mask [B, N] -> logits [B, N] (masked to -inf)."""
            u = self.bag(utt) @ self.listen_w  # [B, d]
            o = self.bag(objs)  # [B, N, d]
            logits = (o * u[:, None, :]).sum(-1) + o @ self.listen_b
            return logits.masked_fill(~obj_mask, float("-inf"))

        def speaker_start(self, target: torch.Tensor, objs: torch.Tensor, obj_mask: torch.Tensor) -> torch.Tensor:
            """target [B, Lo], objs [B, N, Lo] -> GRU start state [1, B, H]."""
            t = self.bag(target)
            o = self.bag(objs) * obj_mask[..., None]
            mean_o = o.sum(1) / obj_mask.sum(1, keepdim=True).clamp(min=1)
            return torch.tanh(self.speak_init(torch.cat([t, t - mean_o], -1)))[None]

        def speaker_logprob(self, h0: torch.Tensor, utt: torch.Tensor) -> torch.Tensor:
            """Log P_S of each utterance (ids ending with <eos>, padded with 0): [B]."""
            bos = torch.full((utt.shape[0], 1), 2, dtype=utt.dtype)  # <bos>
            inp = torch.cat([bos, utt[:, :-1]], 1)
            out, _ = self.speak_rnn(self.emb(inp), h0)
            logp = F.log_softmax(self.speak_out(out), -1)
            tok = logp.gather(-1, utt[..., None]).squeeze(-1)
            return (tok * (utt != 0)).sum(-1)

        @torch.no_grad()
        def speaker_sample(self, h0: torch.Tensor, max_len: int = 7, temperature: float = 1.0,
                           generator: torch.Generator | None = None) -> torch.Tensor:
            """Sample utterances [B, max_len] (ids, <eos> then padding) from the start states."""
            b = h0.shape[1]
            tok = torch.full((b, 1), 2, dtype=torch.long)
            h = h0
            out = torch.zeros(b, max_len, dtype=torch.long)
            alive = torch.ones(b, dtype=torch.bool)
            for i in range(max_len):
                o, h = self.speak_rnn(self.emb(tok), h)
                logits = self.speak_out(o[:, -1]) / temperature
                logits[:, :3] = float("-inf")  # never pad/unk/bos
                if i == max_len - 1:
                    nxt = torch.full((b,), 3, dtype=torch.long)
                else:
                    nxt = torch.multinomial(F.softmax(logits, -1), 1, generator=generator).squeeze(-1)
                out[:, i] = torch.where(alive, nxt, torch.zeros_like(nxt))
                alive = alive & (nxt != 3)
                tok = nxt[:, None]
                if not alive.any():
                    break
            return out

        def decoder_logits(self, window: torch.Tensor) -> torch.Tensor:
            """window [B, L] -> logits over LABEL_WORDS [B, 3] (scores of those words' embeddings)."""
            return self.bag(window) @ self.decode_w @ self.emb(self.label_ids).T

    _CLASS = StudentModel
    return _CLASS


class Student:
    """A model plus its vocabulary, with text-in/text-out helpers used by the protocols."""

    def __init__(self, vocab: Vocab, model: torch.nn.Module) -> None:
        import torch

        self.vocab = vocab
        self.model = model
        model.label_ids.copy_(torch.tensor([vocab.stoi[w] for w in LABEL_WORDS]))

    @classmethod
    def fresh(cls, vocab: Vocab, seed: int = 0, dim: int = 32, hidden: int = 64) -> Student:
        return cls(vocab, build_model(len(vocab), dim, hidden, seed))

    def clone(self) -> Student:
        import copy

        return Student(self.vocab, copy.deepcopy(self.model))

    # --- tensors from text -------------------------------------------------------------------
    def utt_tensor(self, utts: Sequence[str], eos: bool = False) -> torch.Tensor:
        import torch

        rows = [self.vocab.encode(u) + ([3] if eos else []) for u in utts]
        return torch.tensor(_pad(rows), dtype=torch.long)

    def objs_tensor(self, contexts: Sequence[Sequence[str]]) -> tuple[torch.Tensor, torch.Tensor]:
        import torch

        n = max(len(c) for c in contexts)
        enc = [[self.vocab.encode(o) for o in c] for c in contexts]
        lo = max((len(o) for c in enc for o in c), default=1)
        rows = [_pad(c + [[]] * (n - len(c)), lo) for c in enc]
        mask = [[True] * len(c) + [False] * (n - len(c)) for c in enc]
        return torch.tensor(rows, dtype=torch.long), torch.tensor(mask, dtype=torch.bool)

    # --- roles ---------------------------------------------------------------------------------
    def listener_logprobs(self, utts: Sequence[str], contexts: Sequence[Sequence[str]]) -> torch.Tensor:
        import torch

        objs, mask = self.objs_tensor(contexts)
        return torch.log_softmax(self.model.listener_logits(self.utt_tensor(utts), objs, mask), -1)

    def speaker_states(self, targets: Sequence[int], contexts: Sequence[Sequence[str]]) -> torch.Tensor:
        objs, mask = self.objs_tensor(contexts)
        tgt = objs[range(len(targets)), list(targets)]
        return self.model.speaker_start(tgt, objs, mask)

    def speaker_logprobs(self, targets: Sequence[int], contexts: Sequence[Sequence[str]],
                         utts: Sequence[str]) -> torch.Tensor:
        return self.model.speaker_logprob(self.speaker_states(targets, contexts), self.utt_tensor(utts, eos=True))

    def speaker_sample(self, targets: Sequence[int], contexts: Sequence[Sequence[str]],
                       generator: torch.Generator | None = None) -> list[str]:
        ids = self.model.speaker_sample(self.speaker_states(targets, contexts), generator=generator)
        return [self.vocab.decode(row.tolist()) for row in ids]

    def decode_probs(self, windows: Sequence[str]) -> torch.Tensor:
        """P(negative, neutral, positive) for each feedback window text: [B, 3]."""
        import torch

        return torch.softmax(self.model.decoder_logits(self.utt_tensor(windows)), -1)

    # --- persistence ---------------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        """model.safetensors + student.json (vocab, config), each written atomically."""
        from safetensors.torch import save

        weights = save({k: v.contiguous() for k, v in self.model.state_dict().items()})
        atomic_write_bytes(folder / "model.safetensors", weights)
        StudentFile(config=self.model.config, vocab=self.vocab.itos).write(folder / "student.json")

    @classmethod
    def load(cls, folder: Path) -> Student:
        from safetensors.torch import load_file

        meta_path = folder / "student.json"
        if not meta_path.is_file():
            raise BabyLMError(f"no student.json in {folder}", "point at a folder written by Student.save")
        meta = StudentFile.read(meta_path)
        vocab = Vocab([])
        vocab.itos = list(meta.vocab)
        vocab.stoi = {w: i for i, w in enumerate(vocab.itos)}
        model = _student_class()(**meta.config)
        model.load_state_dict(load_file(str(folder / "model.safetensors")))
        model.eval()
        return cls(vocab, model)
