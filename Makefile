# The two commands of the README: `make demo` runs the main job, `make test` runs the whole suite.
# Each creates the virtual environment and installs what it needs first.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# glibc keeps freed tensor memory instead of unmapping it after every forward pass (CPU inference 2-3x faster):
# blocks under 64 MiB come from a heap that is never trimmed; larger ones are mapped and returned when freed, since
# keeping those too let the L-BFGS fits fragment the heap (a read-back fit at 40,000 albums: 10.6 GB, else 1.5 GB).
export MALLOC_MMAP_THRESHOLD_ = 67108864
export MALLOC_TRIM_THRESHOLD_ = 17179869184

# Headless Chromium for the HTML report tests: Debian's package, installed once when missing.
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test test-fast lint format bench clean

# The development tools at the checkout's root that the product wheel leaves out (the `sample_site` package): a
# .pth file in the environment's site-packages puts the checkout on every interpreter's path, subprocesses included.
define CHECKOUT_PTH
import pathlib, sys, sysconfig
pathlib.Path(sysconfig.get_paths()["purelib"], "albumml-checkout.pth").write_text(sys.argv[1] + "\n")
endef
export CHECKOUT_PTH

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -c "$$CHECKOUT_PTH" "$(CURDIR)"
	touch $(STAMP)

demo: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" ./scripts/demo

$(CHROMIUM):
	$(SUDO) apt-get install -y --no-install-recommends chromium \
	  || ($(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends chromium)

test: $(STAMP) $(CHROMIUM) lint
	$(BIN)/python -m pytest

# The unit tests that need no server and no long run: the loop to keep open while working (under 3 minutes).
test-fast: $(STAMP) lint
	$(BIN)/python -m pytest -m "not integration and not slow" --durations=10

# Style, then the layers of ARCHITECTURE.md (import-linter contracts in pyproject.toml).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Every stage, or the stages and sizes named in ARGS (`make bench ARGS="nightly --albums 127467"`), under the
# allocator settings above, as the worker runs.
bench: $(STAMP)
	$(BIN)/python -m benchmarks $(ARGS)

clean:
	rm -rf $(VENV) .albumml .pytest_cache .ruff_cache
