# The project's vocabulary. `make local` and `make test` are the README's two commands.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export CDK_DISABLE_CLI_TELEMETRY := true
export TZ := UTC

.PHONY: setup lock local test test-fast lint typecheck synth layer layer-tracing bench bench-check triage-eval mutation replay-dlq browser screenshots clean

# Virtualenv, Python packages, the CDK CLI, and the Lambda dependency layer. Idempotent and quick when done already.
# Every Python package comes from a lock with hashes (pip refuses anything unpinned or with another hash), the
# CDK CLI from package-lock.json (`npm ci`).
setup: $(BIN)/.installed node_modules/.installed build/layers/deps/.built

$(BIN)/.installed: requirements-dev.lock
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --require-hashes -r requirements-dev.lock
	touch $@

node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The locks, from pyproject.toml's one list of runtime packages (+ dev and tracing extras). Run after editing
# that list; versions already locked stay unless UPGRADE=1 (then every package moves to its newest allowed).
# The layer's locks are resolved for Lambda's platform and leave out what its runtime provides.
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --quiet --generate-hashes --custom-compile-command "make lock" \
	$(if $(UPGRADE),--upgrade,)
LAYER_PLATFORM = --python-platform aarch64-manylinux_2_28 --python-version 3.12 \
	--no-emit-package boto3 --no-emit-package botocore --no-emit-package s3transfer
lock: $(BIN)/.installed
	$(UV_COMPILE) --extra dev --extra tracing --universal --python-version 3.11 -o requirements-dev.lock
	$(UV_COMPILE) $(LAYER_PLATFORM) -o layers/deps/requirements.lock
	$(UV_COMPILE) $(LAYER_PLATFORM) --extra tracing -o layers/deps/requirements-tracing.lock

# Third-party runtime packages for Lambda (arm64, python3.12), installed from a lock without Docker or
# dependency resolution. Reproducible: the CDK asset hash is over file paths and contents, so nothing that
# depends on the day or the folder may stay (bytecode, console scripts with this venv's path in their shebang,
# RECORD files listing those scripts' hashes). `make layer-tracing` adds the X-Ray SDK (`-c tracing=true`).
# manylinux_2_28 as well as 2014: Pillow 13 and pillow-heif ship aarch64 wheels for glibc 2.28 only; Lambda's
# python3.12 runtime (Amazon Linux 2023) has glibc 2.34.
define build_layer
	rm -rf $(1) && mkdir -p $(1)/python
	$(BIN)/pip install -q --require-hashes --no-deps --no-compile --platform manylinux2014_aarch64 \
	  --platform manylinux_2_28_aarch64 --implementation cp --python-version 3.12 --only-binary=:all: --ignore-requires-python \
	  --target $(1)/python -r $(2)
	cd $(1)/python && rm -rf bin && find . -name __pycache__ -type d -prune -exec rm -rf {} + \
	  && find . -path '*.dist-info/RECORD' -delete
	$(BIN)/python -m infra.tools.layer_hash $(1)
	touch $(1)/.built
endef
build/layers/deps/.built: layers/deps/requirements.lock | $(BIN)/.installed
	$(call build_layer,build/layers/deps,layers/deps/requirements.lock)
build/layers/deps-tracing/.built: layers/deps/requirements-tracing.lock | $(BIN)/.installed
	$(call build_layer,build/layers/deps-tracing,layers/deps/requirements-tracing.lock)
layer: build/layers/deps/.built
layer-tracing: build/layers/deps-tracing/.built

# Chromium for the browser tests (Debian's package; Playwright drives it, it never downloads a browser).
browser:
	@command -v chromium >/dev/null || (apt-get update -q && apt-get install -y -q chromium chromium-driver)

# Sets up, synthesizes, brings the stack up on moto, seeds the demo agency, prints the URLs. Ctrl-C stops it.
local: setup
	$(BIN)/python -m infra.local

# Sets up, then the gates, fastest first: lint, type check, then every test tier (unit, integration, infra with
# cdk-nag and cfn-lint on the synthesized template, e2e, browser), on TEST_WORKERS processes (pytest-xdist):
# whole test files go to whichever worker is free, in collection order (tests/conftest.py: each worker runs
# its e2e files last, on a local stack of its own, on its own ports). TEST_WORKERS=0 runs them in one process.
TEST_WORKERS ?= 2
test: setup browser
	$(MAKE) --no-print-directory lint typecheck
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

test-fast: setup
	$(BIN)/python -m pytest tests/unit tests/integration

synth: setup
	npx cdk synth --quiet --no-notices

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	node_modules/.bin/tsc -p tsconfig.json  # the agent page's JavaScript, // @ts-check (tsc --noEmit --checkJs)
	node_modules/.bin/eslint --max-warnings 0 web/agent  # and its linter (eslint.config.mjs)

typecheck: setup
	$(BIN)/mypy functions layers/shared/python infra

bench: setup
	$(BIN)/python -m bench

# A quick bench run's ratios (figure / its floor, same run) against the committed bench/results.json: fails
# on any ratio more than 25% worse (bench/check.py). Never rewrites results.json; never reinstalls the venv.
bench-check:
	@test -x $(BIN)/python || { echo "bench-check: run make setup first" >&2; exit 1; }
	$(BIN)/python -m bench.check

# How the urgency scorer does on a labelled set (text<TAB>level[<TAB>note]): make triage-eval [FILE=path.tsv].
# Pure Python (no AWS, no network): it needs only the venv of `make setup`, and never reinstalls it.
FILE ?= tests/data/triage/labelled.tsv
triage-eval:
	@test -x $(BIN)/python || { echo "triage-eval: run make setup first" >&2; exit 1; }
	PYTHONPATH=functions:layers/shared/python $(BIN)/python -m triage.eval $(FILE)

# The agent page and the chat widget, desktop and phone, from a fresh local stack, into docs/screenshots/.
screenshots: setup browser
	$(BIN)/python -m infra.tools.screenshots

# Mutation testing of the modules that guard residents (tests/mutation/targets.toml): only modules whose code or
# tests changed since the last run; writes docs/mutation.md. Not part of `make test`. ARGS="--all" reruns all.
mutation: setup
	$(BIN)/python -m tests.mutation $(ARGS)

# Re-drives a dead-letter queue to its source queue: make replay-dlq QUEUE=InboundQueue [LOCAL=1]
LOCAL_AWS = AWS_ENDPOINT_URL=http://127.0.0.1:$${SWITCHBOARD_MOTO_PORT:-5055} AWS_ACCESS_KEY_ID=local \
	AWS_SECRET_ACCESS_KEY=local AWS_DEFAULT_REGION=us-east-1
replay-dlq: setup
	$(if $(LOCAL),$(LOCAL_AWS),) $(BIN)/python -m infra.tools.replay_dlq $(QUEUE) $(if $(LOCAL),--local,)

clean:
	rm -rf $(VENV) node_modules cdk.out build .local-stack
