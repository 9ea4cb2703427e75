"""Agent Platform: build AI agents as graphs, run them on workers, publish them."""
