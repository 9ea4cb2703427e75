"""Adapters implementing the engine's ports: LLM SDKs, egress-guarded HTTP, sandbox, vault crypto.

Nothing here runs at import time; every adapter takes its configuration in its constructor.
"""
