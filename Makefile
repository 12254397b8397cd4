# Two entry points a user needs: `make up` (agent on the embedded default) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: up test lint bench clean browser

$(STAMP): pyproject.toml
	@echo "==> [1/3] virtual environment $(VENV)"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "==> [2/3] pip (first run, or pyproject.toml changed)"
	$(BIN)/python -m pip install -q --upgrade pip
	@echo "==> [3/3] mwaa-ops and its dependencies (about a minute on a fresh machine)"
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)
	@echo "==> installed"

up: $(STAMP)
	$(BIN)/mwaa-ops up $(ARGS)

test: $(STAMP) browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check mwaa_ops tests bench
	$(BIN)/mypy mwaa_ops

# Debian's chromium opens the dashboard previews and reports in the browser tests.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "==> installing Debian's chromium for the browser tests (about a minute, once)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

bench: $(STAMP)
	$(BIN)/python bench/run.py $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
