# Faultline — the two commands of the README are `make run` and `make test`.
# Both install what they need on a fresh Debian 12 machine (as root, or with sudo available).

SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := pkg-config curl libsystemd-dev libcurl4-openssl-dev libsqlite3-dev zlib1g-dev \
	systemd systemd-journal-remote python3 python3-venv python3-aiosmtpd openssl postgresql
RELEASE_BIN = $(shell $(SWIFT) build -c release --show-bin-path)

.PHONY: deps run test bench bench-signatures bench-agent bench-collector clean

## Install the system packages the build and the tests need.
deps:
	$(SUDO) apt-get update
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends $(APT_PACKAGES)

## The main job: a collector (SQLite) and an agent on this host, a demo log, and a local SMTP server.
## Runs until Ctrl-C (or RUN_SECONDS=N); state, logs and the received mail stay in .demo/.
run: deps
	$(SWIFT) build -c release --product faultline-collector
	$(SWIFT) build -c release --product faultline-agent
	RUN_SECONDS=$(or $(RUN_SECONDS),0) packaging/demo/run.sh "$(RELEASE_BIN)"

## Every test.
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

## Every benchmark.
bench: bench-signatures bench-agent bench-collector

## Signature quality (grouping accuracy on Loghub) and speed, side by side with drain3.
bench-signatures: deps
	$(SWIFT) build -c release --product faultline-agent
	$(SWIFT) build -c release --product faultline-signature-bench
	python3 Tests/Benchmarks/bench_signatures.py \
		--agent "$(RELEASE_BIN)/faultline-agent" \
		--speed-bench "$(RELEASE_BIN)/faultline-signature-bench" \
		--datasets "$(or $(DATASETS),../shared/datasets/loghub_2k)"

## The agent's pipeline throughput beside `cat`, idle CPU and RSS with 100 files, static binary size.
bench-agent: deps
	$(SWIFT) build -c release --product faultline-agent
	$(SWIFT) build -c release --product faultline-agent --static-swift-stdlib --scratch-path .build-static
	python3 Tests/Benchmarks/bench_agent.py --agent "$(RELEASE_BIN)/faultline-agent" \
		--static-agent "$$($(SWIFT) build -c release --static-swift-stdlib --scratch-path .build-static --show-bin-path)/faultline-agent"

## Collector ingest: batches/s and latency from 50 clients on SQLite and PostgreSQL, beside a plain INSERT loop.
bench-collector: deps
	$(SWIFT) build -c release --product faultline-collector
	$(SWIFT) build -c release --product faultline-collector-bench
	python3 Tests/Benchmarks/bench_collector.py --collector "$(RELEASE_BIN)/faultline-collector" \
		--bench "$(RELEASE_BIN)/faultline-collector-bench"

clean:
	rm -rf .build
