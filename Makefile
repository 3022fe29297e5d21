# Two commands do everything on a fresh machine:
#   make serve   set up .venv, migrate, serve on http://$(HOST):$(PORT)
#   make test    the same set-up, then lint, type checks (mypy) and the whole test suite
#   make gpu-check   on a GPU host: prove the shared-GPU path with real kernels (gpu-check.json)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?=
GPU_CHECK_ARGS ?=

.PHONY: serve test lint format setup system-packages serve-packages migrate clean bench gpu-check

# uvicorn believes X-Forwarded-For/-Proto only from TRUSTED_PROXIES (the same variable the site reads).
serve: migrate serve-packages
	$(BIN)/uvicorn config.asgi:application --host $(HOST) --port $(PORT) --ws-max-size 1048576 --no-access-log \
	  $(if $(strip $(TRUSTED_PROXIES)),--forwarded-allow-ips "$(strip $(TRUSTED_PROXIES))",--no-proxy-headers)

test: setup system-packages lint
	$(BIN)/pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The same set-up as serve, then kernels/gpucheck with the real inventory and sandbox: prints a
# summary, writes gpu-check.json, exits non-zero on a failure; without a GPU, one line and 0.
gpu-check: setup serve-packages
	$(BIN)/python manage.py gpucheck $(GPU_CHECK_ARGS)

migrate: setup
	$(BIN)/python manage.py migrate --noinput

bench: setup
	$(BIN)/python -m bench

.PHONY: bench-compare
# The playground against Jupyter Server + ipykernel on the same work (docs/benchmarks.md);
# installs Jupyter into bench/.venv-jupyter on first use. BENCH_ARGS=--quick for a short run.
bench-compare: setup serve-packages
	$(BIN)/python -m bench.compare $(BENCH_ARGS)

.PHONY: bench-page messages
# First paint of / with a cold cache, and the size of our own JS and CSS (docs/benchmarks.md).
bench-page: setup system-packages
	$(BIN)/python -m bench.page

# Rebuild the Spanish catalogue after changing translatable text (needs Debian's gettext);
# the compiled .mo is committed, so serving never needs gettext.
messages: setup
	$(BIN)/python manage.py makemessages -l es --no-obsolete --ignore=.venv --ignore=static --ignore=tests --ignore=bench
	$(BIN)/python manage.py compilemessages -l es --ignore=.venv

.PHONY: datasets
# Keras's datasets for kernels, which have no internet: Keras downloads them into the folder
# PLAYGROUND_DATASETS_DIR names (run where there is internet; kernel_runtime/kerascache.py).
datasets: setup
	@test -n "$(PLAYGROUND_DATASETS_DIR)" || { echo "set PLAYGROUND_DATASETS_DIR to the folder to fill" >&2; exit 1; }
	$(BIN)/python -m kernel_runtime.kerascache "$(PLAYGROUND_DATASETS_DIR)"

setup: $(VENV)/.installed

# Debian packages: bubblewrap and libseccomp2 confine the kernels (serve and test); Chromium
# runs the browser tests (Playwright drives it; test tools cannot download browsers here).
# Installed with apt-get when missing and we are root; otherwise we say what to install.
SERVE_PACKAGES := bubblewrap:bwrap libseccomp2:
TEST_PACKAGES  := $(SERVE_PACKAGES) chromium:chromium redis-server:redis-server

define apt_install
	@missing=""; for entry in $(1); do pkg=$${entry%%:*}; cmd=$${entry#*:}; \
	  if [ -n "$$cmd" ]; then command -v $$cmd >/dev/null 2>&1 || missing="$$missing $$pkg"; \
	  else dpkg -s $$pkg >/dev/null 2>&1 || missing="$$missing $$pkg"; fi; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian packages:$$missing"; apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "missing Debian packages:$$missing (apt-get install them)" >&2; fi; fi
endef

system-packages:
	$(call apt_install,$(TEST_PACKAGES))

serve-packages:
	$(call apt_install,$(SERVE_PACKAGES))

# On a GPU host (nvidia-smi answers), TensorFlow's CUDA build replaces tensorflow-cpu: both
# install the same `tensorflow` package, so one goes before the other comes.
$(VENV)/.installed: requirements.txt requirements-dev.txt requirements-gpu.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed, found " + sys.version' 
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then \
	  echo "nvidia-smi answers: installing TensorFlow's CUDA build (requirements-gpu.txt)"; \
	  $(BIN)/python -m pip uninstall --quiet --yes tensorflow-cpu && \
	  $(BIN)/python -m pip install --quiet -r requirements-gpu.txt; fi
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
