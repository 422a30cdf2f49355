#!/usr/bin/env bash
# Runs every check CI runs: type check, lint, and the vitest suite (which drives real SIPp and
# redis-server on 127.0.0.1). Does its own set-up: the Debian packages sip-tester (sipp),
# redis-server, sox and libsox-fmt-mp3 when missing (as root; otherwise it says what to install), and node dependencies
# when node_modules is missing or older than the lockfile.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v sipp >/dev/null 2>&1 || missing+=(sip-tester)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
# sox with MP3 support converts uploaded prompts (src/prompts/convertPrompt.ts).
command -v sox >/dev/null 2>&1 || missing+=(sox)
dpkg -s libsox-fmt-mp3 >/dev/null 2>&1 || missing+=(libsox-fmt-mp3)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "scripts/test.sh: missing ${missing[*]}; install with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}"
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

echo "== typecheck"
npx tsc -p tsconfig.json --noEmit
echo "== lint"
npx eslint src test
echo "== tests"
report="$(mktemp -t vitest-report.XXXXXX.json)"
trap 'rm -f "$report"' EXIT
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" || status=$?
# One plain closing line that any CI reads: "N passed, N failed".
node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""))' "$report" || true
exit "$status"
