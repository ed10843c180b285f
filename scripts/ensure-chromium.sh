#!/usr/bin/env bash
# The portal's end-to-end tests drive Debian's Chromium (never a browser download). Install it when it
# is missing and this user can (root with apt-get); otherwise say what to do.
set -euo pipefail
command -v chromium >/dev/null 2>&1 && exit 0
if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
  echo "[sesh] installing Chromium from Debian's packages for the portal's browser tests" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "[sesh] the portal's browser tests need Chromium at /usr/bin/chromium: install it (Debian: sudo apt-get install chromium) and re-run ./sesh test" >&2
exit 1
