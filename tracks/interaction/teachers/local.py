"""A teacher that is a local transformers causal LM, loaded offline from a saved folder."""

from __future__ import annotations

from pathlib import Path

from babylm.errors import BabyLMError
from babylm.tracks.interaction.teachers.base import Teacher, truncate_words


class LocalHFTeacher(Teacher):
    """A causal LM from a local folder (config.json + weights + tokenizer), loaded offline.

    `instruct=False` (a base LM, like the tiny test teacher): `correct` is the teacher's own continuation
    of the context (the baseline's fallback for gibberish), since a base LM cannot follow the correction
    instruction; `score` still asks with the rubric prompt and usually fails to parse (logged as such).
    `instruct=True`: prompts go through the tokenizer's chat template when it has one.
    """

    def __init__(
        self,
        model_dir: str | Path,
        *,
        model_id: str | None = None,
        temperature: float = 0.0,
        seed: int = 0,
        device: str = "cpu",
        instruct: bool = False,
    ) -> None:
        model_dir = Path(model_dir)
        if not (model_dir / "config.json").is_file():
            raise BabyLMError(f"no config.json in teacher folder {model_dir}", hint="pass a saved HF model folder")
        from transformers import AutoModelForCausalLM, AutoTokenizer

        # on a GPU keep the checkpoint's own dtype (bf16 for Llama/Qwen); CPU runs in float32
        extra = {"dtype": "auto"} if device != "cpu" else {}
        self.model = AutoModelForCausalLM.from_pretrained(model_dir, local_files_only=True, **extra).to(device).eval()
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
        self.model_id = model_id or f"local:{model_dir.resolve()}"
        self.n_params = sum(p.numel() for p in self.model.parameters())
        self.temperature = temperature
        self.seed = seed
        self.device = device
        self.instruct = instruct
        self._calls = 0

    def _correct(self, context: str, student_text: str) -> str:
        if self.instruct:
            return super()._correct(context, student_text)
        return self._generate(context, max(8, 2 * len(student_text.split())))

    def _generate(self, prompt: str, max_words: int) -> str:
        import torch

        tok = self.tokenizer
        if self.instruct and getattr(tok, "chat_template", None):
            prompt = tok.apply_chat_template(
                [{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True
            )
        limit = int(getattr(self.model.config, "max_position_embeddings", None) or self.model.config.n_positions)
        ids = tok(prompt, return_tensors="pt").input_ids[:, -(limit // 2) :]
        max_new = max(1, min(2 * max_words + 4, limit - ids.shape[1]))
        self._calls += 1
        torch.manual_seed(self.seed + self._calls)
        with torch.no_grad():
            out = self.model.generate(
                ids.to(self.device),
                attention_mask=torch.ones_like(ids).to(self.device),
                max_new_tokens=max_new,
                # a base LM tends to stop at once after a prompt it never saw: ask for some text
                min_new_tokens=None if self.instruct else min(max_new, max_words),
                do_sample=self.temperature > 0,
                temperature=self.temperature if self.temperature > 0 else None,
                top_p=None,
                top_k=None,
                pad_token_id=tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id,
            )
        text = tok.decode(out[0, ids.shape[1] :], skip_special_tokens=True)
        return truncate_words(text, max_words)
