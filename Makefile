# Abaqueue: every target installs what it needs into .venv first, so a fresh clone just works.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: venv run demo test proto proto-check lint bench bench-scheduler bench-transfer bench-restart bench-dashboard chaos clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

## run: SeaweedFS + scheduler + one simulator agent on loopback; Ctrl-C stops them all
run: $(STAMP)
	$(PY) -m scheduler.devstack.stack run --home .abaqueue

## demo: the same stack, submit the example model, follow it, download and check results, stop
demo: $(STAMP)
	$(PY) -m scheduler.devstack.stack demo --home .abaqueue/demo

## test: unit, contract and integration tests (real SeaweedFS, real gRPC, the simulator)
test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

## proto: regenerate abaqueue/v1 from proto/ (committed; a test fails when it is stale)
proto: $(STAMP)
	$(PY) -m grpc_tools.protoc -Iproto --python_out=. --pyi_out=. --grpc_python_out=. proto/abaqueue/v1/*.proto

## lint: ruff on the code, buf STANDARD lint on the API (buf-bin from PyPI: the same binary as npm's)
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/buf lint proto

## bench: the six scenarios of the benchmark suite (submission, dispatch, lifecycle, fan-in, restart,
## queue depth), each with its own scheduler; the last line is one JSON object with every figure
bench: $(STAMP)
	$(PY) tests/benchmarks/bench_all.py

## bench-scheduler: dispatch decision time at 1,000, 10,000 and 100,000 waiting jobs
bench-scheduler: $(STAMP)
	$(PY) tests/benchmarks/bench_scheduler.py

## bench-dashboard: the dashboard in headless chromium with 10,000 jobs (first page, next page, a job's page)
bench-dashboard: $(STAMP)
	$(PY) tests/benchmarks/bench_dashboard.py

## bench-transfer: a 1 GiB result up three ways (boto3, the agent's multipart path, one PUT) and down
bench-transfer: $(STAMP)
	$(PY) tests/benchmarks/bench_transfer.py

## bench-restart: a scheduler process started on a store of 100,000 jobs, until both ports serve
bench-restart: $(STAMP)
	$(PY) tests/benchmarks/bench_restart.py

## chaos: N short jobs while the scheduler and agents are SIGKILLed and S3 fails (CHAOS_JOBS=300: quick)
CHAOS_JOBS ?= 2000
chaos: $(STAMP)
	CHAOS_JOBS=$(CHAOS_JOBS) $(PY) tests/chaos/chaos.py

clean:
	rm -rf .abaqueue .pytest_cache .hypothesis
