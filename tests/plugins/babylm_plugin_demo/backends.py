"""`plugin_causal`: the built-in causal scorer under another name (an entry point's BackendSpec)."""

from babylm.evaluation.api import BackendSpec
from babylm.evaluation.scorers.backends import causal_scorer

PLUGIN_CAUSAL = BackendSpec("plugin_causal", "Plugin: the causal scorer, registered by an entry point",
                            "AutoModelForCausalLM", causal_scorer)
