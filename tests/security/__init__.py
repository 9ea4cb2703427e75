"""Adversarial tests: each one is an attack a tenant could submit, and the wall that stops it."""
