"""Reflex states: thin adapters over services, one module per feature."""
