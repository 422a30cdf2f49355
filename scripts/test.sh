#!/usr/bin/env bash
# Runs every check CI runs: type check, lint, and the vitest suite (which drives real SIPp and
# redis-server on 127.0.0.1). Does its own set-up: the Debian packages sip-tester (sipp),
# redis-server, sox, libsox-fmt-mp3, chromium (browser tests) and the fax build/test packages when missing (as root; otherwise it says what to install), and node dependencies
# when node_modules is missing or older than the lockfile.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v sipp >/dev/null 2>&1 || missing+=(sip-tester)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
# linphonec: the provisioning end-to-end test runs a real Linphone against the app.
command -v linphonec >/dev/null 2>&1 || missing+=(linphone-cli)
# chromium: the web app's browser tests (test/web) drive it through playwright-core.
[ -x /usr/bin/chromium ] || missing+=(chromium)
# sox with MP3 support converts uploaded prompts (src/prompts/convertPrompt.ts).
command -v sox >/dev/null 2>&1 || missing+=(sox)
dpkg -s libsox-fmt-mp3 >/dev/null 2>&1 || missing+=(libsox-fmt-mp3)
# poppler-utils: the billing tests read the invoice and statement PDFs with pdftotext and pdftoppm.
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
# Fax (native/fax): spandsp and libtiff to build the addon (with a C compiler, make, pkg-config),
# tiff2pdf for the mailed PDF, ghostscript for the tests that render that PDF.
for pkg in libspandsp-dev libtiff-dev libtiff-tools ghostscript pkg-config make gcc; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
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

# The fax addon: built where its libraries are (they are, after the apt step above); the fax
# tests then need it. Rebuilt only when its sources changed.
if pkg-config --exists spandsp libtiff-4 2>/dev/null; then
  if [ ! native/fax/build/Release/fax.node -nt native/fax/fax.c ] || [ native/fax/binding.gyp -nt native/fax/build/Release/fax.node ]; then
    echo "== build:fax"
    npm run build:fax --silent || echo "scripts/test.sh: the fax addon did not build (the fax tests will fail)" >&2
  fi
fi

echo "== typecheck"
npx tsc -p tsconfig.json --noEmit
npx tsc -p src/web/tsconfig.json
# The browser tests (test/web) run against this build of the web app.
echo "== build:web"
npm run build:web --silent
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
