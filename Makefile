# Two entry points for a fresh machine: `make demo` and `make test`. Each creates or refreshes the
# virtual environment itself (python3 -m venv + pip; pip caches the llama.cpp wheel it compiles).
comma := ,
PYTHON ?= python3
VENV ?= .venv
EXTRAS ?= local,test,knowledge
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))

.PHONY: env demo ui test clean postgres chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $@

env: $(STAMP)

demo: env
	$(BIN)/assistant demo --out out

ui: env
	$(BIN)/assistant ui

test: env postgres chromium
	$(BIN)/python -m pytest

# Installs Debian packages for the tests (as root, or through sudo): $(APT_INSTALL) PACKAGE...
# $(IN_CI) is true when ASSISTANT_CI is set (by .ci/run): a missing requirement is then an error.
IN_CI = [ -n "$$ASSISTANT_CI" ] && [ "$$ASSISTANT_CI" != 0 ]
APT_INSTALL = sudo=$$( [ "$$(id -u)" = 0 ] || echo sudo ); $$sudo apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq

# The tests run against SQLite and PostgreSQL; their fixture starts a private PostgreSQL server on
# 127.0.0.1. Installs Debian's package when no server binaries are found (a no-op otherwise). Without
# PostgreSQL its tests skip on a developer's machine; in CI (ASSISTANT_CI=1, set by .ci/run) this fails.
PG_CTL_GLOB ?= /usr/lib/postgresql/*/bin/pg_ctl
postgres:
	@if command -v pg_ctl >/dev/null 2>&1 || ls $(PG_CTL_GLOB) >/dev/null 2>&1; then :; \
	elif command -v apt-get >/dev/null 2>&1 && { echo "installing PostgreSQL (Debian package) for the tests"; \
	    $(APT_INSTALL) postgresql >/dev/null; }; then :; \
	elif $(IN_CI); then \
	  echo "error: PostgreSQL server binaries (pg_ctl) not found and could not be installed with apt-get;" \
	       "CI runs the PostgreSQL tests: install Debian's postgresql package" >&2; exit 1; \
	else echo "warning: PostgreSQL not found and could not be installed; its tests will be skipped"; fi

# The browser test drives Debian's chromium through Playwright (never `playwright install`), with a
# CJK font for the Chinese screenshots. Installed when missing; in CI (ASSISTANT_CI=1) the browser
# run fails when Chromium is still absent, elsewhere the browser test is skipped.
chromium:
	@if command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "wqy\|cjk"; then :; \
	elif command -v apt-get >/dev/null 2>&1 && { echo "installing Chromium (Debian package) for the browser test"; \
	    $(APT_INSTALL) chromium fonts-wqy-zenhei >/dev/null; }; then :; \
	elif $(IN_CI); then \
	  echo "error: Chromium not found and could not be installed with apt-get; CI runs the browser test:" \
	       "install Debian's chromium package" >&2; exit 1; \
	else echo "warning: Chromium not found and could not be installed; the browser test will be skipped"; fi

clean:
	rm -rf out .assistant
