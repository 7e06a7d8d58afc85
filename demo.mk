# make demo / make demo-down (demo/README.md). Included by the top-level Makefile.
DEMO_MK_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))

.PHONY: demo demo-down

demo: ## local cluster + two demo IMAP servers + the chart + a MailSync with live progress (make demo-down stops it)
	$(DEMO_MK_DIR)/demo/demo.sh

demo-down: ## stop the demo: helm uninstall, the demo IMAP servers, the local cluster (DEMO_KEEP_CLUSTER=1 keeps it)
	$(DEMO_MK_DIR)/demo/demo-down.sh
