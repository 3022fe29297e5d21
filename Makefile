# Two commands do everything on a fresh machine:
#   make serve   set up .venv, migrate, serve on http://$(HOST):$(PORT)
#   make test    the same set-up, then lint and the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?=

.PHONY: serve test lint format setup system-packages migrate clean bench

serve: migrate
	$(BIN)/uvicorn playground.asgi:application --host $(HOST) --port $(PORT) --ws-max-size 1048576 --no-access-log

test: setup system-packages lint
	$(BIN)/pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrate: setup
	$(BIN)/python manage.py migrate --noinput

bench: setup
	$(BIN)/python -m bench

setup: $(VENV)/.installed

# Debian packages the tests need: Chromium for the browser tests (Playwright drives it; test
# tools cannot download browsers here). Installed with apt-get when missing and we are root.
system-packages:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is missing: apt-get install chromium (browser tests will be skipped)" >&2; fi; }

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed, found " + sys.version' 
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
