"""Reference-game worlds, simulated partners and feedback decoding."""
