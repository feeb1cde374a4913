"""babylm: the harness for BabyLM-style shared tasks."""

__version__ = "0.1.0"
