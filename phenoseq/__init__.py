"""Composition root of the `bench` command line (imports every package; nothing imports it)."""
