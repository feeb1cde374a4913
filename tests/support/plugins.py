"""The test-only plugin packages in tests/plugins/, put on sys.path for one test and removed after."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

PLUGINS = Path(__file__).resolve().parents[1] / "plugins"
DEMO = PLUGINS  # babylm_plugin_demo: task plugin_agreement, backend plugin_causal
BROKEN = PLUGINS / "broken"  # babylm_plugin_broken: a task entry point that fails to load


def plugin_env(folder: Path) -> dict[str, str]:
    """The environment for a subprocess that should see the plugin in `folder`."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(folder), *filter(None, [env.get("PYTHONPATH")])])
    return env


def forget_plugins() -> None:
    """Unregister every spec a plugin added and let the registry read entry points again."""
    from babylm.evaluation import api, registry

    for table in (api.TASKS, api.BACKENDS):
        for name in [n for n, s in table.items() if _from_plugin(s)]:
            del table[name]
    for mod in [m for m in sys.modules if m.startswith("babylm_plugin")]:
        del sys.modules[mod]
    registry.reset_entry_points()


def _from_plugin(spec: object) -> bool:
    fn = getattr(spec, "loader", None) or getattr(spec, "scorer", None)
    return getattr(spec, "description", "").startswith("Plugin:") or getattr(fn, "__module__", "").startswith(
        "babylm_plugin")


def use_plugins(monkeypatch, folder: Path) -> Iterator[None]:
    """Generator body for a fixture: the plugin folder on sys.path for the test, forgotten after."""
    monkeypatch.syspath_prepend(str(folder))
    forget_plugins()
    yield
    forget_plugins()
