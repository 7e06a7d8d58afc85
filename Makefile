# mailsync-operator. `make help` lists the targets.
SHELL := /bin/bash
NPM   ?= npm
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: help install build lint test test-unit test-integration test-e2e bench crds clean

help: ## list targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | sort

install: ## install npm dependencies (Node 24 comes with them, as the devDependency node@24)
	$(NPM) ci --no-audit --no-fund

build: ## compile TypeScript to dist/
	$(NPM) run build

lint: ## biome lint + format check
	$(NPM) run lint

crds: build ## regenerate crds/ from src/api
	$(NPM) run crds

test-unit: ## pure logic, no I/O
	$(NPM) run test:unit

bench: build ## benchmarks (see bench/README.md)
	$(NPM) run bench

clean:
	rm -rf dist coverage

-include test/cluster/cluster.mk
