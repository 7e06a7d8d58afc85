# mailsync-operator. `make help` lists the targets.
SHELL := /bin/bash
NPM   ?= npm
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: help install build lint test test-unit test-integration test-e2e bench crds clean

help: ## list targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | sort

install: ## install npm dependencies (Node 24 comes with them, as the devDependency node@24)
	$(NPM) ci --no-audit --no-fund

build: ## compile TypeScript to dist/
	$(NPM) run build

lint: ## biome lint + format check, import rules (.dependency-cruiser.cjs)
	$(NPM) run lint

crds: build ## regenerate crds/ from src/api (and the Helm chart's copy)
	$(NPM) run crds
	charts/sync-crds.sh

test: ## the whole suite (installs system packages, starts Dovecot and the local cluster itself)
	bash test/run-all.sh

test-unit: ## pure logic, no I/O
	$(NPM) run test:unit

test-integration: build ## real Dovecot servers on 127.0.0.1
	$(NPM) run test:integration

test-e2e: ## end to end against $$KUBECONFIG (a running cluster) with $$MAILSYNC_IMAGE
	$(NPM) run test:e2e

bench: build ## benchmarks (see bench/README.md)
	$(NPM) run bench

clean:
	rm -rf dist coverage

-include test/cluster/cluster.mk
-include demo.mk
