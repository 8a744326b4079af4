# The README's two commands and thin aliases. Every check itself lives in noxfile.py.
# Only Python 3.11+ is needed: the first run bootstraps uv and nox into .tools/.

PYTHON ?= python3
TOOLS := .tools
UV := $(TOOLS)/bin/uv
UV_VERSION := 0.13.9

.PHONY: run test lint typecheck bootstrap model clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv==$(UV_VERSION)"

bootstrap: $(UV)
	$(UV) sync --frozen

model: bootstrap
	$(UV) run --frozen ccgpt model install

run: model
	$(UV) run --frozen ccgpt demo

test: model
	$(UV) run --frozen nox -s tests

lint: bootstrap
	$(UV) run --frozen nox -s lint

typecheck: bootstrap
	$(UV) run --frozen nox -s typecheck

clean:
	rm -rf $(TOOLS) .venv .nox reports htmlcov .coverage .coverage.* coverage.xml
