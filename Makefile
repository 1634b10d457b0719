# The two commands of the README's quick start, and the maintainers' tools.
#   make course   set up a virtual environment and open the course in JupyterLab
#   make test     set up everything the tests need (Chromium included) and run the whole suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: course notebook test test-matrix test-notorch check setup setup-test python-check browser build bench hub-bench site figures slides nbgrader clean

# The oldest Python the course runs on (pyproject.toml's requires-python says the same).
MIN_PYTHON := 3.11
# The PyTorch CPU index: the CPU build of torch (about 200 MB), not the default index's CUDA build (several GB).
TORCH_CPU_INDEX := https://download.pytorch.org/whl/cpu
# Jupyter refuses to start as root (the default user of Docker images, cloud VMs, lab containers) without this.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)
# Where the course opens: every address the server prints, and its root URL, lead to this notebook.
START := notebooks/00_start_here.ipynb
# JupyterLab's settings overrides (news and update checks off, as on Binder): one file, binder/overrides.json,
# copied into the environment, where JupyterLab and Notebook 7 read it (overrides.d leaves a user's own
# overrides.json alone).
OVERRIDES := $(VENV)/share/jupyter/lab/settings/overrides.d/model-collapse-course.json
# Extra options for the server, e.g. JUPYTER_ARGS="--ip=0.0.0.0" in a container whose port is published.
JUPYTER_ARGS ?=

# Serves the repository (solutions/ and docs/ one click away); the address it prints opens 00_start_here.
course: setup
	$(VENV)/bin/jupyter lab --ServerApp.root_dir="$(CURDIR)" --LabApp.default_url=/lab/tree/$(START) \
	  $(ALLOW_ROOT) $(JUPYTER_ARGS)

# The same course in Notebook 7's interface (for labs that open /tree rather than JupyterLab).
notebook: setup
	$(VENV)/bin/jupyter notebook --ServerApp.root_dir="$(CURDIR)" \
	  --JupyterNotebookApp.default_url=/notebooks/$(START) $(ALLOW_ROOT) $(JUPYTER_ARGS)

# The whole suite on this CPU's own code paths, then the CPU matrix (issue 13 §1): the torch tests again under
# ATEN_CPU_CAPABILITY=default and avx2 (avx2 only where the CPU has it and it is not already the native path),
# and the numpy science tests with numpy's SIMD dispatch switched off (NPY_DISABLE_CPU_FEATURES set to every
# dispatch target this numpy build has, read from numpy itself: an unknown name would be an error). pytest's
# exit status 5 ("no tests collected", e.g. torch not installed) is not a failure. `build --check` fails on
# a learner's edited notebooks only in CI (CI set, as .ci/run does): in a clone where exercises were
# answered it reports them and goes on.
PYTEST_MATRIX = $(PY) -m pytest -n 2 -q -p no:cacheprovider -m
OK_IF_NONE = rc=$$?; [ $$rc = 0 ] || [ $$rc = 5 ] || exit $$rc

test: setup-test browser
	$(PY) -m course build --check $(if $(CI),--strict)
	$(PY) -m pytest -n 2 --dist loadgroup --durations=40 tests; $(OK_IF_NONE)
	$(MAKE) --no-print-directory test-matrix
	$(MAKE) --no-print-directory test-notorch

test-matrix: setup-test
	@native=$$($(PY) -c "import torch; print(torch.backends.cpu.get_cpu_capability())" 2>/dev/null || echo none); \
	caps=default; case "$$native" in AVX512*) caps="default avx2";; none) caps="";; esac; \
	for cap in $$caps; do \
	  echo "== torch tests under ATEN_CPU_CAPABILITY=$$cap (native: $$native)"; \
	  ATEN_CPU_CAPABILITY=$$cap $(PYTEST_MATRIX) "torch and not browser and not notebooks" tests; $(OK_IF_NONE); \
	done
	@features=$$($(PY) -c "from numpy._core._multiarray_umath import __cpu_dispatch__ as d; print(' '.join(d))"); \
	echo "== numpy science tests with NPY_DISABLE_CPU_FEATURES='$$features'"; \
	NPY_DISABLE_CPU_FEATURES="$$features" $(PYTEST_MATRIX) "science and not browser and not notebooks" tests; $(OK_IF_NONE)

