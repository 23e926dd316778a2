#!/usr/bin/env bash
# Installs the Debian packages the tests drive as real processes: redis-server for
# the shared-cache tests, chromium for the browser tests (tests/browser, driven by
# Playwright at /usr/bin/chromium; Playwright never downloads a browser of its own),
# nginx for the proxy test (tests/integration/test_nginx.py runs deploy/nginx.conf;
# the package's own service is not started), wrk for the benchmark harness's test
# (tests/bench; `make bench` needs it too).
# Needs root and apt-get; otherwise says what to install.
set -euo pipefail
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]} (Debian packages the tests need)"
  apt-get update -qq
  # No service is started by the install (the tests start their own processes).
  created_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    created_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  [ $created_policy -eq 0 ] || rm -f /usr/sbin/policy-rc.d
else
  echo "the tests need: ${missing[*]} (e.g. sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
