# Two entry points for a fresh machine: `make demo` and `make test`. Each creates or refreshes the
# virtual environment itself (python3 -m venv + pip; pip caches the llama.cpp wheel it compiles).
comma := ,
PYTHON ?= python3
VENV ?= .venv
EXTRAS ?= local,test,knowledge
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))

.PHONY: env demo test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $@

env: $(STAMP)

demo: env
	$(BIN)/assistant demo --out out

test: env
	$(BIN)/python -m pytest

clean:
	rm -rf out .assistant