# Without PyTorch (issue 24; torch is optional): a second environment with every package of $(VENV) but torch, the
# same pins (links to $(VENV)'s site-packages, made in a second under test-artifacts/), where the whole suite must
# collect (the files that import torch are left out, saying so), and the tests of the torch boundary run with their
# torch parts skipped: the declarations (course/_tags.py), every checker, every dashboard and key figure.
NOTORCH := test-artifacts/venv-notorch
NOTORCH_TESTS := tests/test_core.py tests/test_checks.py tests/test_reproduce.py tests/test_lm.py tests/test_arithmetic.py \
  tests/test_checks_lm.py tests/test_checks_tails.py \
  tests/test_checks_curation.py

test-notorch: setup-test
	@rm -rf $(NOTORCH) && base=$$($(PY) -c "import sys; print(sys._base_executable)") && \
	  "$$base" -m venv --without-pip $(NOTORCH) && \
	  src=$$($(PY) -c "import sysconfig; print(sysconfig.get_paths()['purelib'])") && \
	  dst=$$($(NOTORCH)/bin/python -c "import sysconfig; print(sysconfig.get_paths()['purelib'])") && \
	  for entry in "$$src"/*; do case "$${entry##*/}" in torch|torch-*|torchgen|functorch|nvidia*|triton*) ;; \
	    *) ln -s "$$entry" "$$dst/";; esac; done
	@echo "== the suite without PyTorch ($(NOTORCH))"
	$(NOTORCH)/bin/python -c "import importlib.util as u, sys; sys.exit(u.find_spec('torch') is not None)"
	$(NOTORCH)/bin/python -m pytest -q -p no:cacheprovider --collect-only tests >/dev/null
	$(NOTORCH)/bin/python -m pytest -n 2 -q -p no:cacheprovider -m "not browser and not notebooks" $(NOTORCH_TESTS)

# A maintainer's inner loop (aimed at under 2 minutes on 2 cores): lint, the learner notebooks in sync, and the
# numpy tests of the science modules (their files come from course/_tags.py's declarations: only those files are
# collected). `make test` runs everything.
check: setup-test
	$(PY) -m ruff check --no-cache course tests solutions notebooks
	$(PY) -m course build --check
	$(PY) -m pytest -n 2 -q -p no:cacheprovider -x -m "not slow and not torch" \
	  $$($(PY) -c "from tests.conftest import ROOT, SCIENCE_FILES; print(*sorted(f'tests/{f}' for f in SCIENCE_FILES if (ROOT / 'tests' / f).exists()))")

# Every target that uses .venv checks the interpreter first (within seconds, before anything is downloaded),
# and recreates a .venv made with another Python version; then a fresh make sees the .venv as it now is.
setup: python-check
	@$(MAKE) --no-print-directory $(VENV)/.installed $(OVERRIDES)
setup-test: python-check
	@$(MAKE) --no-print-directory $(VENV)/.installed-test $(OVERRIDES)

python-check:
	@$(PYTHON) -c "import sys; sys.exit(sys.version_info < tuple(map(int, '$(MIN_PYTHON)'.split('.'))))" 2>/dev/null || { \
	  found=$$($(PYTHON) -c "import platform; print('Python', platform.python_version())" 2>/dev/null || echo "not found"); \
	  echo "The course needs Python $(MIN_PYTHON) or newer, and $(PYTHON) is $$found: install one (e.g. python3.12) and run: make course PYTHON=python3.12"; \
	  exit 1; }
	@$(PYTHON) -c "import venv, ensurepip" 2>/dev/null || { \
	  echo "$(PYTHON) cannot make virtual environments (no venv/ensurepip module): on Debian or Ubuntu install python3-venv (for python3.12: apt install python3.12-venv)"; \
	  exit 1; }
	@want=$$($(PYTHON) -c "import sys; print('%d.%d' % sys.version_info[:2])"); \
	if [ -d $(VENV) ]; then \
	  have=$$($(PY) -c "import sys; print('%d.%d' % sys.version_info[:2])" 2>/dev/null || echo "a missing Python"); \
	  if [ "$$have" != "$$want" ]; then \
	    echo "Recreating $(VENV): it was made with $$have, not with $(PYTHON) (Python $$want)."; rm -rf $(VENV); fi; fi

