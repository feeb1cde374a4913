"""A plugin whose task entry point names an attribute that does not exist."""
