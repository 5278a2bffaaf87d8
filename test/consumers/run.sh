#!/usr/bin/env bash
# Consumer checks: proves the *published* package (npm pack) works in the kinds of app it supports
# and in the test set-ups their users run:
#
#   esm-nest12       a Nest 12 ES-module app (import -> dist/esm), plain node
#   cjs-nest11       a Nest 11 CommonJS app (require -> dist/cjs, jose 6 via require(esm)), plain node
#   nest12-vitest    Nest 12 (ESM) + vitest 4: with unplugin-swc (Nest's recipe), then without it
#                    (what `nest new` generates)
#   nest12-jest-esm  Nest 12 (ESM) + jest 30 on ES modules (ts-jest's ESM preset), then tsc
#   nest11-jest-cjs  Nest 11 (CommonJS) + jest 30 + ts-jest, then tsc with "moduleResolution": "node"
#                    (the subpaths' types through package.json's typesVersions)
#
# The test projects (see docs/testing.md) each run one supertest e2e file: 401 + the Basic
# challenge, 200 with valid credentials, and nest-http-auth/testing's drift check. Also checks the
# tarball's manifest. Each check prints PASS/FAIL; the script exits non-zero if any fails.
#
#   npm run test:consumers            (packs; `prepack` builds dist/ first)
#
# The consumers are installed in temporary folders under ${TMPDIR:-/tmp}, removed on exit. All
# installs run side by side and share npm's cache (--prefer-offline: what `npm ci` fetched is
# reused); each test project runs as soon as its own install is done, its output shown only when it
# fails.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/nest-http-auth-consumers.XXXXXX")"
trap 'rm -rf "$work"' EXIT

passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); }

# --- pack (prepack runs the build) and check what the tarball contains -----------------------
echo "consumers: packing the library"
(cd "$root" && npm pack --pack-destination "$work" --loglevel=error >"$work/pack.log" 2>&1) || {
  cat "$work/pack.log"
  echo "FAIL pack: npm pack failed"
  exit 1
}
tarball="$(ls "$work"/nest-http-auth-*.tgz)"
if node "$here/check-manifest.mjs" "$tarball"; then pass; else fail; fi

# --- create and install the consumers ------------------------------------------------------------
# setup NAME TYPE DEPENDENCY...: copies test/consumers/NAME/ into a temporary folder with a
# package.json of that "type" and installs the tarball and the dependencies there.
setup() {
  local name="$1" type="$2"
  shift 2
  local dir="$work/$name"
  mkdir -p "$dir"
  # The test projects share their app and its test (test/consumers/shared/); each has its own
  # configuration and test-globals.ts.
  if [ -f "$here/$name/test-globals.ts" ]; then cp "$here/shared/"*.ts "$dir/"; fi
  cp -R "$here/$name/." "$dir/"
  printf '{ "name": "%s", "private": true, "type": "%s" }\n' "consumer-$name" "$type" >"$dir/package.json"
  (cd "$dir" && npm install --no-audit --no-fund --no-package-lock --prefer-offline \
    --loglevel=error "$tarball" "$@") >"$dir/install.log" 2>&1
}

# The plain apps get only the peers (no @nestjs/swagger: the main entry must load without it).
common_deps=(passport@^0.7.0 rxjs@^7.8.0 reflect-metadata@^0.2.0)
nest12=(@nestjs/core@^12 @nestjs/common@^12 @nestjs/platform-express@^12 @nestjs/passport@^12 "${common_deps[@]}")
nest11=(@nestjs/core@^11 @nestjs/common@^11 @nestjs/platform-express@^11 @nestjs/passport@^11 "${common_deps[@]}")
# The test projects add the testing module, swagger (for the drift check) and supertest.
tests12=("${nest12[@]}" @nestjs/testing@^12 @nestjs/swagger@^12 supertest@^7)
tests11=("${nest11[@]}" @nestjs/testing@^11 @nestjs/swagger@^11 supertest@^7)

# A test project's steps, run in its folder as soon as its own install is done; output in steps.log.
declare -A steps=(
  [nest12-vitest]='npx vitest run && npx vitest run --config vitest.no-swc.config.ts'
  [nest12-jest-esm]='node --experimental-vm-modules --disable-warning=ExperimentalWarning node_modules/jest/bin/jest.js && npx tsc --noEmit -p tsconfig.json'
  [nest11-jest-cjs]='npx jest && npx tsc --noEmit -p tsconfig.json'
)
# test_project NAME TYPE DEPENDENCY...: installs, then runs the steps; NAME/result says how it went.
test_project() {
  local dir="$work/$1" status=0
  if ! setup "$@"; then
    echo install >"$dir/result"
    return
  fi
  (cd "$dir" && CI=true timeout 150 bash -c "${steps[$1]}" </dev/null >steps.log 2>&1) || status=$?
  echo "$status" >"$dir/result"
}

