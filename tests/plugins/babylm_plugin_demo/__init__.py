"""A third-party babylm plugin for the tests: one task and one backend, registered by entry points."""
