#!/usr/bin/env bash
# `npm test`: every *.test.ts in the repository. Unit tests sit beside their modules and run
# first; the end-to-end tests in test/ follow, against a real Temporal server, PostgreSQL and
# Redis. File arguments run just those files (still unit tests first).
# The tests always use the project's own local PostgreSQL and Redis (they truncate and flush them).
set -euo pipefail
cd "$(dirname "$0")/.."
unset DATABASE_URL REDIS_URL
# Tests run on the built-in development secrets (lib/config.ts refuses them in production).
export NERVE_ENV=test
[ -d generated/prisma ] || npm run --silent prisma:generate >/dev/null
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  mapfile -t files < <(find . \( -name node_modules -o -name .git -o -name .cache -o -name generated -o -path ./test \) -prune \
    -o -name '*.test.ts' -type f -print | sed 's|^\./||' | sort)
  files+=(test/*.test.ts)
fi
unit=() e2e=()
for file in "${files[@]}"; do
  case "${file#./}" in test/*) e2e+=("$file") ;; *) unit+=("$file") ;; esac
done
# node --test orders the files it is given by path, so each group is its own run.
# End-to-end files run side by side (each harness has its own Temporal server, database and
# Redis): they spend most of their time waiting on calls, not on the CPU.
run() { local concurrency=$1; shift; bash scripts/with-services.sh node --import tsx --test --test-concurrency="$concurrency" --test-timeout=300000 "$@"; }
status=0
[ ${#unit[@]} -eq 0 ] || run 2 "${unit[@]}" || status=$?
if [ ${#e2e[@]} -gt 0 ]; then
  bash scripts/with-services.sh npx tsx test/support/prepare-e2e.ts # the Temporal CLI and the workflow bundle, once, up front
  run "${NERVE_E2E_CONCURRENCY:-3}" "${e2e[@]}" || status=$?
fi
exit $status