# torch comes from the PyTorch CPU index where it can be reached. Elsewhere (networks that proxy only PyPI,
# mirrors) the default index would give Linux the CUDA build (several GB), so everything else is installed, and
# torch only where pip finds the CPU build (a local wheel folder, a mirror of the CPU index); otherwise one line
# says how to add it. PYTHONWARNINGS=ignore keeps setuptools' warning box about editable installs off the screen.
$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip
	@if $(PY) -c "import urllib.request as u; u.urlopen('$(TORCH_CPU_INDEX)/torch/', timeout=10)" >/dev/null 2>&1; then \
	  echo "Installing the course's packages, with the CPU build of PyTorch from $(TORCH_CPU_INDEX)"; \
	  PYTHONWARNINGS=ignore $(PY) -m pip install --quiet -r requirements.txt --extra-index-url $(TORCH_CPU_INDEX); \
	else \
	  echo "The PyTorch CPU index $(TORCH_CPU_INDEX) cannot be reached: installing the course's packages without PyTorch."; \
	  grep -v '^torch==' requirements.txt > $(VENV)/requirements-without-torch.txt; \
	  PYTHONWARNINGS=ignore $(PY) -m pip install --quiet -r $(VENV)/requirements-without-torch.txt || exit 1; \
	  torch=$$(grep '^torch==' requirements.txt); cpu=$$torch; [ "$$(uname -s)" = Linux ] && cpu="$$torch+cpu"; \
	  if $(PY) -m pip install --quiet "$$cpu" >/dev/null 2>&1; then echo "Installed $$cpu (found where pip looks)."; \
	  else echo "PyTorch is not installed (only notebooks 05, 09, 10 and 11 need it). To add its CPU build later: $(VENV)/bin/python -m $$($(PY) -c 'import course; print(course.TORCH_INSTALL)')"; fi; \
	fi
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.txt
	$(PY) -m pip install --quiet -r requirements-test.txt
	touch $@

$(OVERRIDES): binder/overrides.json
	mkdir -p $(dir $@) && cp binder/overrides.json $@

# Debian's Chromium for the browser tests (Playwright's own browser download is not used), and npm, which
# installs axe-core and the site's MathJax (docs/node) before the tests start, so that no two tests run
# `npm ci` at once. Without root and without them the browser and site tests are skipped, saying so.
browser:
	@missing=""; command -v chromium >/dev/null 2>&1 || missing=" chromium fonts-noto-color-emoji"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Not installed and not root:$$missing. The browser or site tests will be skipped (apt-get install$$missing)."; fi; fi
	@if command -v npm >/dev/null 2>&1 && ! { [ -d docs/node/node_modules/axe-core ] && [ -d docs/node/node_modules/mathjax ]; }; then \
	  cd docs/node && npm ci --no-audit --no-fund --loglevel=error; fi

build: setup
	$(PY) -m course build

bench: setup
	$(PY) -m course bench

# The hub's load measurements, refreshed on purpose only (no test writes into the repository): tests/test_hub.py
# (as root, with node) writes them to test-artifacts/hub/hub.md, and this copies them to benchmarks/hub.md.
hub-bench: setup-test
	rm -f test-artifacts/hub/hub.md
	$(PY) -m pytest -q -p no:cacheprovider -s tests/test_hub.py -k test_a_class_on_a_real_jupyterhub
	@test -f test-artifacts/hub/hub.md || { echo "no measurements: the hub test was skipped (see above)"; exit 1; }
	cp test-artifacts/hub/hub.md benchmarks/hub.md

# The course site (Sphinx + myst-nb, from the stored outputs of solutions/; fails on any warning). Everything is
# written into _site/ (myst-nb's working files into _site/.doctrees); MathJax is served from the site itself,
# installed from npm by the first build (`npm ci` in docs/node, which also brings axe-core for tests/test_site.py).
site: setup-test
	@command -v npm >/dev/null 2>&1 || test -d docs/node/node_modules/mathjax || { \
	  echo "make site needs npm for MathJax (apt-get install npm)"; exit 1; }
	$(PY) -m sphinx -W --keep-going -q -c docs . _site
	@echo "Serve it: $(PY) -m http.server -d _site 8000  ->  http://localhost:8000"

# Every module's key figures as PNG, with a theory-versus-simulation report.
figures: setup
	$(PY) -m course reproduce figures

# Offline slide decks (one per notebook, one per workshop plan) into figures/slides/: reveal.js from npm
# (docs/node, `npm ci` once), copied beside the decks, so they open without a network (figures/slides/index.html).
slides: setup
	@test -f docs/node/node_modules/reveal.js/dist/reveal.js || { command -v npm >/dev/null 2>&1 || { \
	  echo "make slides needs npm once, for reveal.js (apt-get install npm, or https://nodejs.org)"; exit 1; }; \
	  cd docs/node && npm ci --no-audit --no-fund --loglevel=error; }
	$(PY) -m course slides figures/slides

# nbgrader for instructors, in the course's environment (its pins agree with requirements.txt).
nbgrader: setup
	$(PY) -m pip install --quiet -r requirements-nbgrader.txt

clean:
	rm -rf $(VENV) .venv-nbgrader .pytest_cache test-artifacts _site figures
