# mytorch: the project's commands. `make book` and `make test` are all you need;
# the first run creates the virtual environment $(VENV) with everything in
# requirements.txt and the package itself (editable).

VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help venv test book mathjax sync execute lab atlas bench clean

help:
	@echo "make book      build the HTML book into _build/html"
	@echo "make test      unit tests, sync check, every chapter re-run (nbval), book build, browser test"
	@echo "make sync      rewrite the book's code cells from the package source"
	@echo "make execute   re-run every chapter in a fresh kernel and store its outputs"
	@echo "make lab       open the chapters in JupyterLab"
	@echo "make atlas     run the benchmark atlas experiments into _build/atlas"
	@echo "make bench     speed comparisons (informative, never fail)"
	@echo "make clean     remove build products (keeps $(VENV))"

# The environment is rebuilt when the requirements or the package metadata change.
$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
	  { echo "mytorch needs Python 3.10 or newer; '$(PYTHON)' is $$($(PYTHON) --version 2>&1)." \
	         "Run e.g. 'make PYTHON=python3.12 ...'."; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -e .
	@touch $@

venv: $(STAMP)

test: $(STAMP)
	$(PY) -m pytest tests book --nbval --nbval-current-env --cov=mytorch --cov-report=term

mathjax: $(STAMP)
	@$(PY) tools/mathjax.py

book: mathjax
	$(VENV)/bin/jupyter-book build . -W -n --keep-going
	@echo "The book is in _build/html: open _build/html/index.html in a browser."

sync: $(STAMP)
	$(PY) tools/sync.py

execute: $(STAMP)
	$(PY) tools/execute.py

lab: $(STAMP)
	@$(PY) -c 'import jupyterlab' 2>/dev/null || \
	  $(PY) -m pip install --quiet --disable-pip-version-check "jupyterlab>=4,<5"
	$(VENV)/bin/jupyter lab book $(if $(filter 0,$(shell id -u)),--allow-root)

atlas: $(STAMP)
	$(PY) -m mytorch.atlas --out _build/atlas --overwrite

bench: $(STAMP)
	$(PY) benchmarks/run.py

clean:
	rm -rf _build _mathjax .pytest_cache .hypothesis .coverage htmlcov *.egg-info
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +
