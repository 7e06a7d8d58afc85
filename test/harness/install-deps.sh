#!/usr/bin/env bash
# Installs what the Dovecot test harness needs (dovecot-imapd, openssl), once.
# Idempotent and quiet when everything is present. Called by .ci/run and by
# the harness itself (test/harness/dovecot.ts) on first use.
#
# The Debian package starts its own dovecot service on 143/993: the harness
# never uses it (each test runs its own instances on free high ports), so we
# stop and disable it to keep the machine clean.
set -euo pipefail

need=()
command -v dovecot >/dev/null 2>&1 || need+=(dovecot-imapd dovecot-core)
command -v openssl >/dev/null 2>&1 || need+=(openssl)

if ((${#need[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps.sh: need root to install ${need[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  # Keep the package's service from starting at install time (no systemd in containers anyway).
  policy=/usr/sbin/policy-rc.d
  created_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
  fi
  # Use a lock so concurrent callers (parallel test files) do not race on dpkg.
  exec 9>/tmp/mailsync-harness-apt.lock
  flock 9
  if ! command -v dovecot >/dev/null 2>&1 || ! command -v openssl >/dev/null 2>&1; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
  ((created_policy)) && rm -f "$policy"
fi

# Mail of the test servers is owned by this user (the master runs as root).
if ! id vmail >/dev/null 2>&1 && [[ $(id -u) -eq 0 ]]; then
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin vmail
fi

# Stop the system instance if something started it (ours run with their own base_dir).
if [[ -x /usr/sbin/service ]] && [[ -e /run/dovecot/master.pid ]]; then
  service dovecot stop >/dev/null 2>&1 || true
fi
if command -v systemctl >/dev/null 2>&1 && systemctl is-enabled dovecot >/dev/null 2>&1; then
  systemctl disable --now dovecot >/dev/null 2>&1 || true
fi
exit 0
