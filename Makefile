# DeltaStream developer commands. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCK := constraints.txt
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml $(LOCK) | sha1sum | cut -c1-12)
PROTOS := $(wildcard proto/deltastream/v1/*.proto)
GEN_DIR := services
PYTEST_ARGS ?=
BENCH_ARGS ?=

.PHONY: help install lock run test unit chromium proto check-proto lint fmt typecheck bench images dev clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --constraint $(LOCK) -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP) ## Create the virtual environment and install everything (versions from constraints.txt)

lock: ## Re-resolve every dependency to its newest allowed version into constraints.txt
	rm -rf build/lock && $(PYTHON) -m venv build/lock
	build/lock/bin/python -m pip install --quiet --upgrade pip
	build/lock/bin/python -m pip install --quiet -e '.[dev,bench]'
	( echo "# Every package's version, as tested: 'make install' holds to it, 'make lock' renews it."; \
	  build/lock/bin/python -m pip freeze --exclude-editable | LC_ALL=C sort ) > $(LOCK)
	rm -rf build/lock

proto: $(STAMP) ## Generate the protobuf and gRPC code from proto/
	$(BIN)/python -m grpc_tools.protoc -I proto --python_out=$(GEN_DIR) --pyi_out=$(GEN_DIR) \
		--grpc_python_out=$(GEN_DIR) $(PROTOS)

check-proto: proto ## Fail when the generated code is stale
	@git diff --exit-code --stat -- $(GEN_DIR)/deltastream/v1 \
		|| (echo "generated protobuf code is stale: run 'make proto' and commit" >&2; exit 1)
	@test -z "$$(git status --porcelain -- $(GEN_DIR)/deltastream/v1)" \
		|| (echo "untracked generated files: run 'make proto' and commit" >&2; exit 1)

run: proto ## Run the whole platform on embedded servers (Ctrl-C stops it)
	$(BIN)/python -m deltastream.launcher

lint: $(STAMP) ## ruff, and import-linter for the layers
	$(BIN)/ruff check services operator tests bench
	$(BIN)/ruff format --check services operator tests bench
	$(BIN)/lint-imports

fmt: $(STAMP) ## Format and fix what ruff can
	$(BIN)/ruff format services operator tests bench
	$(BIN)/ruff check --fix services operator tests bench

typecheck: $(STAMP) ## mypy --strict
	$(BIN)/mypy

unit: $(STAMP) ## Unit tests only
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

test: check-proto lint typecheck chromium ## Install, check, and run every test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

chromium: ## Debian's chromium for the browser test (once; needs root or sudo)
	bash tests/e2e/browser/install-chromium.sh

bench: proto ## Benchmarks: figures and ratios against the reference run (~25 min)
	$(BIN)/python -m pip install --quiet --constraint $(LOCK) -e '.[dev,bench]'
	$(BIN)/python -m bench $(BENCH_ARGS)

images: ## Build the container image (needs a Docker engine)
	docker build -t deltastream:dev .

dev: ## Build and deploy to a developer's cluster with skaffold
	skaffold dev

clean: ## Remove the virtual environment and caches
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
