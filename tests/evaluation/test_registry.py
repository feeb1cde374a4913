"""The registries: built-in task metadata, backends, official keys, and plugins through entry points."""

from __future__ import annotations

import pytest
from plugins import BROKEN, DEMO, use_plugins

from babylm.errors import BabyLMError
from babylm.evaluation import registry
from babylm.evaluation.api import BackendSpec, TaskSpec


@pytest.fixture
def demo_plugin(monkeypatch):
    yield from use_plugins(monkeypatch, DEMO)


@pytest.fixture
def broken_plugin(monkeypatch):
    yield from use_plugins(monkeypatch, BROKEN)


def test_every_builtin_task_has_its_metadata():
    specs = registry.tasks()
    assert {"blimp", "blimp_supplement", "ewok", "entity_tracking", "comps", "reading", "aoa", "wug_adj",
            "wug_past", "demo"} <= set(specs)
    for spec in specs.values():
        assert spec.description and "\n" not in spec.description, spec.name
        assert spec.unit and spec.chance is not None and spec.version == "1", spec.name
        assert spec.higher_is_better and set(spec.splits) <= {"fast", "full"}, spec.name
    chance = {n: s.chance for n, s in specs.items()}
    assert chance["blimp"] == chance["ewok"] == chance["comps"] == 0.5
    assert chance["entity_tracking"] == 0.2
    assert chance["reading"] == chance["aoa"] == chance["wug_adj"] == 0.0
    assert specs["reading"].board_scale == 0.01 and specs["blimp"].board_scale == 1.0
    assert specs["reading"].unit == "ΔR² ×100" and specs["wug_adj"].unit == "Spearman rho"
    assert specs["comps"].splits == ("full",)
    assert specs["demo"].on_demand and not specs["demo"].needs_data and specs["blimp"].needs_data


def test_get_task_names_the_known_ones():
    assert registry.get_task("blimp").official_key == "blimp"
    with pytest.raises(BabyLMError, match="unknown task 'nope'") as info:
        registry.get_task("nope")
    assert "blimp" in info.value.hint


def test_backends_are_one_registry():
    assert registry.backend_names() == ("causal", "mlm", "mntp", "enc_dec_mask", "enc_dec_prefix", "git")
    assert registry.get_backend("causal").auto_class == "AutoModelForCausalLM"
    assert registry.get_backend("mntp").auto_class == "AutoModelForMaskedLM"
    assert registry.get_backend("enc_dec_prefix").auto_class == "AutoModelForSeq2SeqLM"
    with pytest.raises(BabyLMError, match="unknown backend 'gpt'"):
        registry.get_backend("gpt")


def test_official_keys_come_from_the_specs_plus_the_unscored_tasks():
    from babylm.evaluation import results

    keys = registry.official_keys()
    assert {s.official_key for s in registry.tasks().values() if s.official_key} <= set(keys)
    assert set(registry.UNSCORED_OFFICIAL_KEYS) <= set(keys) and "demo" not in keys
    assert len(keys) == len(set(keys)) and keys == results.OFFICIAL_KEYS


def test_a_plugin_adds_a_task_and_a_backend(demo_plugin):
    spec = registry.get_task("plugin_agreement")
    assert isinstance(spec, TaskSpec) and spec.description.startswith("Plugin:")
    assert len(spec.loader(None, "fast")) == 24
    assert "plugin_causal" in registry.backend_names()
    assert registry.get_backend("plugin_causal").auto_class == "AutoModelForCausalLM"


def test_without_the_plugin_its_task_is_gone():
    assert "plugin_agreement" not in registry.tasks()
    assert "plugin_causal" not in registry.backend_names()


def test_a_broken_entry_point_is_a_user_error_naming_it(broken_plugin):
    with pytest.raises(BabyLMError) as info:
        registry.tasks()
    msg = str(info.value)
    assert "'broken_task'" in msg and "babylm_plugin_broken" in msg and "babylm.tasks" in msg
    assert "AttributeError" in msg and "uninstall" in info.value.hint


class _FakeEntryPoint:
    name, value, dist = "odd", "pkg:odd", None

    def __init__(self, obj: object) -> None:
        self.obj = obj

    def load(self) -> object:
        return self.obj


def test_an_entry_point_of_the_wrong_kind_is_refused():
    with pytest.raises(BabyLMError, match="gave str, not a TaskSpec"):
        registry._specs(_FakeEntryPoint(lambda: "blimp"), TaskSpec, "entry point 'odd'")
    backend = BackendSpec("x", "x", "AutoModelForCausalLM", lambda *a, **k: None)
    assert registry._specs(_FakeEntryPoint([backend]), BackendSpec, "here") == [backend]


def test_a_plugin_task_named_like_a_builtin_is_refused(monkeypatch):
    from babylm.evaluation import api

    clash = TaskSpec(name="blimp", version="9", metric="accuracy", loader=lambda r, s: [], compute=lambda *a: None)

    class _Found(_FakeEntryPoint):
        name, value = "clash", "pkg:clash"

    monkeypatch.setattr("importlib.metadata.entry_points", lambda group: [_Found(clash)] if group == "babylm.tasks"
                        else [])
    registry.reset_entry_points()
    try:
        with pytest.raises(BabyLMError, match="registered twice"):
            registry.tasks()
    finally:
        registry.reset_entry_points()
    assert api.TASKS["blimp"].version == "1"
