#!/usr/bin/env bash
# `npm test`: unit and integration tests against a real Temporal server, PostgreSQL and Redis.
# The tests always use the project's own local PostgreSQL and Redis (they truncate and flush them).
set -euo pipefail
cd "$(dirname "$0")/.."
unset DATABASE_URL REDIS_URL
# Tests run on the built-in development secrets (lib/config.ts refuses them in production).
export NERVE_ENV=test
[ -d generated/prisma ] || npm run --silent prisma:generate >/dev/null
npx tsx scripts/temporal-binary.ts >/dev/null
files=("$@")
# Default: the end-to-end tests in test/ and the unit tests that sit beside their modules.
[ ${#files[@]} -gt 0 ] || mapfile -t files < <(ls test/*.test.ts; find lib gateway providers speech activities workers -name '*.test.ts' | sort)
exec bash scripts/with-services.sh node --import tsx --test --test-concurrency=1 --test-timeout=300000 "${files[@]}"
