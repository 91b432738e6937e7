#!/usr/bin/env bash
# Make sure Debian's Chromium is installed for the browser tests (CI machines are fresh). Playwright drives it
# through executable_path; Playwright's own browser download is never used.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "ensure-chromium: installing Debian's chromium package" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if ! command -v chromium >/dev/null 2>&1; then
  echo "ensure-chromium: no chromium found and cannot install it (need root and apt-get);" \
       "install Debian's chromium package to run the browser tests" >&2
  exit 1
fi
