# Roost developer targets. `make test` is the test command CI runs.
GO ?= go
PKGS := ./...

.PHONY: test deps unit e2e bench fuzz lint build

build:
	$(GO) build -o roost ./cmd/roost

## test: install missing test clients, lint, unit and end-to-end tests, then the AWS CLI + boto3 e2e script.
test: deps lint unit e2e

## deps: the real clients the tests drive (apt: mosquitto-clients, awscli, boto3, paho, curl; npm: the AWS IoT Device SDK v2).
deps:
	./scripts/deps.sh

unit:
	$(GO) test -race -count=1 $(PKGS)

## e2e: the seed 000 setup driven by the real aws CLI and boto3 against a real server.
e2e: build
	./scripts/e2e.sh ./roost

## bench: Go benchmarks (codec, policy, sigv4, store, API calls per second through the SDK).
bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

## fuzz: run every fuzzer briefly (FUZZTIME=30s for longer).
FUZZTIME ?= 10s
fuzz:
	./scripts/fuzz.sh $(FUZZTIME)

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
