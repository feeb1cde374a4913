"""Teachers: text in, text out (scripted, local transformers, OpenAI-compatible HTTP)."""
