"""The graph engine: schema, validation, node catalogue and runner.

Pure: stdlib, pydantic and Jinja2 only. It reaches the world only through ``engine.protocols``.
"""
