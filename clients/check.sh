#!/usr/bin/env bash
# CI check of the TypeScript client (clients/typescript) and the example site that uses it:
#   1. the committed schema snapshot equals what the API serves now;
#   2. the committed types equal what openapi-typescript makes from that snapshot;
#   3. the client and the example site compile with `tsc --strict`.
# When 1 or 2 fails: run clients/update.sh, review the diff, commit it.
set -euo pipefail

clients=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$clients")
python=${PYTHON:-$root/.venv/bin/python}
package=$clients/typescript
site=$root/examples/site
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() {
  echo "clients/check.sh: $1" >&2
  exit 1
}

echo "1/3 schema snapshot"
DJANGO_DEBUG=true "$python" "$root/manage.py" spectacular --format openapi-json --file "$work/openapi.json"
if ! cmp -s "$work/openapi.json" "$package/openapi.json"; then
  diff -u "$package/openapi.json" "$work/openapi.json" | head -n 60 >&2 || true
  fail "clients/typescript/openapi.json differs from the API's schema: run clients/update.sh and commit the result."
fi

echo "2/3 generated types"
cd "$package"
npm ci --no-audit --no-fund --loglevel=error
npx --no-install openapi-typescript openapi.json --output "$work/schema.d.ts" --silent
if ! cmp -s "$work/schema.d.ts" src/schema.d.ts; then
  diff -u src/schema.d.ts "$work/schema.d.ts" | head -n 60 >&2 || true
  fail "clients/typescript/src/schema.d.ts is not what openapi-typescript makes from openapi.json: run clients/update.sh and commit the result."
fi

echo "3/3 tsc --strict"
npx --no-install tsc --strict --noEmit -p . || fail "the client does not compile against the schema's types."
cd "$site"
npm ci --no-audit --no-fund --loglevel=error
npm run --silent typecheck ||
  fail "examples/site does not compile against the schema's types: update it to the API's new shape."
echo "clients/check.sh: the TypeScript client and the example site match the API."
