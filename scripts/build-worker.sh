#!/usr/bin/env bash
# Builds the worker library's dist (worker/dist), which every function archive that depends on
# @camunda-serverless/worker vendors (components/push/vendor.ts), again only when its sources or
# build configuration changed. Meant to run from scripts/env.sh before the tests and the stack.
# Usage: bash scripts/build-worker.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
state="$root/.local"
mkdir -p "$state"
worker="$root/worker"

sum="$(cd "$worker" && find src package.json tsconfig.json tsconfig.build.json -type f -print0 | sort -z \
  | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)"
if [ -f "$worker/dist/index.js" ] && [ "$(cat "$state/worker-built" 2>/dev/null)" = "$sum" ]; then exit 0; fi

echo "env: building the worker library (worker/dist)" >&2
rm -rf "$worker/dist"
(cd "$root" && npx tsc -p worker/tsconfig.build.json >&2)
echo "$sum" >"$state/worker-built"
