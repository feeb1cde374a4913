"""The rules: tracks, word counting, FLOP accounting, the training ledger and the baseline trainer."""

from babylm.tracks.rules import Track, all_tracks, checkpoint_name, get_track, parse_checkpoint_name

__all__ = ["Track", "all_tracks", "checkpoint_name", "get_track", "parse_checkpoint_name"]
