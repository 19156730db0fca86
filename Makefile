# The project's vocabulary. `make local` and `make test` are the README's two commands.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_DISABLE_CLI_TELEMETRY := true
export TZ := UTC

.PHONY: setup local test test-fast lint typecheck synth layer bench mutation replay-dlq browser clean

# Virtualenv, Python packages, the CDK CLI, and the Lambda dependency layer. Idempotent and quick when done already.
setup: $(BIN)/.installed node_modules/.installed build/layers/deps/.built

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

node_modules/.installed: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

# Third-party runtime packages for Lambda (arm64, python3.12), installed without Docker. The Lambda runtime provides
# boto3/botocore/s3transfer (pulled in by aws-xray-sdk), most of the layer's size: they are removed.
build/layers/deps/.built: layers/deps/requirements.txt
	rm -rf build/layers/deps && mkdir -p build/layers/deps/python
	$(BIN)/pip install -q --platform manylinux2014_aarch64 --implementation cp --python-version 3.12 \
	  --only-binary=:all: --target build/layers/deps/python -r layers/deps/requirements.txt
	cd build/layers/deps/python && rm -rf bin boto3 boto3-*.dist-info botocore botocore-*.dist-info \
	  s3transfer s3transfer-*.dist-info
	find build/layers/deps/python -name __pycache__ -type d -prune -exec rm -rf {} +
	touch $@
layer: build/layers/deps/.built

# Chromium for the browser tests (Debian's package; Playwright drives it, it never downloads a browser).
browser:
	@command -v chromium >/dev/null || (apt-get update -q && apt-get install -y -q chromium chromium-driver)

# Sets up, synthesizes, brings the stack up on moto, seeds the demo agency, prints the URLs. Ctrl-C stops it.
local: setup
	$(BIN)/python -m infra.local

# Sets up and runs every test tier (unit, integration, infra, e2e, browser).
test: setup browser
	$(BIN)/python -m pytest

test-fast: setup
	$(BIN)/python -m pytest tests/unit tests/integration

synth: setup
	npx cdk synth --quiet --no-notices

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy functions layers/shared/python infra

bench: setup
	$(BIN)/python -m bench

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
