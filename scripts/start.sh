#!/usr/bin/env bash
# Starts ContactSuite on the embedded default (embedded SIP engine + app + HTTP), doing its own
# set-up: installs node dependencies when node_modules is missing or older than the lockfile,
# then builds (the server and the admin web app, served at /app/). Configuration comes from the
# environment (see README.md).
set -euo pipefail
cd "$(dirname "$0")/.."

node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$node_major" -lt 20 ]; then
  echo "scripts/start.sh: Node.js 20 or newer is required (found: $(node -v 2>/dev/null || echo none))" >&2
  exit 1
fi

# npm writes node_modules/.package-lock.json on every install; a lockfile newer than it means
# dependencies changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

npm run build --silent
# The fax addon (native/fax) where spandsp and libtiff are installed; without it ContactSuite
# still starts and reports fax as unavailable (start line, /health).
if pkg-config --exists spandsp libtiff-4 2>/dev/null; then
  if [ ! native/fax/build/Release/fax.node -nt native/fax/fax.c ] || [ native/fax/binding.gyp -nt native/fax/build/Release/fax.node ]; then
    npm run build:fax --silent >/dev/null 2>&1 || echo "scripts/start.sh: the fax addon did not build; fax will be unavailable" >&2
  fi
fi
exec node dist/cli/main.js start
