#!/usr/bin/env bash
# Installs what the chart tests need besides helm and kubeconform (charts/build-helm.sh builds those
# from the Go module proxy): promtool, from the Debian package `prometheus`, which also brings the
# Prometheus server the helm end-to-end test scrapes the operator with. Idempotent, quiet when present.
# The package's own service is kept from starting (tests run their own Prometheus on a free port).
set -euo pipefail

command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1 && exit 0
if [[ $(id -u) -ne 0 ]]; then
  echo "test/chart/install-deps.sh: need root to install prometheus (promtool)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
exec 9>/tmp/mailsync-apt.lock
flock 9
if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then
  policy=/usr/sbin/policy-rc.d
  created_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
  fi
  apt-get update -qq
  apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends prometheus >/dev/null
  ((created_policy)) && rm -f "$policy"
fi
# stop the packaged instance if something started it anyway
if command -v systemctl >/dev/null 2>&1 && systemctl is-enabled prometheus >/dev/null 2>&1; then
  systemctl disable --now prometheus >/dev/null 2>&1 || true
fi
exit 0
