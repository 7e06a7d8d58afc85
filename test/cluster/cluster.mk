# Local single-node Kubernetes (test/cluster/README.md) and the kind path.
# Included by the top-level Makefile; also usable alone: make -f test/cluster/cluster.mk cluster-up
CLUSTER_MK_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
CLUSTER_REPO   := $(abspath $(CLUSTER_MK_DIR)/../..)
MAILSYNC_CLUSTER_DIR ?= /tmp/mailsync-cluster
MAILSYNC_IMAGE ?= mailsync-operator:dev
export MAILSYNC_CLUSTER_DIR

.PHONY: cluster-deps cluster-build cluster-up cluster-down cluster-status cluster-check-clean cluster-test cluster-image \
        e2e-local kind-up kind-down e2e-kind

cluster-deps: ## install the Debian packages the local cluster needs (root)
	$(CLUSTER_MK_DIR)/install-deps.sh

cluster-build: ## build (once, cached in ~/.cache/mailsync) the pinned Kubernetes + etcd binaries
	$(CLUSTER_MK_DIR)/install-deps.sh
	$(CLUSTER_MK_DIR)/build.sh

cluster-up: ## start the local single-node cluster on 127.0.0.1 (Ready node + smoke pod); prints KUBECONFIG
	$(CLUSTER_MK_DIR)/cluster.sh up

cluster-down: ## stop the local cluster: every process, mount and state file it made
	$(CLUSTER_MK_DIR)/cluster.sh down

cluster-check-clean: ## fail if any process, mount, cgroup or state file of the local cluster is left
	$(CLUSTER_MK_DIR)/cluster.sh check-clean

cluster-status: ## show the local cluster's processes and node
	$(CLUSTER_MK_DIR)/cluster.sh status

cluster-test: ## cluster tests (TERM-then-KILL, in-cluster API + RBAC) against the running local cluster
	$(CLUSTER_REPO)/test/e2e-cluster/run.sh

cluster-image: ## build $(MAILSYNC_IMAGE) from the Dockerfile on the local base and import it into the cluster
	MAILSYNC_IMAGE=$(MAILSYNC_IMAGE) $(CLUSTER_MK_DIR)/build-image.sh

e2e-local: cluster-image ## run the e2e suite (npm run test:e2e) against the running local cluster
	cd $(CLUSTER_REPO) && KUBECONFIG=$(MAILSYNC_CLUSTER_DIR)/kubeconfig MAILSYNC_IMAGE=$(MAILSYNC_IMAGE) npm run test:e2e

# ---- kind (needs Docker and internet; cannot run on the CI machines) ----------------------
KIND ?= kind
KIND_CLUSTER ?= mailsync-e2e
KIND_KUBECONFIG ?= $(HOME)/.kube/kind-$(KIND_CLUSTER).kubeconfig
KIND_NODE_IMAGE ?=
DOCKER ?= docker

kind-up: ## create a one-node kind cluster, build $(MAILSYNC_IMAGE) and kind-load it
	@command -v $(KIND) >/dev/null || { echo "kind not found: see https://kind.sigs.k8s.io/docs/user/quick-start/"; exit 1; }
	@mkdir -p $(dir $(KIND_KUBECONFIG))
	@if $(KIND) get clusters 2>/dev/null | grep -qx '$(KIND_CLUSTER)'; then \
	  echo "kind cluster $(KIND_CLUSTER) exists"; \
	  $(KIND) export kubeconfig --name $(KIND_CLUSTER) --kubeconfig $(KIND_KUBECONFIG); \
	else \
	  $(KIND) create cluster --name $(KIND_CLUSTER) --config $(CLUSTER_MK_DIR)/kind-config.yaml \
	    --kubeconfig $(KIND_KUBECONFIG) --wait 180s $(if $(KIND_NODE_IMAGE),--image $(KIND_NODE_IMAGE)); \
	fi
	$(DOCKER) build -t $(MAILSYNC_IMAGE) $(CLUSTER_REPO)
	$(KIND) load docker-image $(MAILSYNC_IMAGE) --name $(KIND_CLUSTER)
	@echo "export KUBECONFIG=$(KIND_KUBECONFIG)"

kind-down: ## delete the kind cluster
	$(KIND) delete cluster --name $(KIND_CLUSTER) --kubeconfig $(KIND_KUBECONFIG)

e2e-kind: kind-up ## run the e2e suite (npm run test:e2e) against the kind cluster
	cd $(CLUSTER_REPO) && KUBECONFIG=$(KIND_KUBECONFIG) MAILSYNC_IMAGE=$(MAILSYNC_IMAGE) npm run test:e2e
