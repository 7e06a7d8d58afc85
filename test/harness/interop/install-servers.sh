#!/usr/bin/env bash
# Unpacks Cyrus IMAP and Courier IMAP for the interop suite (test/integration/interop), once.
#
# Debian's dovecot-imapd, cyrus-imapd and courier-imap conflict with one another, and the whole
# test suite uses the installed Dovecot. So these two are never installed: `apt-get download`
# fetches the packages (and the libraries the machine lacks), `dpkg-deb -x` unpacks them into
#   ${MAILSYNC_INTEROP_CACHE:-~/.cache/mailsync/interop}/<server>-<version>/
# and the harness (test/harness/interop/*.ts) runs the binaries from there with LD_LIBRARY_PATH
# and config paths pointing into the tree. No maintainer script runs, nothing lands in /usr or /etc.
#
# Idempotent: a tree with a `.complete` marker is kept (then no network is used).
# Prints one line per server: "<server> <tree>". Exit 1 when a tree cannot be made.
set -euo pipefail

CACHE=${MAILSYNC_INTEROP_CACHE:-${HOME:-/root}/.cache/mailsync/interop}
mkdir -p "$CACHE"

# Server package first (its version names the tree), then what it needs beyond a Debian 12 base
# with Dovecot: the runtime libraries checked with ldd below. Extra packages are harmless.
CYRUS_PKGS=(cyrus-imapd cyrus-common libsasl2-2 libsasl2-modules libsasl2-modules-db sasl2-bin
  libxapian30 libpcre3 libical3)
COURIER_PKGS=(courier-imap courier-base courier-authlib courier-authlib-userdb courier-authdaemon
  libcourier-unicode4 libidn12 libltdl7 libgamin0 gamin libpcre3)
# The binaries the harness starts: each must find all its libraries inside tree + system.
CYRUS_BINS=(usr/lib/cyrus/bin/master usr/lib/cyrus/bin/imapd usr/lib/cyrus/bin/ctl_cyrusdb usr/sbin/saslpasswd2)
COURIER_BINS=(usr/sbin/couriertcpd usr/lib/courier/courier/imaplogin usr/bin/imapd
  usr/lib/courier/courier-authlib/authdaemond usr/bin/couriertls usr/bin/maildirmake.courier)

candidate() { apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}'; }

lib_path() { # tree: every directory holding a shared object
  find "$1" -name '*.so*' -printf '%h\n' | sort -u | paste -sd: -
}

unpack() { # name, packages...
  local name=$1; shift
  local version
  version=$(candidate "$1")
  if [[ -z $version || $version == "(none)" ]]; then
    apt-get update -qq >/dev/null 2>&1 || true
    version=$(candidate "$1")
  fi
  [[ -n $version && $version != "(none)" ]] || { echo "install-servers.sh: no Debian package $1" >&2; return 1; }
  local tree="$CACHE/$name-${version//[^A-Za-z0-9.+-]/_}"
  if [[ -f $tree/.complete ]]; then
    echo "$name $tree"
    return 0
  fi
  local work
  work=$(mktemp -d "$CACHE/.download.XXXXXX")
  # apt's sandbox user cannot write into root's home: download in a directory it may use.
  chmod 755 "$work"
  if ! (cd "$work" && apt-get download -qq "$@" >/dev/null 2>"$work/apt.err"); then
    apt-get update -qq >/dev/null 2>&1 || true
    (cd "$work" && apt-get download -qq "$@" >/dev/null 2>"$work/apt.err") || {
      cat "$work/apt.err" >&2
      rm -rf "$work"
      return 1
    }
  fi
  mkdir -p "$work/root"
  for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
  # Merged /usr as on the host (/lib -> usr/lib): the harness overlays the tree's usr on /usr.
  for dir in lib lib64 bin sbin; do
    if [[ -d $work/root/$dir && ! -L $work/root/$dir ]]; then
      mkdir -p "$work/root/usr/$dir"
      cp -a "$work/root/$dir/." "$work/root/usr/$dir/"
      rm -rf "${work:?}/root/$dir"
    fi
  done
  rm -rf "$tree"
  mv "$work/root" "$tree"
  rm -rf "$work"
  echo "$name $tree"
}

check_libs() { # tree, binaries...
  local tree=$1; shift
  local missing
  missing=$(for bin in "$@"; do
    LD_LIBRARY_PATH=$(lib_path "$tree") ldd "$tree/$bin" 2>&1 | awk -v b="$bin" '/not found/ {print b ": " $1}'
  done)
  if [[ -n $missing ]]; then
    echo "install-servers.sh: libraries missing in $tree:" >&2
    echo "$missing" >&2
    return 1
  fi
  touch "$tree/.complete"
}

exec 9>"$CACHE/.lock"
flock 9
status=0
if line=$(unpack cyrus "${CYRUS_PKGS[@]}"); then
  tree=${line#* }
  [[ -f $tree/.complete ]] || check_libs "$tree" "${CYRUS_BINS[@]}" || status=1
  echo "$line"
else
  status=1
fi
if line=$(unpack courier "${COURIER_PKGS[@]}"); then
  tree=${line#* }
  [[ -f $tree/.complete ]] || check_libs "$tree" "${COURIER_BINS[@]}" || status=1
  echo "$line"
else
  status=1
fi
exit $status
