#!/usr/bin/env bash
# Starts/stops the Docker engine used only to build images (never to run the cluster).
#   docker-daemon.sh start   # reuse a running engine, or start our own (no bridge, no iptables)
#   docker-daemon.sh stop    # stop the engine only if this script started it
#   docker-daemon.sh status
# Our engine: --bridge=none --iptables=false, data under $MAILSYNC_CACHE/docker (build cache kept),
# socket /var/run/docker.sock so the plain `docker` CLI works. Builds must use --network host.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/versions.sh"

RUNDIR=/run/mailsync-docker
PIDFILE=$RUNDIR/dockerd.pid
SOCK=/var/run/docker.sock
LOG="$MAILSYNC_CACHE/docker-daemon.log"
DOCKER="$(command -v /usr/bin/docker || command -v docker)"

ours_running() { [[ -f $PIDFILE ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }
engine_up() { "$DOCKER" version >/dev/null 2>&1; }

case "${1:-start}" in
start)
  if engine_up; then exit 0; fi
  if ours_running; then
    echo "docker-daemon: dockerd (pid $(cat $PIDFILE)) is running but not answering" >&2
  else
    command -v dockerd >/dev/null || { echo "docker-daemon: dockerd missing (run install-deps.sh)" >&2; exit 1; }
    # leftovers of an engine of ours that was killed (e.g. at the end of a session)
    if [[ -f $PIDFILE ]]; then
      for m in $(awk -v r="$RUNDIR" 'index($5, r) == 1 {print $5}' /proc/self/mountinfo | sort -r); do umount -l "$m" 2>/dev/null || true; done
      rm -rf "$RUNDIR"; rm -f "$SOCK"
    fi
    mkdir -p "$RUNDIR" "$MAILSYNC_CACHE/docker"
    echo "docker-daemon: starting dockerd (log $LOG)" >&2
    setsid dockerd --bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
      --data-root "$MAILSYNC_CACHE/docker" --exec-root "$RUNDIR/exec" --pidfile "$PIDFILE" \
      -H "unix://$SOCK" --storage-driver overlay2 >>"$LOG" 2>&1 < /dev/null 8>&- 9>&- &
  fi
  for _ in $(seq 1 60); do engine_up && exit 0; sleep 0.5; done
  echo "docker-daemon: engine did not come up; tail of $LOG:" >&2; tail -20 "$LOG" >&2; exit 1
  ;;
stop)
  ours_running || exit 0
  pid=$(cat "$PIDFILE")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  # dockerd's own containerd (child) exits with it; clean leftovers of the exec root
  for m in $(awk -v r="$RUNDIR" 'index($5, r) == 1 {print $5}' /proc/self/mountinfo | sort -r); do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$RUNDIR"
  rm -f "$SOCK"
  ;;
status)
  if engine_up; then echo "docker: up$(ours_running && echo " (ours, pid $(cat $PIDFILE))")"; else echo "docker: down"; fi
  ;;
*) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
