#!/usr/bin/env bash
# `npm test`: installs what the suites need (npm dependencies; as root, the Debian packages the
# test bed uses), builds, runs every suite, and prints one "N passed, N failed" summary line.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-deps.sh

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run typecheck
npm run build

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
npx mocha --reporter spec 'test/**/*.test.ts' 2>&1 | tee "$log" || status=$?
passed=$(grep -Eo '^ +[0-9]+ passing' "$log" | grep -Eo '[0-9]+' | tail -1 || true)
failed=$(grep -Eo '^ +[0-9]+ failing' "$log" | grep -Eo '[0-9]+' | tail -1 || true)
echo
echo "${passed:-0} passed, ${failed:-0} failed"
if [ "${passed:-0}" = 0 ] && [ "$status" = 0 ]; then
  echo "no test ran" >&2
  exit 1
fi
exit "$status"
