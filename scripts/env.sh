#!/usr/bin/env bash
# Runs a command in the project's toolchain, installing what it needs first, so that a fresh clone
# needs nothing but `npm test` or `npm run local`:
#   1. Node.js >= 22 (the machine's own, or Node.js 24 from the npm registry's `node` package);
#   2. the npm packages, reinstalled whenever package-lock.json changes or node_modules no longer matches it;
#   3. the worker library (worker/dist), which every function archive vendors;
#   4. with --engine, the engine jar (rebuilt by Maven only when its sources or bpmn/ changed).
# Usage: bash scripts/env.sh [--engine] COMMAND [ARGS...]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
state="$root/.local"
mkdir -p "$state"

need_engine=false
if [ "${1:-}" = "--engine" ]; then need_engine=true; shift; fi

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# 1. Node.js. Everything here (Pulumi, google-auth-library, bpmnlint) wants 22 or newer.
toolchain="$state/toolchain"
if [ -x "$toolchain/node_modules/.bin/node" ]; then
  export PATH="$toolchain/node_modules/.bin:$PATH"
fi
if [ "$(node_major)" -lt 22 ]; then
  echo "env: Node.js $(node --version 2>/dev/null || echo missing) is older than 22; installing Node.js 24 under .local/toolchain" >&2
  npm install --prefix "$toolchain" --no-save --no-audit --no-fund --loglevel=error node@24 >&2
  export PATH="$toolchain/node_modules/.bin:$PATH"
fi

# 2. npm packages, keyed on the lock file so that a pull with new dependencies reinstalls them, and
# checked against npm's record of what it installed, so that a half-replaced node_modules (an `npm ci`
# inside the echo-function workspace does that) is installed again too.
lock_sum="$(sha256sum "$root/package-lock.json" | cut -d' ' -f1)"
if [ ! -d "$root/node_modules" ] || [ "$(cat "$state/npm-installed" 2>/dev/null)" != "$lock_sum" ] \
  || ! node "$root/scripts/installed-packages.cjs" "$root"; then
  echo "env: installing npm packages (npm ci)" >&2
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error >&2)
  echo "$lock_sum" >"$state/npm-installed"
fi
export PATH="$root/node_modules/.bin:$PATH"

# 3. The worker library's dist, which the function archives vendor (rebuilt only when its sources changed).
bash "$root/scripts/build-worker.sh"

# 4. The engine jar.
if $need_engine; then
  bash "$root/scripts/build-engine.sh" >&2
fi

exec "$@"
