# PhenoSeq Bench — two entry points: `make demo` and `make test`.
# Needs: python3 >= 3.10 and make. Everything else is installed here: the Python packages
# into .venv (from PyPI), and via apt-get (as root or with sudo) what is missing of
# python3-venv, bedtools (demo and tests), chromium and shellcheck (tests only).
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed
DEMO_OUT ?= demo-output
export PHENOSEQ_CACHE ?= $(CURDIR)/.cache/phenoseq
# Matplotlib and HF write caches under $HOME unless told otherwise: keep the demo and the
# tests working when $HOME is missing or read-only.
export MPLCONFIGDIR ?= $(CURDIR)/.cache/matplotlib
export HF_HOME ?= $(CURDIR)/.cache/huggingface

.PHONY: demo test install system-deps system-deps-test clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "make: $(PYTHON) not found; install Python >= 3.10 (Debian/Ubuntu: apt-get install python3 python3-venv)" >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "make: Python >= 3.10 is required (found %d.%d); run make PYTHON=python3.1x ..." % sys.version_info[:2])'
	@PYTHON=$(PYTHON) bash scripts/system-deps.sh venv
	@$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); echo "make: '$(PYTHON) -m venv $(VENV)' failed; on Debian/Ubuntu install python3-venv" >&2; exit 1; }
	@$(BIN)/python -m pip install --quiet --upgrade pip || { echo "make: pip could not reach PyPI to upgrade itself (proxy? set PIP_INDEX_URL)" >&2; exit 1; }
	@echo "make: installing torch (CPU wheel) and phenoseq-bench into $(VENV)"
	@$(BIN)/python -m pip install --quiet torch==2.13.0 -e '.[dev]' || { echo "make: pip could not install the Python packages into $(VENV) (see pip's message above; needs PyPI access)" >&2; exit 1; }
	@touch $(STAMP)

install: $(STAMP)

system-deps:
	@bash scripts/system-deps.sh bedtools

system-deps-test:
	@bash scripts/system-deps.sh bedtools chromium shellcheck

demo: install system-deps
	HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 bash scripts/demo.sh $(DEMO_OUT)

test: install system-deps-test
	HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 $(BIN)/python -m pytest -q tests

clean:
	rm -rf $(VENV) .cache $(DEMO_OUT) .pytest_cache
