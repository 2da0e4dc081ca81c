# kerioSingle — build, demo, test, bench.
# `make demo` and `make test` work on a fresh Debian 12 machine: they install what they need.

SHELL := /bin/bash
TARGET := x86_64-unknown-linux-gnu
MODULE := modules/servers/kerioSingle
ENGINE := $(MODULE)/bin/kerio-single
EMULATOR := target/release/kerio-emulator
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)

.PHONY: all deps build engine emulator demo test test-secret-scan-reset test-rust test-php test-reliability test-browser test-secret-scan lint bench fuzz dist clean

all: build

## deps: install the Debian packages the tests and the demo need (idempotent)
deps:
	scripts/install-deps.sh

## build: the emulator and the static engine inside the module folder
build: emulator engine

emulator:
	cargo build --release -p kerio-emulator

engine:
	RUSTFLAGS="-C target-feature=+crt-static" cargo build --release --target $(TARGET) -p kerio-single
	install -D -m 0755 target/$(TARGET)/release/kerio-single $(ENGINE)

## lint: formatting and clippy, warnings are errors
lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

## test: every test (Rust, PHP module through the harness on MariaDB, browser), then the secret scan of all their logs
test: test-secret-scan-reset deps build lint test-rust test-php test-reliability test-browser test-secret-scan

## test-secret-scan-reset: forget the evidence of earlier runs (first step of `make test`)
test-secret-scan-reset:
	rm -rf .state/secret-scan

## test-rust: the workspace (the import tests start a private Dovecot: scripts/dovecot.sh), then the engine again against a server that reports sizes in whole
## KiloBytes (issue 11.7), so it never depends on one unit choice (only this crate reads sizes)
test-rust:
	cargo test --workspace
	KERIO_EMULATOR_SIZE_UNITS=kilobytes cargo test -p kerio-single

## test-php: the module through the WHMCS harness on a private MariaDB (scripts/mariadb.sh), real engine + emulator
test-php: build
	phpunit -c tests/phpunit.xml

## test-reliability: bad-input matrix, fault survival, concurrency, then the secret scan of every log they wrote
test-reliability: build
	phpunit -c tests/reliability/phpunit.xml

## test-secret-scan: every secret the PHP, reliability and browser suites recorded, searched in all their
## evidence (.state/secret-scan/: module logs, engine stderr, CLI output, emulator and web harness logs)
test-secret-scan:
	php tests/secret-scan/scan.php

## fuzz: the property tests of the Kerio answer decoder and the bridge parser, long (docs/fuzzing.md);
## `make test` runs the same targets with proptest's default 256 cases
FUZZ_DECODER_CASES ?= 220000
FUZZ_BRIDGE_CASES ?= 280000
fuzz:
	PROPTEST_CASES=$(FUZZ_DECODER_CASES) cargo test -p kerio-api --test prop_decoder -- --nocapture
	PROPTEST_CASES=$(FUZZ_BRIDGE_CASES) cargo test -p kerio-single --test prop_bridge -- --nocapture

## bench: exchanges per action, engine overhead, UsageUpdate at 10,000 mailboxes, growth (bench/README.md)
bench: build
	cargo build --release -p kerio-api --example raw_exchanges
	php bench/bench.php

## test-browser: client area, webmail sign-in and order form in headless Chromium (screenshots: tests/artifacts/)
test-browser: build
	phpunit -c tests/browser/phpunit.xml

## dist: dist/kerioSingle-$(VERSION).zip, the module folder as an admin uploads it (engine included)
dist: engine
	scripts/dist.sh $(VERSION)

## demo: emulator + WHMCS harness, the whole mailbox lifecycle
demo: deps build
	php scripts/demo.php

clean:
	cargo clean
	rm -rf dist $(MODULE)/bin .state
