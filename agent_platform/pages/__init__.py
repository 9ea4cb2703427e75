"""Page functions, one module per route group."""
