"""Loading an image-text checkpoint (GIT or Idefics) safely: the checks every checkpoint gets (config.json, safetensors
weights only, no `auto_map` custom code: `scorers.load.check_checkpoint_folder`), plus no custom code
in the tokenizer or image-processor configs, and an architecture transformers ships.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babylm.evaluation.api import Compat
from babylm.evaluation.scorers.load import CheckpointError, check_checkpoint_folder
from babylm.io import JSONReadError, read_json

# model_type -> transformers model class: GIT-style image-to-text causal models, and Idefics (Flamingo-style
# gated cross-attention).
MODEL_CLASSES = {"git": "GitForCausalLM", "idefics": "IdeficsForVisionText2Text"}
SIDE_CONFIGS = ("tokenizer_config.json", "preprocessor_config.json", "processor_config.json")
IMAGE_PROCESSORS = ("CLIPImageProcessor", "CLIPImageProcessorPil", "CLIPImageProcessorFast", "IdeficsImageProcessor",
                    "IdeficsImageProcessorPil")


def check_image_text_folder(path: Path) -> str:
    """Refuse a folder that cannot load safely; its model_type otherwise."""
    check_checkpoint_folder(path)
    config = read_json(path / "config.json", what="config")
    for name in SIDE_CONFIGS:
        side = path / name
        if not side.is_file():
            continue
        try:
            body = read_json(side, what=name)
        except JSONReadError as exc:
            raise CheckpointError(f"{side}: unreadable ({exc})") from exc
        if isinstance(body, dict) and "auto_map" in body:
            raise CheckpointError(f"{side} has auto_map (custom code)",
                                  hint="use a tokenizer and image processor that ship with transformers")
    model_type = config.get("model_type") if isinstance(config, dict) else None
    if model_type not in MODEL_CLASSES:
        raise CheckpointError(f"{path}: model_type {model_type!r} is not an image-text model babylm scores",
                              hint=f"supported: {', '.join(MODEL_CLASSES)}")
    if not (path / "preprocessor_config.json").is_file():
        raise CheckpointError(f"{path}: no preprocessor_config.json (the image processor)",
                              hint="save the processor too: GitProcessor(...).save_pretrained(folder)")
    return str(model_type)


def load_image_text_model(path: str | Path) -> tuple[Any, Any, Any]:
    """(model, tokenizer, image processor) of a local checkpoint folder, float32 eval mode."""
    import torch
    import transformers

    local = Path(path)
    model_type = check_image_text_folder(local)
    transformers.utils.logging.disable_progress_bar()
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(str(local), trust_remote_code=False)
        processor = image_processor_from(local)
        model_cls = getattr(transformers, MODEL_CLASSES[model_type])
        model = model_cls.from_pretrained(str(local), use_safetensors=True, trust_remote_code=False,
                                          dtype=torch.float32)
    except CheckpointError:
        raise
    except Exception as exc:  # transformers raises many types; the user needs the checkpoint name
        raise CheckpointError(f"cannot load {local} as a {model_type} image-text model: {type(exc).__name__}: {exc}",
                              hint="the folder needs the model, its tokenizer and preprocessor_config.json") from exc
    model.eval()
    return model, tokenizer, processor


def image_processor_from(path: Path) -> Any:
    """The checkpoint's image processor, as the PIL implementation (torchvision is not needed)."""
    import transformers

    cfg = read_json(path / "preprocessor_config.json", what="preprocessor config")
    kind = cfg.get("image_processor_type", "CLIPImageProcessor") if isinstance(cfg, dict) else None
    if kind not in IMAGE_PROCESSORS:
        raise CheckpointError(f"{path}: image processor {kind!r} is not supported",
                              hint=f"supported: {', '.join(IMAGE_PROCESSORS)}")
    family = str(kind).removesuffix("Pil").removesuffix("Fast")
    cls = getattr(transformers, f"{family}Pil", None) or getattr(transformers, family)
    return cls.from_pretrained(str(path))


def make_image_text_scorer(path: str | Path, *, compat: Compat = "babylm", batch_size: int | None = None) -> Any:
    """Load a checkpoint folder and wrap it in its image-text scorer (`scorer_class`)."""
    model, tokenizer, processor = load_image_text_model(path)
    return scorer_class(model.config.model_type)(model, tokenizer, processor, compat=compat, batch_size=batch_size)


def scorer_class(model_type: str) -> Any:
    """The scorer class of an image-text model_type: GitScorer or IdeficsScorer."""
    if model_type == "idefics":
        from babylm.evaluation.multimodal.flamingo import IdeficsScorer

        return IdeficsScorer
    from babylm.evaluation.multimodal.git import GitScorer

    return GitScorer
