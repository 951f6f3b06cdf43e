# lems_epi: two commands for a newcomer.
#   make demo   builds .venv if needed, then writes the report from the embedded defaults
#   make test   builds .venv if needed, then runs ruff, pytest (tests, doctests) and the notebooks
#   make docs   builds the documentation site (executes every notebook) into docs/_build/html/
#   make lab    opens the notebooks in JupyterLab (make notebooks is the same)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint env clean data bench docs lab notebooks

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

env: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/lems-epi demo

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks data

test: $(STAMP) lint
	$(PY) -m pytest -q --nbmake --nbmake-timeout=300 tests src/lems_epi $(wildcard notebooks/*.ipynb)

docs: $(STAMP)
	rm -rf docs/_build docs/api/generated
	$(PY) -m sphinx -E -W --keep-going -j 2 -b html -d docs/_build/doctrees docs docs/_build/html

lab notebooks: $(STAMP)
	$(VENV)/bin/jupyter lab notebooks

data: $(STAMP)
	$(PY) -m lems_epi.simulate.regenerate

bench: $(STAMP)
	for f in benchmarks/bench_*.py; do $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info docs/_build docs/api/generated
