"""Interaction protocols (simpo, reinforce, respect, cogen) and the round driver."""
