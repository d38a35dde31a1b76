#!/usr/bin/env bash
# `npm run record-histories`: records test/histories/ (the replay tests' input) by running the
# end-to-end tests that exercise every call type with RECORD_HISTORIES set. The new histories are
# added beside the ones recorded by earlier versions of the code (those are what prove a change
# keeps calls already running alive); `--fresh` replaces the whole set instead. Nothing changes
# unless those tests pass. File arguments choose other end-to-end tests to record from.
set -euo pipefail
cd "$(dirname "$0")/.."
fresh=0
[ "${1:-}" = "--fresh" ] && { fresh=1; shift; }
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(test/calls.test.ts test/voice.test.ts test/inbound.test.ts test/appointment-agent.test.ts test/appointment-agent-recovery.test.ts test/lifecycle-api.test.ts test/handoff-twilio.test.ts test/handoff-exotel.test.ts test/handoff-voicebots-twilio.test.ts test/handoff-ivr.test.ts test/handoff-receptionist-exotel.test.ts test/handoff-voicebots-caller-leaves.test.ts test/handoff-receptionist-twilio-back.test.ts test/handoff-operator-signal-exotel.test.ts test/simulator.test.ts)
recorded=$(mktemp -d "${TMPDIR:-/tmp}/nerve-histories.XXXXXX")
trap 'rm -rf "$recorded"' EXIT
RECORD_HISTORIES="$recorded" bash scripts/test.sh "${files[@]}"
mkdir -p test/histories
[ $fresh = 1 ] && rm -f test/histories/*.json
# A call id an earlier version recorded keeps its history: the new one goes beside it, numbered.
for file in "$recorded"/*.json; do
  target="test/histories/$(basename "$file")"
  n=2
  while [ -e "$target" ] && ! cmp -s "$file" "$target"; do target="test/histories/$(basename "$file" .json).$n.json"; n=$((n + 1)); done
  cp "$file" "$target"
done
echo "recorded $(ls test/histories/*.json | wc -l) histories ($(du -sh test/histories | cut -f1)) into test/histories/; check with: npm test -- test/replay.test.ts"
