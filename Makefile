# The two commands of the README's quick start, and the maintainers' tools.
#   make course   set up a virtual environment and open the course in JupyterLab
#   make test     set up everything the tests need (Chromium included) and run the whole suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: course test setup setup-test browser build bench clean

course: setup
	$(VENV)/bin/jupyter lab notebooks/00_start_here.ipynb

test: setup-test browser
	$(PY) -m course build --check
	$(PY) -m pytest -n 2 --dist loadgroup tests

setup: $(VENV)/.installed
setup-test: $(VENV)/.installed-test

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.txt
	$(PY) -m pip install --quiet -r requirements-test.txt
	touch $@

# Debian's Chromium for the browser tests (Playwright's own browser download is not used). Without root
# and without Chromium the browser tests are skipped, with a message saying so.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium not installed and not root: the browser tests will be skipped (apt-get install chromium)."; fi; }

build: setup
	$(PY) -m course build

bench: setup
	$(PY) -m course bench

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
