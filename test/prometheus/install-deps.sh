#!/usr/bin/env bash
# Installs the Prometheus server the tests run on 127.0.0.1 (test/prometheus/prometheus.ts): the
# Debian package `prometheus` (server + promtool). Idempotent and quiet when it is there.
# The package's own service is kept from starting and stopped if something started it anyway:
# tests run their own Prometheus, with their own config and data directory, on a free port.
set -euo pipefail

have() { command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; }

if ! have; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "test/prometheus/install-deps.sh: need root to install the Debian package prometheus" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  # the same lock as the other install-deps scripts: dpkg must not run twice at once
  exec 9>/tmp/mailsync-apt.lock
  flock 9
  if ! have; then
    policy=/usr/sbin/policy-rc.d
    created_policy=0
    if [[ ! -e $policy ]]; then
      printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
    fi
    apt-get update -qq
    apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends prometheus >/dev/null
    ((created_policy)) && rm -f "$policy"
  fi
fi

# the packaged instance (port 9090, /var/lib/prometheus) is never used by the tests
if command -v systemctl >/dev/null 2>&1 && systemctl is-enabled prometheus >/dev/null 2>&1; then
  systemctl disable --now prometheus >/dev/null 2>&1 || true
fi
if [[ -x /usr/sbin/service ]] && [[ -e /run/prometheus.pid || -e /run/prometheus/prometheus.pid ]]; then
  service prometheus stop >/dev/null 2>&1 || true
fi
exit 0
