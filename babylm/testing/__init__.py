"""Helpers for tests and benchmarks: tiny models, local tokenizers, ZipCrypto zips.

Nothing here is used by the harness itself; it ships so that bench/ and third-party
task packages can build offline fixtures the way babylm's own tests do."""
