#!/usr/bin/env bash
# usage: scripts/require-system-tool.sh TOOL DEBIAN_PACKAGE
#
# Makes sure TOOL (a command on PATH, or an absolute path) is there for `make test`. Where it is missing it is
# installed from Debian when that is possible (root with apt-get); otherwise this stops at once and says what
# to install. DRY_RUN=1 only says what it would do.
set -euo pipefail
tool="$1"
package="$2"

present() {
  case "$tool" in
    /*) [ -x "$tool" ] ;;
    *) command -v "$tool" >/dev/null 2>&1 ;;
  esac
}

present && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  if [ -n "${DRY_RUN:-}" ]; then
    echo "would run: apt-get update && apt-get install -y $package  (for $tool)"
    exit 0
  fi
  echo "$tool is missing: installing the Debian package $package"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
  present && exit 0
  echo "error: installed $package, but $tool is still missing" >&2
  exit 1
fi

echo "error: make test needs $tool, which is missing. Install it (on Debian or Ubuntu:" \
  "sudo apt-get install $package), then run make test again." >&2
exit 1
