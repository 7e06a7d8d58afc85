#!/usr/bin/env bash
# Debian's chromium for the browser tests (driven by playwright-core with executablePath; nothing
# downloads a browser). Idempotent; run by test/run-all.sh.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "chromium is missing and this is not root: apt-get install -y chromium" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
for attempt in 1 2 3 4 5; do
  if apt-get install -y --no-install-recommends chromium; then exit 0; fi
  apt-get update || true
  sleep $((attempt * 5))
done
exit 1
