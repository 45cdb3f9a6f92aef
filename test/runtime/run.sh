#!/usr/bin/env bash
# The real-runtime tier: the deployable zip runs under the AWS Lambda Runtime Interface Client
# (aws-lambda-ric 3.2.0, kept in test/runtime/ric with its own lockfile because its native part
# needs autoconf, automake and libtool, which a plain `npm ci` machine does not have).
#
# Installs what it needs (apt packages when missing, `npm ci` in test/runtime/ric when the
# lockfile changed or the addon is missing), builds dist/, packages the zip, then runs
# test/runtime/run-tests.mjs. The last line printed is `N passed, N failed`.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
log="$(mktemp -t runtime-tier.XXXXXX.log)"
# node-gyp builds against the installed Node headers instead of downloading them.
export npm_config_nodedir="${npm_config_nodedir:-/usr}"

fail_setup() {
  echo "runtime tier setup failed: $1 (log: $log)" >&2
  tail -n 40 "$log" >&2 || true
  echo "0 passed, 1 failed"
  exit 1
}

# 1. Tools for aws-lambda-ric's native build (curl and aws-lambda-cpp, then node-gyp).
missing=()
for pair in autoconf:autoconf automake:automake libtoolize:libtool cmake:cmake make:make g++:g++; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair##*:}")
done
addon="$here/ric/node_modules/aws-lambda-ric/dist/rapid-client.node"
stamp="$here/ric/node_modules/.lock-installed"
if [ ! -f "$addon" ] || ! cmp -s "$here/ric/package-lock.json" "$stamp"; then
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing ${missing[*]} (apt) for aws-lambda-ric's native build"
    if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
    { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"; } >>"$log" 2>&1 \
      || fail_setup "apt-get install ${missing[*]}"
  fi
  # 2. The RIC itself (native build: about 2.5 minutes on 2 cores).
  echo "npm ci in test/runtime/ric (builds aws-lambda-ric)"
  (cd "$here/ric" && npm ci --no-audit --no-fund) >>"$log" 2>&1 || fail_setup "npm ci in test/runtime/ric"
  [ -f "$addon" ] || fail_setup "aws-lambda-ric installed without its native addon (install scripts blocked?)"
  cp "$here/ric/package-lock.json" "$stamp"
fi

# 3. The deployable zip from the current sources (the build takes about a second).
cd "$root"
npm run build >>"$log" 2>&1 || fail_setup "npm run build"
node scripts/package.mjs >>"$log" 2>&1 || fail_setup "node scripts/package.mjs"

# 4. The checks.
rm -f "$log"
exec node "$here/run-tests.mjs"
