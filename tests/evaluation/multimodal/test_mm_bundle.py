"""Multimodal bundles and the board: the required tasks come from the registry and the track, image
data is recorded by hash and never bundled, and the board knows the tasks' metadata."""

from __future__ import annotations

from pathlib import Path

from babylm.evaluation.multimodal.synthetic import write_caption_corpus
from babylm.leaderboard import board_tasks
from babylm.submissions.validate.context import Context
from babylm.submissions.validate.files import manifest_images
from babylm.submissions.validate.report import ValidationReport
from babylm.submissions.validate.results import missing_tasks
from babylm.tracks.image_data import build_image_text_manifest
from babylm.tracks.manifest import DataManifest, write_manifest
from babylm.tracks.rules import resolve_track


def _codes(root: Path, track: str, rel: str = "data_manifest.json") -> list[str]:
    c = Context(root=root, rep=ValidationReport(bundle=str(root)), track=resolve_track(track, 2025))
    manifest_images(c, rel, DataManifest.read(root / rel))
    return [f.code for f in c.F.items]


def test_vqa_and_winoground_are_required_on_the_multimodal_full_split() -> None:
    mm = resolve_track("multimodal", 2025)
    missing = missing_tasks(mm, "full", set())
    assert "vqa" in missing and "winoground" in missing and "devbench" not in missing
    assert "vqa" not in missing_tasks(resolve_track("strict", 2025), "full", set())
    assert missing_tasks(mm, "full", {"vqa", "winoground"}) == [t for t in missing if t not in ("vqa", "winoground")]
    assert "vqa" not in missing_tasks(mm, "fast", set())  # full split only, as the official pipeline runs it


def test_training_images_are_never_bundled(tmp_path: Path) -> None:
    corpus = write_caption_corpus(tmp_path / "train", n=3)
    write_manifest(build_image_text_manifest([corpus / "captions.jsonl"], "multimodal", tmp_path, edition=2025),
                   tmp_path / "data_manifest.json")
    assert _codes(tmp_path, "multimodal") == ["E_IMAGES_BUNDLED"]
    for p in (corpus / "images").iterdir():
        p.unlink()
    assert _codes(tmp_path, "multimodal") == []
    assert _codes(tmp_path, "strict-small") == ["E_IMAGES_NOT_ALLOWED"]


def test_the_multimodal_board_reads_the_registered_tasks() -> None:
    sets = board_tasks.tasks_for(2025, "multimodal")
    assert {"vqa", "winoground"} <= set(sets.required)
    for name in ("vqa", "winoground"):
        info = board_tasks.task_info(name)
        assert board_tasks.primary_metric(name) == "accuracy" and board_tasks.board_scale(name) == 1.0
        assert info.description and "chance" in info.help
