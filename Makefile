# The README's commands. `make run` starts the platform; `make test` runs every test.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
export REFLEX_USE_NPM := 1
export REFLEX_TELEMETRY_ENABLED := false
export REFLEX_CHECK_LATEST_VERSION := false
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: install run test lint bench-engine bench-knowledge

$(STAMP): pyproject.toml
	@bash scripts/install.sh
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

run: install
	@bash scripts/sandbox-deps.sh || echo "[agent-platform] bubblewrap missing: code steps disabled"
	@$(PY) -m agent_platform.launcher run

test: install
	@bash scripts/test-deps.sh
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/lint-imports
	@$(PY) -m pytest -q

lint: install
	@$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check . && $(VENV)/bin/lint-imports

bench-engine: install
	@PYTHONPATH=. $(PY) bench/bench_engine.py

bench-knowledge: install
	@bash scripts/test-deps.sh
	@$(PY) bench/bench_knowledge.py

bench-ui: install
	@PYTHONPATH=. $(PY) bench/bench_ui.py
.PHONY: bench-ui

bench-chat: install
	@PYTHONPATH=. $(PY) bench/bench_chat.py
.PHONY: bench-chat
