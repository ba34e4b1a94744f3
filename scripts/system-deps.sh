#!/bin/sh
# The system tools the test suites run, checked before any of them starts. `pnpm test` runs this first and
# .ci/run calls it too, so this is the only list. Each tool comes from a Debian package:
#   - all present: one line, carry on;
#   - root with apt-get: installs the missing packages (apt-get update once, then apt-get install -y,
#     output kept in a log shown only on failure), checks again;
#   - otherwise: prints the exact command to run and exits 1, before anything is built or started.
# SKIP_SYSTEM_DEPS=1 says what is missing and carries on; the tests that need it then fail.
# POSIX sh on purpose: .ci/run calls it before `pnpm install`, so Bun may not be there yet.
#
# `sh scripts/system-deps.sh compare` checks another group instead: what `pnpm bench --compare` runs
# (GlusterFS and MooseFS as peers, strace, the S3 clients, ip and FUSE). Nothing else installs those.
# The packages' own system services are never started or left enabled: the benchmark runs its own daemons
# inside network namespaces it creates (see packages/node/bench/compare/).
set -u

group=${1:-tests}
case "$group" in
tests | compare) ;;
*)
  echo "usage: sh scripts/system-deps.sh [tests|compare]" >&2
  exit 2
  ;;
esac

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

# OpenSSL's libcrypto, which a node loads for AES-GCM in place (src/security/gcm.ts).
has_libcrypto() {
  ldconfig -p 2>/dev/null | grep -q 'libcrypto\.so\.3 ' || [ -e /usr/lib/x86_64-linux-gnu/libcrypto.so.3 ] || [ -e /usr/lib/aarch64-linux-gnu/libcrypto.so.3 ]
}

# Sets $packages (the Debian packages to install) and $reasons (one line per missing tool).
check() {
  packages=""
  reasons=""
  if [ "$group" = compare ]; then
    check_compare
    return
  fi
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
  has s3cmd || miss s3cmd "s3cmd: the S3 command-line client tests (test/s3/cli-clients.test.ts)"
  has fusermount3 || has fusermount || miss fuse3 "fusermount3: rclone mount over WebDAV (test/webdav/rclone.test.ts)"
  has mount.davfs || [ -x /usr/sbin/mount.davfs ] || miss davfs2 "mount.davfs: davfs2 mounting WebDAV with a user's credentials (test/webdav/davfs2.test.ts, as root)"
  has ip || miss iproute2 "ip: LAN discovery between network namespaces (test/discovery/lan.test.ts)"
  has nft || miss nftables "nft: gossip datagrams dropped at random between namespaces (test/faults/gossip-loss.test.ts)"
  has faketime || miss faketime "faketime: nodes with skewed clocks (test/consistency/clock.test.ts)"
  has_libcrypto || miss libssl3 "libcrypto.so.3: peer records encrypted in place (src/security/gcm.test.ts)"
}

# pnpm bench --compare: the two peers (servers, FUSE clients, the tools that set MooseFS goals), strace for
# --strace, the S3 clients of the S3 figures, ip for the namespaces, fusermount to unmount.
check_compare() {
  has glusterd || miss glusterfs-server "glusterd: the GlusterFS peer (bench/compare)"
  has glusterfs || miss glusterfs-client "glusterfs: the GlusterFS FUSE client (bench/compare)"
  has mfsmaster || miss moosefs-master "mfsmaster: the MooseFS peer's master (bench/compare)"
  has mfschunkserver || miss moosefs-chunkserver "mfschunkserver: the MooseFS peer's chunkservers (bench/compare)"
  has mfsmount || miss moosefs-client "mfsmount, mfssetgoal: the MooseFS FUSE client (bench/compare)"
  has strace || miss strace "strace: --strace syscall counts (bench/compare)"
  aws2_works || miss awscli "aws 2.x: the S3 upload and sync figures (bench/compare)"
  has rclone || miss rclone "rclone: the S3 upload figure (bench/compare)"
  has fusermount3 || has fusermount || miss fuse3 "fusermount3: unmounting the peers' FUSE mounts (bench/compare)"
  has ip || miss iproute2 "ip: the peers' network namespaces (bench/compare)"
}

# The system services of the compare group's packages ($1: the packages this run installs). They are kept
# from starting by a policy-rc.d during the install (unless the machine has one) and disabled afterwards
# where systemd runs; a package that was already installed keeps its services as they were.
services_of() {
  for p in $1; do
    case "$p" in
    glusterfs-server) printf ' glusterd glustereventsd' ;;
    moosefs-master | moosefs-chunkserver) printf ' %s' "$p" ;;
    esac
  done
}

miss() {
  packages="$packages $1"
  reasons="$reasons
  $2  [Debian package $1]"
}

check
if [ -z "$packages" ]; then
  if [ "$group" = compare ]; then
    echo "system tools for pnpm bench --compare: all present (glusterd, glusterfs, mfsmaster, mfschunkserver, mfsmount, strace, aws, rclone, fusermount3, ip)"
  else
    echo "system tools for the tests: all present (chromium, litmus, aws, rclone, s3cmd, fusermount3, mount.davfs, ip, nft, faketime, libcrypto)"
  fi
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
  # The peers' packages start their daemons on install (glusterd on 0.0.0.0:24007): a policy-rc.d that
  # says no keeps them down; one the machine already has is left as it is.
  policy=""
  if [ "$group" = compare ] && [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\n# put here by orrery scripts/system-deps.sh for one apt-get install\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT INT TERM
  fi
  # Lock::Timeout: wait for another apt or dpkg on this machine rather than fail at once.
  # shellcheck disable=SC2086 # $packages is a list of words
  if apt-get -q -o DPkg::Lock::Timeout=300 update >"$log" 2>&1 &&
    apt-get -q -o DPkg::Lock::Timeout=300 install -y $packages >>"$log" 2>&1; then
    echo "installed$packages in $(($(date +%s) - start)) s"
    rm -f "$log"
    if [ -n "$policy" ]; then
      rm -f "$policy"
      trap - EXIT INT TERM
    fi
    units=$(services_of "$packages")
    if [ "$group" = compare ] && [ -n "$units" ] && [ -d /run/systemd/system ] && has systemctl; then
      for unit in $units; do systemctl disable --now "$unit" >/dev/null 2>&1 || true; done
      echo "left the services of the packages just installed disabled ($units ): the benchmark runs its own daemons"
    fi
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
