#!/usr/bin/env bash
# Make sure the Debian packages that the test suite drives are installed:
#   chromium       browser tests (Playwright runs /usr/bin/chromium; we never
#                  run `playwright install`, which downloads its own browser)
#   dovecot-imapd  a real IMAP server for the mailbox-polling tests
#   gettext        msgfmt, for compiling the German translations
# As root we install what is missing; otherwise we try `sudo -n`, and failing
# that we only warn: the tests that need a missing tool skip and say why.
set -euo pipefail

missing=()
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
# dovecot lives in /usr/sbin, which is not on a normal user's PATH.
command -v dovecot >/dev/null 2>&1 || [[ -x /usr/sbin/dovecot ]] || missing+=(dovecot-imapd)
command -v msgfmt >/dev/null 2>&1 || missing+=(gettext)

[[ ${#missing[@]} -eq 0 ]] && exit 0

install=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}")
if [[ $EUID -eq 0 ]]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
else
    cat >&2 <<EOF
test-deps: WARNING: not installed: ${missing[*]}
test-deps: the tests that need them will be skipped. To run them all:
test-deps:     sudo apt-get install ${missing[*]}
EOF
    exit 0
fi

echo "test-deps: installing ${missing[*]}" >&2
if ! { "${sudo[@]}" apt-get update -qq && "${sudo[@]}" "${install[@]}" >/dev/null; }; then
    echo "test-deps: WARNING: could not install ${missing[*]}; the tests that need them will be skipped" >&2
fi
