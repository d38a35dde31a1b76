#!/usr/bin/env bash
# `npm run record-histories`: re-records test/histories/ (the replay tests' input) by running the
# end-to-end tests that exercise every call type with RECORD_HISTORIES set. The new set replaces
# the old one only if those tests pass, so a failed run leaves the checked-in histories as they were.
# File arguments choose other end-to-end tests to record from.
set -euo pipefail
cd "$(dirname "$0")/.."
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(test/calls.test.ts test/voice.test.ts test/inbound.test.ts test/appointment-agent.test.ts test/lifecycle-api.test.ts test/handoff-twilio.test.ts)
recorded=$(mktemp -d "${TMPDIR:-/tmp}/nerve-histories.XXXXXX")
trap 'rm -rf "$recorded"' EXIT
RECORD_HISTORIES="$recorded" bash scripts/test.sh "${files[@]}"
mkdir -p test/histories
rm -f test/histories/*.json
cp "$recorded"/*.json test/histories/
echo "recorded $(ls test/histories/*.json | wc -l) histories ($(du -sh test/histories | cut -f1)) into test/histories/; check with: npm test -- test/replay.test.ts"
