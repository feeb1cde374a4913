"""Alembic migrations of the results store: `env.py` and one file per revision under `versions/`.

Opening a `Store` upgrades its database to the head revision (babylm.leaderboard.store.migrate); no
alembic.ini is needed. To write a new revision, add `versions/NNNN_<what>.py` with `revision = "NNNN"`,
`down_revision` the previous one, and `upgrade()` (bump `schema.SCHEMA_VERSION` and its row with it).
"""
