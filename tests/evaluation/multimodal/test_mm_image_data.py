"""Image-caption training data: caption words count, images and JSON do not; the manifest lists the
images by hash and re-checks them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from babylm.errors import BabyLMError
from babylm.evaluation.multimodal.synthetic import write_caption_corpus
from babylm.tracks.image_data import (
    build_image_text_manifest,
    caption_words,
    extract_captions,
    image_entries,
    verify_images,
)
from babylm.tracks.manifest import read_manifest, verify_manifest, write_manifest


def test_caption_words_count_and_images_do_not(tmp_path: Path) -> None:
    corpus = write_caption_corpus(tmp_path / "c", n=9)
    rows = [json.loads(line) for line in (corpus / "captions.jsonl").read_text().splitlines()]
    assert caption_words(corpus / "captions.jsonl") == sum(len(r["caption"].split()) for r in rows)
    (tmp_path / "one.jsonl").write_text('{"image": "c/images/0.png", "text": "a  red\\ncircle"}\n\n')
    assert caption_words(tmp_path / "one.jsonl") == 3
    txt = extract_captions(tmp_path / "one.jsonl")
    assert txt.name == "one.jsonl.captions.txt" and txt.read_text() == "a red circle\n"


def test_the_manifest_records_images_by_hash(tmp_path: Path) -> None:
    import hashlib

    corpus = write_caption_corpus(tmp_path / "c", n=6)
    m = build_image_text_manifest([corpus / "captions.jsonl"], "multimodal", tmp_path, edition=2025)
    assert m["track"] == "multimodal" and m["total_words"] == caption_words(corpus / "captions.jsonl")
    assert [f["path"] for f in m["files"]] == ["c/captions.jsonl.captions.txt"]
    assert len(m["images"]) == 6 and m["images"][0]["path"] == "c/images/0.png"
    img = corpus / "images" / "0.png"
    assert m["images"][0] == {"path": "c/images/0.png", "bytes": img.stat().st_size,
                              "sha256": hashlib.sha256(img.read_bytes()).hexdigest()}
    out = write_manifest(m, tmp_path / "data_manifest.json")
    assert read_manifest(out).images is not None and verify_manifest(out).ok and verify_images(out) == []
    from PIL import Image

    Image.new("RGB", (4, 4)).save(img)
    (corpus / "images" / "1.png").unlink()
    assert verify_images(out) == ["c/images/0.png: changed", "c/images/1.png: missing"]
    assert verify_manifest(out).ok  # the words did not change


def test_user_errors(tmp_path: Path) -> None:
    (tmp_path / "bad.jsonl").write_text('{"caption": "no image"}\n')
    with pytest.raises(BabyLMError, match="line 1: needs a string 'image'"):
        caption_words(tmp_path / "bad.jsonl")
    (tmp_path / "gone.jsonl").write_text('{"image": "nope.png", "caption": "a red circle"}\n')
    with pytest.raises(BabyLMError, match="not found"):
        image_entries([tmp_path / "gone.jsonl"])
    corpus = write_caption_corpus(tmp_path / "c", n=2)
    with pytest.raises(BabyLMError, match="text-only track"):
        build_image_text_manifest([corpus / "captions.jsonl"], "strict-small", tmp_path, edition=2025)
