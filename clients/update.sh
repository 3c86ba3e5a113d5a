#!/usr/bin/env bash
# Regenerates the TypeScript client from the API as it is now: the OpenAPI schema snapshot
# (clients/typescript/openapi.json, from manage.py spectacular) and the types openapi-typescript
# makes from it (clients/typescript/src/schema.d.ts). Commit both; clients/check.sh verifies them.
set -euo pipefail

clients=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$clients")
python=${PYTHON:-$root/.venv/bin/python}
package=$clients/typescript

DJANGO_DEBUG=true "$python" "$root/manage.py" spectacular --format openapi-json --file "$package/openapi.json"

cd "$package"
npm ci --no-audit --no-fund --loglevel=error
npx --no-install openapi-typescript openapi.json --output src/schema.d.ts --silent
npx --no-install tsc --strict --noEmit -p .
echo "Updated clients/typescript/openapi.json and clients/typescript/src/schema.d.ts"
