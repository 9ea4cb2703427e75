"""Dramatiq actors, grouped by domain. ``workers.main`` is the worker entry point."""
