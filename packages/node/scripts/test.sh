#!/bin/sh
# The node package's suite, as `pnpm test` runs it, in two passes:
# 1. every file but the fault tests, two files at a time (bun's --parallel workers), the slowest first by the
#    durations in test/timings.json;
# 2. the fault tests (test/faults: gossip loss, partitions, pauses, chaos) and the fuzz test, one file at a
#    time with nothing else of the suite beside them, because what they check is timing: no false death under
#    loss, detection within its bounds, so many hostile inputs within the fuzzer's time.
# `sh scripts/test.sh --update-timings` runs the same and rewrites test/timings.json (`pnpm test:timings`).
# Any other arguments run just those test files, one at a time: `sh scripts/test.sh test/s3`.
# Exit status: non-zero if either pass failed.
cd "$(dirname "$0")/.." || exit 2
timings="--timings=test/timings.json"
case "${1:-}" in
  "") ;;
  --update-timings) timings="$timings --update-timings" ;;
  *) exec bun test --timeout 120000 "$@" ;;
esac
# shellcheck disable=SC2086 # $timings is two words on purpose
bun test --timeout 120000 --parallel=2 $timings --path-ignore-patterns='test/faults/**' --path-ignore-patterns='test/fuzz/**'
first=$?
# shellcheck disable=SC2086
bun test --timeout 120000 $timings test/faults test/fuzz
second=$?
[ "$first" -eq 0 ] && [ "$second" -eq 0 ]
