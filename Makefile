# PhenoSeq Bench — two entry points: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed
DEMO_OUT ?= demo-output
export PHENOSEQ_CACHE ?= $(CURDIR)/.cache/phenoseq

.PHONY: demo test install system-deps clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python >= 3.10 is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0 -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# bedtools (pybedtools' engine) and chromium (renders the leaderboard page in the tests).
system-deps:
	@bash scripts/system-deps.sh

demo: install system-deps
	HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 bash scripts/demo.sh $(DEMO_OUT)

test: install system-deps
	HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 $(BIN)/python -m pytest -q tests

clean:
	rm -rf $(VENV) .cache $(DEMO_OUT) .pytest_cache
