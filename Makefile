# Thin aliases. The README's two commands are `python3 dev.py run` and `python3 dev.py test`
# (only Python needed); every check itself lives in noxfile.py.

PYTHON ?= python3
UV := .tools/bin/uv

.PHONY: run test setup lint typecheck clean

run:
	$(PYTHON) dev.py run

test:
	$(PYTHON) dev.py test

setup:
	$(PYTHON) dev.py setup

lint: setup
	$(UV) run --frozen nox -s lint

typecheck: setup
	$(UV) run --frozen nox -s typecheck

clean:
	rm -rf .tools .venv .nox reports htmlcov .coverage .coverage.* coverage.xml
