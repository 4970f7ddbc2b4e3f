# The two commands of README's quick start: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
EXAMPLE ?= resources/examples/digits_mlp.layerlab

.PHONY: run test venv lint bench bundle screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when the project's requirements change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

venv: $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/layerlab open $(EXAMPLE)

test: $(VENV)/.installed-test
	$(BIN)/ruff check layerlab tests bench
	$(BIN)/lint-imports
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

bench: $(VENV)/.installed-test
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/run_all.py

# Every image the docs use (docs/images/), made by driving the real editor; a virtual screen when there is none.
XVFB := $(if $(DISPLAY),,xvfb-run -a -s "-screen 0 1400x900x24")
screenshots: $(VENV)/.installed-test
	@if [ -z "$(DISPLAY)" ] && ! command -v xvfb-run >/dev/null; then \
	  echo "make screenshots: no display and no xvfb-run; install it: sudo apt-get install xvfb xauth" >&2; exit 2; fi
	$(XVFB) $(BIN)/python docs/screenshots.py docs/images

bundle:
	packaging/build.sh

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
