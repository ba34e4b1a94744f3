#!/bin/sh
# The system tools the test suites run, checked before any of them starts. `pnpm test` runs this first and
# .ci/run calls it too, so this is the only list. Each tool comes from a Debian package:
#   - all present: one line, carry on;
#   - root with apt-get: installs the missing packages (apt-get update once, then apt-get install -y,
#     output kept in a log shown only on failure), checks again;
#   - otherwise: prints the exact command to run and exits 1, before anything is built or started.
# SKIP_SYSTEM_DEPS=1 says what is missing and carries on; the tests that need it then fail.
# POSIX sh on purpose: .ci/run calls it before `pnpm install`, so Bun may not be there yet.
set -u

has() { command -v "$1" >/dev/null 2>&1; }

# The aws CLI 2.x (Debian's awscli): test/s3/cli-clients.test.ts runs /usr/bin/aws and the aws on PATH,
# and a 1.x there (pyenv's, say) is an extra, not the CLI most people use. Running it also rules out a
# pyenv shim for a Python without awscli.
aws2_works() {
  for bin in /usr/bin/aws "$(command -v aws 2>/dev/null)"; do
    [ -n "$bin" ] && [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -q '^aws-cli/2\.' && return 0
  done
  return 1
}

chromium=${CHROMIUM_PATH:-/usr/bin/chromium}

# Sets $packages (the Debian packages to install) and $reasons (one line per missing tool).
check() {
  packages=""
  reasons=""
  if [ ! -x "$chromium" ]; then
    if [ -n "${CHROMIUM_PATH:-}" ]; then
      echo "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file (the browser tests launch it)." >&2
      exit 1
    fi
    miss chromium "/usr/bin/chromium: the browser tests (test/e2e; or set CHROMIUM_PATH)"
  fi
  has litmus || miss litmus "litmus: the WebDAV compliance suite (test/webdav/litmus.test.ts)"
  aws2_works || miss awscli "aws 2.x: the S3 command-line client tests (test/s3/cli-clients.test.ts)"
  has rclone || miss rclone "rclone: the S3 and WebDAV client tests (test/s3, test/webdav)"
  has fusermount3 || has fusermount || miss fuse3 "fusermount3: rclone mount over WebDAV (test/webdav/rclone.test.ts)"
  has ip || miss iproute2 "ip: LAN discovery between network namespaces (test/discovery/lan.test.ts)"
  has nft || miss nftables "nft: gossip datagrams dropped at random between namespaces (test/faults/gossip-loss.test.ts)"
  has faketime || miss faketime "faketime: nodes with skewed clocks (test/consistency/clock.test.ts)"
}

miss() {
  packages="$packages $1"
  reasons="$reasons
  $2  [Debian package $1]"
}

check
if [ -z "$packages" ]; then
  echo "system tools for the tests: all present (chromium, litmus, aws, rclone, fusermount3, ip, nft, faketime)"
  exit 0
fi

if [ -n "${SKIP_SYSTEM_DEPS:-}" ] && [ "${SKIP_SYSTEM_DEPS}" != 0 ]; then
  echo "SKIP_SYSTEM_DEPS is set: not installing$packages; the tests that need them will fail:$reasons" >&2
  exit 0
fi

if [ "$(id -u)" = 0 ] && has apt-get; then
  echo "installing the system tools the tests run, Debian packages$packages (first run only; about a minute):$reasons"
  log=$(mktemp "${TMPDIR:-/tmp}/orrery-apt.XXXXXX")
  start=$(date +%s)
  export DEBIAN_FRONTEND=noninteractive
  # Lock::Timeout: wait for another apt or dpkg on this machine rather than fail at once.
  # shellcheck disable=SC2086 # $packages is a list of words
  if apt-get -q -o DPkg::Lock::Timeout=300 update >"$log" 2>&1 &&
    apt-get -q -o DPkg::Lock::Timeout=300 install -y $packages >>"$log" 2>&1; then
    echo "installed$packages in $(($(date +%s) - start)) s"
    rm -f "$log"
  else
    echo "apt-get failed; the end of its output (all of it is in $log):" >&2
    tail -n 30 "$log" >&2
    exit 1
  fi
  check
  if [ -n "$packages" ]; then
    echo "still missing after apt-get install:$reasons" >&2
    exit 1
  fi
  exit 0
fi

echo "The tests need system tools that are missing:$reasons" >&2
if has apt-get; then
  echo "Install them, then run the tests again:

  sudo apt-get update && sudo apt-get install -y$packages

(Run as root, pnpm test installs them itself. SKIP_SYSTEM_DEPS=1 runs the tests without them; the ones
that need them fail.)" >&2
else
  echo "This system has no apt-get: install its equivalents of the Debian packages$packages, then run the
tests again (SKIP_SYSTEM_DEPS=1 runs them without; the ones that need them fail)." >&2
fi
exit 1
