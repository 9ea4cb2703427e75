"""Reusable UI functions."""
