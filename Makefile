# The two commands of the README's quick start, and the maintainers' tools.
#   make course   set up a virtual environment and open the course in JupyterLab
#   make test     set up everything the tests need (Chromium included) and run the whole suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: course test setup setup-test browser build bench site figures nbgrader clean

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
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null; \
	  else echo "Chromium not installed and not root: the browser tests will be skipped (apt-get install chromium)."; fi; }

build: setup
	$(PY) -m course build

bench: setup
	$(PY) -m course bench

# The course site (Sphinx + myst-nb, from the stored outputs of solutions/; fails on any warning).
site: setup-test
	$(PY) -m sphinx -W --keep-going -q -c docs . _site
	@echo "Serve it: $(PY) -m http.server -d _site 8000  ->  http://localhost:8000"

# Every module's key figures as PNG, with a theory-versus-simulation report.
figures: setup
	$(PY) -m course reproduce figures

# nbgrader for instructors, in the course's environment (its pins agree with requirements.txt).
nbgrader: setup
	$(PY) -m pip install --quiet -r requirements-nbgrader.txt

clean:
	rm -rf $(VENV) .venv-nbgrader .pytest_cache test-artifacts _site figures