echo "consumers: installing 2 apps and 3 test projects side by side (each test project runs once installed)"
started=$SECONDS
declare -A jobs
setup esm-nest12 module "${nest12[@]}" &
jobs[esm-nest12]=$!
setup cjs-nest11 commonjs "${nest11[@]}" &
jobs[cjs-nest11]=$!
test_project nest12-vitest module "${tests12[@]}" vitest@^4 unplugin-swc@^2 @swc/core@^1 &
jobs[nest12-vitest]=$!
test_project nest12-jest-esm module "${tests12[@]}" jest@^30 @jest/globals@^30 ts-jest@^29 \
  typescript@^6 @types/node@^20 @types/supertest@^7 &
jobs[nest12-jest-esm]=$!
test_project nest11-jest-cjs commonjs "${tests11[@]}" jest@^30 ts-jest@^29 typescript@^5 \
  @types/jest@^30 @types/node@^20 @types/supertest@^7 &
jobs[nest11-jest-cjs]=$!

# show_log FILE: a consumer's log, indented (so that none of its lines reads as a summary line).
show_log() { sed 's/^/    /' "$1"; }

# version NAME PACKAGE: the installed version of PACKAGE in consumer NAME.
version() {
  node -p "JSON.parse(require('fs').readFileSync('$work/$1/node_modules/$2/package.json', 'utf8')).version"
}

# --- the two plain apps ----------------------------------------------------------------------------
# run_app NAME APP_FILE
run_app() {
  local name="$1" app="$2" dir="$work/$1"
  if ! wait "${jobs[$name]}"; then
    show_log "$dir/install.log"
    echo "FAIL $name: npm install failed"
    fail
    return
  fi
  # The app prints its own PASS/FAIL line; a crash before that (e.g. the package failing to load)
  # is reported here.
  if (cd "$dir" && timeout 60 node "$app" </dev/null); then
    pass
  else
    echo "FAIL $name: the app exited with status $?"
    fail
  fi
}
run_app esm-nest12 app.mjs
run_app cjs-nest11 app.cjs

# --- the three test projects -----------------------------------------------------------------------
# The Nest major each must have got, and what its PASS line says it ran.
declare -A major=([nest12-vitest]=12 [nest12-jest-esm]=12 [nest11-jest-cjs]=11)
ran() {
  case "$1" in
    nest12-vitest)
      echo "vitest $(version "$1" vitest) with unplugin-swc $(version "$1" unplugin-swc), then with Vite $(version "$1" vite)'s own transform"
      ;;
    nest12-jest-esm)
      echo "jest $(version "$1" jest) on ESM + ts-jest $(version "$1" ts-jest), tsc $(version "$1" typescript) nodenext"
      ;;
    nest11-jest-cjs)
      echo "jest $(version "$1" jest) CommonJS + ts-jest $(version "$1" ts-jest) compiling jose, tsc $(version "$1" typescript) moduleResolution node"
      ;;
  esac
}

for name in nest12-vitest nest12-jest-esm nest11-jest-cjs; do
  dir="$work/$name"
  wait "${jobs[$name]}" || true
  result="$(cat "$dir/result" 2>/dev/null || echo "no result")"
  if [ "$result" = install ]; then
    show_log "$dir/install.log"
    echo "FAIL $name: npm install failed"
    fail
    continue
  fi
  nest="$(version "$name" @nestjs/core)"
  if [ "$result" != 0 ]; then
    show_log "$dir/steps.log"
    echo "FAIL $name (@nestjs/core $nest): a step exited with status $result"
    fail
  elif [ "${nest%%.*}" != "${major[$name]}" ]; then
    echo "FAIL $name: @nestjs/core is $nest, expected ${major[$name]}.x"
    fail
  else
    echo "PASS $name (@nestjs/core $nest, $(ran "$name")): 401 + Basic challenge, 200 for alice:a:b, document matches enforcement"
    pass
  fi
done
echo "consumers: installed and ran in $((SECONDS - started)) s"

echo "consumers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
