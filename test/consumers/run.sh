#!/usr/bin/env bash
# Consumer checks: proves the *published* package (npm pack) works in the two kinds of app it
# supports: a Nest 12 ES-module app (import -> dist/esm) and a Nest 11 CommonJS app
# (require -> dist/cjs). Also checks the tarball's manifest. Each check prints PASS/FAIL; the
# script exits non-zero if any fails.
#
#   npm run test:consumers            (packs; `prepack` builds dist/ first)
#
# The apps are installed in temporary folders under ${TMPDIR:-/tmp}, removed on exit. Both installs
# run side by side and share npm's cache (--prefer-offline: what `npm ci` fetched is reused).
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

# --- create and install the consumer apps -------------------------------------------------------
# setup NAME TYPE APP_FILE DEPENDENCY...
setup() {
  local name="$1" type="$2" app="$3"
  shift 3
  local dir="$work/$name"
  mkdir -p "$dir"
  printf '{ "name": "%s", "private": true, "type": "%s" }\n' "consumer-$name" "$type" >"$dir/package.json"
  cp "$here/$name/$app" "$dir/"
  (cd "$dir" && npm install --no-audit --no-fund --no-package-lock --prefer-offline \
    --loglevel=error "$tarball" "$@") >"$dir/install.log" 2>&1
}

common_deps=(passport@^0.7.0 rxjs@^7.8.0 reflect-metadata@^0.2.0)
esm_deps=(@nestjs/core@^12 @nestjs/common@^12 @nestjs/platform-express@^12 @nestjs/passport@^12 "${common_deps[@]}")
cjs_deps=(@nestjs/core@^11 @nestjs/common@^11 @nestjs/platform-express@^11 @nestjs/passport@^11 "${common_deps[@]}")

echo "consumers: installing the Nest 12 (ESM) and Nest 11 (CommonJS) apps"
started=$SECONDS
setup esm-nest12 module app.mjs "${esm_deps[@]}" &
esm_install=$!
setup cjs-nest11 commonjs app.cjs "${cjs_deps[@]}" &
cjs_install=$!
esm_ok=1 cjs_ok=1
wait "$esm_install" || esm_ok=0
wait "$cjs_install" || cjs_ok=0
echo "consumers: installed in $((SECONDS - started)) s"

# run NAME APP_FILE INSTALLED_OK
run() {
  local name="$1" app="$2" installed="$3" dir="$work/$1"
  if [ "$installed" != 1 ]; then
    cat "$dir/install.log"
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
run esm-nest12 app.mjs "$esm_ok"
run cjs-nest11 app.cjs "$cjs_ok"

echo "consumers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
