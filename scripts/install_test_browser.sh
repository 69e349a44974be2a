#!/usr/bin/env sh
# The browser the HTML report tests drive (Playwright, test extra) is Debian's Chromium: a test
# tool's download of its own browser is not possible on every machine, a distribution's package
# is. Installed here, by the set-up that runs the tests, never by a test.
set -eu
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null
    exit 0
fi
echo "install_test_browser: no chromium, and no apt-get as root to install it; the two HTML report" \
     "tests will fail until Chromium is installed (Debian: apt-get install chromium)" >&2
