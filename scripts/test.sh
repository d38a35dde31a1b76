#!/usr/bin/env bash
# `npm test`: every *.test.ts in the repository. Unit tests sit beside their modules and run
# first; the end-to-end tests in test/ follow, against a real Temporal server, PostgreSQL and
# Redis. File arguments run just those files.
# The tests always use the project's own local PostgreSQL and Redis (they truncate and flush them).
set -euo pipefail
cd "$(dirname "$0")/.."
unset DATABASE_URL REDIS_URL
[ -d generated/prisma ] || npm run --silent prisma:generate >/dev/null
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  mapfile -t unit < <(find . \( -name node_modules -o -name .git -o -name .cache -o -name generated -o -path ./test \) -prune \
    -o -name '*.test.ts' -type f -print | sed 's|^\./||' | sort)
  files=("${unit[@]}" test/*.test.ts)
fi
# Only the end-to-end tests start a Temporal server; find (or build) its binary once, up front.
for file in "${files[@]}"; do
  case "$file" in test/* | ./test/*) npx tsx scripts/temporal-binary.ts >/dev/null; break ;; esac
done
exec bash scripts/with-services.sh node --import tsx --test --test-concurrency=1 --test-timeout=300000 "${files[@]}"
