"""Tasks: each module registers one or more TaskSpecs (loader + metric + metadata)."""
