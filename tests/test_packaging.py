"""pyproject.toml lists every package folder, so a regular (non-editable) install has all modules."""

from __future__ import annotations

from pathlib import Path

import tomllib

REPO = Path(__file__).resolve().parents[1]


def _package_of(folder: Path, package_dir: dict[str, str]) -> str:
    rel = folder.relative_to(REPO).as_posix()
    for name, root in sorted(package_dir.items(), key=lambda kv: -len(kv[1])):
        if rel == root or rel.startswith(root + "/"):
            return name + rel[len(root):].replace("/", ".")
    raise AssertionError(f"{rel} is under no package-dir root")


def test_every_package_folder_is_listed() -> None:
    conf = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    roots = conf["package-dir"]
    folders = {init.parent for root in roots.values() for init in (REPO / root).rglob("__init__.py")}
    found = {_package_of(f, roots) for f in folders}
    assert found == set(conf["packages"]), (sorted(found - set(conf["packages"])),
                                            sorted(set(conf["packages"]) - found))
