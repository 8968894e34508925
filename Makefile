# mytorch: the project's commands. `make book` and `make test` are all you need;
# the first run creates the virtual environment $(VENV) with everything in
# requirements.txt and the package itself (editable).

VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
BOOK_STAMP := $(VENV)/.installed-book
# Tests on two processes, a file at a time: a chapter's cells stay together, in
# order, in one kernel.
PARALLEL ?= -n 2 --dist loadfile

.DEFAULT_GOAL := help
.PHONY: help venv test coverage test-fp test-pdf book pdf sync golden execute lab atlas bench clean

help:
	@echo "make book      build the HTML book into _build/html"
	@echo "make pdf       build the whole book as one PDF (needs XeLaTeX and latexmk)"
	@echo "make test      unit tests, sync check, every chapter re-run and compared, book build, browser test"
	@echo "make coverage  the package's line coverage by its unit tests (at least 95%)"
	@echo "make test-fp   the chapters and the atlas tests again, as another processor computes"
	@echo "make test-pdf  build the PDF and check it"
	@echo "make sync      rewrite the book's code cells from the package source"
	@echo "make golden    rewrite the playground's golden trajectories and datasets"
	@echo "make execute   re-run every chapter in a fresh kernel and store its outputs"
	@echo "make lab       open the chapters in JupyterLab"
	@echo "make atlas     run the benchmark atlas experiments into _build/atlas"
	@echo "make bench     speed comparisons (informative, never fail)"
	@echo "make clean     remove build products (keeps $(VENV))"

# The environment is rebuilt when the requirements or the package metadata change:
# the book's (requirements-book.txt) for the book's commands, and the test tools
# on top (requirements.txt) for the tests.
$(BOOK_STAMP): requirements-book.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
	  { echo "mytorch needs Python 3.10 or newer; '$(PYTHON)' is $$($(PYTHON) --version 2>&1)." \
	         "Run e.g. 'make PYTHON=python3.12 ...'."; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "Installing requirements-book.txt and mytorch (editable) into $(VENV):" \
	      "about 90 s the first time, a few seconds when only the package changed."
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-book.txt -e .
	@touch $@

$(STAMP): $(BOOK_STAMP) requirements.txt
	@echo "Installing the test tools of requirements.txt into $(VENV): about 30 s the first time."
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

venv: $(STAMP)

test: $(STAMP)
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(PY) -m pytest tests book -p tools.nbcompare --notebooks -m "not pdf" $(PARALLEL)

# The package's line coverage by its unit tests, at least 95% (a step of its own:
# tracing every line slows the tests, and make test is the loop a writer waits on).
coverage: $(STAMP)
	$(PY) -m pytest tests --ignore=tests/book $(PARALLEL) \
	  --cov=mytorch --cov-report=term --cov-fail-under=95

test-pdf: $(STAMP)
	$(PY) -m pytest tests/book/test_pdf.py -m pdf

# What depends on floating point, once more under another OpenBLAS kernel and
# without NumPy's widest SIMD paths (tools/fpsetup.py): stored outputs must hold
# on every reader's processor, not only on the one that stored them.
test-fp: $(STAMP)
	env $$($(PY) tools/fpsetup.py) $(PY) -m pytest book tests/test_atlas.py tests/book/test_readme.py \
	  tests/book/test_playground.py \
	  -p tools.nbcompare --notebooks $(PARALLEL)

book: $(BOOK_STAMP)
	$(VENV)/bin/jupyter-book build . -W -n --keep-going
	@echo "The book is in _build/html: open _build/html/index.html in a browser."

# TeX Live from Debian: apt-get install --no-install-recommends texlive-latex-extra
# texlive-xetex texlive-fonts-recommended fonts-freefont-otf latexmk (about 75 s).
pdf: $(BOOK_STAMP)
	@command -v xelatex >/dev/null && command -v latexmk >/dev/null || { echo "make pdf needs" \
	  "XeLaTeX and latexmk: apt-get install --no-install-recommends texlive-latex-extra" \
	  "texlive-xetex texlive-fonts-recommended fonts-freefont-otf latexmk"; exit 1; }
	$(VENV)/bin/jupyter-book build . --builder pdflatex --path-output _build/pdf
	@echo "The book is in _build/pdf/_build/latex/mytorch.pdf."

sync: $(BOOK_STAMP)
	$(PY) tools/sync.py

# What the playground's JavaScript port is compared with (tests/book/test_playground.py).
golden: $(BOOK_STAMP)
	$(PY) tools/golden.py

execute: $(BOOK_STAMP)
	$(PY) tools/execute.py

lab: $(BOOK_STAMP)
	@$(PY) -c 'import jupyterlab' 2>/dev/null || \
	  $(PY) -m pip install --quiet --disable-pip-version-check "jupyterlab>=4,<5"
	$(VENV)/bin/jupyter lab book $(if $(filter 0,$(shell id -u)),--allow-root)

atlas: $(BOOK_STAMP)
	$(PY) -m mytorch.atlas --out _build/atlas --overwrite

bench: $(BOOK_STAMP)
	$(PY) benchmarks/run.py

clean:
	rm -rf _build .pytest_cache .hypothesis .coverage htmlcov *.egg-info
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +
